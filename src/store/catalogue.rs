//! Departments, owners and services. Every write records an audit entry in the same
//! transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{
    audit, db_error,
    entity::{department, owner, service},
};
use crate::domain::{
    Actor, Department, Email, Error, NewService, Owner, Page, PageRequest, Service, ServiceFilter,
    Slug,
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
            slug: Slug::from_stored(row.slug),
            name: row.name,
            description: row.description,
            owner_id: row.owner_id,
            department_id: row.department_id,
            users_count: row.users_count,
            annual_cost_sek: row.annual_cost_sek,
            active: row.active,
        }
    }
}

/// Deletes a catalogue row and records who did it, naming what was deleted.
async fn delete_audited<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entity: &str,
    id: i32,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), Error>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i32>,
{
    E::delete_by_id(id).exec(db).await.map_err(db_error)?;
    audit::record(
        db,
        actor,
        now,
        "delete",
        entity,
        Some(id.to_string()),
        json!({"name": name}),
    )
    .await
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
        .await
        .map_err(db_error)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn get_department(db: &impl ConnectionTrait, id: i32) -> Result<Department, Error> {
    super::fetch_by_id::<department::Entity, _>(db, "department", id).await
}

pub async fn save_department(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i32>,
    name: String,
    now: DateTime<Utc>,
) -> Result<Department, Error> {
    let txn = super::begin_write(db).await?;
    if let Some(id) = id {
        get_department(&txn, id).await?;
    }
    super::ensure_unique::<department::Entity, _>(
        &txn,
        department::Column::Name,
        &name,
        department::Column::Id,
        id,
        || format!("a department named `{name}`"),
    )
    .await?;
    let model = department::ActiveModel {
        id: id.map_or(sea_orm::ActiveValue::NotSet, Set),
        name: Set(name),
    };
    let saved: Department = if id.is_some() {
        model.update(&txn).await
    } else {
        model.insert(&txn).await
    }
    .map_err(db_error)?
    .into();
    let action = if id.is_some() { "update" } else { "create" };
    audit::record(
        &txn,
        actor,
        now,
        action,
        "department",
        Some(saved.id.to_string()),
        json!({"name": saved.name}),
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved)
}

pub async fn delete_department(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let txn = super::begin_write(db).await?;
    let existing = get_department(&txn, id).await?;
    let in_use = owner::Entity::find()
        .filter(owner::Column::DepartmentId.eq(id))
        .count(&txn)
        .await
        .map_err(db_error)?
        + service::Entity::find()
            .filter(service::Column::DepartmentId.eq(id))
            .count(&txn)
            .await
            .map_err(db_error)?;
    if in_use > 0 {
        return Err(Error::Conflict(format!(
            "department {id} still has {in_use} owners or services; move them first"
        )));
    }
    delete_audited::<department::Entity>(&txn, actor, "department", id, &existing.name, now)
        .await?;
    txn.commit().await.map_err(db_error)
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
        .await
        .map_err(db_error)?;
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
        .await
        .map_err(db_error)?
        .map(Into::into))
}

pub async fn save_owner(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: Option<i32>,
    name: String,
    email: Email,
    department_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Owner, Error> {
    if let Some(id) = id {
        get_owner(txn, id).await?;
    }
    if let Some(department_id) = department_id {
        require_department(txn, department_id).await?;
    }
    super::ensure_unique::<owner::Entity, _>(
        txn,
        owner::Column::Email,
        email.as_str(),
        owner::Column::Id,
        id,
        || format!("an owner with email `{email}`"),
    )
    .await?;
    let model = owner::ActiveModel {
        id: id.map_or(sea_orm::ActiveValue::NotSet, Set),
        name: Set(name),
        email: Set(email.as_str().to_owned()),
        department_id: Set(department_id),
    };
    let saved: Owner = if id.is_some() {
        model.update(txn).await
    } else {
        model.insert(txn).await
    }
    .map_err(db_error)?
    .into();
    audit::record(
        txn,
        actor,
        now,
        if id.is_some() { "update" } else { "create" },
        "owner",
        Some(saved.id.to_string()),
        json!({"name": saved.name, "email": saved.email.as_str(), "department_id": saved.department_id}),
    )
    .await?;
    Ok(saved)
}

pub async fn delete_owner(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Owner, Error> {
    let existing = get_owner(txn, id).await?;
    let owned = service::Entity::find()
        .filter(service::Column::OwnerId.eq(id))
        .count(txn)
        .await
        .map_err(db_error)?;
    if owned > 0 {
        return Err(Error::Conflict(format!(
            "owner {id} still owns {owned} services; give them a new owner first"
        )));
    }
    delete_audited::<owner::Entity>(txn, actor, "owner", id, &existing.name, now).await?;
    Ok(existing)
}

async fn require_department(db: &impl ConnectionTrait, id: i32) -> Result<(), Error> {
    get_department(db, id)
        .await
        .map(|_| ())
        .map_err(super::missing_as_invalid("department_id"))
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
    let rows = services_query(filter).all(db).await.map_err(db_error)?;
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
        .await
        .map_err(db_error)?;
    Ok(rows.into_iter().map(|(id, slug)| (slug, id)).collect())
}

pub async fn save_service(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i32>,
    new: NewService,
    now: DateTime<Utc>,
) -> Result<Service, Error> {
    let txn = super::begin_write(db).await?;
    let existing = match id {
        Some(id) => Some(get_service(&txn, id).await?),
        None => None,
    };
    if let Some(owner_id) = new.owner_id {
        get_owner(&txn, owner_id)
            .await
            .map_err(super::missing_as_invalid("owner_id"))?;
    }
    if let Some(department_id) = new.department_id {
        require_department(&txn, department_id).await?;
    }
    super::ensure_unique::<service::Entity, _>(
        &txn,
        service::Column::Slug,
        new.slug.as_str(),
        service::Column::Id,
        id,
        || format!("a service with slug `{}`", new.slug),
    )
    .await?;
    let model = service::ActiveModel {
        id: id.map_or(sea_orm::ActiveValue::NotSet, Set),
        name: Set(new.name.clone()),
        slug: Set(new.slug.as_str().to_owned()),
        description: Set(new.description.clone()),
        owner_id: Set(new.owner_id),
        department_id: Set(new.department_id),
        users_count: Set(new.users_count),
        annual_cost_sek: Set(new.annual_cost_sek),
        active: Set(new.active),
        created_at: if id.is_some() {
            sea_orm::ActiveValue::NotSet
        } else {
            Set(now)
        },
        updated_at: Set(now),
    };
    let saved: Service = if id.is_some() {
        model.update(&txn).await
    } else {
        model.insert(&txn).await
    }
    .map_err(db_error)?
    .into();
    let summary = match existing {
        Some(before) => json!({"before": service_json(&before), "after": service_json(&saved)}),
        None => service_json(&saved),
    };
    audit::record(
        &txn,
        actor,
        now,
        if id.is_some() { "update" } else { "create" },
        "service",
        Some(saved.id.to_string()),
        summary,
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved)
}

/// Soft deactivation: the service stays for its history but gets no new rounds.
pub async fn deactivate_service(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Service, Error> {
    let txn = super::begin_write(db).await?;
    get_service(&txn, id).await?;
    let saved: Service = service::ActiveModel {
        id: Set(id),
        active: Set(false),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(db_error)?
    .into();
    audit::record(
        &txn,
        actor,
        now,
        "deactivate",
        "service",
        Some(id.to_string()),
        json!({"active": false}),
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved)
}

fn service_json(service: &Service) -> serde_json::Value {
    json!({
        "name": service.name,
        "slug": service.slug.as_str(),
        "owner_id": service.owner_id,
        "department_id": service.department_id,
        "users_count": service.users_count,
        "annual_cost_sek": service.annual_cost_sek,
        "active": service.active,
    })
}
