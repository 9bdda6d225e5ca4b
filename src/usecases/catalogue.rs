//! The service catalogue: departments (förvaltningar), owners (objektägare) and IT
//! services. Everyone signed in may read, an owner only their own record and services;
//! only admins change anything, each change audited in its own transaction.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::{
    AppState,
    audit::{self, save_action},
};
use crate::{
    domain::{
        Actor, Department, Email, Error, NewService, Owner, Page, PageRequest, Service,
        ServiceFilter,
        catalogue::{ensure_department_unused, ensure_owner_owns_nothing},
    },
    store::{self, catalogue},
};

// ---- departments ----

/// Departments are public to every role: they name no person.
pub async fn list_departments(
    state: &AppState,
    _actor: &Actor,
    page: PageRequest,
) -> Result<Page<Department>, Error> {
    catalogue::list_departments(&state.db, page).await
}

pub async fn get_department(
    state: &AppState,
    _actor: &Actor,
    id: i32,
) -> Result<Department, Error> {
    catalogue::get_department(&state.db, id).await
}

/// Creates a department (`id` is `None`) or renames one; names are unique.
pub async fn save_department(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    name: String,
) -> Result<Department, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        if let Some(id) = id {
            catalogue::get_department(txn, id).await?;
        }
        let saved = catalogue::save_department(txn, id, name).await?;
        audit::record(
            txn,
            actor,
            now,
            save_action(id),
            "department",
            Some(saved.id.to_string()),
            json!({"name": saved.name}),
        )
        .await?;
        Ok(saved)
    })
    .await
}

/// Deletes a department that no owner, service or insats refers to.
pub async fn delete_department(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let existing = catalogue::get_department(txn, id).await?;
        ensure_department_unused(id, catalogue::department_references(txn, id).await?)?;
        catalogue::delete_department(txn, id).await?;
        audit_delete(txn, actor, "department", id, &existing.name, now).await
    })
    .await
}

/// Records the deletion of a catalogue row, naming what was deleted.
async fn audit_delete(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    entity: &str,
    id: i32,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audit::record(
        txn,
        actor,
        now,
        "delete",
        entity,
        Some(id.to_string()),
        json!({"name": name}),
    )
    .await
}

// ---- owners ----

/// Every owner for an admin; for an owner, only their own record.
pub async fn list_owners(
    state: &AppState,
    actor: &Actor,
    page: PageRequest,
) -> Result<Page<Owner>, Error> {
    catalogue::list_owners(&state.db, actor.owner_scope(), page).await
}

pub async fn get_owner(state: &AppState, actor: &Actor, id: i32) -> Result<Owner, Error> {
    let owner = catalogue::get_owner(&state.db, id).await?;
    if !actor.may_read_owned_by(Some(owner.id)) {
        return Err(Error::Forbidden(
            "an owner may read only their own record".into(),
        ));
    }
    Ok(owner)
}

/// Creates an owner (`id` is `None`) or replaces one. A new address means the record
/// changed hands: whoever was signed in as the owner is signed out, and links not yet
/// used stop working (an API token stays: it is the integration's, not the person's).
pub async fn save_owner(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    name: String,
    email: Email,
    department_id: Option<i32>,
) -> Result<Owner, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let previous = match id {
            Some(id) => Some(catalogue::get_owner(txn, id).await?),
            None => None,
        };
        if let Some(department_id) = department_id {
            require_department(txn, department_id).await?;
        }
        let saved = catalogue::save_owner(txn, id, name, &email, department_id).await?;
        audit::record(
            txn,
            actor,
            now,
            save_action(id),
            "owner",
            Some(saved.id.to_string()),
            json!({"name": saved.name, "email": saved.email.as_str(),
                   "department_id": saved.department_id}),
        )
        .await?;
        if let Some(previous) = previous
            && previous.email != saved.email
        {
            end_sessions(txn, actor, &previous, "address_changed", now).await?;
        }
        Ok(saved)
    })
    .await
}

/// Deletes an owner who owns no services and is nyttoägare of no insats, and ends
/// their sessions.
pub async fn delete_owner(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let owner = catalogue::get_owner(txn, id).await?;
        ensure_owner_owns_nothing(id, catalogue::owner_references(txn, id).await?)?;
        // Before the delete, which would take the sessions with it unaudited.
        end_sessions(txn, actor, &owner, "owner_deleted", now).await?;
        catalogue::delete_owner(txn, id).await?;
        audit_delete(txn, actor, "owner", id, &owner.name, now).await
    })
    .await
}

/// Ends the sessions and unused sign-in links of `owner` (and drops sign-in emails
/// still queued to their address), audited with `reason`.
async fn end_sessions(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    owner: &Owner,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let (sessions, links) = store::sign_in::end_owner_sessions(txn, owner.id).await?;
    let emails = store::outbox::delete_unsent_sign_in_to(txn, owner.email.as_str()).await?;
    if sessions + links + emails == 0 {
        return Ok(());
    }
    audit::record(
        txn,
        actor,
        now,
        "end_sessions",
        "owner",
        Some(owner.id.to_string()),
        json!({
            "reason": reason,
            "sessions": sessions,
            "sign_in_links": links,
            "queued_sign_in_emails": emails,
        }),
    )
    .await
}

/// A department the input names in `department_id` must exist.
async fn require_department(txn: &impl ConnectionTrait, id: i32) -> Result<(), Error> {
    catalogue::get_department(txn, id)
        .await
        .map_err(|e| e.as_invalid_reference("department_id"))?;
    Ok(())
}

// ---- services ----

/// Services matching `filter`; an owner sees only their own, and asking for another
/// owner's is refused rather than silently answered with their own.
pub async fn list_services(
    state: &AppState,
    actor: &Actor,
    mut filter: ServiceFilter,
    page: PageRequest,
) -> Result<Page<Service>, Error> {
    filter.owner_id = match (actor.owner_scope(), filter.owner_id) {
        (Some(mine), Some(asked)) if mine != asked => {
            return Err(Error::Forbidden(
                "an owner may list only their own services".into(),
            ));
        }
        (Some(mine), _) => Some(mine),
        (None, asked) => asked,
    };
    catalogue::list_services(&state.db, &filter, page).await
}

pub async fn get_service(state: &AppState, actor: &Actor, id: i32) -> Result<Service, Error> {
    let service = catalogue::get_service(&state.db, id).await?;
    if !actor.may_read_owned_by(service.details.owner_id) {
        return Err(Error::Forbidden(
            "an owner may read only their own services".into(),
        ));
    }
    Ok(service)
}

/// Creates a service (`id` is `None`) or replaces one; the audit entry of a change
/// shows it before and after.
pub async fn save_service(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    new: NewService,
) -> Result<Service, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let existing = match id {
            Some(id) => Some(catalogue::get_service(txn, id).await?),
            None => None,
        };
        if let Some(owner_id) = new.owner_id {
            catalogue::get_owner(txn, owner_id)
                .await
                .map_err(|e| e.as_invalid_reference("owner_id"))?;
        }
        if let Some(department_id) = new.department_id {
            require_department(txn, department_id).await?;
        }
        let saved = catalogue::save_service(txn, id, &new, now).await?;
        let summary = match existing {
            Some(before) => {
                json!({"before": service_summary(&before), "after": service_summary(&saved)})
            }
            None => service_summary(&saved),
        };
        audit::record(
            txn,
            actor,
            now,
            save_action(id),
            "service",
            Some(saved.id.to_string()),
            summary,
        )
        .await?;
        Ok(saved)
    })
    .await
}

/// Deactivates a service: it keeps its history but gets no new survey rounds.
pub async fn deactivate_service(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> Result<Service, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        catalogue::get_service(txn, id).await?;
        let saved = catalogue::deactivate_service(txn, id, now).await?;
        audit::record(
            txn,
            actor,
            now,
            "deactivate",
            "service",
            Some(id.to_string()),
            json!({"active": false}),
        )
        .await?;
        Ok(saved)
    })
    .await
}

/// A service as its audit entries show it.
fn service_summary(service: &Service) -> serde_json::Value {
    json!({
        "name": service.details.name,
        "slug": service.details.slug.as_str(),
        "owner_id": service.details.owner_id,
        "department_id": service.details.department_id,
        "users_count": service.details.users_count,
        "annual_cost_sek": service.details.annual_cost_sek,
        "active": service.details.active,
    })
}
