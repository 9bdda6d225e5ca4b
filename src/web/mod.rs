//! Server-rendered pages and operations endpoints.

pub mod limits;
pub mod metrics;
pub mod ops;
mod pages;
pub mod survey;
