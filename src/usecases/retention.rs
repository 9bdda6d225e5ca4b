//! The `purge` job: personal data past retention goes — invitations and their token
//! hashes some days after their round closed (rounds keep their counts), emails done
//! with (recipient, state, times), old audit entries, people who no longer use any
//! service, and dashboard sign-in links and sessions that have ended. The deleted rows'
//! bytes are zeroed (`secure_delete`) and the SQLite log is emptied afterwards, so they
//! are not left in the files.

use chrono::Duration;

use super::{AppState, Counts};
use crate::{domain::Error, store};

pub async fn purge(state: &AppState) -> Result<Counts, Error> {
    let now = state.clock.now();
    let retention = &state.settings.retention;
    let invitations_before = now - Duration::days(i64::from(retention.invitation_days));
    let invitations = super::in_transaction(&state.db, async |txn| {
        store::rounds::purge_invitations(txn, invitations_before).await
    })
    .await?;
    let audit = store::audit::purge_before(
        &state.db,
        now - Duration::days(i64::from(retention.audit_days)),
    )
    .await?;
    let people = store::invitations::purge_former_users(&state.db).await?;
    let emails = store::outbox::purge_finished(
        &state.db,
        now - Duration::days(i64::from(retention.outbox_days)),
    )
    .await?;
    // The file transport's copies of those emails go with them.
    let email_files = state
        .mailer
        .delete_files_before((now - Duration::days(i64::from(retention.outbox_days))).into())
        .await
        .map_err(Error::Unavailable)?;
    let sign_ins = store::sign_in::purge_ended(&state.db, now).await?;
    super::empty_log(&state.db).await?;
    Ok(Counts::from([
        ("sign_ins_deleted", sign_ins),
        ("invitations_deleted", invitations),
        ("emails_deleted", emails),
        ("email_files_deleted", email_files),
        ("audit_entries_deleted", audit),
        ("respondents_deleted", people),
    ]))
}
