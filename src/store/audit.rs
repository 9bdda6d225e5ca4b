//! The audit log (§7 traceability): who changed what, when, with a short summary.
//! Written in the same transaction as the change it records.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;

use super::{db_error, entity::audit_entry};
use crate::domain::{Actor, Error, Page, PageRequest};

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub summary: Value,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Records who did what at `at` (the operation's time, from the caller's clock).
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    summary: Value,
) -> Result<(), Error> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        at: Set(at),
        actor: Set(actor.label.clone()),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        summary: Set(summary.to_string()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map_err(db_error)?;
    Ok(())
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEntry>, Error> {
    let mut query = audit_entry::Entity::find();
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_entry::Column::Entity.eq(entity.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_entry::Column::EntityId.eq(entity_id.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_entry::Column::At.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_entry::Column::At.lt(until));
    }
    let query = query.order_by_desc(audit_entry::Column::Id);
    let Page {
        items: rows,
        total,
        page,
        per_page,
    } = super::fetch_page::<_, audit_entry::Model>(db, query, page).await?;
    // A summary that does not decode is a fault of ours, never shown as an empty one.
    let items = rows
        .into_iter()
        .map(|row| {
            let summary = serde_json::from_str(&row.summary).map_err(|e| {
                Error::bug(format!(
                    "audit entry {}: summary does not decode: {e}",
                    row.id
                ))
            })?;
            Ok(AuditEntry {
                id: row.id,
                at: row.at,
                actor: row.actor,
                action: row.action,
                entity: row.entity,
                entity_id: row.entity_id,
                summary,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// Deletes entries older than `cutoff`; returns how many.
pub async fn purge_before(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, Error> {
    let result = audit_entry::Entity::delete_many()
        .filter(audit_entry::Column::At.lt(cutoff))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected)
}
