//! Questionnaire versions, each read with whether a round has used it (frozen).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entity::{questionnaire, round};
use crate::domain::{
    Error,
    questionnaire::{Item, Questionnaire},
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
        .await?;
    Ok(used.into_iter().collect())
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Questionnaire>, Error> {
    let rows = questionnaire::Entity::find()
        .order_by_asc(questionnaire::Column::Id)
        .all(db)
        .await?;
    let used = used_by_rounds(db, rows.iter().map(|row| row.id).collect()).await?;
    rows.into_iter()
        .map(|row| {
            let frozen = used.contains(&row.id);
            to_domain(row, frozen)
        })
        .collect()
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Questionnaire, Error> {
    let row = super::fetch_by_id::<questionnaire::Entity, _>(db, "questionnaire", id).await?;
    let frozen = !used_by_rounds(db, vec![id]).await?.is_empty();
    to_domain(row, frozen)
}

/// The built-in template with this key (e.g. `standard`).
pub async fn template(db: &impl ConnectionTrait, key: &str) -> Result<Questionnaire, Error> {
    let row = questionnaire::Entity::find()
        .filter(questionnaire::Column::TemplateKey.eq(key))
        .order_by_desc(questionnaire::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("questionnaire template", key))?;
    let frozen = !used_by_rounds(db, vec![row.id]).await?.is_empty();
    to_domain(row, frozen)
}

/// Whether questionnaire `id` exists.
pub async fn exists(db: &impl ConnectionTrait, id: i32) -> Result<bool, Error> {
    Ok(questionnaire::Entity::find_by_id(id).count(db).await? > 0)
}

/// Writes a new name and items over questionnaire `id`.
pub async fn update_in_place(
    db: &impl ConnectionTrait,
    id: i32,
    name: &str,
    items: &[Item],
) -> Result<(), Error> {
    questionnaire::Entity::update_many()
        .filter(questionnaire::Column::Id.eq(id))
        .col_expr(questionnaire::Column::Name, name.into())
        .col_expr(questionnaire::Column::Items, items_json(items)?.into())
        .exec(db)
        .await?;
    Ok(())
}

fn items_json(items: &[Item]) -> Result<String, Error> {
    serde_json::to_string(items).map_err(Error::internal)
}

/// Inserts a questionnaire version (the first of a new one has version 1 and no
/// previous version); returns its id.
pub async fn insert(
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
    .await?
    .last_insert_id)
}
