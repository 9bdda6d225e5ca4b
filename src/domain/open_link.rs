//! Open links: a round's public answer page `/o/{code}` for users on no list (citizens
//! and businesses using an e-service), printed on receipts and notices as a QR code.
//! Nobody is invited, so nothing ties an answer to a person: one answer per browser (a
//! cookie) and a rate limit per client are all it can hold to — never one per person.

use chrono::{DateTime, Utc};

use super::{answering::AnswerWindow, token::random_url_safe};

/// Random bytes in a code: 128 bits, 22 URL-safe characters (short enough to type from
/// a printed notice, too many to guess).
const CODE_BYTES: usize = 16;
const CODE_CHARS: usize = 22;

/// The code of an open link. Kept as it is, not hashed: the link is public by design
/// (printed on receipts and posters), so knowing it grants nothing a passer-by lacks,
/// and keeping it lets the owner fetch the same link and its QR code again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLinkCode(String);

impl OpenLinkCode {
    pub fn generate() -> Self {
        Self(random_url_safe(CODE_BYTES))
    }

    /// A code received in a URL, if it has the form of those [`Self::generate`] hands
    /// out; anything else cannot lead anywhere.
    pub fn parse(raw: &str) -> Option<Self> {
        let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        (raw.len() == CODE_CHARS && raw.chars().all(url_safe)).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A round's open link as stored.
#[derive(Debug, Clone)]
pub struct OpenLink {
    pub round_id: i32,
    pub code: OpenLinkCode,
    pub created_at: DateTime<Utc>,
}

/// What an open link leads a browser to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenLinkStanding {
    /// This browser has answered (its cookie says so).
    AnsweredHere,
    /// The round no longer takes answers; `early` when an admin closed it before its time.
    Closed {
        early: bool,
    },
    Open,
}

/// A closed round is reported first: its link takes nothing from anyone, and a
/// browser that answered learns the round is over. The cookie is the browser's word
/// only, so it can refuse a second answer but never vouch for a first.
pub fn open_link_standing(
    window: AnswerWindow,
    open_days: i32,
    answered_here: bool,
    now: DateTime<Utc>,
) -> OpenLinkStanding {
    if !window.accepts_answers(now) {
        OpenLinkStanding::Closed {
            early: window.closed_early(open_days),
        }
    } else if answered_here {
        OpenLinkStanding::AnsweredHere
    } else {
        OpenLinkStanding::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RoundStatus;

    fn window(status: RoundStatus) -> AnswerWindow {
        AnswerWindow {
            status,
            opens_at: "2027-03-01T08:00:00Z".parse().unwrap(),
            closes_at: "2027-03-15T08:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn codes_carry_128_random_bits_in_url_safe_characters() {
        let code = OpenLinkCode::generate();
        // 16 bytes in base64 without padding: ⌈16 × 8 / 6⌉ = 22 characters.
        assert_eq!(code.as_str().len(), 22);
        assert_ne!(code, OpenLinkCode::generate());
        assert_eq!(OpenLinkCode::parse(code.as_str()), Some(code.clone()));
        assert_eq!(OpenLinkCode::parse(&code.as_str()[1..]), None);
        assert_eq!(OpenLinkCode::parse("abcdefghij/lmnopqrstuv"), None);
    }

    #[test]
    fn a_closed_round_outranks_the_browsers_cookie() {
        let now = "2027-03-02T08:00:00Z".parse().unwrap();
        let open = window(RoundStatus::Open);
        assert_eq!(
            open_link_standing(open, 14, false, now),
            OpenLinkStanding::Open
        );
        assert_eq!(
            open_link_standing(open, 14, true, now),
            OpenLinkStanding::AnsweredHere
        );
        assert_eq!(
            open_link_standing(open, 14, true, open.closes_at),
            OpenLinkStanding::Closed { early: false }
        );
        let closed_early = AnswerWindow {
            status: RoundStatus::Closed,
            closes_at: "2027-03-02T07:00:00Z".parse().unwrap(),
            ..open
        };
        assert_eq!(
            open_link_standing(closed_early, 14, false, now),
            OpenLinkStanding::Closed { early: true }
        );
    }
}
