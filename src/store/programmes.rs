//! Survey programmes and their target services.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use super::entity::{programme, programme_service, service};
use crate::domain::{
    CronSchedule, Error,
    programme::{NewProgramme, Programme},
};

async fn to_domain(db: &impl ConnectionTrait, row: programme::Model) -> Result<Programme, Error> {
    let service_ids = if row.all_services {
        None
    } else {
        Some(
            programme_service::Entity::find()
                .filter(programme_service::Column::ProgrammeId.eq(row.id))
                .order_by_asc(programme_service::Column::ServiceId)
                .all(db)
                .await?
                .into_iter()
                .map(|link| link.service_id)
                .collect(),
        )
    };
    let corrupt = |what: &str, cause: &dyn std::fmt::Display| {
        Error::bug(format!(
            "programme {} has an invalid {what}: {cause}",
            row.id
        ))
    };
    Ok(Programme {
        id: row.id,
        created_at: row.created_at,
        settings: NewProgramme {
            schedule: CronSchedule::parse(&row.schedule).map_err(|e| corrupt("schedule", &e))?,
            period: row.period.parse().map_err(|e| corrupt("period", &e))?,
            reminder_days: serde_json::from_str(&row.reminder_days)
                .map_err(|e| corrupt("reminder_days", &e))?,
            sampling: serde_json::from_str(&row.sampling).map_err(|e| corrupt("sampling", &e))?,
            name: row.name,
            questionnaire_id: row.questionnaire_id,
            service_ids,
            open_days: row.open_days as u32,
            active: row.active,
        },
    })
}

pub async fn list(db: &impl ConnectionTrait, only_active: bool) -> Result<Vec<Programme>, Error> {
    let mut query = programme::Entity::find().order_by_asc(programme::Column::Id);
    if only_active {
        query = query.filter(programme::Column::Active.eq(true));
    }
    let rows = query.all(db).await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        found.push(to_domain(db, row).await?);
    }
    Ok(found)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Programme, Error> {
    let row = super::fetch_by_id::<programme::Entity, _>(db, "programme", id).await?;
    to_domain(db, row).await
}

/// The services a programme surveys now: its list, or every active service; inactive
/// services are skipped either way.
pub async fn target_services(
    db: &impl ConnectionTrait,
    programme: &Programme,
) -> Result<Vec<crate::domain::Service>, Error> {
    let mut query = service::Entity::find().filter(service::Column::Active.eq(true));
    if let Some(ids) = &programme.settings.service_ids {
        query = query.filter(service::Column::Id.is_in(ids.iter().copied()));
    }
    Ok(query
        .order_by_asc(service::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Inserts a programme (`id` is `None`) or replaces programme `id` and its list of
/// services, as changed at `now`; returns its id.
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    new: &NewProgramme,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    let model = programme::ActiveModel {
        id: id.map_or(NotSet, Set),
        name: Set(new.name.clone()),
        questionnaire_id: Set(new.questionnaire_id),
        all_services: Set(new.service_ids.is_none()),
        schedule: Set(new.schedule.as_str().to_owned()),
        period: Set(new.period.as_str().to_owned()),
        open_days: Set(new.open_days as i32),
        reminder_days: Set(json!(new.reminder_days).to_string()),
        sampling: Set(serde_json::to_string(&new.sampling).map_err(Error::internal)?),
        active: Set(new.active),
        created_at: id.map_or(Set(now), |_| NotSet),
        updated_at: Set(now),
    };
    let saved_id = match id {
        Some(id) => {
            programme::Entity::update(model).exec(db).await?;
            programme_service::Entity::delete_many()
                .filter(programme_service::Column::ProgrammeId.eq(id))
                .exec(db)
                .await?;
            id
        }
        None => {
            programme::Entity::insert(model)
                .exec(db)
                .await?
                .last_insert_id
        }
    };
    if let Some(ids) = &new.service_ids {
        // One link row per service, however often the list names it.
        let mut ids = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        programme_service::Entity::insert_many(ids.into_iter().map(|service_id| {
            programme_service::ActiveModel {
                programme_id: Set(saved_id),
                service_id: Set(service_id),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(saved_id)
}

/// Marks programme `id` inactive as of `now`.
pub async fn deactivate(
    db: &impl ConnectionTrait,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    programme::Entity::update_many()
        .filter(programme::Column::Id.eq(id))
        .col_expr(programme::Column::Active, false.into())
        .col_expr(programme::Column::UpdatedAt, now.into())
        .exec(db)
        .await?;
    Ok(())
}
