//! The service catalogue: departments (förvaltningar), owners (objektägare) and IT
//! services. Everyone signed in may read, an owner only their own record and services;
//! only admins change anything.

use crate::{
    domain::{
        Actor, Department, Email, Error, NewService, Owner, Page, PageRequest, Service,
        ServiceFilter,
    },
    store::catalogue as store,
};

use super::AppState;

// ---- departments ----

/// Departments are public to every role: they name no person.
pub async fn list_departments(
    state: &AppState,
    _actor: &Actor,
    page: PageRequest,
) -> Result<Page<Department>, Error> {
    store::list_departments(&state.db, page).await
}

pub async fn get_department(
    state: &AppState,
    _actor: &Actor,
    id: i32,
) -> Result<Department, Error> {
    store::get_department(&state.db, id).await
}

/// Creates a department (`id` is `None`) or renames one.
pub async fn save_department(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    name: String,
) -> Result<Department, Error> {
    actor.require_admin()?;
    store::save_department(&state.db, actor, id, name, state.clock.now()).await
}

/// Deletes a department that no owner or service refers to.
pub async fn delete_department(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    store::delete_department(&state.db, actor, id, state.clock.now()).await
}

// ---- owners ----

/// Every owner for an admin; for an owner, only their own record.
pub async fn list_owners(
    state: &AppState,
    actor: &Actor,
    page: PageRequest,
) -> Result<Page<Owner>, Error> {
    store::list_owners(&state.db, actor.owner_scope(), page).await
}

pub async fn get_owner(state: &AppState, actor: &Actor, id: i32) -> Result<Owner, Error> {
    let owner = store::get_owner(&state.db, id).await?;
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
            Some(id) => Some(store::get_owner(txn, id).await?),
            None => None,
        };
        let saved = store::save_owner(txn, actor, id, name, email, department_id, now).await?;
        if let Some(previous) = previous
            && previous.email != saved.email
        {
            end_sessions(txn, actor, &previous, "address_changed", now).await?;
        }
        Ok(saved)
    })
    .await
}

/// Deletes an owner who owns no services, and ends their sessions.
pub async fn delete_owner(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let owner = store::get_owner(txn, id).await?;
        // Before the delete, which would take the sessions with it unaudited.
        end_sessions(txn, actor, &owner, "owner_deleted", now).await?;
        store::delete_owner(txn, actor, id, now).await?;
        Ok(())
    })
    .await
}

/// Ends the sessions and unused sign-in links of `owner` (and drops sign-in emails
/// still queued to their address), audited with `reason`.
async fn end_sessions(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    owner: &Owner,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    let (sessions, links) = crate::store::sign_in::end_owner_sessions(txn, owner.id).await?;
    let emails = crate::store::outbox::delete_unsent_sign_in_to(txn, owner.email.as_str()).await?;
    if sessions + links + emails > 0 {
        crate::store::audit::record(
            txn,
            actor,
            now,
            "end_sessions",
            "owner",
            Some(owner.id.to_string()),
            serde_json::json!({
                "reason": reason,
                "sessions": sessions,
                "sign_in_links": links,
                "queued_sign_in_emails": emails,
            }),
        )
        .await?;
    }
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
    store::list_services(&state.db, &filter, page).await
}

pub async fn get_service(state: &AppState, actor: &Actor, id: i32) -> Result<Service, Error> {
    let service = store::get_service(&state.db, id).await?;
    if !actor.may_read_owned_by(service.owner_id) {
        return Err(Error::Forbidden(
            "an owner may read only their own services".into(),
        ));
    }
    Ok(service)
}

/// Creates a service (`id` is `None`) or replaces one.
pub async fn save_service(
    state: &AppState,
    actor: &Actor,
    id: Option<i32>,
    new: NewService,
) -> Result<Service, Error> {
    actor.require_admin()?;
    store::save_service(&state.db, actor, id, new, state.clock.now()).await
}

/// Deactivates a service: it keeps its history but gets no new survey rounds.
pub async fn deactivate_service(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> Result<Service, Error> {
    actor.require_admin()?;
    store::deactivate_service(&state.db, actor, id, state.clock.now()).await
}
