//! Åtgärder, "ni sa – vi gör" (SPEC "Closing the loop"): an objektägare keeps the
//! actions of their own services, Kommunledningskontoret every service's; each change is
//! one transaction with its audit entry. Respondents read the published ones through
//! [`for_respondents`], with no account: their link is their authority.

use chrono_tz::Europe::Stockholm;
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::{AppState, audit, link_lookup::OnLink};
use crate::{
    domain::{
        Actor, Error, Page, PageRequest,
        action::{
            Action, ActionFilter, ActionInput, NewAction, RoundOfAction, SHOWN_TO_RESPONDENTS,
            check_round, may_keep, owes_action,
        },
        token::SecretToken,
    },
    stats::{
        nyttoanalys::{ActionsSection, ServiceLine, actions_section},
        series::RoundSeriesEntry,
    },
    store::{self, actions},
};

/// The actions `filter` asks for, newest first; an objektägare sees only their own
/// services', and asking for another's service is refused rather than answered empty.
/// A service that does not exist has no actions: an empty page, as for any filter.
pub async fn list_actions(
    state: &AppState,
    actor: &Actor,
    mut filter: ActionFilter,
    page: PageRequest,
) -> Result<Page<Action>, Error> {
    if let Some(service_id) = filter.service_id {
        match store::catalogue::get_service(&state.db, service_id).await {
            Ok(service) => may_keep(actor, service.details.owner_id)?,
            Err(Error::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    filter.owner_id = actor.owner_scope();
    actions::list(&state.db, filter, page).await
}

pub async fn get_action(state: &AppState, actor: &Actor, id: i32) -> Result<Action, Error> {
    let action = actions::get(&state.db, id).await?;
    require_keeper(&state.db, actor, action.details.service_id).await?;
    Ok(action)
}

/// Every action of a service, newest first (its page on the dashboard).
pub async fn of_service(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
) -> Result<Vec<Action>, Error> {
    require_keeper(&state.db, actor, service_id).await?;
    let mut all = actions::of_services(&state.db, &[service_id]).await?;
    all.reverse();
    Ok(all)
}

/// Creates an action (`id` is `None`) or replaces one. Every problem with the fields is
/// reported together; the round must be the service's and the item one of its
/// questions; nothing is stored unless all is right.
pub async fn save_action(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    input: ActionInput,
) -> Result<Action, Error> {
    let now = state.clock.now();
    let today = now.with_timezone(&Stockholm).date_naive();
    super::in_transaction(&state.db, async |txn| {
        let current = match id {
            Some(id) => {
                let current = actions::get(txn, id).await?;
                require_keeper(txn, actor, current.details.service_id).await?;
                Some(current)
            }
            None => None,
        };
        let service = store::catalogue::get_service(txn, input.service_id)
            .await
            .map_err(|e| e.as_invalid_reference("service_id"))?;
        may_keep(actor, service.details.owner_id)?;
        let new = NewAction::parse(input, current.as_ref(), today)?;
        if let Some(round_id) = new.round_id {
            check_round_of(txn, &new, round_id).await?;
        }
        let saved = actions::save(txn, id, &new, now).await?;
        audit::record(
            txn,
            actor,
            now,
            audit::save_action(id),
            "action",
            Some(saved.id.to_string()),
            json!({"service_id": saved.details.service_id, "title": saved.details.title,
                   "status": saved.details.status.as_str(), "published": saved.details.published}),
        )
        .await?;
        Ok(saved)
    })
    .await
}

pub async fn delete_action(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let action = actions::get(txn, id).await?;
        require_keeper(txn, actor, action.details.service_id).await?;
        actions::delete(txn, id).await?;
        audit::record(
            txn,
            actor,
            now,
            "delete",
            "action",
            Some(id.to_string()),
            json!({"service_id": action.details.service_id, "title": action.details.title}),
        )
        .await
    })
    .await
}

/// Refuses `actor` unless they keep the actions of service `service_id`.
async fn require_keeper(
    db: &impl ConnectionTrait,
    actor: &Actor,
    service_id: i32,
) -> Result<(), Error> {
    let service = store::catalogue::get_service(db, service_id).await?;
    may_keep(actor, service.details.owner_id)
}

/// The round `new` names must exist, be its service's and ask its item.
async fn check_round_of(
    db: &impl ConnectionTrait,
    new: &NewAction,
    round_id: i32,
) -> Result<(), Error> {
    let round = store::rounds::get(db, round_id)
        .await
        .map_err(|e| e.as_invalid_reference("round_id"))?;
    let questionnaire = store::questionnaires::get(db, round.questionnaire_id).await?;
    let keys: Vec<&str> = questionnaire.items.iter().map(|i| i.key.as_str()).collect();
    check_round(
        new,
        RoundOfAction {
            id: round.id,
            service_id: round.service_id,
            item_keys: &keys,
        },
    )
}

/// What a service's respondents are told it did: its newest published actions, at most
/// [`SHOWN_TO_RESPONDENTS`] (the thank-you page, an invitation) or all (`all`: the
/// results page).
pub(crate) async fn for_respondents(
    db: &impl ConnectionTrait,
    service_id: i32,
    all: bool,
) -> Result<Vec<Action>, Error> {
    actions::published_of(db, service_id, (!all).then_some(SHOWN_TO_RESPONDENTS)).await
}

/// What a respondent's results page shows: the service's last released round whose
/// figures passed the anonymity threshold (whole round and the segments large enough
/// to show), and every action it has published.
pub struct ServiceNews {
    pub service_name: String,
    /// Its figures as the series decided them: `Figure::shown()` is all a reader may show.
    pub latest: Option<RoundSeriesEntry>,
    pub actions: Vec<Action>,
    pub min_group_size: u32,
}

/// The results page of the service behind a personal link; `None` when no link has the
/// token. The link is the authority, as for answering: whoever was asked about a service
/// may read what came of it, and what passed the threshold is all there is to read.
pub async fn news_for_link(
    state: &AppState,
    token: &SecretToken,
) -> Result<Option<OnLink<ServiceNews>>, Error> {
    state
        .links_lookup
        .on_link(token, async |link| {
            let service = store::catalogue::get_service(&state.db, link.service_id).await?;
            let results = super::results::results_of_service(state, service).await?;
            Ok(ServiceNews {
                service_name: link.service_name,
                latest: results
                    .rounds
                    .iter()
                    .rev()
                    .find(|entry| entry.has_results())
                    .cloned(),
                actions: for_respondents(&state.db, link.service_id, true).await?,
                min_group_size: state.settings.survey.min_group_size,
            })
        })
        .await
}

/// Whether the digest reminds the service's objektägare to record an action: the
/// service has released results and no action at all.
pub(crate) async fn owes_an_action(
    db: &impl ConnectionTrait,
    results: &super::results::ServiceResults,
) -> Result<bool, Error> {
    let released = results.rounds.iter().any(|entry| entry.has_results());
    let recorded = actions::of_services(db, &[results.service.id]).await?.len();
    Ok(owes_action(released, recorded))
}

/// The nyttoanalys's section on actions: every action of the report's services.
pub(crate) async fn report_section(
    db: &impl ConnectionTrait,
    services: &[ServiceLine],
) -> Result<ActionsSection, Error> {
    let ids: Vec<i32> = services.iter().map(|line| line.service_id).collect();
    let all = actions::of_services(db, &ids).await?;
    // The periods of the rounds actions are tied to: only those services' rounds.
    let mut tied: Vec<i32> = all
        .iter()
        .filter(|a| a.details.round_id.is_some())
        .map(|a| a.details.service_id)
        .collect();
    tied.dedup();
    let round_periods = store::rounds::of_services(db, &tied)
        .await?
        .into_iter()
        .map(|round| (round.id, round.period))
        .collect();
    Ok(actions_section(services, &all, &round_periods))
}
