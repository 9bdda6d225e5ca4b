//! Åtgärder: reads and writes only. Who may keep an action, what its status may become
//! and which round and item it may name are decided in `domain::action`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Query,
};

use super::{
    db_error,
    entity::{action, enums::StoredActionStatus, service},
};
use crate::domain::{
    Error, Page, PageRequest,
    action::{Action, ActionFilter, ActionStatus, NewAction},
};

impl From<action::Model> for Action {
    fn from(row: action::Model) -> Self {
        Self {
            id: row.id,
            details: NewAction {
                service_id: row.service_id,
                round_id: row.round_id,
                item_key: row.item_key,
                title: row.title,
                public_text: row.public_text,
                status: row.status.into(),
                due_on: row.due_on,
                done_on: row.done_on,
                published: row.published,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One page of the actions `filter` lets through, newest first. An owner filter keeps
/// the actions of that owner's services, in SQL, so paging and the total stay right.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: ActionFilter,
    page: PageRequest,
) -> Result<Page<Action>, Error> {
    let mut condition = Condition::all();
    if let Some(service_id) = filter.service_id {
        condition = condition.add(action::Column::ServiceId.eq(service_id));
    }
    if let Some(owner_id) = filter.owner_id {
        condition = condition.add(
            action::Column::ServiceId.in_subquery(
                Query::select()
                    .column(service::Column::Id)
                    .from(service::Entity)
                    .and_where(service::Column::OwnerId.eq(owner_id))
                    .to_owned(),
            ),
        );
    }
    let query = action::Entity::find()
        .filter(condition)
        .order_by_desc(action::Column::Id);
    super::fetch_page(db, query, page).await
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Action, Error> {
    super::fetch_by_id::<action::Entity, _>(db, "action", id).await
}

/// Inserts an action (`id` is `None`) or replaces action `id`, as changed at `now`.
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    new: &NewAction,
    now: DateTime<Utc>,
) -> Result<Action, Error> {
    let model = action::ActiveModel {
        id: id.map_or(NotSet, Set),
        service_id: Set(new.service_id),
        round_id: Set(new.round_id),
        item_key: Set(new.item_key.clone()),
        title: Set(new.title.clone()),
        public_text: Set(new.public_text.clone()),
        status: Set(new.status.into()),
        due_on: Set(new.due_on),
        done_on: Set(new.done_on),
        published: Set(new.published),
        created_at: if id.is_some() { NotSet } else { Set(now) },
        updated_at: Set(now),
    };
    super::insert_or_update(db, model, id.is_some()).await
}

pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), Error> {
    super::delete_by_id::<action::Entity>(db, "action", id).await
}

/// The newest `limit` published, not cancelled actions of a service: what its
/// respondents are told, the latest change first.
pub async fn published_of(
    db: &impl ConnectionTrait,
    service_id: i32,
    limit: Option<u64>,
) -> Result<Vec<Action>, Error> {
    let mut query = action::Entity::find()
        .filter(action::Column::ServiceId.eq(service_id))
        .filter(action::Column::Published.eq(true))
        .filter(action::Column::Status.ne(StoredActionStatus::from(ActionStatus::Cancelled)))
        .order_by_desc(action::Column::UpdatedAt)
        .order_by_desc(action::Column::Id);
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    super::fetch_all(db, query).await
}

/// Every action of these services, each service's oldest first.
pub async fn of_services(
    db: &impl ConnectionTrait,
    service_ids: &[i32],
) -> Result<Vec<Action>, Error> {
    let mut found = Vec::new();
    for chunk in service_ids.chunks(1_000) {
        let rows = action::Entity::find()
            .filter(action::Column::ServiceId.is_in(chunk.iter().copied()))
            .order_by_asc(action::Column::ServiceId)
            .order_by_asc(action::Column::Id)
            .all(db)
            .await
            .map_err(db_error)?;
        found.extend(rows.into_iter().map(Action::from));
    }
    Ok(found)
}
