//! Insatser and KF goals (SPEC "Insatser"): Kommunledningskontoret keeps the goals and
//! every insats; an objektägare reads and edits the insatser where they are nyttoägare.
//! Every change is one transaction with its audit entry; a decision freezes the
//! nyttokalkyl's current version, and a later edit makes a new one. What was realised
//! and how proposals rank is [`portfolio`].

pub mod pages;
pub mod portfolio;
pub mod report;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::{AppState, audit};
use crate::{
    domain::{
        Actor, Error, FieldProblem,
        insats::{
            Goal, Insats, InsatsFilter, InsatsInput, InsatsStatus, NewGoal, NewInsats,
            change_status as decide_status_change, ensure_goal_unused, may_save,
            nyttokalkyl::{
                KalkylVersion, Nyttokalkyl, NyttokalkylInput, current_version, kalkyl_write,
            },
        },
    },
    stats::{
        insatser::{KalkylFigures, kalkyl_figures},
        summary::Valuation,
    },
    store::{self, insatser},
};

/// "create" or "update", as the audit log names a save.
fn save_action(id: Option<i32>) -> &'static str {
    if id.is_some() { "update" } else { "create" }
}

/// The day `now` falls on in Stockholm: a decision or a go-live happens on a local day.
fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Stockholm).date_naive()
}

/// What an hour and a working year are worth: the settings the results use.
pub(crate) fn valuation(state: &AppState) -> Valuation {
    Valuation {
        working_weeks: state.settings.survey.working_weeks,
        hourly_cost_sek: state.settings.survey.hourly_cost_sek,
    }
}

// ---- goals ----

/// KF goals are public policy: every signed-in account reads them.
pub async fn list_goals(state: &AppState, _actor: &Actor) -> Result<Vec<Goal>, Error> {
    insatser::list_goals(&state.db).await
}

pub async fn get_goal(state: &AppState, _actor: &Actor, id: i32) -> Result<Goal, Error> {
    insatser::get_goal(&state.db, id).await
}

/// Creates a goal (`id` is `None`) or replaces one; Kommunledningskontoret only.
pub async fn save_goal(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    new: NewGoal,
) -> Result<Goal, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let saved = insatser::save_goal(txn, id, &new, now).await?;
        audit::record(
            txn,
            actor,
            now,
            save_action(id),
            "goal",
            Some(saved.id.to_string()),
            json!({"title": saved.title, "valid_from": saved.valid_from, "valid_to": saved.valid_to}),
        )
        .await?;
        Ok(saved)
    })
    .await
}

/// Deletes a goal no insats serves.
pub async fn delete_goal(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let goal = insatser::get_goal(txn, id).await?;
        ensure_goal_unused(id, insatser::insatser_serving_goal(txn, id).await?)?;
        insatser::delete_goal(txn, id).await?;
        audit::record(
            txn,
            actor,
            now,
            "delete",
            "goal",
            Some(id.to_string()),
            json!({"title": goal.title}),
        )
        .await
    })
    .await
}

// ---- insatser ----

/// An insats with every version of its nyttokalkyl, oldest first, each with its figures.
#[derive(Debug, Clone)]
pub struct InsatsDetail {
    pub insats: Insats,
    pub versions: Vec<(KalkylVersion, KalkylFigures)>,
}

impl InsatsDetail {
    /// The version the insats plans now.
    pub fn current(&self) -> Option<&(KalkylVersion, KalkylFigures)> {
        self.versions.last()
    }

    /// The version the decision froze (the newest decided one).
    pub fn decided(&self) -> Option<&(KalkylVersion, KalkylFigures)> {
        self.versions
            .iter()
            .rev()
            .find(|(version, _)| version.decided_at.is_some())
    }
}

async fn detail(
    db: &impl ConnectionTrait,
    state: &AppState,
    insats: Insats,
) -> Result<InsatsDetail, Error> {
    let valuation = valuation(state);
    let versions = insatser::versions_of(db, &[insats.id])
        .await?
        .into_iter()
        .map(|version| {
            let figures = kalkyl_figures(&version.kalkyl, valuation);
            (version, figures)
        })
        .collect();
    Ok(InsatsDetail { insats, versions })
}

/// The insatser `filter` asks for; an objektägare sees only those where they are
/// nyttoägare, and asking for another's is refused rather than answered with theirs.
pub async fn list_insatser(
    state: &AppState,
    actor: &Actor,
    mut filter: InsatsFilter,
) -> Result<Vec<Insats>, Error> {
    filter.owner_id = match (actor.owner_scope(), filter.owner_id) {
        (Some(mine), Some(asked)) if mine != asked => {
            return Err(Error::Forbidden(
                "an objektägare may list only the insatser where they are nyttoägare".into(),
            ));
        }
        (Some(mine), _) => Some(mine),
        (None, asked) => asked,
    };
    insatser::list(&state.db, &filter).await
}

pub async fn get_insats(state: &AppState, actor: &Actor, id: i32) -> Result<InsatsDetail, Error> {
    let insats = insatser::get(&state.db, id).await?;
    if !actor.may_read_owned_by(insats.details.owner_id) {
        return Err(Error::Forbidden(
            "an objektägare may read only the insatser where they are nyttoägare".into(),
        ));
    }
    detail(&state.db, state, insats).await
}

/// Creates an insats as a proposal (`id` is `None`) or replaces its fields, with its
/// nyttokalkyl if one is given: over the current draft, or as a new version once the
/// current one is decided. Every problem with the fields and the kalkyl is reported
/// together, and nothing is stored unless all are right.
pub async fn save_insats(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    input: InsatsInput,
    kalkyl: Option<NyttokalkylInput>,
) -> Result<InsatsDetail, Error> {
    let (new, kalkyl) = parse(state, input, kalkyl)?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let current = match id {
            Some(id) => Some(insatser::get(txn, id).await?),
            None => None,
        };
        may_save(actor, current.as_ref(), &new)?;
        check_references(txn, &new).await?;
        if let (Some(id), None) = (id, &kalkyl) {
            let versions = insatser::versions_of(txn, &[id]).await?;
            if let Some(version) = current_version(&versions) {
                version.kalkyl.measures_only(&new.service_ids)?;
            }
        }
        let saved = insatser::save(txn, id, &new, now).await?;
        let version = match &kalkyl {
            Some(kalkyl) => {
                let write = kalkyl_write(insatser::latest_version(txn, saved.id).await?);
                Some(
                    insatser::write_version(txn, saved.id, write, kalkyl, now)
                        .await?
                        .version,
                )
            }
            None => None,
        };
        audit::record(
            txn,
            actor,
            now,
            save_action(id),
            "insats",
            Some(saved.id.to_string()),
            json!({
                "name": saved.details.name,
                "owner_id": saved.details.owner_id,
                "status": saved.status.as_str(),
                "nyttokalkyl_version": version,
            }),
        )
        .await?;
        detail(txn, state, saved).await
    })
    .await
}

/// The insats and kalkyl checked, their problems reported together. The kalkyl's
/// indicators are checked against the services asked for, even when another field of
/// the insats is wrong.
fn parse(
    state: &AppState,
    input: InsatsInput,
    kalkyl: Option<NyttokalkylInput>,
) -> Result<(NewInsats, Option<Nyttokalkyl>), Error> {
    let mut problems = Vec::new();
    let service_ids = input.service_ids.clone();
    let new = match NewInsats::parse(input) {
        Ok(new) => Some(new),
        Err(Error::Invalid(found)) => {
            problems.extend(found);
            None
        }
        Err(other) => return Err(other),
    };
    let rate = state.settings.insatser.discount_rate;
    let kalkyl = match kalkyl.map(|k| Nyttokalkyl::parse(k, &service_ids, rate)) {
        None => None,
        Some(Ok(kalkyl)) => Some(kalkyl),
        Some(Err(Error::Invalid(found))) => {
            problems.extend(found);
            None
        }
        Some(Err(other)) => return Err(other),
    };
    match new {
        Some(new) if problems.is_empty() => Ok((new, kalkyl)),
        _ => Err(Error::Invalid(problems)),
    }
}

/// Every id the insats names must exist: a 400 naming the field, not a conflict from a
/// foreign key.
async fn check_references(db: &impl ConnectionTrait, new: &NewInsats) -> Result<(), Error> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(FieldProblem::new(field, message));
    };
    if let Some(id) = new.department_id
        && let Err(Error::NotFound { .. }) = store::catalogue::get_department(db, id).await
    {
        problem("department_id", format!("department {id} does not exist"));
    }
    if let Some(id) = new.owner_id
        && let Err(Error::NotFound { .. }) = store::catalogue::get_owner(db, id).await
    {
        problem("owner_id", format!("owner {id} does not exist"));
    }
    let unknown = insatser::unknown_service_ids(db, &new.service_ids).await?;
    if !unknown.is_empty() {
        problem("service_ids", format!("no service has id {unknown:?}"));
    }
    let unknown = insatser::unknown_goal_ids(db, &new.goal_ids).await?;
    if !unknown.is_empty() {
        problem("goal_ids", format!("no goal has id {unknown:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Moves insats `id` to `to`, on day `on` (today in Stockholm if not given). A
/// decision freezes the nyttokalkyl's current version.
pub async fn change_status(
    state: &AppState,
    actor: &Actor,
    id: i32,
    to: InsatsStatus,
    on: Option<NaiveDate>,
) -> Result<InsatsDetail, Error> {
    let now = state.clock.now();
    let on = on.unwrap_or_else(|| today(now));
    super::in_transaction(&state.db, async |txn| {
        let insats = insatser::get(txn, id).await?;
        let latest = insatser::latest_version(txn, id).await?;
        let change = decide_status_change(actor, &insats, to, on, latest.is_some())?;
        insatser::set_status(txn, id, &change, now).await?;
        let frozen = match latest {
            Some((version, false)) if change.freezes_kalkyl => {
                insatser::decide_version(txn, id, version, now).await?;
                Some(version)
            }
            _ => None,
        };
        audit::record(
            txn,
            actor,
            now,
            "status",
            "insats",
            Some(id.to_string()),
            json!({
                "from": insats.status.as_str(),
                "to": change.status.as_str(),
                "on": on,
                "decided_nyttokalkyl_version": frozen,
            }),
        )
        .await?;
        let changed = insatser::get(txn, id).await?;
        detail(txn, state, changed).await
    })
    .await
}
