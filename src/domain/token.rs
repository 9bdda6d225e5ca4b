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

/// The secret in a respondent's personal survey link (`/s/{token}`).
pub struct SurveyToken(String);

impl SurveyToken {
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
        let a = SurveyToken::generate();
        assert_eq!(a.as_str().len(), 43);
        assert_ne!(a.as_str(), SurveyToken::generate().as_str());
        assert_eq!(a.hash(), SurveyToken::hash_of(a.as_str()));
    }
}
