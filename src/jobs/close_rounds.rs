//! `close_rounds`: close every round whose answer window has ended.

pub use crate::usecases::rounds::close_due_rounds as close_rounds;
