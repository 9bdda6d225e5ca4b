//! Secrets handed out as links and bearer tokens. Only SHA-256 hashes are stored: the
//! tokens carry 256 random bits, so a fast hash is enough (no password stretching needed).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn random_url_safe(bytes: usize) -> String {
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
