//! Questionnaires and survey programmes. Every role may read them; only admins change
//! them. A programme's change wakes the scheduler so its timer follows at once.

use std::collections::HashMap;

use serde_json::json;

use super::{
    AppState,
    audit::{self, save_action},
};
use crate::{
    domain::{
        Actor, CronSchedule, Error, Page, PageRequest,
        programme::{NewProgramme, Programme, Sampling},
        questionnaire::{Item, Questionnaire, Revision, validate_items},
    },
    store::{catalogue, programmes, questionnaires},
};

/// The questionnaire a programme uses when none is named.
const DEFAULT_TEMPLATE: &str = "standard";

// ---- questionnaires ----

/// Built-in templates and admins' own questionnaires, every version.
pub async fn list_questionnaires(
    state: &AppState,
    _actor: &Actor,
    page: PageRequest,
) -> Result<Page<Questionnaire>, Error> {
    let all = questionnaires::list(&state.db).await?;
    Ok(Page::of_all(all, page))
}

pub async fn get_questionnaire(
    state: &AppState,
    _actor: &Actor,
    id: i32,
) -> Result<Questionnaire, Error> {
    questionnaires::get(&state.db, id).await
}

/// Creates a questionnaire (`id` is `None`) or edits one: in place while no round has
/// used it, otherwise as a new version (the returned questionnaire then has a new id).
pub async fn save_questionnaire(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    name: &str,
    items: Vec<Item>,
) -> Result<Questionnaire, Error> {
    actor.require_admin()?;
    validate_items(name, &items)?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let (saved_id, action, previous_version_id) = match id {
            None => {
                let new_id = questionnaires::insert(txn, name, 1, None, &items, now).await?;
                (new_id, "create", None)
            }
            Some(id) => match questionnaires::get(txn, id).await?.revision() {
                Revision::InPlace => {
                    questionnaires::update_in_place(txn, id, name, &items).await?;
                    (id, "update", None)
                }
                Revision::NewVersion {
                    version,
                    previous_version_id,
                } => {
                    let previous = Some(previous_version_id);
                    let new_id =
                        questionnaires::insert(txn, name, version, previous, &items, now).await?;
                    (new_id, "new_version", previous)
                }
            },
        };
        let summary = match id {
            None => json!({"name": name, "items": items.len()}),
            Some(_) => json!({"name": name, "previous_version_id": previous_version_id}),
        };
        audit::record(
            txn,
            actor,
            now,
            action,
            "questionnaire",
            Some(saved_id.to_string()),
            summary,
        )
        .await?;
        questionnaires::get(txn, saved_id).await
    })
    .await
}

// ---- programmes ----

/// Every programme, inactive ones included.
pub async fn list_programmes(
    state: &AppState,
    _actor: &Actor,
    page: PageRequest,
) -> Result<Page<Programme>, Error> {
    let all = programmes::list(&state.db, false).await?;
    Ok(Page::of_all(all, page))
}

/// The schedule of every active programme, by programme id: the scheduler's timers.
pub async fn active_schedules(state: &AppState) -> Result<HashMap<i32, CronSchedule>, Error> {
    let active = programmes::list(&state.db, true).await?;
    Ok(active
        .into_iter()
        .map(|p| (p.id, p.settings.schedule))
        .collect())
}

pub async fn get_programme(state: &AppState, _actor: &Actor, id: i32) -> Result<Programme, Error> {
    programmes::get(&state.db, id).await
}

/// Creates a programme (`id` is `None`) or replaces one. `parse` builds it from the
/// questionnaire it is to use (`questionnaire_id`, or the standard template when none is
/// named); it runs only after the role check, so a non-admin learns nothing about why
/// their input would have been refused.
pub async fn save_programme(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    questionnaire_id: Option<i32>,
    parse: impl FnOnce(i32) -> Result<NewProgramme, Error>,
) -> Result<Programme, Error> {
    actor.require_admin()?;
    let questionnaire_id = match questionnaire_id {
        Some(id) => id,
        None => {
            questionnaires::template(&state.db, DEFAULT_TEMPLATE)
                .await?
                .id
        }
    };
    let new = parse(questionnaire_id)?;
    let now = state.clock.now();
    let saved = super::in_transaction(&state.db, async |txn| {
        if let Some(id) = id {
            programmes::get(txn, id).await?;
        }
        let services: Vec<i32> = new.service_ids.iter().flatten().copied().collect();
        new.check_references(
            questionnaires::exists(txn, new.questionnaire_id).await?,
            &catalogue::existing_service_ids(txn, &services).await?,
        )?;
        let saved_id = programmes::save(txn, id, &new, now).await?;
        audit::record(
            txn,
            actor,
            now,
            save_action(id),
            "programme",
            Some(saved_id.to_string()),
            json!({"name": new.name, "schedule": new.schedule.as_str(),
                   "period": new.period.as_str(), "service_ids": new.service_ids,
                   "active": new.active,
                   "sampling": matches!(new.sampling, Sampling::Precision { .. })}),
        )
        .await?;
        programmes::get(txn, saved_id).await
    })
    .await?;
    state.programmes_changed.notify_one();
    Ok(saved)
}

/// Deactivates a programme: its rounds stay, no new ones open.
pub async fn deactivate_programme(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> Result<Programme, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    let saved = super::in_transaction(&state.db, async |txn| {
        programmes::get(txn, id).await?;
        programmes::deactivate(txn, id, now).await?;
        audit::record(
            txn,
            actor,
            now,
            "deactivate",
            "programme",
            Some(id.to_string()),
            json!({"active": false}),
        )
        .await?;
        programmes::get(txn, id).await
    })
    .await?;
    state.programmes_changed.notify_one();
    Ok(saved)
}
