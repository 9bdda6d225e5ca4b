//! Server-rendered pages and operations endpoints.

mod answer_form;
pub mod client_address;
pub mod dashboard;
pub mod limits;
pub mod metrics;
mod news;
pub mod open_link;
pub mod ops;
mod pages;
pub mod security_headers;
pub mod survey;
