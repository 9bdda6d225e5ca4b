//! Questionnaires and survey programmes. Every role may read them; only admins change
//! them. A programme's change wakes the scheduler so its timer follows at once.

use std::collections::HashMap;

use crate::{
    domain::{
        Actor, CronSchedule, Error, Page, PageRequest,
        programme::{NewProgramme, Programme},
        questionnaire::{Item, Questionnaire},
    },
    store::{programmes, questionnaires},
};

use super::AppState;

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

pub async fn create_questionnaire(
    state: &AppState,
    actor: &Actor,
    name: &str,
    items: Vec<Item>,
) -> Result<Questionnaire, Error> {
    actor.require_admin()?;
    questionnaires::create(&state.db, actor, name, items, state.clock.now()).await
}

/// Edits a questionnaire; a version already used by a round becomes a new version.
pub async fn update_questionnaire(
    state: &AppState,
    actor: &Actor,
    id: i32,
    name: &str,
    items: Vec<Item>,
) -> Result<Questionnaire, Error> {
    actor.require_admin()?;
    questionnaires::update(&state.db, actor, id, name, items, state.clock.now()).await
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
    Ok(active.into_iter().map(|p| (p.id, p.schedule)).collect())
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
    let saved = programmes::save(
        &state.db,
        actor,
        id,
        parse(questionnaire_id)?,
        state.clock.now(),
    )
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
    let saved = programmes::deactivate(&state.db, actor, id, state.clock.now()).await?;
    state.programmes_changed.notify_one();
    Ok(saved)
}
