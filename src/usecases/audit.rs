//! The audit log: every change a use case makes is recorded in its own transaction
//! (who, what, when); admins read it back.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use super::AppState;
use crate::{
    domain::{
        Actor, Error, Page, PageRequest,
        audit::{AuditEntry, AuditFilter},
    },
    store,
};

/// Records that `actor` did `action` to `entity` at `at` (the operation's time, from
/// the caller's clock); `db` is the transaction of the change it records.
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    summary: Value,
) -> Result<(), Error> {
    store::audit::insert(db, &actor.label, at, action, entity, entity_id, &summary).await
}

/// "create" or "update", as the audit log names a save of the record with `id`
/// (`None`: a new record).
pub(super) fn save_action(id: Option<i32>) -> &'static str {
    if id.is_some() { "update" } else { "create" }
}

/// The entries matching `filter`, newest first.
pub async fn list_audit(
    state: &AppState,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEntry>, Error> {
    actor.require_admin()?;
    store::audit::list(&state.db, filter, page).await
}
