//! Questionnaire versions. A version used by a round never changes: saving over it
//! creates the next version instead.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{
    audit, db_error,
    entity::{questionnaire, round},
};
use crate::domain::{
    Actor, Error,
    questionnaire::{Item, Questionnaire, validate_items},
};

fn to_domain(row: questionnaire::Model, frozen: bool) -> Result<Questionnaire, Error> {
    let items: Vec<Item> = serde_json::from_str(&row.items)
        .map_err(|e| Error::bug(format!("questionnaire {} items: {e}", row.id)))?;
    Ok(Questionnaire {
        id: row.id,
        name: row.name,
        version: row.version,
        previous_version_id: row.previous_version_id,
        template_key: row.template_key,
        items,
        frozen,
    })
}

/// The ids among `ids` that a round uses (frozen versions), in one query.
async fn used_by_rounds(
    db: &impl ConnectionTrait,
    ids: Vec<i32>,
) -> Result<std::collections::HashSet<i32>, Error> {
    let used: Vec<i32> = round::Entity::find()
        .select_only()
        .column(round::Column::QuestionnaireId)
        .distinct()
        .filter(round::Column::QuestionnaireId.is_in(ids))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(used.into_iter().collect())
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Questionnaire>, Error> {
    let rows = questionnaire::Entity::find()
        .order_by_asc(questionnaire::Column::Id)
        .all(db)
        .await
        .map_err(db_error)?;
    let used = used_by_rounds(db, rows.iter().map(|row| row.id).collect()).await?;
    rows.into_iter()
        .map(|row| {
            let frozen = used.contains(&row.id);
            to_domain(row, frozen)
        })
        .collect()
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Questionnaire, Error> {
    let row = questionnaire::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found("questionnaire", id))?;
    let frozen = !used_by_rounds(db, vec![id]).await?.is_empty();
    to_domain(row, frozen)
}

/// The built-in template with this key (e.g. `standard`).
pub async fn template(db: &impl ConnectionTrait, key: &str) -> Result<Questionnaire, Error> {
    let row = questionnaire::Entity::find()
        .filter(questionnaire::Column::TemplateKey.eq(key))
        .order_by_desc(questionnaire::Column::Version)
        .one(db)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found("questionnaire template", key))?;
    let frozen = !used_by_rounds(db, vec![row.id]).await?.is_empty();
    to_domain(row, frozen)
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    items: Vec<Item>,
    now: DateTime<Utc>,
) -> Result<Questionnaire, Error> {
    validate_items(name, &items)?;
    let txn = super::begin_write(db).await?;
    let id = insert(&txn, name, 1, None, &items, now).await?;
    audit::record(
        &txn,
        actor,
        now,
        "create",
        "questionnaire",
        Some(id.to_string()),
        json!({"name": name, "items": items.len()}),
    )
    .await?;
    let saved = get(&txn, id).await?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved)
}

/// Edits a questionnaire: in place while no round has used it, otherwise as a new
/// version (the returned questionnaire then has a new id).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    name: &str,
    items: Vec<Item>,
    now: DateTime<Utc>,
) -> Result<Questionnaire, Error> {
    validate_items(name, &items)?;
    let txn = super::begin_write(db).await?;
    let current = get(&txn, id).await?;
    let saved_id = if current.frozen {
        insert(
            &txn,
            name,
            current.version + 1,
            Some(current.id),
            &items,
            now,
        )
        .await?
    } else {
        questionnaire::Entity::update_many()
            .filter(questionnaire::Column::Id.eq(id))
            .col_expr(questionnaire::Column::Name, name.into())
            .col_expr(questionnaire::Column::Items, items_json(&items)?.into())
            .exec(&txn)
            .await
            .map_err(db_error)?;
        id
    };
    audit::record(
        &txn,
        actor,
        now,
        if current.frozen {
            "new_version"
        } else {
            "update"
        },
        "questionnaire",
        Some(saved_id.to_string()),
        json!({"name": name, "previous_version_id": current.frozen.then_some(id)}),
    )
    .await?;
    let saved = get(&txn, saved_id).await?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved)
}

fn items_json(items: &[Item]) -> Result<String, Error> {
    serde_json::to_string(items).map_err(Error::internal)
}

async fn insert(
    db: &impl ConnectionTrait,
    name: &str,
    version: i32,
    previous_version_id: Option<i32>,
    items: &[Item],
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    Ok(questionnaire::Entity::insert(questionnaire::ActiveModel {
        name: Set(name.trim().to_owned()),
        version: Set(version),
        previous_version_id: Set(previous_version_id),
        template_key: Set(None),
        items: Set(items_json(items)?),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .map_err(db_error)?
    .last_insert_id)
}
