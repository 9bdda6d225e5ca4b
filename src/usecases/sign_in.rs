//! Dashboard sign-in: ask for a link by email, open a session with it, resolve a
//! session cookie to its actor, sign out. The answer to a link request is the same for
//! every address (known or not): the lookup and the email happen after the answer, in
//! the background, so neither the page nor its timing tells who is an owner.
//! No anonymous client can keep a person from signing in: the limit per address caps
//! the emails sent (the page stays the same, and a link sent earlier in the window still
//! works), and only the client over its own limit (by its address, as the web layer
//! finds it behind trusted proxies) is turned away.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{AppState, audit};
use crate::{
    config::DashboardSettings,
    domain::{
        Actor, Email, Error, Role,
        sign_in::{RateLimit, link_expiry, session_expiry},
        survey::{OutboxEmail, SignInEmail},
        token::SecretToken,
    },
    store::{self, outbox::NewOutboxMessage},
};

/// How often links may be emailed per address and asked for per client, in this process.
pub struct SignInLimits {
    per_address: Mutex<RateLimit>,
    per_client: Mutex<RateLimit>,
}

impl SignInLimits {
    pub fn new(settings: &DashboardSettings) -> Self {
        Self {
            per_address: Mutex::new(RateLimit::per_link_lifetime(settings.sign_in_per_address)),
            per_client: Mutex::new(RateLimit::per_hour(settings.sign_in_per_client)),
        }
    }

    fn client_allowed(&self, client: &str, now: DateTime<Utc>) -> bool {
        // A poisoned lock only means another request panicked mid-count: keep counting.
        let mut clients = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        clients.allow(client, now)
    }

    fn email_allowed(&self, address: &Email, now: DateTime<Utc>) -> bool {
        let mut addresses = self.per_address.lock().unwrap_or_else(|e| e.into_inner());
        addresses.allow(address.as_str(), now)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRequest {
    /// A link is on its way if the address may sign in and has not had its share of
    /// links lately (the caller cannot tell).
    Accepted,
    /// Too many requests from this client within the hour.
    TooMany,
}

/// Asks for a sign-in link to `address` from `client` (its rate-limit key: the client's
/// IP address, an IPv6 address's /64).
pub fn request_link(state: &AppState, address: &str, client: &str) -> Result<LinkRequest, Error> {
    let email = Email::parse(address).map_err(|problem| Error::invalid("email", problem))?;
    let now = state.clock.now();
    if !state.sign_in_limits.client_allowed(client, now) {
        return Ok(LinkRequest::TooMany);
    }
    if !state.sign_in_limits.email_allowed(&email, now) {
        tracing::info!("sign-in link asked for again within its address's limit; none sent");
        return Ok(LinkRequest::Accepted);
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(error) = send_link(&state, &email).await {
            tracing::error!(error = %error.chain(), "sign-in link could not be queued");
        }
    });
    Ok(LinkRequest::Accepted)
}

/// A new link for the account of `email`, if it has one: its URL, and (when
/// `by_email`) the outbox key of the email queued with it in the same transaction.
async fn new_link(
    state: &AppState,
    actor: &Actor,
    email: &Email,
    by_email: bool,
) -> Result<Option<(String, Option<String>)>, Error> {
    let now = state.clock.now();
    let token = SecretToken::generate();
    let expires_at = link_expiry(now);
    let url = format!(
        "{}/dashboard/login/{}",
        state.settings.server.public_url.trim_end_matches('/'),
        token.as_str()
    );
    super::in_transaction(&state.db, async |txn| {
        let Some((account_id, name)) = account_for_email(txn, email, now).await? else {
            return Ok(None);
        };
        let link_id =
            store::sign_in::create_link(txn, account_id, token.hash(), now, expires_at).await?;
        audit::record(
            txn,
            actor,
            now,
            "create",
            "sign_in_link",
            Some(link_id.to_string()),
            json!({"account_id": account_id, "expires_at": expires_at}),
        )
        .await?;
        if !by_email {
            return Ok(Some((url.clone(), None)));
        }
        let key = format!("sign_in:{link_id}");
        let message = NewOutboxMessage {
            recipient: email.as_str().to_owned(),
            idempotency_key: key.clone(),
            invitation_id: None,
            email: OutboxEmail::SignIn(SignInEmail {
                sign_in_name: name,
                sign_in_link: url.clone(),
                link_expires_at: expires_at,
            }),
        };
        store::outbox::enqueue(txn, vec![message], now).await?;
        Ok(Some((url.clone(), Some(key))))
    })
    .await
}

/// Who an address signs in as (account id and name): an admin account with that
/// address comes first, then the objektägare with it, whose account is made on first
/// use. `None` for anyone else.
async fn account_for_email(
    txn: &sea_orm::DatabaseTransaction,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<Option<(i32, String)>, Error> {
    if let Some(admin) = store::accounts::admin_with_email(txn, email).await? {
        return Ok(Some(admin));
    }
    let Some(owner) = store::catalogue::find_owner_by_email(txn, email).await? else {
        return Ok(None);
    };
    let account = super::tokens::owner_account(txn, owner.id, &owner.name, now).await?;
    Ok(Some((account, owner.name)))
}

/// Queues a fresh link to the account of `email` in the outbox and sends it at once;
/// nothing at all for an address that may not sign in. A relay that is down now
/// leaves the email queued: the dispatcher sends it when the relay is back, while the
/// link still works.
async fn send_link(state: &AppState, email: &Email) -> Result<(), Error> {
    let requested = Actor {
        label: "sign-in form".into(),
        ..Actor::system()
    };
    let Some((_, Some(key))) = new_link(state, &requested, email, true).await? else {
        tracing::info!("sign-in asked for an address with no account; nothing sent");
        return Ok(());
    };
    super::dispatch::dispatch_now(state, &key).await
}

/// A sign-in link for `email`, printed rather than emailed (the command line, the
/// demo); `None` when the address belongs to no owner or admin account.
pub async fn link_for(
    state: &AppState,
    actor: &Actor,
    email: &str,
) -> Result<Option<String>, Error> {
    actor.require_admin()?;
    let email = Email::parse(email).map_err(|problem| Error::invalid("email", problem))?;
    Ok(new_link(state, actor, &email, false)
        .await?
        .map(|(url, _)| url))
}

/// A session just opened: the cookie's secret (shown to the browser only) and who it is.
pub struct NewSession {
    pub secret: String,
    pub actor: Actor,
    pub expires_at: DateTime<Utc>,
}

/// Spends the link `link_token` and opens a session; `None` when the link is unknown,
/// already used or expired.
pub async fn open_session(state: &AppState, link_token: &str) -> Result<Option<NewSession>, Error> {
    let now = state.clock.now();
    let secret = SecretToken::generate();
    let expires_at = session_expiry(now, state.settings.dashboard.session_hours);
    let actor = super::in_transaction(&state.db, async |txn| {
        let link_hash = SecretToken::hash_of(link_token);
        let Some(account_id) = store::sign_in::spend_link(txn, &link_hash, now).await? else {
            return Ok(None);
        };
        let session_id =
            store::sign_in::insert_session(txn, account_id, secret.hash(), now, expires_at).await?;
        let Some(role) = store::accounts::account_role(txn, account_id).await? else {
            return Ok(None);
        };
        let actor = Actor::of_session(session_id, account_id, role);
        audit::record(
            txn,
            &actor,
            now,
            "sign_in",
            "session",
            Some(session_id.to_string()),
            json!({"account_id": account_id, "expires_at": expires_at}),
        )
        .await?;
        Ok(Some(actor))
    })
    .await?;
    Ok(actor.map(|actor| NewSession {
        secret: secret.as_str().to_owned(),
        actor,
        expires_at,
    }))
}

/// Who holds the session cookie `secret`, while the session lasts.
pub async fn session_actor(state: &AppState, secret: &str) -> Result<Option<Actor>, Error> {
    store::sign_in::session_actor(&state.db, &SecretToken::hash_of(secret), state.clock.now()).await
}

/// Ends the session of the cookie `secret`; ending an ended one changes nothing.
pub async fn sign_out(state: &AppState, actor: &Actor, secret: &str) -> Result<(), Error> {
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        if store::sign_in::end_session(txn, &SecretToken::hash_of(secret)).await? {
            audit::record(txn, actor, now, "sign_out", "session", None, json!({})).await?;
        }
        Ok(())
    })
    .await
}

/// Gives `email` an admin (Kommunledningskontoret) account for the dashboard; an
/// address that already has one keeps it. Returns the account id and whether it is new.
pub async fn add_admin(
    state: &AppState,
    actor: &Actor,
    email: &str,
    name: &str,
) -> Result<(i32, bool), Error> {
    actor.require_admin()?;
    let email = Email::parse(email).map_err(|problem| Error::invalid("email", problem))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "is empty"));
    }
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        if let Some((existing, _)) = store::accounts::admin_with_email(txn, &email).await? {
            return Ok((existing, false));
        }
        let id = store::accounts::insert_account(txn, Role::Admin, Some(&email), name, now).await?;
        audit::record(
            txn,
            actor,
            now,
            "create",
            "account",
            Some(id.to_string()),
            json!({"role": Role::Admin.as_str(), "email": email.as_str(), "name": name}),
        )
        .await?;
        Ok((id, true))
    })
    .await
}
