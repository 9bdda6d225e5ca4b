//! Respondents and the services they use, including writing a planned CSV import
//! (batched inserts: 50,000 people in a few seconds on SQLite).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{
    InnerJoinOn,
    entity::{invitation, respondent, respondent_service, round, service},
};
use crate::domain::{
    Email, Error, InvitationRecord, NewRespondent, Page, PageRequest, Respondent, RespondentFilter,
    import::{ImportPlan, RegisteredPerson},
};

/// Rows per multi-row INSERT: stays under SQLite's bound-parameter limit.
const INSERT_CHUNK: usize = 1_000;

fn to_domain(row: respondent::Model, services: Vec<String>) -> Respondent {
    Respondent {
        id: row.id,
        email: Email::from_stored(row.email),
        name: row.name,
        department: row.department,
        kind: row.kind.into(),
        language: row.language.into(),
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
            .await?;
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
    let query = query.order_by_asc(respondent::Column::Id);
    let found: Page<respondent::Model> = super::fetch_page(db, query, page).await?;
    let ids: Vec<i32> = found.items.iter().map(|r| r.id).collect();
    let mut slugs = slugs_of(db, &ids).await?;
    let items = found
        .items
        .into_iter()
        .map(|row| {
            let services = super::take_links(&mut slugs, row.id);
            to_domain(row, services)
        })
        .collect();
    Ok(Page::new(items, found.total, page))
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Respondent, Error> {
    let row = super::fetch_by_id::<respondent::Entity, _>(db, "respondent", id).await?;
    let services = super::take_links(&mut slugs_of(db, &[id]).await?, id);
    Ok(to_domain(row, services))
}

/// Inserts a respondent (`id` is `None`) or replaces the register fields of respondent
/// `id`, and makes their services exactly `service_ids`; returns their id. An address
/// another respondent has is refused.
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    new: &NewRespondent,
    service_ids: BTreeSet<i32>,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    super::ensure_unique::<respondent::Entity, _>(
        db,
        respondent::Column::Email,
        new.email.as_str(),
        respondent::Column::Id,
        id,
        || format!("a respondent with email `{}`", new.email),
    )
    .await?;
    let saved_id = match id {
        Some(id) => {
            update_person(db, id, new, now).await?;
            id
        }
        None => {
            respondent::Entity::insert(active_respondent(new, now))
                .exec(db)
                .await?
                .last_insert_id
        }
    };
    replace_services(db, &[(saved_id, service_ids)]).await?;
    Ok(saved_id)
}

/// Deletes a person's row and, by cascade, their service links and invitations (the
/// emails about them are the outbox's to delete, first).
pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), Error> {
    respondent::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Writes a person's register fields (email, name, department, kind, language).
async fn update_person(
    db: &impl ConnectionTrait,
    id: i32,
    new: &NewRespondent,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    respondent::Entity::update_many()
        .filter(respondent::Column::Id.eq(id))
        .col_expr(respondent::Column::Email, new.email.as_str().into())
        .col_expr(respondent::Column::Name, new.name.clone().into())
        .col_expr(
            respondent::Column::Department,
            new.department.clone().into(),
        )
        .col_expr(
            respondent::Column::Kind,
            respondent::Kind::from(new.kind).into(),
        )
        .col_expr(
            respondent::Column::Language,
            respondent::Language::from(new.language).into(),
        )
        .col_expr(respondent::Column::UpdatedAt, now.into())
        .exec(db)
        .await?;
    Ok(())
}

fn active_respondent(new: &NewRespondent, now: chrono::DateTime<Utc>) -> respondent::ActiveModel {
    respondent::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        name: Set(new.name.clone()),
        department: Set(new.department.clone()),
        kind: Set(new.kind.into()),
        language: Set(new.language.into()),
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
    let mut current = current_services(db, &ids).await?;
    let mut to_insert: Vec<(i32, i32)> = Vec::new();
    for (respondent_id, services) in wanted {
        let have = super::take_links(&mut current, *respondent_id);
        let removed: Vec<i32> = have.difference(services).copied().collect();
        if !removed.is_empty() {
            respondent_service::Entity::delete_many()
                .filter(respondent_service::Column::RespondentId.eq(*respondent_id))
                .filter(respondent_service::Column::ServiceId.is_in(removed))
                .exec(db)
                .await?;
        }
        to_insert.extend(
            services
                .difference(&have)
                .map(|&service| (*respondent_id, service)),
        );
    }
    insert_service_links(db, &to_insert).await
}

/// Links each (respondent, service) pair, as a user of the service who has neither
/// opted out nor been invited yet.
async fn insert_service_links(
    db: &impl ConnectionTrait,
    pairs: &[(i32, i32)],
) -> Result<(), Error> {
    for chunk in pairs.chunks(INSERT_CHUNK) {
        let links =
            chunk.iter().map(
                |&(respondent_id, service_id)| respondent_service::ActiveModel {
                    respondent_id: Set(respondent_id),
                    service_id: Set(service_id),
                    opted_out: Set(false),
                    last_invited_at: Set(None),
                },
            );
        respondent_service::Entity::insert_many(links)
            .exec_without_returning(db)
            .await?;
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
            .await?;
        for (respondent_id, service_id) in rows {
            current.entry(respondent_id).or_default().insert(service_id);
        }
    }
    Ok(current)
}

/// The register entries of these addresses, with their services, keyed by email.
pub async fn registered_by_email(
    db: &impl ConnectionTrait,
    emails: &[&str],
) -> Result<HashMap<String, RegisteredPerson>, Error> {
    let mut registered = HashMap::new();
    for chunk in emails.chunks(INSERT_CHUNK) {
        let rows = respondent::Entity::find()
            .filter(respondent::Column::Email.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
        let mut services = current_services(db, &ids).await?;
        for row in rows {
            let service_ids = super::take_links(&mut services, row.id);
            registered.insert(
                row.email,
                RegisteredPerson {
                    id: row.id,
                    name: row.name,
                    department: row.department,
                    kind: row.kind.into(),
                    language: row.language.into(),
                    service_ids,
                },
            );
        }
    }
    Ok(registered)
}

/// Writes a planned import: creates in batches, updates the changed, replaces the
/// changed service sets. `progress` is told how many rows are done.
pub async fn apply_import(
    db: &impl ConnectionTrait,
    plan: ImportPlan,
    now: DateTime<Utc>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), Error> {
    let mut done = plan.summary.updated + plan.summary.unchanged;
    for (id, new) in &plan.updates {
        update_person(db, *id, new, now).await?;
    }
    for chunk in plan.creates.chunks(INSERT_CHUNK) {
        respondent::Entity::insert_many(chunk.iter().map(|(new, _)| active_respondent(new, now)))
            .exec_without_returning(db)
            .await?;
        let emails: Vec<&str> = chunk.iter().map(|(new, _)| new.email.as_str()).collect();
        let ids: HashMap<String, i32> = respondent::Entity::find()
            .select_only()
            .column(respondent::Column::Email)
            .column(respondent::Column::Id)
            .filter(respondent::Column::Email.is_in(emails))
            .into_tuple::<(String, i32)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let links: Vec<(i32, i32)> = chunk
            .iter()
            .flat_map(|(new, services)| {
                let id = ids[new.email.as_str()];
                services.iter().map(move |&service_id| (id, service_id))
            })
            .collect();
        insert_service_links(db, &links).await?;
        done += chunk.len() as u64;
        progress(done);
    }
    replace_services(db, &plan.service_sets).await
}

/// A person's invitations, oldest first, as their data export shows them.
pub async fn invitations_of(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Vec<InvitationRecord>, Error> {
    let rows: Vec<(String, String, invitation::Status)> = invitation::Entity::find()
        .select_only()
        .column(service::Column::Name)
        .column(round::Column::Period)
        .column(invitation::Column::Status)
        .inner_join_on(invitation::Column::RoundId, round::Column::Id)
        .inner_join_on(round::Column::ServiceId, service::Column::Id)
        .filter(invitation::Column::RespondentId.eq(id))
        .order_by_asc(invitation::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(service, period, status)| InvitationRecord {
            service,
            period,
            status: status.into(),
        })
        .collect())
}
