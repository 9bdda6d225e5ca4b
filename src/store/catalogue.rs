//! Departments, owners and services. A unique name, address or slug that another row
//! already has is refused with a conflict that says which.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entity::{department, insats, owner, service};
use crate::domain::{
    Department, Email, Error, NewService, Owner, Page, PageRequest, References, Service,
    ServiceFilter, Slug,
};

impl From<department::Model> for Department {
    fn from(row: department::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
        }
    }
}

impl From<owner::Model> for Owner {
    fn from(row: owner::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            email: Email::from_stored(row.email),
            department_id: row.department_id,
        }
    }
}

impl From<service::Model> for Service {
    fn from(row: service::Model) -> Self {
        Self {
            id: row.id,
            details: NewService {
                slug: Slug::from_stored(row.slug),
                name: row.name,
                description: row.description,
                owner_id: row.owner_id,
                department_id: row.department_id,
                users_count: row.users_count,
                annual_cost_sek: row.annual_cost_sek,
                active: row.active,
            },
        }
    }
}

// ---- departments ----

pub async fn list_departments(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<Department>, Error> {
    let query = department::Entity::find().order_by_asc(department::Column::Name);
    super::fetch_page(db, query, page).await
}

/// Every förvaltning, in name order.
pub async fn every_department(db: &impl ConnectionTrait) -> Result<Vec<Department>, Error> {
    let rows = department::Entity::find()
        .order_by_asc(department::Column::Name)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn get_department(db: &impl ConnectionTrait, id: i32) -> Result<Department, Error> {
    super::fetch_by_id::<department::Entity, _>(db, "department", id).await
}

/// Inserts a department (`id` is `None`) or renames department `id`; a name another
/// department has is refused.
pub async fn save_department(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    name: String,
) -> Result<Department, Error> {
    super::ensure_unique::<department::Entity, _>(
        db,
        department::Column::Name,
        &name,
        department::Column::Id,
        id,
        || format!("a department named `{name}`"),
    )
    .await?;
    let model = department::ActiveModel {
        id: id.map_or(NotSet, Set),
        name: Set(name),
    };
    super::insert_or_update(db, model, id.is_some()).await
}

/// The owners, services and insatser that name department `id`.
pub async fn department_references(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<References, Error> {
    Ok(References {
        owners: rows_where::<owner::Entity>(db, owner::Column::DepartmentId, id).await?,
        services: rows_where::<service::Entity>(db, service::Column::DepartmentId, id).await?,
        insatser: rows_where::<insats::Entity>(db, insats::Column::DepartmentId, id).await?,
    })
}

/// How many rows of `column`'s table have `id` in it.
async fn rows_where<E>(db: &impl ConnectionTrait, column: E::Column, id: i32) -> Result<u64, Error>
where
    E: EntityTrait,
    E::Model: Sync,
{
    Ok(E::find().filter(column.eq(id)).count(db).await?)
}

pub async fn delete_department(db: &impl ConnectionTrait, id: i32) -> Result<(), Error> {
    department::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

// ---- owners ----

pub async fn list_owners(
    db: &impl ConnectionTrait,
    only: Option<i32>,
    page: PageRequest,
) -> Result<Page<Owner>, Error> {
    let mut query = owner::Entity::find();
    if let Some(id) = only {
        query = query.filter(owner::Column::Id.eq(id));
    }
    let query = query
        .order_by_asc(owner::Column::Name)
        .order_by_asc(owner::Column::Id);
    super::fetch_page(db, query, page).await
}

/// Every owner, in name order.
pub async fn every_owner(db: &impl ConnectionTrait) -> Result<Vec<Owner>, Error> {
    let rows = owner::Entity::find()
        .order_by_asc(owner::Column::Name)
        .order_by_asc(owner::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn get_owner(db: &impl ConnectionTrait, id: i32) -> Result<Owner, Error> {
    super::fetch_by_id::<owner::Entity, _>(db, "owner", id).await
}

pub async fn find_owner_by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<Owner>, Error> {
    Ok(owner::Entity::find()
        .filter(owner::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .map(Into::into))
}

/// Inserts an owner (`id` is `None`) or replaces owner `id`; an address another owner
/// has is refused.
pub async fn save_owner(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    name: String,
    email: &Email,
    department_id: Option<i32>,
) -> Result<Owner, Error> {
    super::ensure_unique::<owner::Entity, _>(
        db,
        owner::Column::Email,
        email.as_str(),
        owner::Column::Id,
        id,
        || format!("an owner with email `{email}`"),
    )
    .await?;
    let model = owner::ActiveModel {
        id: id.map_or(NotSet, Set),
        name: Set(name),
        email: Set(email.as_str().to_owned()),
        department_id: Set(department_id),
    };
    super::insert_or_update(db, model, id.is_some()).await
}

/// The services owner `id` owns and the insatser they are nyttoägare of.
pub async fn owner_references(db: &impl ConnectionTrait, id: i32) -> Result<References, Error> {
    Ok(References {
        services: rows_where::<service::Entity>(db, service::Column::OwnerId, id).await?,
        insatser: rows_where::<insats::Entity>(db, insats::Column::OwnerId, id).await?,
        ..References::default()
    })
}

pub async fn delete_owner(db: &impl ConnectionTrait, id: i32) -> Result<(), Error> {
    owner::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

// ---- services ----

pub async fn list_services(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
    page: PageRequest,
) -> Result<Page<Service>, Error> {
    super::fetch_page(db, services_query(filter), page).await
}

/// Every service the filter lets through, in name order (for results and charts, which
/// need them all).
pub async fn every_service(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
) -> Result<Vec<Service>, Error> {
    let rows = services_query(filter).all(db).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

fn services_query(filter: &ServiceFilter) -> sea_orm::Select<service::Entity> {
    let mut condition = Condition::all();
    if let Some(owner_id) = filter.owner_id {
        condition = condition.add(service::Column::OwnerId.eq(owner_id));
    }
    if let Some(department_id) = filter.department_id {
        condition = condition.add(service::Column::DepartmentId.eq(department_id));
    }
    if let Some(active) = filter.active {
        condition = condition.add(service::Column::Active.eq(active));
    }
    service::Entity::find()
        .filter(condition)
        .order_by_asc(service::Column::Name)
        .order_by_asc(service::Column::Id)
}

pub async fn get_service(db: &impl ConnectionTrait, id: i32) -> Result<Service, Error> {
    super::fetch_by_id::<service::Entity, _>(db, "service", id).await
}

/// Which of `ids` are services (active or not).
pub async fn existing_service_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashSet<i32>, Error> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(1_000) {
        let rows: Vec<i32> = service::Entity::find()
            .select_only()
            .column(service::Column::Id)
            .filter(service::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Every service slug → id, for imports.
pub async fn service_ids_by_slug(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<String, i32>, Error> {
    let rows: Vec<(i32, String)> = service::Entity::find()
        .select_only()
        .column(service::Column::Id)
        .column(service::Column::Slug)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, slug)| (slug, id)).collect())
}

/// Inserts a service (`id` is `None`) or replaces service `id`, as changed at `now`; a
/// slug another service has is refused.
pub async fn save_service(
    db: &impl ConnectionTrait,
    id: Option<i32>,
    new: &NewService,
    now: DateTime<Utc>,
) -> Result<Service, Error> {
    super::ensure_unique::<service::Entity, _>(
        db,
        service::Column::Slug,
        new.slug.as_str(),
        service::Column::Id,
        id,
        || format!("a service with slug `{}`", new.slug),
    )
    .await?;
    let model = service::ActiveModel {
        id: id.map_or(NotSet, Set),
        name: Set(new.name.clone()),
        slug: Set(new.slug.as_str().to_owned()),
        description: Set(new.description.clone()),
        owner_id: Set(new.owner_id),
        department_id: Set(new.department_id),
        users_count: Set(new.users_count),
        annual_cost_sek: Set(new.annual_cost_sek),
        active: Set(new.active),
        created_at: id.map_or(Set(now), |_| NotSet),
        updated_at: Set(now),
    };
    super::insert_or_update(db, model, id.is_some()).await
}

/// Marks service `id` inactive as of `now`.
pub async fn deactivate_service(
    db: &impl ConnectionTrait,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Service, Error> {
    Ok(service::ActiveModel {
        id: Set(id),
        active: Set(false),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?
    .into())
}
