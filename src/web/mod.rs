//! Server-rendered pages and operations endpoints.

pub mod limits;
pub mod metrics;
pub mod ops;
pub mod survey;
