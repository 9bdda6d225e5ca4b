//! Dashboard sign-in links and sessions. Both are kept as the SHA-256 of their secret;
//! a link is spent by one conditional update, so two clicks cannot both sign in.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType,
    QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::json;

use super::{
    accounts, audit, db_error,
    entity::{account, session, sign_in_link},
};
use crate::domain::{Actor, Error};

/// Stores a sign-in link for `account_id` (the hash of its secret), and who made it;
/// returns its id.
pub async fn create_link(
    db: &impl ConnectionTrait,
    actor: &Actor,
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
    .await
    .map_err(db_error)?
    .last_insert_id;
    audit::record(
        db,
        actor,
        now,
        "create",
        "sign_in_link",
        Some(id.to_string()),
        json!({"account_id": account_id, "expires_at": expires_at}),
    )
    .await?;
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
        .await
        .map_err(db_error)?
        .rows_affected;
    let links = sign_in_link::Entity::delete_many()
        .filter(sign_in_link::Column::AccountId.in_subquery(accounts))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .exec(db)
        .await
        .map_err(db_error)?
        .rows_affected;
    Ok((sessions, links))
}

/// Spends the link with this hash if it is unused and unexpired at `now`, and opens a
/// session for its account (stored as `session_hash`, ending at `session_expires_at`),
/// in one transaction. `None` for a link that is unknown, used or expired.
pub async fn spend_link(
    db: &DatabaseConnection,
    token_hash: &str,
    session_hash: String,
    now: DateTime<Utc>,
    session_expires_at: DateTime<Utc>,
) -> Result<Option<Actor>, Error> {
    let txn = super::begin_write(db).await?;
    let spent = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(now))
        .filter(sign_in_link::Column::TokenHash.eq(token_hash))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await
        .map_err(db_error)?
        .rows_affected;
    if spent != 1 {
        super::commit(txn).await?;
        return Ok(None);
    }
    let link = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::TokenHash.eq(token_hash))
        .one(&txn)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::bug("a sign-in link vanished while being spent"))?;
    let session_id = session::Entity::insert(session::ActiveModel {
        token_hash: Set(session_hash),
        account_id: Set(link.account_id),
        created_at: Set(now),
        expires_at: Set(session_expires_at),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(db_error)?
    .last_insert_id;
    let actor = actor_of(&txn, link.account_id, session_id).await?;
    if let Some(actor) = &actor {
        audit::record(
            &txn,
            actor,
            now,
            "sign_in",
            "session",
            Some(session_id.to_string()),
            json!({"account_id": link.account_id, "expires_at": session_expires_at}),
        )
        .await?;
    }
    super::commit(txn).await?;
    Ok(actor)
}

async fn actor_of(
    db: &impl ConnectionTrait,
    account_id: i32,
    session_id: i32,
) -> Result<Option<Actor>, Error> {
    let Some(account) = account::Entity::find_by_id(account_id)
        .one(db)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    Ok(accounts::role_of(&account).map(|role| Actor {
        account_id: Some(account.id),
        role,
        label: format!("session:{session_id} ({})", account.role),
    }))
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
        .join(
            JoinType::InnerJoin,
            super::join_on::<session::Entity, account::Entity>(
                session::Column::AccountId,
                account::Column::Id,
            ),
        )
        .filter(session::Column::TokenHash.eq(session_hash))
        .filter(session::Column::ExpiresAt.gt(now))
        .into_tuple()
        .one(db)
        .await
        .map_err(db_error)?;
    Ok(found.and_then(|(session_id, account_id, role, owner_id)| {
        Some(Actor {
            account_id: Some(account_id),
            role: accounts::parse_role(&role, owner_id)?,
            label: format!("session:{session_id} ({role})"),
        })
    }))
}

/// Ends the session with this hash (signing out); ending an ended one changes nothing.
pub async fn end_session(
    db: &DatabaseConnection,
    actor: &Actor,
    session_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let txn = super::begin_write(db).await?;
    let ended = session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(session_hash))
        .exec(&txn)
        .await
        .map_err(db_error)?
        .rows_affected;
    if ended > 0 {
        audit::record(&txn, actor, now, "sign_out", "session", None, json!({})).await?;
    }
    super::commit(txn).await
}

/// Deletes links and sessions that ended before `now`; returns how many.
pub async fn purge_ended(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, Error> {
    let links = sign_in_link::Entity::delete_many()
        .filter(sign_in_link::Column::ExpiresAt.lte(now))
        .exec(db)
        .await
        .map_err(db_error)?
        .rows_affected;
    let sessions = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await
        .map_err(db_error)?
        .rows_affected;
    Ok(links + sessions)
}
