//! `send_reminders`: queue the reminders that are due; `dispatch_outbox` sends them.

pub use crate::usecases::reminders::queue_due_reminders as send_reminders;
