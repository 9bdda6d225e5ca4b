//! `send_reminders`: queue the reminders that are due; `dispatch_outbox` sends them.

use chrono::Utc;

use super::Counts;
use crate::{
    app::AppState,
    domain::{Error, survey::Links},
    store,
};

pub async fn send_reminders(state: &AppState) -> Result<Counts, Error> {
    let links = Links::new(&state.settings.server.public_url);
    let queued = store::invitations::queue_due_reminders(&state.db, &links, Utc::now()).await?;
    Ok(Counts::from([("reminders_queued", queued as u64)]))
}
