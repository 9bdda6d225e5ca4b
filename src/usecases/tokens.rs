//! API tokens: create one (its secret is shown once), list and revoke them (admin
//! only), and resolve a presented bearer token to the actor it stands for.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;

use super::{AppState, audit};
use crate::{
    domain::{
        Actor, Error, Page, PageRequest, Role,
        token::{self, ApiToken, TokenSummary},
    },
    store,
};

/// Creates a token for `role`, valid for `expires_in_days` days from now or for ever;
/// returns the secret in clear text, the only time it is visible.
pub async fn create_token(
    state: &AppState,
    actor: &Actor,
    role: Role,
    label: &str,
    expires_in_days: Option<u32>,
) -> Result<String, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    let expires_at = expires_in_days
        .map(|days| token::expiry_after_days(now, days))
        .transpose()?;
    issue_token(&state.db, actor, role, label, expires_at, now).await
}

/// Creates an account for `role` (reusing an owner's existing account) and a token for
/// it that stops working at `expires_at` (never if `None`), as of `now`; returns the
/// token in clear text, the only time it is ever visible. [`create_token`] with the
/// time and expiry given, for tests that need an expired token or their own clock.
pub async fn issue_token(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    actor.require_admin()?;
    super::in_transaction(db, async |txn| {
        let account_id = match role {
            Role::Owner { owner_id } => {
                store::catalogue::get_owner(txn, owner_id).await?;
                owner_account(txn, owner_id, label, now).await?
            }
            Role::Admin => store::accounts::insert_account(txn, role, None, label, now).await?,
        };
        let token = ApiToken::generate();
        let token_id =
            store::accounts::insert_token(txn, account_id, &token, label, expires_at, now).await?;
        audit::record(
            txn,
            actor,
            now,
            "create",
            "api_token",
            Some(token_id.to_string()),
            json!({"role": role.as_str(), "owner_id": role.owner_id(), "label": label,
                   "expires_at": expires_at}),
        )
        .await?;
        Ok(token.reveal())
    })
    .await
}

/// The account of owner record `owner_id`, made (named `name`) on first use: a token or
/// a sign-in.
pub(super) async fn owner_account(
    db: &impl ConnectionTrait,
    owner_id: i32,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    match store::accounts::owner_account_id(db, owner_id).await? {
        Some(account_id) => Ok(account_id),
        None => {
            store::accounts::insert_account(db, Role::Owner { owner_id }, None, name, now).await
        }
    }
}

/// The tokens not revoked, expired ones included (so they can be cleaned up).
pub async fn list_tokens(
    state: &AppState,
    actor: &Actor,
    page: PageRequest,
) -> Result<Page<TokenSummary>, Error> {
    actor.require_admin()?;
    store::accounts::list_tokens(&state.db, page).await
}

/// Revokes a token now: every later request with it gets 401. Revoking a revoked token
/// changes nothing; an unknown id is not found.
pub async fn revoke_token(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        let token = store::accounts::get_token(txn, id).await?;
        if token.revoked_at.is_some() {
            return Ok(());
        }
        store::accounts::revoke_token(txn, id, now).await?;
        audit::record(
            txn,
            actor,
            now,
            "revoke",
            "api_token",
            Some(id.to_string()),
            json!({"label": token.label}),
        )
        .await
    })
    .await
}

/// The actor `presented` stands for, or `None` for an unknown, revoked, expired or
/// malformed token; the caller answers all of these alike. Notes the day of use, writing
/// at most once a day per token.
pub async fn actor_for_token(state: &AppState, presented: &str) -> Result<Option<Actor>, Error> {
    let Some(presented) = ApiToken::parse(presented) else {
        return Ok(None);
    };
    let Some(stored) = store::accounts::token_by_selector(&state.db, &presented.selector).await?
    else {
        return Ok(None);
    };
    let Some(accepted) = token::check_token(&presented, &stored, state.clock.now()) else {
        return Ok(None);
    };
    if let Some(day) = accepted.note_use_on {
        store::accounts::note_token_used(&state.db, stored.id, day).await?;
    }
    Ok(Some(accepted.actor))
}
