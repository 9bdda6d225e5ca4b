//! Rounds, invitations and the emails that carry them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStatus {
    Open,
    Closed,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

/// A round as the API shows it.
#[derive(Debug, Clone)]
pub struct Round {
    pub id: i32,
    pub programme_id: i32,
    pub service_id: i32,
    pub questionnaire_id: i32,
    pub period: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub status: String,
    pub invited: i32,
    pub answered: i32,
}

#[derive(Debug, Clone, Default)]
pub struct RoundFilter {
    pub service_id: Option<i32>,
    pub programme_id: Option<i32>,
    pub status: Option<RoundStatus>,
    /// Only the rounds of this owner's services (what an owner may see).
    pub owner_id: Option<i32>,
}

/// Invitation states. `Answered` records only *that* the person answered.
pub mod invitation_status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    pub const REMINDED: &str = "reminded";
    pub const ANSWERED: &str = "answered";
    pub const OPTED_OUT: &str = "opted_out";
    pub const BOUNCED: &str = "bounced";
    /// States in which the person may still answer.
    pub const AWAITING: [&str; 3] = [QUEUED, SENT, REMINDED];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyEmailKind {
    Invitation,
    Reminder,
}

/// What an invitation or reminder email says; stored in the outbox until sent (it
/// holds the personal link, so the payload is erased once the message is delivered).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SurveyEmail {
    pub kind: SurveyEmailKind,
    pub language: Language,
    pub respondent_name: String,
    pub service_name: String,
    pub link: String,
    pub opt_out_link: String,
    /// Last day to answer, `YYYY-MM-DD` in Stockholm time.
    pub closes_on: String,
}

/// Builds personal links from the configured public URL.
#[derive(Debug, Clone)]
pub struct Links {
    base: String,
}

impl Links {
    pub fn new(public_url: &str) -> Self {
        Self {
            base: public_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn answer(&self, token: &str) -> String {
        format!("{}/s/{token}", self.base)
    }

    pub fn opt_out(&self, token: &str) -> String {
        format!("{}/s/{token}/opt-out", self.base)
    }
}

/// The language serde form of [`Language`], so outbox payloads stay readable.
impl Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}
