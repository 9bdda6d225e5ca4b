//! The audit log's rows: written by the use cases together with the change they
//! record, read back newest first, purged after retention.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;

use super::entity::audit_entry;
use crate::domain::{
    Error, Page, PageRequest,
    audit::{AuditEntry, AuditFilter},
};

/// Writes one entry: `actor` (its label) did `action` to `entity` at `at`.
pub async fn insert(
    db: &impl ConnectionTrait,
    actor: &str,
    at: DateTime<Utc>,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    summary: &Value,
) -> Result<(), Error> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        at: Set(at),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        summary: Set(summary.to_string()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
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
        .await?;
    Ok(result.rows_affected)
}
