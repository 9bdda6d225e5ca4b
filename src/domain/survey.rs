//! Rounds, invitations and the emails that carry them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Language;

/// Round states: a round opens, then closes once (by its window or an admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Invitation states. `Answered` records only *that* the person answered, never when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationStatus {
    Queued,
    Sent,
    Reminded,
    Answered,
    OptedOut,
    Bounced,
}

/// What can happen to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationEvent {
    /// Its invitation email went out.
    InvitationSent,
    /// A reminder email went out.
    ReminderSent,
    Answered,
    OptedOut,
    /// The relay refused the address for good.
    Bounced,
}

impl InvitationStatus {
    pub const ALL: [Self; 6] = [
        Self::Queued,
        Self::Sent,
        Self::Reminded,
        Self::Answered,
        Self::OptedOut,
        Self::Bounced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Reminded => "reminded",
            Self::Answered => "answered",
            Self::OptedOut => "opted_out",
            Self::Bounced => "bounced",
        }
    }

    /// The person may still answer (and be reminded).
    pub fn awaits_answer(self) -> bool {
        matches!(self, Self::Queued | Self::Sent | Self::Reminded)
    }

    /// Whether the person got the email: the response rate counts only these.
    pub fn was_delivered(self) -> bool {
        !matches!(self, Self::Queued | Self::Bounced)
    }

    /// The state after `event`, or `None` when the event changes nothing: an email that
    /// goes out never overrides an answer, an opt-out or a bounce, and a finished
    /// invitation stays finished.
    pub fn after(self, event: InvitationEvent) -> Option<Self> {
        use InvitationEvent as E;
        match (self, event) {
            (Self::Queued, E::InvitationSent) => Some(Self::Sent),
            (Self::Sent, E::ReminderSent) => Some(Self::Reminded),
            (state, E::Answered) if state.awaits_answer() => Some(Self::Answered),
            (state, E::OptedOut) if state.awaits_answer() => Some(Self::OptedOut),
            (state, E::Bounced) if state.awaits_answer() => Some(Self::Bounced),
            _ => None,
        }
    }

    /// Every state that `event` moves on: what a conditional update filters on, so a
    /// concurrent change (an answer racing a bounce) is never overwritten.
    pub fn moved_by(event: InvitationEvent) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|state| state.after(event).is_some())
            .collect()
    }
}

impl std::str::FromStr for InvitationStatus {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| format!("`{raw}` is not an invitation status"))
    }
}

/// Outbox message states: pending until sent, failed for good or bounced. A message
/// that no longer applies is deleted, not kept: it would tell when its person answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    Pending,
    Sent,
    /// Temporary failures until `mail.max_attempts` ran out.
    Failed,
    Bounced,
}

impl OutboxStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Sent, Self::Failed, Self::Bounced];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Bounced => "bounced",
        }
    }

    /// Done with: the personal link in the payload is no longer needed.
    pub fn is_final(self) -> bool {
        self != Self::Pending
    }
}

/// What became of one attempt to send an outbox message.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Sent,
    /// Not sent because it no longer applies (a reminder to someone who answered or
    /// opted out): the message is deleted.
    Withdrawn,
    /// Retry at `retry_at`, or give up (`None`).
    Transient {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    /// The relay refused the recipient for good.
    Permanent {
        error: String,
    },
}

impl Delivery {
    /// The message's state after this delivery; `None`: the message is deleted.
    pub fn outbox_status(&self) -> Option<OutboxStatus> {
        match self {
            Self::Sent => Some(OutboxStatus::Sent),
            Self::Withdrawn => None,
            Self::Transient {
                retry_at: Some(_), ..
            } => Some(OutboxStatus::Pending),
            Self::Transient { retry_at: None, .. } => Some(OutboxStatus::Failed),
            Self::Permanent { .. } => Some(OutboxStatus::Bounced),
        }
    }

    /// What this delivery means for the invitation an email of `kind` belongs to.
    pub fn invitation_event(&self, kind: EmailKind) -> Option<InvitationEvent> {
        match (self, kind) {
            (Self::Sent, EmailKind::Invitation) => Some(InvitationEvent::InvitationSent),
            (Self::Sent, EmailKind::Reminder) => Some(InvitationEvent::ReminderSent),
            (Self::Permanent { .. }, _) => Some(InvitationEvent::Bounced),
            _ => None,
        }
    }
}

/// When a temporarily failed message is tried again: `base` after the first attempt,
/// doubling with each further one; `None` once `max_attempts` are used up.
pub fn retry_at(
    attempts: i32,
    max_attempts: i32,
    base_secs: i64,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    (attempts < max_attempts).then(|| {
        let exponent = (attempts - 1).clamp(0, 16) as u32;
        now + chrono::Duration::seconds(base_secs.saturating_mul(1 << exponent))
    })
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
    pub status: RoundStatus,
    pub invited: i32,
    pub answered: i32,
    /// Answers released into `responses` when the round closed; `None` while open.
    pub released_answers: Option<i32>,
    /// Invitations delivered (sent, not bounced), counted at close; `None` while open.
    pub delivered: Option<i32>,
    /// Which stored figures the round has: it moves whenever they are replaced, so
    /// figures kept in memory under it are never served stale.
    pub figures_version: i64,
}

impl Round {
    pub fn results(&self) -> RoundResults {
        match self.released_answers {
            None => RoundResults::Pending,
            Some(0) => RoundResults::TooFewAnswers,
            Some(_) => RoundResults::Released,
        }
    }
}

/// What a round's answers show. Scores appear only once the round has closed and
/// released its answers; an open round shows its response rate only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundResults {
    /// Open: answers are sealed until the round closes.
    Pending,
    Released,
    /// Closed with fewer answers than `survey.min_group_size`: nothing was released.
    TooFewAnswers,
}

#[derive(Debug, Clone, Default)]
pub struct RoundFilter {
    pub service_id: Option<i32>,
    pub programme_id: Option<i32>,
    pub status: Option<RoundStatus>,
    /// Only rounds of services this owner owns (an objektägare's view).
    pub owner_id: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Invitation,
    Reminder,
    /// The nyttoanalys to Kommunledningskontoret.
    Report,
    /// An objektägare's summary of a closed round.
    Digest,
    /// A dashboard sign-in link, to an objektägare or Kommunledningskontoret.
    SignIn,
}

impl EmailKind {
    pub const ALL: [Self; 5] = [
        Self::Invitation,
        Self::Reminder,
        Self::Report,
        Self::Digest,
        Self::SignIn,
    ];

    /// The name stored in the outbox and used as the `kind` label of the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Reminder => "reminder",
            Self::Report => "report",
            Self::Digest => "digest",
            Self::SignIn => "sign_in",
        }
    }
}

/// The outbox key that keeps one survey email from being queued twice: one invitation
/// per invitation, one reminder per invitation and reminder step.
pub fn idempotency_key(kind: EmailKind, invitation_id: i64, reminder_step: usize) -> String {
    match kind {
        EmailKind::Reminder => format!("reminder:{invitation_id}:{reminder_step}"),
        _ => format!("invitation:{invitation_id}"),
    }
}

/// What an email in the outbox is. Its payload is built into a message when it is sent:
/// a report or a digest from what is stored then (so the payload is small and holds no
/// figures).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OutboxEmail {
    Survey(SurveyEmail),
    Report(ReportEmail),
    Digest(DigestEmail),
    SignIn(SignInEmail),
}

impl OutboxEmail {
    pub fn kind(&self) -> EmailKind {
        match self {
            Self::Survey(email) => email.kind,
            Self::Report(_) => EmailKind::Report,
            Self::Digest(_) => EmailKind::Digest,
            Self::SignIn(_) => EmailKind::SignIn,
        }
    }
}

/// A dashboard sign-in link (its field names differ from every other payload's: the
/// payload is untagged). The row holds the live link until it is sent or expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInEmail {
    pub sign_in_name: String,
    pub sign_in_link: String,
    /// When the link stops working: a message not sent by then is dropped, not sent.
    pub link_expires_at: DateTime<Utc>,
}

/// The nyttoanalys of a period, to one of `report.recipients`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportEmail {
    pub report_period: String,
}

/// A closed round's results, to its service's objektägare.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DigestEmail {
    pub digest_round_id: i32,
    pub owner_name: String,
}

/// What an invitation or reminder email says; stored in the outbox until sent (it
/// holds the personal link, so the payload is erased once the message is delivered).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SurveyEmail {
    pub kind: EmailKind,
    pub language: Language,
    pub respondent_name: String,
    pub service_name: String,
    pub link: String,
    pub opt_out_link: String,
    /// Last day to answer, `YYYY-MM-DD` in Stockholm time.
    pub closes_on: String,
    /// What the service has done since it last asked (invitations only; at most
    /// `action::SHOWN_TO_RESPONDENTS`): "ni sa – vi gör".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<super::action::ActionNote>,
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

    /// A round's open link, `/o/{code}`, and its QR codes below it.
    pub fn open(&self, code: &str) -> String {
        format!("{}/o/{code}", self.base)
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

#[cfg(test)]
mod tests {
    use super::*;
    use InvitationEvent as E;
    use InvitationStatus as S;

    #[test]
    fn emails_move_an_invitation_forward_but_never_over_an_answer() {
        assert_eq!(S::Queued.after(E::InvitationSent), Some(S::Sent));
        assert_eq!(S::Sent.after(E::ReminderSent), Some(S::Reminded));
        assert_eq!(S::Reminded.after(E::ReminderSent), None);
        for finished in [S::Answered, S::OptedOut, S::Bounced] {
            for event in [
                E::InvitationSent,
                E::ReminderSent,
                E::Answered,
                E::OptedOut,
                E::Bounced,
            ] {
                assert_eq!(finished.after(event), None, "{finished:?} after {event:?}");
            }
        }
    }

    #[test]
    fn a_link_answers_only_from_a_waiting_state() {
        assert_eq!(
            InvitationStatus::moved_by(E::Answered),
            vec![S::Queued, S::Sent, S::Reminded]
        );
        assert_eq!(
            InvitationStatus::moved_by(E::InvitationSent),
            vec![S::Queued]
        );
        assert_eq!(S::Reminded.after(E::OptedOut), Some(S::OptedOut));
    }

    #[test]
    fn delivery_outcomes_map_to_outbox_states_and_invitation_events() {
        let at = Utc::now();
        assert_eq!(Delivery::Sent.outbox_status(), Some(OutboxStatus::Sent));
        assert_eq!(Delivery::Withdrawn.outbox_status(), None);
        let retry = Delivery::Transient {
            error: "421".into(),
            retry_at: Some(at),
        };
        assert_eq!(retry.outbox_status(), Some(OutboxStatus::Pending));
        assert_eq!(retry.invitation_event(EmailKind::Invitation), None);
        let give_up = Delivery::Transient {
            error: "421".into(),
            retry_at: None,
        };
        assert_eq!(give_up.outbox_status(), Some(OutboxStatus::Failed));
        let bounce = Delivery::Permanent {
            error: "550 5.1.1".into(),
        };
        assert_eq!(bounce.outbox_status(), Some(OutboxStatus::Bounced));
        assert_eq!(
            bounce.invitation_event(EmailKind::Reminder),
            Some(E::Bounced)
        );
        assert_eq!(
            Delivery::Sent.invitation_event(EmailKind::Reminder),
            Some(E::ReminderSent)
        );
        assert_eq!(
            Delivery::Withdrawn.invitation_event(EmailKind::Reminder),
            None
        );
    }

    #[test]
    fn retries_back_off_exponentially_until_attempts_run_out() {
        let now = DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let after = |attempts| retry_at(attempts, 4, 60, now).map(|t| (t - now).num_seconds());
        assert_eq!(after(1), Some(60));
        assert_eq!(after(2), Some(120));
        assert_eq!(after(3), Some(240));
        assert_eq!(after(4), None);
    }
}
