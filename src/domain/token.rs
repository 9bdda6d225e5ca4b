//! Secrets handed out as links and bearer tokens. Only SHA-256 hashes are stored: the
//! tokens carry 256 random bits, so a fast hash is enough (no password stretching needed).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub(super) fn random_url_safe(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

pub fn sha256_hex(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An API token `np_<selector>_<secret>`: the selector finds the row, the secret's hash
/// is compared in constant time.
#[derive(Debug)]
pub struct ApiToken {
    pub selector: String,
    pub secret: String,
}

impl ApiToken {
    pub fn generate() -> Self {
        let mut selector = [0u8; 8];
        rand::rng().fill_bytes(&mut selector);
        Self {
            selector: selector.iter().map(|b| format!("{b:02x}")).collect(),
            secret: random_url_safe(32),
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw.trim().strip_prefix("np_")?;
        let (selector, secret) = rest.split_once('_')?;
        (selector.len() == 16 && !secret.is_empty()).then(|| Self {
            selector: selector.to_owned(),
            secret: secret.to_owned(),
        })
    }

    pub fn secret_hash(&self) -> String {
        sha256_hex(&self.secret)
    }

    pub fn matches(&self, stored_hash: &str) -> bool {
        self.secret_hash()
            .as_bytes()
            .ct_eq(stored_hash.as_bytes())
            .into()
    }

    pub fn reveal(&self) -> String {
        format!("np_{}_{}", self.selector, self.secret)
    }
}

/// A secret of 256 random bits handed out in a link or a cookie: a respondent's survey
/// link (`/s/{token}`), a dashboard sign-in link, a dashboard session. Only its SHA-256
/// is stored.
pub struct SecretToken(String);

impl SecretToken {
    pub fn generate() -> Self {
        Self(random_url_safe(32))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }

    /// The stored hash of a token received in a URL.
    pub fn hash_of(raw: &str) -> String {
        sha256_hex(raw)
    }

    /// A token received in a URL, if it has the form of those [`Self::generate`] hands
    /// out (43 URL-safe base64 characters); anything else cannot lead anywhere.
    pub fn parse(raw: &str) -> Option<Self> {
        let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        (raw.len() == 43 && raw.chars().all(url_safe)).then(|| Self(raw.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tokens_round_trip_and_compare_by_hash() {
        let token = ApiToken::generate();
        let parsed = ApiToken::parse(&token.reveal()).unwrap();
        assert!(parsed.matches(&token.secret_hash()));
        let forged = ApiToken::parse(&format!("np_{}_forged", token.selector)).unwrap();
        assert!(!forged.matches(&token.secret_hash()));
        assert!(ApiToken::parse("Bearer nonsense").is_none());
    }

    #[test]
    fn survey_tokens_carry_256_random_bits() {
        let a = SecretToken::generate();
        assert_eq!(a.as_str().len(), 43);
        assert_ne!(a.as_str(), SecretToken::generate().as_str());
        assert_eq!(a.hash(), SecretToken::hash_of(a.as_str()));
        assert_eq!(SecretToken::parse(a.as_str()).unwrap().hash(), a.hash());
        assert!(SecretToken::parse("not-a-token").is_none());
        assert!(SecretToken::parse(&format!("{}=", &a.as_str()[1..])).is_none());
    }
}

/// An API token as an admin sees it: who it stands for and when it was used, never its
/// secret or hash.
#[derive(Debug, Clone)]
pub struct TokenSummary {
    pub id: i32,
    pub label: String,
    pub role: super::Role,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Europe/Stockholm calendar day; `None` if never used.
    pub last_used_on: Option<chrono::NaiveDate>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Longest lifetime a new token may be given (ten years).
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// When a token created at `now` that lives `days` days stops working.
pub fn expiry_after_days(
    now: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> Result<chrono::DateTime<chrono::Utc>, super::Error> {
    if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
        return Err(super::Error::invalid(
            "expires_in_days",
            format!("must be between 1 and {MAX_EXPIRY_DAYS}"),
        ));
    }
    Ok(now + chrono::Duration::days(i64::from(days)))
}

/// A stored API token with what checking it needs; its account's role is `None` when
/// the account makes no sense as an actor.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub id: i32,
    pub secret_hash: String,
    pub revoked: bool,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Europe/Stockholm calendar day; `None` if never used.
    pub last_used_on: Option<chrono::NaiveDate>,
    pub account_id: i32,
    pub role: Option<super::Role>,
}

/// A presented token that opens its stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedToken {
    pub actor: super::Actor,
    /// The day to note as the token's last use, when that is a new day: the row is
    /// written at most once a day, not on every request.
    pub note_use_on: Option<chrono::NaiveDate>,
}

/// Whether `presented` opens `stored` at `now`: the secret's hash matches, the token is
/// neither revoked nor expired, and its account is an actor. `None` for every refusal
/// alike (the caller answers 401 without saying which).
pub fn check_token(
    presented: &ApiToken,
    stored: &StoredToken,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<AcceptedToken> {
    if !presented.matches(&stored.secret_hash)
        || !token_is_usable(stored.revoked, stored.expires_at, now)
    {
        return None;
    }
    let role = stored.role?;
    let today = now
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive();
    Some(AcceptedToken {
        actor: super::Actor::of_token(stored.id, stored.account_id, role),
        note_use_on: (stored.last_used_on != Some(today)).then_some(today),
    })
}

/// A token works until it is revoked or its expiry time is reached.
pub fn token_is_usable(
    revoked: bool,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    !revoked && expires_at.is_none_or(|expiry| now < expiry)
}

#[cfg(test)]
mod expiry_tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn a_token_stops_working_at_its_expiry_and_when_revoked() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let expiry = expiry_after_days(now, 30).unwrap();
        assert_eq!(
            expiry,
            Utc.with_ymd_and_hms(2026, 12, 29, 12, 0, 0).unwrap()
        );
        assert!(token_is_usable(false, Some(expiry), now));
        assert!(!token_is_usable(false, Some(expiry), expiry));
        assert!(!token_is_usable(true, None, now));
        assert!(token_is_usable(false, None, now));
    }

    #[test]
    fn an_expiry_is_one_day_to_ten_years_away() {
        let now = Utc::now();
        assert!(expiry_after_days(now, 0).is_err());
        assert!(expiry_after_days(now, MAX_EXPIRY_DAYS + 1).is_err());
        assert!(expiry_after_days(now, MAX_EXPIRY_DAYS).is_ok());
    }
}

#[cfg(test)]
mod check_tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::domain::Role;

    fn stored(token: &ApiToken) -> StoredToken {
        StoredToken {
            id: 3,
            secret_hash: token.secret_hash(),
            revoked: false,
            expires_at: None,
            last_used_on: None,
            account_id: 9,
            role: Some(Role::Admin),
        }
    }

    #[test]
    fn a_matching_usable_token_is_its_account_and_notes_the_stockholm_day_once() {
        let token = ApiToken::generate();
        // 23:30 UTC is already the next day in Stockholm (CET, UTC+1).
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let accepted = check_token(&token, &stored(&token), now).unwrap();
        assert_eq!(accepted.actor.label, "token:3 (admin)");
        assert_eq!(accepted.actor.account_id, Some(9));
        assert_eq!(accepted.note_use_on, Some(day));
        let used_today = StoredToken {
            last_used_on: Some(day),
            ..stored(&token)
        };
        assert_eq!(
            check_token(&token, &used_today, now).unwrap().note_use_on,
            None
        );
    }

    #[test]
    fn a_wrong_secret_a_revoked_or_expired_token_and_a_roleless_account_are_refused() {
        let token = ApiToken::generate();
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let forged = ApiToken::parse(&format!("np_{}_forged", token.selector)).unwrap();
        assert!(check_token(&forged, &stored(&token), now).is_none());
        let revoked = StoredToken {
            revoked: true,
            ..stored(&token)
        };
        assert!(check_token(&token, &revoked, now).is_none());
        let expired = StoredToken {
            expires_at: Some(now),
            ..stored(&token)
        };
        assert!(check_token(&token, &expired, now).is_none());
        let roleless = StoredToken {
            role: None,
            ..stored(&token)
        };
        assert!(check_token(&token, &roleless, now).is_none());
    }
}
