//! Reading the audit log: who changed what, and when (admin only).

pub use crate::store::audit::{AuditEntry, AuditFilter};
use crate::{
    domain::{Actor, Error, Page, PageRequest},
    store::audit as store,
};

use super::AppState;

/// The entries matching `filter`, newest first.
pub async fn list_audit(
    state: &AppState,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEntry>, Error> {
    actor.require_admin()?;
    store::list(&state.db, filter, page).await
}
