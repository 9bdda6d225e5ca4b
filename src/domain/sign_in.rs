//! Dashboard sign-in rules, pure: how long a link and a session last, the CSRF token
//! bound to a session, and the limit on how often sign-in links may be asked for.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use subtle::ConstantTimeEq;

use super::token::sha256_hex;

/// A sign-in link works this long after it was sent, and once. Every text that tells
/// a reader how long (pages, emails, the command line) formats this value.
pub fn link_lifetime() -> Duration {
    Duration::minutes(15)
}

pub fn link_expiry(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + link_lifetime()
}

/// A session ends `session_hours` after sign-in, however active it was.
pub fn session_expiry(signed_in_at: DateTime<Utc>, session_hours: u32) -> DateTime<Utc> {
    signed_in_at + Duration::hours(i64::from(session_hours))
}

/// The CSRF token of the forms of a session: derived from the session's secret (which
/// only the browser holds; the database keeps its hash), so it needs no storage and
/// cannot be read from the database either.
pub fn csrf_token(session_secret: &str) -> String {
    sha256_hex(&format!("nyttopuls-csrf:{session_secret}"))
}

/// Constant-time comparison of a presented form token with the expected one.
pub fn tokens_match(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// At most `max` events per key in each window (fixed windows, each starting at its
/// key's first event: simple, and an attacker gains at most 2 × `max` across a window
/// edge).
#[derive(Debug)]
pub struct RateLimit {
    max: u32,
    window: Duration,
    windows: HashMap<String, (DateTime<Utc>, u32)>,
}

/// Keys kept before windows that have ended are swept out.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimit {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            windows: HashMap::new(),
        }
    }

    pub fn per_hour(max: u32) -> Self {
        Self::new(max, Duration::hours(1))
    }

    /// Sign-in emails to one address: per link lifetime, so whenever a request sends
    /// nothing, a link sent in the same window still works (it was sent after the
    /// window began and lasts as long as a window).
    pub fn per_link_lifetime(max: u32) -> Self {
        Self::new(max, link_lifetime())
    }

    /// Counts an event for `key` at `now`; false when the key is over its limit.
    pub fn allow(&mut self, key: &str, now: DateTime<Utc>) -> bool {
        let window = self.window;
        if self.windows.len() > SWEEP_ABOVE {
            self.windows.retain(|_, (start, _)| now - *start < window);
        }
        let (start, count) = self.windows.entry(key.to_owned()).or_insert((now, 0));
        if now - *start >= window {
            *start = now;
            *count = 0;
        }
        if *count >= self.max {
            return false;
        }
        *count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn a_link_lasts_fifteen_minutes_and_a_session_its_hours() {
        assert_eq!(link_expiry(at(0)), at(15));
        assert_eq!(session_expiry(at(0), 8), at(8 * 60));
    }

    #[test]
    fn the_csrf_token_follows_the_session_and_compares_exactly() {
        let token = csrf_token("secret-a");
        assert_eq!(token.len(), 64);
        assert_ne!(token, csrf_token("secret-b"));
        assert!(tokens_match(&token, &csrf_token("secret-a")));
        assert!(!tokens_match(&token, &token[..63]));
        assert!(!tokens_match(&token, ""));
        assert!(!tokens_match("", ""));
    }

    #[test]
    fn the_limit_counts_per_key_and_resets_after_an_hour() {
        let mut limit = RateLimit::per_hour(2);
        assert!(limit.allow("a@x.se", at(0)));
        assert!(limit.allow("a@x.se", at(10)));
        assert!(!limit.allow("a@x.se", at(20)), "the third within the hour");
        assert!(
            limit.allow("b@x.se", at(20)),
            "another key has its own count"
        );
        assert!(!limit.allow("a@x.se", at(59)));
        assert!(
            limit.allow("a@x.se", at(60)),
            "a new window an hour after the first"
        );
    }

    #[test]
    fn an_address_limit_lasts_as_long_as_a_link() {
        let mut limit = RateLimit::per_link_lifetime(1);
        assert!(limit.allow("a@x.se", at(0)));
        assert!(
            !limit.allow("a@x.se", at(14)),
            "the link sent at 0 still works until 15"
        );
        assert!(limit.allow("a@x.se", at(15)), "it has expired: a new one");
    }
}
