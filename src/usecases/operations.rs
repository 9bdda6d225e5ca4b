//! What the operations endpoints report: whether the database answers, and how busy
//! its connection pool is. Not behind a role: probes and scrapers carry no token.

use crate::store;

use super::AppState;

/// Whether the database answers now.
pub async fn database_ready(state: &AppState) -> bool {
    store::ping(&state.db).await
}

/// Open and idle connections of the pool.
pub fn pool_usage(state: &AppState) -> (u32, usize) {
    store::pool_usage(&state.db)
}
