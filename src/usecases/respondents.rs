//! The register of people who use the services: the CSV import, and one person's data
//! (GDPR access and erasure).

use std::collections::HashSet;

use serde_json::json;

use super::{
    AppState,
    audit::{self, save_action},
};
use crate::{
    domain::{
        Actor, Error, NewRespondent, Page, PageRequest, PersonalData, Respondent, RespondentFilter,
        import::{self, ImportSummary, plan_import},
    },
    store,
};

/// Parses, checks and applies a respondent CSV: people are created or updated by email
/// and each listed person's services become exactly those in the file. Any bad row
/// rejects the whole file; with `dry_run` nothing is written. `progress` is told how many
/// rows are done.
pub async fn import_respondents(
    state: &AppState,
    actor: &Actor,
    bytes: &[u8],
    dry_run: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary, Error> {
    actor.require_admin()?;
    let service_ids = store::catalogue::service_ids_by_slug(&state.db).await?;
    let known: HashSet<String> = service_ids.keys().cloned().collect();
    let rows = import::parse_respondents_csv(bytes, &known).map_err(Error::Invalid)?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let emails: Vec<&str> = rows.iter().map(|r| r.respondent.email.as_str()).collect();
        let registered = store::respondents::registered_by_email(txn, &emails).await?;
        let plan = plan_import(rows.clone(), &registered, &service_ids, dry_run);
        if dry_run {
            return Ok(plan.summary);
        }
        let summary = plan.summary.clone();
        progress(summary.updated + summary.unchanged);
        store::respondents::apply_import(txn, plan, now, progress).await?;
        audit::record(
            txn,
            actor,
            now,
            "import",
            "respondent",
            None,
            json!({"rows": summary.rows, "created": summary.created,
                   "updated": summary.updated, "unchanged": summary.unchanged}),
        )
        .await?;
        Ok(summary)
    })
    .await
}

pub async fn list_respondents(
    state: &AppState,
    actor: &Actor,
    filter: &RespondentFilter,
    page: PageRequest,
) -> Result<Page<Respondent>, Error> {
    actor.require_admin()?;
    store::respondents::list(&state.db, filter, page).await
}

pub async fn get_respondent(state: &AppState, actor: &Actor, id: i32) -> Result<Respondent, Error> {
    actor.require_admin()?;
    store::respondents::get(&state.db, id).await
}

/// Creates (`id` = None) or replaces one respondent and their services.
pub async fn save_respondent(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    new: NewRespondent,
) -> Result<Respondent, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let ids_by_slug = store::catalogue::service_ids_by_slug(txn).await?;
        let service_ids = new.service_ids(&ids_by_slug)?;
        if let Some(id) = id {
            store::respondents::get(txn, id).await?;
        }
        let saved_id = store::respondents::save(txn, id, &new, service_ids, now).await?;
        audit::record(
            txn,
            actor,
            now,
            save_action(id),
            "respondent",
            Some(saved_id.to_string()),
            json!({"services": new.services.iter().map(|s| s.as_str()).collect::<Vec<_>>()}),
        )
        .await?;
        store::respondents::get(txn, saved_id).await
    })
    .await
}

/// Everything kept about one person (GDPR access): the register entry, their
/// invitations and the emails kept about them. Answers are anonymous and cannot be
/// found from the person.
pub async fn export_personal_data(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> Result<PersonalData, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    let exported = PersonalData {
        person: store::respondents::get(&state.db, id).await?,
        invitations: store::respondents::invitations_of(&state.db, id).await?,
        emails: store::outbox::kept_for_person(&state.db, id).await?,
    };
    audit::record(
        &state.db,
        actor,
        now,
        "export",
        "respondent",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    Ok(exported)
}

/// Erases a person (GDPR erasure): their row, their service links, their invitations
/// and every email to them; the deleted bytes are zeroed and the SQLite log emptied. Anonymous responses are untouched: nothing
/// links them to the person.
pub async fn erase_respondent(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    let email = super::in_transaction(&state.db, async |txn| {
        let person = store::respondents::get(txn, id).await?;
        // The emails first: those to the address are found through the person's row.
        store::outbox::delete_of_person(txn, id).await?;
        store::respondents::delete(txn, id).await?;
        // No name or address in the audit entry: the point of erasure is that they are gone.
        audit::record(
            txn,
            actor,
            now,
            "delete",
            "respondent",
            Some(id.to_string()),
            json!({}),
        )
        .await?;
        Ok(person.email)
    })
    .await?;
    // The file transport's copies of their emails too (name, address, personal links).
    state
        .mailer
        .delete_files_to(&[email.as_str().to_owned()])
        .await
        .map_err(Error::Unavailable)?;
    super::empty_log(&state.db).await
}
