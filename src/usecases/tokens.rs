//! API tokens: create one (its secret is shown once), list and revoke them (admin
//! only), and resolve a presented bearer token to the actor it stands for.

use crate::{
    domain::{
        Actor, Error, Page, PageRequest, Role,
        token::{self, TokenSummary},
    },
    store::accounts as store,
};

use super::AppState;

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
    store::create_expiring_token(&state.db, actor, role, label, expires_at, now).await
}

/// The tokens not revoked, expired ones included (so they can be cleaned up).
pub async fn list_tokens(
    state: &AppState,
    actor: &Actor,
    page: PageRequest,
) -> Result<Page<TokenSummary>, Error> {
    actor.require_admin()?;
    store::list_tokens(&state.db, page).await
}

/// Revokes a token now: every later request with it gets 401.
pub async fn revoke_token(state: &AppState, actor: &Actor, id: i32) -> Result<(), Error> {
    actor.require_admin()?;
    store::revoke_token(&state.db, actor, id, state.clock.now()).await
}

/// The actor `presented` stands for, or `None` for an unknown, revoked, expired or
/// malformed token; the caller answers all of these alike.
pub async fn actor_for_token(state: &AppState, presented: &str) -> Result<Option<Actor>, Error> {
    store::actor_for_token(&state.db, presented, state.clock.now()).await
}
