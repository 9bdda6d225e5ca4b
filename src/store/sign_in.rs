//! Dashboard sign-in links and sessions. Both are kept as the SHA-256 of their secret;
//! a link is spent by one conditional update, so two clicks cannot both sign in.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};

use super::{
    InnerJoinOn,
    entity::{account, session, sign_in_link},
};
use crate::domain::{Actor, Error, Role};

/// Stores a sign-in link for `account_id` (the hash of its secret); returns its id.
pub async fn create_link(
    db: &impl ConnectionTrait,
    account_id: i32,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i32, Error> {
    let id = sign_in_link::Entity::insert(sign_in_link::ActiveModel {
        token_hash: Set(token_hash),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id;
    Ok(id)
}

/// Ends every session and deletes every unused sign-in link of the account of owner
/// `owner_id` (its address changed hands, or the owner is gone); returns how many
/// sessions and links.
pub async fn end_owner_sessions(
    db: &impl ConnectionTrait,
    owner_id: i32,
) -> Result<(u64, u64), Error> {
    let accounts = sea_orm::sea_query::Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(account::Column::OwnerId.eq(owner_id))
        .to_owned();
    let sessions = session::Entity::delete_many()
        .filter(session::Column::AccountId.in_subquery(accounts.clone()))
        .exec(db)
        .await?
        .rows_affected;
    let links = sign_in_link::Entity::delete_many()
        .filter(sign_in_link::Column::AccountId.in_subquery(accounts))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    Ok((sessions, links))
}

/// Spends the link with this hash if it is unused and unexpired at `now`, in one
/// conditional update (two clicks cannot both spend it); returns its account, or `None`
/// for a link that is unknown, used or expired.
pub async fn spend_link(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i32>, Error> {
    let spent = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(now))
        .filter(sign_in_link::Column::TokenHash.eq(token_hash))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected;
    if spent != 1 {
        return Ok(None);
    }
    let link = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .ok_or_else(|| Error::bug("a sign-in link vanished while being spent"))?;
    Ok(Some(link.account_id))
}

/// Opens a session for `account_id` (stored as `session_hash`), ending at `expires_at`;
/// returns its id.
pub async fn insert_session(
    db: &impl ConnectionTrait,
    account_id: i32,
    session_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i32, Error> {
    Ok(session::Entity::insert(session::ActiveModel {
        token_hash: Set(session_hash),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id)
}

/// The actor of the unexpired session with this hash, if any.
pub async fn session_actor(
    db: &impl ConnectionTrait,
    session_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, Error> {
    // The session and its account in one query: this runs on every dashboard page.
    let found: Option<(i32, i32, String, Option<i32>)> = session::Entity::find()
        .select_only()
        .column_as(session::Column::Id, "session_id")
        .column_as(account::Column::Id, "account_id")
        .column_as(account::Column::Role, "role")
        .column_as(account::Column::OwnerId, "owner_id")
        .inner_join_on(session::Column::AccountId, account::Column::Id)
        .filter(session::Column::TokenHash.eq(session_hash))
        .filter(session::Column::ExpiresAt.gt(now))
        .into_tuple()
        .one(db)
        .await?;
    Ok(found.and_then(|(session_id, account_id, role, owner_id)| {
        Some(Actor::of_session(
            session_id,
            account_id,
            Role::from_parts(&role, owner_id)?,
        ))
    }))
}

/// Ends the session with this hash (signing out); returns whether there was one.
pub async fn end_session(db: &impl ConnectionTrait, session_hash: &str) -> Result<bool, Error> {
    let ended = session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(session_hash))
        .exec(db)
        .await?
        .rows_affected;
    Ok(ended > 0)
}

/// Deletes links and sessions that ended before `now`; returns how many.
pub async fn purge_ended(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, Error> {
    let links = sign_in_link::Entity::delete_many()
        .filter(sign_in_link::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    let sessions = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    Ok(links + sessions)
}
