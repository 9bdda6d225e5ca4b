//! KF goals, insatser with their services and goals, and their nyttokalkyl versions.
//! Reads and writes only: which version an edit goes to, who may write and what a
//! status change sets are decided in `domain::insats`. A version's benefits are one JSON
//! document in this module's own stored form, so the domain types stay free of it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use super::{
    db_error,
    entity::{goal, insats, insats_goal, insats_service, nyttokalkyl_version, service},
};
use crate::domain::{
    Error,
    insats::{
        Goal, Insats, InsatsFilter, NewGoal, NewInsats, StatusChange,
        nyttokalkyl::{
            Baseline, Benefit, BenefitCategory, BenefitValue, Indicator, KalkylVersion,
            KalkylWrite, Nyttokalkyl,
        },
    },
};

impl From<goal::Model> for Goal {
    fn from(row: goal::Model) -> Self {
        Self {
            id: row.id,
            title: row.title,
            description: row.description,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
        }
    }
}

pub async fn list_goals(db: &impl ConnectionTrait) -> Result<Vec<Goal>, Error> {
    Ok(goal::Entity::find()
        .order_by_asc(goal::Column::ValidFrom)
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn get_goal(db: &impl ConnectionTrait, id: i32) -> Result<Goal, Error> {
    super::fetch_by_id::<goal::Entity, _>(db, "goal", id).await
}

/// Inserts a goal (`id` is `None`) or replaces goal `id`, as changed at `now`.
pub async fn save_goal(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    new: &NewGoal,
    now: DateTime<Utc>,
) -> Result<Goal, Error> {
    let model = goal::ActiveModel {
        id: id.map_or(NotSet, Set),
        title: Set(new.title.clone()),
        description: Set(new.description.clone()),
        valid_from: Set(new.valid_from),
        valid_to: Set(new.valid_to),
        created_at: if id.is_some() { NotSet } else { Set(now) },
        updated_at: Set(now),
    };
    let row = match id {
        Some(_) => goal::Entity::update(model).exec(db).await,
        None => goal::Entity::insert(model).exec_with_returning(db).await,
    };
    row.map(Into::into).map_err(|e| match e {
        sea_orm::DbErr::RecordNotUpdated => Error::not_found("goal", id.unwrap_or_default()),
        other => db_error(other),
    })
}

/// How many insatser serve goal `id`.
pub async fn insatser_serving_goal(db: &impl ConnectionTrait, id: i32) -> Result<u64, Error> {
    use sea_orm::PaginatorTrait;
    insats_goal::Entity::find()
        .filter(insats_goal::Column::GoalId.eq(id))
        .count(db)
        .await
        .map_err(db_error)
}

pub async fn delete_goal(db: &impl ConnectionTrait, id: i32) -> Result<(), Error> {
    let deleted = goal::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map_err(db_error)?;
    if deleted.rows_affected == 0 {
        return Err(Error::not_found("goal", id));
    }
    Ok(())
}

/// Those of `ids` that name no goal.
pub async fn unknown_goal_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<i32>, Error> {
    unknown_ids::<goal::Entity>(db, goal::Column::Id, ids).await
}

/// Those of `ids` that name no service.
pub async fn unknown_service_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<Vec<i32>, Error> {
    unknown_ids::<service::Entity>(db, service::Column::Id, ids).await
}

/// Those of `ids` that no row of `E` has as its `id`.
async fn unknown_ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    ids: &[i32],
) -> Result<Vec<i32>, Error> {
    let found: Vec<i32> = E::find()
        .select_only()
        .column(id)
        .filter(id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(ids.iter().copied().filter(|i| !found.contains(i)).collect())
}

fn to_domain(row: insats::Model, service_ids: Vec<i32>, goal_ids: Vec<i32>) -> Insats {
    let scale = |value: Option<i16>| value.and_then(|v| u8::try_from(v).ok());
    Insats {
        id: row.id,
        name: row.name,
        description: row.description,
        department_id: row.department_id,
        owner_id: row.owner_id,
        sponsor: row.sponsor,
        service_ids,
        goal_ids,
        status: row.status.into(),
        urgency: scale(row.urgency),
        risk: scale(row.risk),
        decided_on: row.decided_on,
        planned_live_on: row.planned_live_on,
        live_on: row.live_on,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The insatser `rows` with their services and goals, read in two queries.
async fn with_links(
    db: &impl ConnectionTrait,
    rows: Vec<insats::Model>,
) -> Result<Vec<Insats>, Error> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let mut services: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for link in insats_service::Entity::find()
        .filter(insats_service::Column::InsatsId.is_in(ids.iter().copied()))
        .order_by_asc(insats_service::Column::ServiceId)
        .all(db)
        .await
        .map_err(db_error)?
    {
        services
            .entry(link.insats_id)
            .or_default()
            .push(link.service_id);
    }
    let mut goals: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for link in insats_goal::Entity::find()
        .filter(insats_goal::Column::InsatsId.is_in(ids.iter().copied()))
        .order_by_asc(insats_goal::Column::GoalId)
        .all(db)
        .await
        .map_err(db_error)?
    {
        goals.entry(link.insats_id).or_default().push(link.goal_id);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let (service_ids, goal_ids) = (
                services.remove(&row.id).unwrap_or_default(),
                goals.remove(&row.id).unwrap_or_default(),
            );
            to_domain(row, service_ids, goal_ids)
        })
        .collect())
}

/// The insatser `filter` lets through, oldest first.
pub async fn list(db: &impl ConnectionTrait, filter: &InsatsFilter) -> Result<Vec<Insats>, Error> {
    let mut query = insats::Entity::find().order_by_asc(insats::Column::Id);
    if let Some(owner_id) = filter.owner_id {
        query = query.filter(insats::Column::OwnerId.eq(owner_id));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(
            insats::Column::Status.is_in(
                filter
                    .statuses
                    .iter()
                    .map(|s| super::entity::enums::StoredInsatsStatus::from(*s)),
            ),
        );
    }
    if let Some(service_id) = filter.service_id {
        query = query.filter(
            insats::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(insats_service::Column::InsatsId)
                    .from(insats_service::Entity)
                    .and_where(insats_service::Column::ServiceId.eq(service_id))
                    .to_owned(),
            ),
        );
    }
    let rows = query.all(db).await.map_err(db_error)?;
    with_links(db, rows).await
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Insats, Error> {
    let row = insats::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found("insats", id))?;
    Ok(with_links(db, vec![row]).await?.remove(0))
}

/// Inserts an insats as a proposal (`id` is `None`) or replaces the fields of insats
/// `id` and its lists of services and goals, as changed at `now`. The status and its
/// dates change only through [`set_status`].
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    new: &NewInsats,
    now: DateTime<Utc>,
) -> Result<Insats, Error> {
    let model = insats::ActiveModel {
        id: id.map_or(NotSet, Set),
        name: Set(new.name.clone()),
        description: Set(new.description.clone()),
        department_id: Set(new.department_id),
        owner_id: Set(new.owner_id),
        sponsor: Set(new.sponsor.clone()),
        status: if id.is_some() {
            NotSet
        } else {
            Set(crate::domain::insats::InsatsStatus::Proposal.into())
        },
        urgency: Set(new.urgency.map(i16::from)),
        risk: Set(new.risk.map(i16::from)),
        decided_on: NotSet,
        planned_live_on: Set(new.planned_live_on),
        live_on: NotSet,
        created_at: if id.is_some() { NotSet } else { Set(now) },
        updated_at: Set(now),
    };
    let saved_id = match id {
        Some(id) => {
            let updated = insats::Entity::update_many()
                .set(model)
                .filter(insats::Column::Id.eq(id))
                .exec(db)
                .await
                .map_err(db_error)?;
            if updated.rows_affected == 0 {
                return Err(Error::not_found("insats", id));
            }
            insats_service::Entity::delete_many()
                .filter(insats_service::Column::InsatsId.eq(id))
                .exec(db)
                .await
                .map_err(db_error)?;
            insats_goal::Entity::delete_many()
                .filter(insats_goal::Column::InsatsId.eq(id))
                .exec(db)
                .await
                .map_err(db_error)?;
            id
        }
        None => {
            insats::Entity::insert(model)
                .exec(db)
                .await
                .map_err(db_error)?
                .last_insert_id
        }
    };
    if !new.service_ids.is_empty() {
        insats_service::Entity::insert_many(new.service_ids.iter().map(|&service_id| {
            insats_service::ActiveModel {
                insats_id: Set(saved_id),
                service_id: Set(service_id),
            }
        }))
        .exec_without_returning(db)
        .await
        .map_err(db_error)?;
    }
    if !new.goal_ids.is_empty() {
        insats_goal::Entity::insert_many(new.goal_ids.iter().map(|&goal_id| {
            insats_goal::ActiveModel {
                insats_id: Set(saved_id),
                goal_id: Set(goal_id),
            }
        }))
        .exec_without_returning(db)
        .await
        .map_err(db_error)?;
    }
    get(db, saved_id).await
}

/// Writes a status change of insats `id` (decided in `domain::insats::change_status`).
pub async fn set_status(
    db: &impl ConnectionTrait,
    id: i32,
    change: &StatusChange,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let updated = insats::Entity::update_many()
        .set(insats::ActiveModel {
            status: Set(change.status.into()),
            decided_on: Set(change.decided_on),
            live_on: Set(change.live_on),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(insats::Column::Id.eq(id))
        .exec(db)
        .await
        .map_err(db_error)?;
    if updated.rows_affected == 0 {
        return Err(Error::not_found("insats", id));
    }
    Ok(())
}

/// A benefit as stored in a version's JSON document.
#[derive(Debug, Serialize, Deserialize)]
struct StoredBenefit {
    description: String,
    category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    annual_value_sek: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    minutes_per_week: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    users: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    low_sek: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    high_sek: Option<f64>,
    from_year: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    indicator: Option<StoredIndicator>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredIndicator {
    service_id: i32,
    metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<StoredBaseline>,
    target: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_period: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredBaseline {
    value: f64,
    period: String,
    n: u32,
}

impl From<&Benefit> for StoredBenefit {
    fn from(benefit: &Benefit) -> Self {
        let (annual_value_sek, minutes_per_week, users) = match benefit.value {
            BenefitValue::Sek(sek) => (Some(sek), None, None),
            BenefitValue::Time {
                minutes_per_week,
                users,
            } => (None, Some(minutes_per_week), Some(users)),
            BenefitValue::Unvalued => (None, None, None),
        };
        Self {
            description: benefit.description.clone(),
            category: benefit.category.as_str().into(),
            annual_value_sek,
            minutes_per_week,
            users,
            low_sek: benefit.low_sek,
            high_sek: benefit.high_sek,
            from_year: benefit.from_year,
            indicator: benefit.indicator.as_ref().map(|i| StoredIndicator {
                service_id: i.service_id,
                metric: i.metric.as_str().into(),
                baseline: i.baseline.as_ref().map(|b| StoredBaseline {
                    value: b.value,
                    period: b.period.clone(),
                    n: b.n,
                }),
                target: i.target,
                target_period: i.target_period.clone(),
            }),
        }
    }
}

impl TryFrom<StoredBenefit> for Benefit {
    type Error = String;

    fn try_from(stored: StoredBenefit) -> Result<Self, String> {
        let category: BenefitCategory = stored.category.parse()?;
        let value = match (
            stored.annual_value_sek,
            stored.minutes_per_week,
            stored.users,
        ) {
            (Some(sek), None, None) => BenefitValue::Sek(sek),
            (None, Some(minutes_per_week), Some(users)) => BenefitValue::Time {
                minutes_per_week,
                users,
            },
            (None, None, None) => BenefitValue::Unvalued,
            _ => return Err("a benefit with mixed value fields".into()),
        };
        let indicator = match stored.indicator {
            None => None,
            Some(i) => Some(Indicator {
                service_id: i.service_id,
                metric: i.metric.parse()?,
                baseline: i.baseline.map(|b| Baseline {
                    value: b.value,
                    period: b.period,
                    n: b.n,
                }),
                target: i.target,
                target_period: i.target_period,
            }),
        };
        Ok(Self {
            description: stored.description,
            category,
            value,
            low_sek: stored.low_sek,
            high_sek: stored.high_sek,
            from_year: stored.from_year,
            indicator,
        })
    }
}

fn version_of(row: nyttokalkyl_version::Model) -> Result<KalkylVersion, Error> {
    let corrupt = |cause: String| {
        Error::bug(format!(
            "nyttokalkyl version {} of insats {} does not decode: {cause}",
            row.version, row.insats_id
        ))
    };
    let stored: Vec<StoredBenefit> =
        serde_json::from_str(&row.benefits).map_err(|e| corrupt(e.to_string()))?;
    let benefits = stored
        .into_iter()
        .map(Benefit::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(corrupt)?;
    Ok(KalkylVersion {
        insats_id: row.insats_id,
        version: u32::try_from(row.version).map_err(|e| corrupt(e.to_string()))?,
        kalkyl: Nyttokalkyl {
            calculation_years: u32::try_from(row.calculation_years)
                .map_err(|e| corrupt(e.to_string()))?,
            discount_rate: row.discount_rate,
            investment_sek: row.investment_sek,
            annual_running_cost_sek: row.annual_running_cost_sek,
            benefits,
        },
        created_at: row.created_at,
        decided_at: row.decided_at,
    })
}

/// Every version of the insatser `insats_ids`, by insats and then version.
pub async fn versions_of(
    db: &impl ConnectionTrait,
    insats_ids: &[i32],
) -> Result<Vec<KalkylVersion>, Error> {
    nyttokalkyl_version::Entity::find()
        .filter(nyttokalkyl_version::Column::InsatsId.is_in(insats_ids.iter().copied()))
        .order_by_asc(nyttokalkyl_version::Column::InsatsId)
        .order_by_asc(nyttokalkyl_version::Column::Version)
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(version_of)
        .collect()
}

/// The newest version's number of insats `insats_id` and whether it is decided.
pub async fn latest_version(
    db: &impl ConnectionTrait,
    insats_id: i32,
) -> Result<Option<(u32, bool)>, Error> {
    let row: Option<(i32, Option<DateTime<Utc>>)> = nyttokalkyl_version::Entity::find()
        .select_only()
        .column(nyttokalkyl_version::Column::Version)
        .column(nyttokalkyl_version::Column::DecidedAt)
        .filter(nyttokalkyl_version::Column::InsatsId.eq(insats_id))
        .order_by_desc(nyttokalkyl_version::Column::Version)
        .into_tuple()
        .one(db)
        .await
        .map_err(db_error)?;
    Ok(row.map(|(version, decided_at)| (version as u32, decided_at.is_some())))
}

/// Writes `kalkyl` as insats `insats_id`'s version where `write` says (decided in
/// `domain::insats::nyttokalkyl::kalkyl_write`). A draft decided meanwhile is not
/// overwritten: a conflict.
pub async fn write_version(
    db: &impl ConnectionTrait,
    insats_id: i32,
    write: KalkylWrite,
    kalkyl: &Nyttokalkyl,
    now: DateTime<Utc>,
) -> Result<KalkylVersion, Error> {
    let stored: Vec<StoredBenefit> = kalkyl.benefits.iter().map(Into::into).collect();
    let benefits = serde_json::to_string(&stored).map_err(Error::internal)?;
    let version = match write {
        KalkylWrite::Replace { version } | KalkylWrite::Add { version } => version,
    };
    let model = nyttokalkyl_version::ActiveModel {
        id: NotSet,
        insats_id: Set(insats_id),
        version: Set(version as i32),
        calculation_years: Set(kalkyl.calculation_years as i32),
        discount_rate: Set(kalkyl.discount_rate),
        investment_sek: Set(kalkyl.investment_sek),
        annual_running_cost_sek: Set(kalkyl.annual_running_cost_sek),
        benefits: Set(benefits),
        created_at: Set(now),
        decided_at: NotSet,
    };
    match write {
        KalkylWrite::Add { .. } => {
            nyttokalkyl_version::Entity::insert(model)
                .exec_without_returning(db)
                .await
                .map_err(db_error)?;
        }
        KalkylWrite::Replace { version } => {
            let updated = nyttokalkyl_version::Entity::update_many()
                .set(model)
                .filter(nyttokalkyl_version::Column::InsatsId.eq(insats_id))
                .filter(nyttokalkyl_version::Column::Version.eq(version as i32))
                .filter(nyttokalkyl_version::Column::DecidedAt.is_null())
                .exec(db)
                .await
                .map_err(db_error)?;
            if updated.rows_affected == 0 {
                return Err(Error::Conflict(format!(
                    "nyttokalkyl version {version} of insats {insats_id} is decided and no longer changes"
                )));
            }
        }
    }
    Ok(KalkylVersion {
        insats_id,
        version,
        kalkyl: kalkyl.clone(),
        created_at: now,
        decided_at: None,
    })
}

/// Freezes version `version` of insats `insats_id` as decided at `now`; false if there
/// is no such undecided version.
pub async fn decide_version(
    db: &impl ConnectionTrait,
    insats_id: i32,
    version: u32,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let updated = nyttokalkyl_version::Entity::update_many()
        .col_expr(nyttokalkyl_version::Column::DecidedAt, Expr::value(now))
        .filter(nyttokalkyl_version::Column::InsatsId.eq(insats_id))
        .filter(nyttokalkyl_version::Column::Version.eq(version as i32))
        .filter(nyttokalkyl_version::Column::DecidedAt.is_null())
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(updated.rows_affected == 1)
}
