//! Accounts (admin = Kommunledningskontoret, owner = an objektägare) and their API
//! tokens. Only a token's selector and the SHA-256 of its secret are stored.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde_json::json;

use super::{
    audit, catalogue, db_error,
    entity::{account, api_token},
};
use crate::domain::{
    Actor, Email, Error, Page, PageRequest, Role,
    token::{ApiToken, TokenSummary, token_is_usable},
};

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Owner { .. } => "owner",
    }
}

/// Creates an account for `role` (reusing an owner's existing account) and a new token
/// for it that never expires; returns the token in clear text, the only time it is ever
/// visible.
pub async fn create_token(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    label: &str,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    create_expiring_token(db, actor, role, label, None, now).await
}

/// Like [`create_token`], for a token that stops working at `expires_at` (if given).
pub async fn create_expiring_token(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let txn = super::begin_write(db).await?;
    let owner_id = match role {
        Role::Owner { owner_id } => {
            catalogue::get_owner(&txn, owner_id).await?;
            Some(owner_id)
        }
        Role::Admin => None,
    };
    let account_id = match owner_id {
        Some(owner_id) => owner_account(&txn, owner_id, label, now).await?,
        None => insert_account(&txn, role, None, label, now).await?,
    };
    let token = ApiToken::generate();
    let token_id = api_token::Entity::insert(api_token::ActiveModel {
        account_id: Set(account_id),
        selector: Set(token.selector.clone()),
        secret_hash: Set(token.secret_hash()),
        label: Set(label.to_owned()),
        created_at: Set(now),
        revoked_at: Set(None),
        expires_at: Set(expires_at),
        last_used_on: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(db_error)?
    .last_insert_id;
    audit::record(
        &txn,
        actor,
        now,
        "create",
        "api_token",
        Some(token_id.to_string()),
        json!({"role": role_name(role), "owner_id": owner_id, "label": label, "expires_at": expires_at}),
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok(token.reveal())
}

/// The account of an owner record, created on first use (a token or a sign-in).
pub async fn owner_account(
    db: &impl ConnectionTrait,
    owner_id: i32,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    let existing = account::Entity::find()
        .filter(account::Column::OwnerId.eq(owner_id))
        .one(db)
        .await
        .map_err(db_error)?;
    match existing {
        Some(account) => Ok(account.id),
        None => insert_account(db, Role::Owner { owner_id }, None, name, now).await,
    }
}

async fn insert_account(
    db: &impl ConnectionTrait,
    role: Role,
    email: Option<&str>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    let owner_id = match role {
        Role::Owner { owner_id } => Some(owner_id),
        Role::Admin => None,
    };
    Ok(account::Entity::insert(account::ActiveModel {
        role: Set(role_name(role).into()),
        owner_id: Set(owner_id),
        email: Set(email.map(str::to_owned)),
        name: Set(name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .map_err(db_error)?
    .last_insert_id)
}

/// Adds an admin (Kommunledningskontoret) account that signs in to the dashboard with
/// `email`; an address that already has an admin account keeps it. Returns its id and
/// whether it was created.
pub async fn add_admin(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &Email,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(i32, bool), Error> {
    let txn = super::begin_write(db).await?;
    if let Some(existing) = admin_with_email(&txn, email).await? {
        txn.commit().await.map_err(db_error)?;
        return Ok((existing.0, false));
    }
    let id = insert_account(&txn, Role::Admin, Some(email.as_str()), name, now).await?;
    audit::record(
        &txn,
        actor,
        now,
        "create",
        "account",
        Some(id.to_string()),
        json!({"role": "admin", "email": email.as_str(), "name": name}),
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok((id, true))
}

/// The admin account with this dashboard address: its id and name.
pub async fn admin_with_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<(i32, String)>, Error> {
    Ok(account::Entity::find()
        .filter(account::Column::Role.eq("admin"))
        .filter(account::Column::Email.eq(email.as_str()))
        .one(db)
        .await
        .map_err(db_error)?
        .map(|account| (account.id, account.name)))
}

/// The actor a presented bearer token stands for, or `None` for any unknown, revoked,
/// expired or malformed token (the caller answers 401 without saying which). Notes the
/// day of use, writing at most once a day per token.
pub async fn actor_for_token(
    db: &impl ConnectionTrait,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, Error> {
    let Some(token) = ApiToken::parse(presented) else {
        return Ok(None);
    };
    // The token and its account in one query: this runs on every API request.
    type Row = (
        i32,
        String,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<NaiveDate>,
        i32,
        String,
        Option<i32>,
    );
    let found: Option<Row> = api_token::Entity::find()
        .select_only()
        .column_as(api_token::Column::Id, "token_id")
        .column_as(api_token::Column::SecretHash, "secret_hash")
        .column_as(api_token::Column::RevokedAt, "revoked_at")
        .column_as(api_token::Column::ExpiresAt, "expires_at")
        .column_as(api_token::Column::LastUsedOn, "last_used_on")
        .column_as(account::Column::Id, "account_id")
        .column_as(account::Column::Role, "role")
        .column_as(account::Column::OwnerId, "owner_id")
        .join(
            JoinType::InnerJoin,
            super::join_on::<api_token::Entity, account::Entity>(
                api_token::Column::AccountId,
                account::Column::Id,
            ),
        )
        .filter(api_token::Column::Selector.eq(token.selector.as_str()))
        .into_tuple()
        .one(db)
        .await
        .map_err(db_error)?;
    let Some((
        token_id,
        secret_hash,
        revoked_at,
        expires_at,
        last_used_on,
        account_id,
        role,
        owner_id,
    )) = found
    else {
        return Ok(None);
    };
    if !token.matches(&secret_hash) || !token_is_usable(revoked_at.is_some(), expires_at, now) {
        return Ok(None);
    }
    let Some(role_of_account) = parse_role(&role, owner_id) else {
        return Ok(None);
    };
    let today = stockholm_day(now);
    if last_used_on != Some(today) {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedOn, Expr::value(today))
            .filter(api_token::Column::Id.eq(token_id))
            .exec(db)
            .await
            .map_err(db_error)?;
    }
    Ok(Some(Actor {
        account_id: Some(account_id),
        role: role_of_account,
        label: format!("token:{token_id} ({role})"),
    }))
}

pub(super) fn role_of(account: &account::Model) -> Option<Role> {
    parse_role(&account.role, account.owner_id)
}

/// An account's role as stored; `None` for one that makes no sense (no actor).
pub(super) fn parse_role(role: &str, owner_id: Option<i32>) -> Option<Role> {
    match (role, owner_id) {
        ("admin", _) => Some(Role::Admin),
        ("owner", Some(owner_id)) => Some(Role::Owner { owner_id }),
        _ => None,
    }
}

fn stockholm_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Stockholm).date_naive()
}

/// The tokens that have not been revoked (expired ones included, so they can be
/// cleaned up), oldest first.
pub async fn list_tokens(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<TokenSummary>, Error> {
    let query = api_token::Entity::find().filter(api_token::Column::RevokedAt.is_null());
    let total = query.clone().count(db).await.map_err(db_error)?;
    let tokens = query
        .order_by_asc(api_token::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await
        .map_err(db_error)?;
    let roles: HashMap<i32, Role> = account::Entity::find()
        .filter(account::Column::Id.is_in(tokens.iter().map(|t| t.account_id)))
        .all(db)
        .await
        .map_err(db_error)?
        .iter()
        .filter_map(|account| Some((account.id, role_of(account)?)))
        .collect();
    let items = tokens
        .into_iter()
        .map(|token| {
            let role = *roles.get(&token.account_id).ok_or_else(|| {
                Error::bug(format!("api token {} has no valid account", token.id))
            })?;
            Ok(TokenSummary {
                id: token.id,
                label: token.label,
                role,
                created_at: token.created_at,
                last_used_on: token.last_used_on,
                expires_at: token.expires_at,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Page::new(items, total, page))
}

/// Revokes a token at once: every later request with it gets 401. Revoking a revoked
/// token changes nothing; an unknown id is not found.
pub async fn revoke_token(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let txn = super::begin_write(db).await?;
    let token = api_token::Entity::find_by_id(id)
        .one(&txn)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found("api token", id))?;
    if token.revoked_at.is_none() {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        audit::record(
            &txn,
            actor,
            now,
            "revoke",
            "api_token",
            Some(id.to_string()),
            json!({"label": token.label}),
        )
        .await?;
    }
    txn.commit().await.map_err(db_error)
}
