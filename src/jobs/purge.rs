//! `purge`: delete personal data past retention.

pub use crate::usecases::retention::purge;
