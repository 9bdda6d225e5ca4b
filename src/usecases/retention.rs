//! The `purge` job: personal data past retention goes — invitations and their token
//! hashes some days after their round closed (rounds keep their counts), old audit
//! entries, and people who no longer use any service.

use chrono::Duration;

use super::{AppState, Counts};
use crate::{domain::Error, store};

pub async fn purge(state: &AppState) -> Result<Counts, Error> {
    let now = state.clock.now();
    let retention = &state.settings.retention;
    let invitations = store::rounds::purge_invitations(
        &state.db,
        now - Duration::days(i64::from(retention.invitation_days)),
    )
    .await?;
    let audit = store::audit::purge_before(
        &state.db,
        now - Duration::days(i64::from(retention.audit_days)),
    )
    .await?;
    let people = store::invitations::purge_former_users(&state.db).await?;
    Ok(Counts::from([
        ("invitations_deleted", invitations),
        ("audit_entries_deleted", audit),
        ("respondents_deleted", people),
    ]))
}
