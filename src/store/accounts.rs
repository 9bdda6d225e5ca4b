//! Accounts (admin = Kommunledningskontoret, owner = an objektägare) and their API
//! tokens. Only a token's selector and the SHA-256 of its secret are stored.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;

use super::{
    audit, catalogue, db_error,
    entity::{account, api_token},
};
use crate::domain::{Actor, Error, Role, token::ApiToken};

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Owner { .. } => "owner",
    }
}

/// Creates an account for `role` (reusing an owner's existing account) and a new token
/// for it; returns the token in clear text, the only time it is ever visible.
pub async fn create_token(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    label: &str,
) -> Result<String, Error> {
    let txn = super::begin_write(db).await?;
    let owner_id = match role {
        Role::Owner { owner_id } => {
            catalogue::get_owner(&txn, owner_id).await?;
            Some(owner_id)
        }
        Role::Admin => None,
    };
    let existing = match owner_id {
        Some(owner_id) => account::Entity::find()
            .filter(account::Column::OwnerId.eq(owner_id))
            .one(&txn)
            .await
            .map_err(db_error)?,
        None => None,
    };
    let account_id = match existing {
        Some(account) => account.id,
        None => {
            account::Entity::insert(account::ActiveModel {
                role: Set(role_name(role).into()),
                owner_id: Set(owner_id),
                email: Set(None),
                name: Set(label.to_owned()),
                created_at: Set(Utc::now()),
                ..Default::default()
            })
            .exec(&txn)
            .await
            .map_err(db_error)?
            .last_insert_id
        }
    };
    let token = ApiToken::generate();
    let token_id = api_token::Entity::insert(api_token::ActiveModel {
        account_id: Set(account_id),
        selector: Set(token.selector.clone()),
        secret_hash: Set(token.secret_hash()),
        label: Set(label.to_owned()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(db_error)?
    .last_insert_id;
    audit::record(
        &txn,
        actor,
        "create",
        "api_token",
        Some(token_id.to_string()),
        json!({"role": role_name(role), "owner_id": owner_id, "label": label}),
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok(token.reveal())
}

/// The actor a presented bearer token stands for, or `None` for any unknown, revoked
/// or malformed token (the caller answers 401 without saying which).
pub async fn actor_for_token(
    db: &impl ConnectionTrait,
    presented: &str,
) -> Result<Option<Actor>, Error> {
    let Some(token) = ApiToken::parse(presented) else {
        return Ok(None);
    };
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::Selector.eq(token.selector.as_str()))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    if !token.matches(&row.secret_hash) {
        return Ok(None);
    }
    let Some(account) = account::Entity::find_by_id(row.account_id)
        .one(db)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let role = match (account.role.as_str(), account.owner_id) {
        ("admin", _) => Role::Admin,
        ("owner", Some(owner_id)) => Role::Owner { owner_id },
        _ => return Ok(None),
    };
    Ok(Some(Actor {
        account_id: Some(account.id),
        role,
        label: format!("token:{} ({})", row.id, account.role),
    }))
}
