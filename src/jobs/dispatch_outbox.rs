//! `dispatch_outbox`: send what the outbox holds.

pub use crate::usecases::dispatch::dispatch_outbox;
