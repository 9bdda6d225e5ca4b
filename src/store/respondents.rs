//! Respondents and the services they use, including the bulk CSV import (one
//! transaction, batched inserts: 50,000 people in a few seconds on SQLite).

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{
    audit, catalogue, db_error,
    entity::{respondent, respondent_service, service},
};
use crate::domain::{
    Actor, Email, Error, Language, NewRespondent, Page, PageRequest, Respondent, RespondentKind,
    import::{ImportRow, ImportSummary},
};

/// Rows per multi-row INSERT: stays under SQLite's bound-parameter limit.
const INSERT_CHUNK: usize = 1_000;

#[derive(Debug, Clone, Default)]
pub struct RespondentFilter {
    pub service_id: Option<i32>,
    pub email: Option<String>,
}

fn to_domain(row: respondent::Model, services: Vec<String>) -> Respondent {
    Respondent {
        id: row.id,
        email: Email::from_stored(row.email),
        name: row.name,
        department: row.department,
        kind: row.kind.parse().unwrap_or(RespondentKind::Internal),
        language: row.language.parse().unwrap_or(Language::Sv),
        services,
    }
}

async fn slugs_of(
    db: &impl ConnectionTrait,
    respondent_ids: &[i32],
) -> Result<HashMap<i32, Vec<String>>, Error> {
    let mut by_respondent: HashMap<i32, Vec<String>> = HashMap::new();
    for chunk in respondent_ids.chunks(INSERT_CHUNK) {
        let rows: Vec<(i32, String)> = respondent_service::Entity::find()
            .select_only()
            .column(respondent_service::Column::RespondentId)
            .column(service::Column::Slug)
            .inner_join(service::Entity)
            .filter(respondent_service::Column::RespondentId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await
            .map_err(db_error)?;
        for (id, slug) in rows {
            by_respondent.entry(id).or_default().push(slug);
        }
    }
    for slugs in by_respondent.values_mut() {
        slugs.sort();
    }
    Ok(by_respondent)
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &RespondentFilter,
    page: PageRequest,
) -> Result<Page<Respondent>, Error> {
    let mut query = respondent::Entity::find();
    if let Some(service_id) = filter.service_id {
        query = query.filter(
            respondent::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(respondent_service::Column::RespondentId)
                    .from(respondent_service::Entity)
                    .and_where(respondent_service::Column::ServiceId.eq(service_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(email) = &filter.email {
        query = query.filter(respondent::Column::Email.eq(email.trim().to_lowercase()));
    }
    let total = query.clone().count(db).await.map_err(db_error)?;
    let rows = query
        .order_by_asc(respondent::Column::Id)
        .offset((page.page - 1) * page.per_page)
        .limit(page.per_page)
        .all(db)
        .await
        .map_err(db_error)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut slugs = slugs_of(db, &ids).await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| {
                let services = slugs.remove(&row.id).unwrap_or_default();
                to_domain(row, services)
            })
            .collect(),
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Respondent, Error> {
    let row = respondent::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found("respondent", id))?;
    let services = slugs_of(db, &[id]).await?.remove(&id).unwrap_or_default();
    Ok(to_domain(row, services))
}

/// Creates (`id` = None) or replaces one respondent and their services.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i32>,
    new: NewRespondent,
) -> Result<Respondent, Error> {
    let txn = super::begin_write(db).await?;
    let slug_ids = catalogue::service_ids_by_slug(&txn).await?;
    let mut service_ids = BTreeSet::new();
    for slug in &new.services {
        match slug_ids.get(slug.as_str()) {
            Some(&id) => service_ids.insert(id),
            None => {
                return Err(Error::invalid(
                    "services",
                    format!("unknown service `{slug}`"),
                ));
            }
        };
    }
    if let Some(id) = id {
        get(&txn, id).await?;
    }
    let taken = respondent::Entity::find()
        .filter(respondent::Column::Email.eq(new.email.as_str()))
        .filter(respondent::Column::Id.ne(id.unwrap_or(-1)))
        .count(&txn)
        .await
        .map_err(db_error)?;
    if taken > 0 {
        return Err(Error::Conflict(format!(
            "a respondent with email `{}` already exists",
            new.email
        )));
    }
    let now = Utc::now();
    let saved_id = match id {
        Some(id) => {
            respondent::Entity::update_many()
                .filter(respondent::Column::Id.eq(id))
                .col_expr(respondent::Column::Email, new.email.as_str().into())
                .col_expr(respondent::Column::Name, new.name.clone().into())
                .col_expr(
                    respondent::Column::Department,
                    new.department.clone().into(),
                )
                .col_expr(respondent::Column::Kind, new.kind.as_str().into())
                .col_expr(respondent::Column::Language, new.language.as_str().into())
                .col_expr(respondent::Column::UpdatedAt, now.into())
                .exec(&txn)
                .await
                .map_err(db_error)?;
            id
        }
        None => {
            respondent::Entity::insert(active_respondent(&new, now))
                .exec(&txn)
                .await
                .map_err(db_error)?
                .last_insert_id
        }
    };
    replace_services(&txn, &[(saved_id, service_ids)]).await?;
    audit::record(
        &txn,
        actor,
        if id.is_some() { "update" } else { "create" },
        "respondent",
        Some(saved_id.to_string()),
        json!({"services": new.services.iter().map(|s| s.as_str()).collect::<Vec<_>>()}),
    )
    .await?;
    let saved = get(&txn, saved_id).await?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved)
}

/// Erases a person: their row, their service links and (by cascade) their invitations.
/// Anonymous responses are untouched: nothing links them to the person.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<(), Error> {
    let txn = super::begin_write(db).await?;
    get(&txn, id).await?;
    respondent::Entity::delete_by_id(id)
        .exec(&txn)
        .await
        .map_err(db_error)?;
    // No name or address in the audit entry: the point of erasure is that they are gone.
    audit::record(
        &txn,
        actor,
        "delete",
        "respondent",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    txn.commit().await.map_err(db_error)
}

fn active_respondent(new: &NewRespondent, now: chrono::DateTime<Utc>) -> respondent::ActiveModel {
    respondent::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        name: Set(new.name.clone()),
        department: Set(new.department.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        language: Set(new.language.as_str().to_owned()),
        opted_out_all: Set(false),
        last_invited_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Makes each respondent's service set exactly `wanted`, keeping the opt-out flags and
/// invitation history of the services they keep.
async fn replace_services(
    db: &impl ConnectionTrait,
    wanted: &[(i32, BTreeSet<i32>)],
) -> Result<(), Error> {
    let ids: Vec<i32> = wanted.iter().map(|(id, _)| *id).collect();
    let current = current_services(db, &ids).await?;
    let mut to_insert = Vec::new();
    for (respondent_id, services) in wanted {
        let have = current.get(respondent_id).cloned().unwrap_or_default();
        let removed: Vec<i32> = have.difference(services).copied().collect();
        if !removed.is_empty() {
            respondent_service::Entity::delete_many()
                .filter(respondent_service::Column::RespondentId.eq(*respondent_id))
                .filter(respondent_service::Column::ServiceId.is_in(removed))
                .exec(db)
                .await
                .map_err(db_error)?;
        }
        to_insert.extend(services.difference(&have).map(|&service_id| {
            respondent_service::ActiveModel {
                respondent_id: Set(*respondent_id),
                service_id: Set(service_id),
                opted_out: Set(false),
                last_invited_at: Set(None),
            }
        }));
    }
    for chunk in to_insert.chunks(INSERT_CHUNK) {
        respondent_service::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

async fn current_services(
    db: &impl ConnectionTrait,
    respondent_ids: &[i32],
) -> Result<HashMap<i32, BTreeSet<i32>>, Error> {
    let mut current: HashMap<i32, BTreeSet<i32>> = HashMap::new();
    for chunk in respondent_ids.chunks(INSERT_CHUNK) {
        let rows: Vec<(i32, i32)> = respondent_service::Entity::find()
            .select_only()
            .column(respondent_service::Column::RespondentId)
            .column(respondent_service::Column::ServiceId)
            .filter(respondent_service::Column::RespondentId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await
            .map_err(db_error)?;
        for (respondent_id, service_id) in rows {
            current.entry(respondent_id).or_default().insert(service_id);
        }
    }
    Ok(current)
}

type StoredPerson = (i32, String, String, Option<String>, String, String);

/// Applies a checked import: creates new people, updates changed ones (email is the
/// key), sets each listed person's services to exactly those in the file. With
/// `dry_run` nothing is written and the summary says what would change.
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    rows: Vec<ImportRow>,
    dry_run: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary, Error> {
    let txn = super::begin_write(db).await?;
    let slug_ids = catalogue::service_ids_by_slug(&txn).await?;
    let existing: Vec<StoredPerson> = respondent::Entity::find()
        .select_only()
        .columns([
            respondent::Column::Id,
            respondent::Column::Email,
            respondent::Column::Name,
            respondent::Column::Department,
            respondent::Column::Kind,
            respondent::Column::Language,
        ])
        .into_tuple()
        .all(&txn)
        .await
        .map_err(db_error)?;
    let by_email: HashMap<String, StoredPerson> = existing
        .into_iter()
        .map(|person| (person.1.clone(), person))
        .collect();
    let known_ids: Vec<i32> = rows
        .iter()
        .filter_map(|row| by_email.get(row.respondent.email.as_str()).map(|p| p.0))
        .collect();
    let current = current_services(&txn, &known_ids).await?;

    let wanted_services = |row: &ImportRow| -> BTreeSet<i32> {
        row.respondent
            .services
            .iter()
            .filter_map(|slug| slug_ids.get(slug.as_str()).copied())
            .collect()
    };
    let mut summary = ImportSummary {
        rows: rows.len() as u64,
        dry_run,
        ..Default::default()
    };
    let now = Utc::now();
    let mut creates = Vec::new();
    let mut service_sets = Vec::new();
    for row in &rows {
        let new = &row.respondent;
        let services = wanted_services(row);
        match by_email.get(new.email.as_str()) {
            None => {
                summary.created += 1;
                creates.push(row);
            }
            Some((id, _, name, department, kind, language)) => {
                let fields_changed = name != &new.name
                    || department != &new.department
                    || kind != new.kind.as_str()
                    || language != new.language.as_str();
                let services_changed = current.get(id).cloned().unwrap_or_default() != services;
                if fields_changed || services_changed {
                    summary.updated += 1;
                } else {
                    summary.unchanged += 1;
                }
                if fields_changed && !dry_run {
                    respondent::Entity::update_many()
                        .filter(respondent::Column::Id.eq(*id))
                        .col_expr(respondent::Column::Name, new.name.clone().into())
                        .col_expr(
                            respondent::Column::Department,
                            new.department.clone().into(),
                        )
                        .col_expr(respondent::Column::Kind, new.kind.as_str().into())
                        .col_expr(respondent::Column::Language, new.language.as_str().into())
                        .col_expr(respondent::Column::UpdatedAt, now.into())
                        .exec(&txn)
                        .await
                        .map_err(db_error)?;
                }
                if services_changed {
                    service_sets.push((*id, services));
                }
            }
        }
    }
    if dry_run {
        return Ok(summary);
    }

    let mut done = summary.updated + summary.unchanged;
    progress(done);
    for chunk in creates.chunks(INSERT_CHUNK) {
        respondent::Entity::insert_many(
            chunk
                .iter()
                .map(|row| active_respondent(&row.respondent, now)),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db_error)?;
        let emails: Vec<&str> = chunk
            .iter()
            .map(|row| row.respondent.email.as_str())
            .collect();
        let ids: HashMap<String, i32> = respondent::Entity::find()
            .select_only()
            .column(respondent::Column::Email)
            .column(respondent::Column::Id)
            .filter(respondent::Column::Email.is_in(emails))
            .into_tuple::<(String, i32)>()
            .all(&txn)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
        let links: Vec<respondent_service::ActiveModel> = chunk
            .iter()
            .flat_map(|row| {
                let id = ids[row.respondent.email.as_str()];
                wanted_services(row).into_iter().map(move |service_id| {
                    respondent_service::ActiveModel {
                        respondent_id: Set(id),
                        service_id: Set(service_id),
                        opted_out: Set(false),
                        last_invited_at: Set(None),
                    }
                })
            })
            .collect();
        for links in links.chunks(INSERT_CHUNK) {
            respondent_service::Entity::insert_many(links.to_vec())
                .exec_without_returning(&txn)
                .await
                .map_err(db_error)?;
        }
        done += chunk.len() as u64;
        progress(done);
    }
    replace_services(&txn, &service_sets).await?;
    audit::record(
        &txn,
        actor,
        "import",
        "respondent",
        None,
        json!({"rows": summary.rows, "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged}),
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok(summary)
}

/// One invitation as the person's data export shows it.
#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub service: String,
    pub period: String,
    pub status: String,
}

/// Everything kept about one person (GDPR access): the register entry and their
/// invitations. Answers are anonymous and cannot be found from the person.
pub async fn export(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(Respondent, Vec<InvitationRecord>), Error> {
    use super::entity::{invitation, round};
    let person = get(db, id).await?;
    let rows: Vec<(String, String, String)> = invitation::Entity::find()
        .select_only()
        .column(service::Column::Name)
        .column(round::Column::Period)
        .column(invitation::Column::Status)
        .join(
            sea_orm::JoinType::InnerJoin,
            invitation::Entity::belongs_to(round::Entity)
                .from(invitation::Column::RoundId)
                .to(round::Column::Id)
                .into(),
        )
        .join(
            sea_orm::JoinType::InnerJoin,
            round::Entity::belongs_to(service::Entity)
                .from(round::Column::ServiceId)
                .to(service::Column::Id)
                .into(),
        )
        .filter(invitation::Column::RespondentId.eq(id))
        .order_by_asc(invitation::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    let invitations = rows
        .into_iter()
        .map(|(service, period, status)| InvitationRecord {
            service,
            period,
            status,
        })
        .collect();
    Ok((person, invitations))
}
