//! `close_rounds`: close every round whose answer window has ended.

use chrono::Utc;

use super::Counts;
use crate::{app::AppState, domain::Error, store};

pub async fn close_rounds(state: &AppState) -> Result<Counts, Error> {
    let closed = store::rounds::close_due(&state.db, Utc::now()).await?;
    Ok(Counts::from([("rounds_closed", closed)]))
}
