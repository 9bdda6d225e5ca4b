//! KF goals, insatser with their services and goals, and their nyttokalkyl versions
//! ([`versions`]). Reads and writes only: which version an edit goes to, who may write
//! and what a status change sets are decided in `domain::insats`.

mod versions;

pub use versions::{decide_version, latest_version, versions_of, write_version};

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    db_error,
    entity::{goal, insats, insats_goal, insats_service, service},
};
use crate::domain::{
    Error,
    insats::{Goal, Insats, InsatsFilter, NewGoal, NewInsats, StatusChange},
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
    let query = goal::Entity::find()
        .order_by_asc(goal::Column::ValidFrom)
        .order_by_asc(goal::Column::Id);
    super::fetch_all(db, query).await
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
        // Only an update can miss its row: that goal is not there.
        Some(id) => goal::Entity::update(model)
            .exec(db)
            .await
            .map_err(|e| match e {
                sea_orm::DbErr::RecordNotUpdated => Error::not_found("goal", id),
                other => db_error(other),
            })?,
        None => goal::Entity::insert(model).exec_with_returning(db).await?,
    };
    Ok(row.into())
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
        details: NewInsats {
            name: row.name,
            description: row.description,
            department_id: row.department_id,
            owner_id: row.owner_id,
            sponsor: row.sponsor,
            service_ids,
            goal_ids,
            urgency: scale(row.urgency),
            risk: scale(row.risk),
            planned_live_on: row.planned_live_on,
        },
        status: row.status.into(),
        decided_on: row.decided_on,
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
    let mut services: HashMap<i32, Vec<i32>> = HashMap::new();
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
    let mut goals: HashMap<i32, Vec<i32>> = HashMap::new();
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
                super::take_links(&mut services, row.id),
                super::take_links(&mut goals, row.id),
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
            super::update_by_id(db, "insats", insats::Column::Id, id, model).await?;
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
    let model = insats::ActiveModel {
        status: Set(change.status.into()),
        decided_on: Set(change.decided_on),
        live_on: Set(change.live_on),
        updated_at: Set(now),
        ..Default::default()
    };
    super::update_by_id(db, "insats", insats::Column::Id, id, model).await
}
