//! `open_rounds`: open this period's rounds of every programme whose schedule has fired
//! in the current period, and queue the invitations.

pub use crate::usecases::rounds::open_due_rounds;
