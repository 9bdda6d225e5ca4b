//! Accounts (admin = Kommunledningskontoret, owner = an objektägare) and their API
//! tokens. Only a token's selector and the SHA-256 of its secret are stored.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, SimpleExpr},
};

use super::{
    InnerJoinOn,
    entity::{account, api_token},
};
use crate::domain::{
    Email, Error, Page, PageRequest, Role,
    token::{ApiToken, StoredToken, TokenSummary},
};

/// The account of owner record `owner_id`, if it has one yet.
pub async fn owner_account_id(
    db: &impl ConnectionTrait,
    owner_id: i32,
) -> Result<Option<i32>, Error> {
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::OwnerId.eq(owner_id))
        .into_tuple()
        .one(db)
        .await
        .map_err(Error::from)
}

/// Inserts an account for `role`, signing in to the dashboard with `email` if given;
/// returns its id.
pub async fn insert_account(
    db: &impl ConnectionTrait,
    role: Role,
    email: Option<&Email>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    Ok(account::Entity::insert(account::ActiveModel {
        role: Set(role.as_str().into()),
        owner_id: Set(role.owner_id()),
        email: Set(email.map(|e| e.as_str().to_owned())),
        name: Set(name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id)
}

/// The admin account with this dashboard address: its id and name.
pub async fn admin_with_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<(i32, String)>, Error> {
    Ok(account::Entity::find()
        .filter(account::Column::Role.eq(Role::Admin.as_str()))
        .filter(account::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .map(|account| (account.id, account.name)))
}

/// The role of account `account_id`; `None` when there is no such account or its role
/// makes no sense.
pub async fn account_role(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Option<Role>, Error> {
    Ok(account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .and_then(|account| role_of(&account)))
}

fn role_of(account: &account::Model) -> Option<Role> {
    Role::from_parts(&account.role, account.owner_id)
}

/// Stores a new token of `account_id` (its selector and the hash of its secret);
/// returns its id.
pub async fn insert_token(
    db: &impl ConnectionTrait,
    account_id: i32,
    token: &ApiToken,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    Ok(api_token::Entity::insert(api_token::ActiveModel {
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
    .exec(db)
    .await?
    .last_insert_id)
}

/// The token with this selector and its account's role, in one query: this runs on
/// every API request.
pub async fn token_by_selector(
    db: &impl ConnectionTrait,
    selector: &str,
) -> Result<Option<StoredToken>, Error> {
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
        .inner_join_on(api_token::Column::AccountId, account::Column::Id)
        .filter(api_token::Column::Selector.eq(selector))
        .into_tuple()
        .one(db)
        .await?;
    Ok(found.map(
        |(id, secret_hash, revoked_at, expires_at, last_used_on, account_id, role, owner_id)| {
            StoredToken {
                id,
                secret_hash,
                revoked: revoked_at.is_some(),
                expires_at,
                last_used_on,
                account_id,
                role: Role::from_parts(&role, owner_id),
            }
        },
    ))
}

/// Notes `day` as the day token `id` was last used.
pub async fn note_token_used(
    db: &impl ConnectionTrait,
    id: i32,
    day: NaiveDate,
) -> Result<(), Error> {
    set_on_token(db, id, api_token::Column::LastUsedOn, Expr::value(day)).await
}

/// Writes `value` into `column` of token `id`.
async fn set_on_token(
    db: &impl ConnectionTrait,
    id: i32,
    column: api_token::Column,
    value: SimpleExpr,
) -> Result<(), Error> {
    api_token::Entity::update_many()
        .col_expr(column, value)
        .filter(api_token::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The tokens that have not been revoked (expired ones included, so they can be
/// cleaned up), oldest first.
pub async fn list_tokens(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<TokenSummary>, Error> {
    let query = api_token::Entity::find()
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_asc(api_token::Column::Id);
    let tokens: Page<api_token::Model> = super::fetch_page(db, query, page).await?;
    let roles: HashMap<i32, Role> = account::Entity::find()
        .filter(account::Column::Id.is_in(tokens.items.iter().map(|t| t.account_id)))
        .all(db)
        .await?
        .iter()
        .filter_map(|account| Some((account.id, role_of(account)?)))
        .collect();
    let items = tokens
        .items
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
    Ok(Page::new(items, tokens.total, page))
}

/// Token `id` as stored (never shown: it holds the secret's hash).
pub async fn get_token(db: &impl ConnectionTrait, id: i32) -> Result<api_token::Model, Error> {
    super::fetch_by_id::<api_token::Entity, _>(db, "api token", id).await
}

/// Marks token `id` revoked at `now`.
pub async fn revoke_token(
    db: &impl ConnectionTrait,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    set_on_token(db, id, api_token::Column::RevokedAt, Expr::value(now)).await
}
