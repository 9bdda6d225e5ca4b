//! Server-rendered pages and operations endpoints.

mod answer_form;
pub mod dashboard;
pub mod limits;
pub mod metrics;
pub mod ops;
mod pages;
pub mod survey;
