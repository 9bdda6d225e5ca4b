//! Server-rendered pages and operations endpoints.

pub mod answer_writer;
pub mod limits;
pub mod metrics;
pub mod ops;
mod pages;
pub mod survey;
