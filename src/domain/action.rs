//! Åtgärder, "ni sa – vi gör" (SPEC "Closing the loop"): what an objektägare does about a
//! service after its results, optionally tied to a round and one of its questions. The
//! published ones go back to the people who answered, so a title is one line of an
//! email and the status moves forward only.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Actor, Error, FieldProblem};

/// Where an action stands: `Planned` → `InProgress` → `Done`, and `Cancelled` from
/// either of the first two.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

impl ActionStatus {
    pub const ALL: [Self; 4] = [Self::Planned, Self::InProgress, Self::Done, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    /// The statuses this one may move to (besides staying as it is). Done and cancelled
    /// are final: what respondents were told was done stays done.
    pub fn next(self) -> &'static [Self] {
        match self {
            Self::Planned => &[Self::InProgress, Self::Done, Self::Cancelled],
            Self::InProgress => &[Self::Done, Self::Cancelled],
            Self::Done | Self::Cancelled => &[],
        }
    }
}

impl std::str::FromStr for ActionStatus {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw {
            "planned" => Ok(Self::Planned),
            "in_progress" => Ok(Self::InProgress),
            "done" => Ok(Self::Done),
            "cancelled" => Ok(Self::Cancelled),
            _ => Err(format!(
                "`{raw}` is not a status: use one of planned, in_progress, done, cancelled"
            )),
        }
    }
}

/// A title is one line of an invitation email.
pub const MAX_TITLE_CHARS: usize = 120;
/// What the results page says about the action.
pub const MAX_PUBLIC_TEXT_CHARS: usize = 2000;
/// At most this many published actions reach a respondent at once (thank-you page,
/// invitation).
pub const SHOWN_TO_RESPONDENTS: u64 = 3;

/// An action as stored: what was written ([`NewAction`], checked), and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub id: i32,
    pub details: NewAction,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Action {
    /// Published and not given up: what respondents are told about.
    pub fn reaches_respondents(&self) -> bool {
        self.details.published && self.details.status != ActionStatus::Cancelled
    }
}

/// An action as one line of an invitation: kept in the outbox payload, so it says
/// what the service had done when the invitation was queued.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ActionNote {
    pub title: String,
    pub status: ActionStatus,
}

impl From<&Action> for ActionNote {
    fn from(action: &Action) -> Self {
        Self {
            title: action.details.title.clone(),
            status: action.details.status,
        }
    }
}

/// Which actions a listing shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionFilter {
    pub service_id: Option<i32>,
    /// Only those on this objektägare's services (what an objektägare sees).
    pub owner_id: Option<i32>,
}

/// What a caller gives for an action, before checking.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub service_id: i32,
    pub round_id: Option<i32>,
    pub item_key: Option<String>,
    pub title: String,
    pub public_text: Option<String>,
    /// `None`: planned for a new action, unchanged for an edit.
    pub status: Option<ActionStatus>,
    pub due_on: Option<NaiveDate>,
    /// `None`: not published for a new action, unchanged for an edit.
    pub published: Option<bool>,
}

/// An action as it will be stored, every field checked and `done_on` decided.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAction {
    pub service_id: i32,
    pub round_id: Option<i32>,
    pub item_key: Option<String>,
    pub title: String,
    pub public_text: String,
    pub status: ActionStatus,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub published: bool,
}

impl NewAction {
    /// Checks `input` as a new action (`current` is `None`) or an edit of `current`, on
    /// day `today`, and reports every problem at once. An edit keeps the service; the
    /// status moves along [`ActionStatus::next`]; `done_on` is the day it became done.
    pub fn parse(
        input: ActionInput,
        current: Option<&Action>,
        today: NaiveDate,
    ) -> Result<Self, Error> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String| {
            problems.push(FieldProblem::new(field, message));
        };
        let title = input.title.trim().to_owned();
        let title_chars = title.chars().count();
        if title.is_empty() {
            problem("title", "must not be empty".into());
        } else if title_chars > MAX_TITLE_CHARS {
            problem(
                "title",
                format!("must be at most {MAX_TITLE_CHARS} characters (got {title_chars})"),
            );
        }
        if title.chars().any(char::is_control) {
            problem(
                "title",
                "must be one line, without control characters".into(),
            );
        }
        let public_text = input.public_text.unwrap_or_default().trim().to_owned();
        let text_chars = public_text.chars().count();
        if text_chars > MAX_PUBLIC_TEXT_CHARS {
            problem(
                "public_text",
                format!("must be at most {MAX_PUBLIC_TEXT_CHARS} characters (got {text_chars})"),
            );
        }
        let item_key = input
            .item_key
            .map(|key| key.trim().to_owned())
            .filter(|key| !key.is_empty());
        if item_key.is_some() && input.round_id.is_none() {
            problem(
                "item_key",
                "an item is one of a round's questions: give round_id too".into(),
            );
        }
        if let Some(current) = current
            && current.details.service_id != input.service_id
        {
            problem(
                "service_id",
                format!(
                    "an action stays on its service ({}): make a new one for another",
                    current.details.service_id
                ),
            );
        }
        let from = current.map(|c| c.details.status);
        let status = input.status.or(from).unwrap_or(ActionStatus::Planned);
        if let Some(from) = from
            && status != from
            && !from.next().contains(&status)
        {
            let next: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
            let allowed = if next.is_empty() {
                format!("`{}` is final", from.as_str())
            } else {
                format!("from `{}` it may go to {}", from.as_str(), next.join(", "))
            };
            problem(
                "status",
                format!(
                    "cannot go from `{}` to `{}`: {allowed}",
                    from.as_str(),
                    status.as_str()
                ),
            );
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let done_on = match (status, current) {
            (ActionStatus::Done, Some(current)) if current.details.status == ActionStatus::Done => {
                current.details.done_on
            }
            (ActionStatus::Done, _) => Some(today),
            _ => None,
        };
        Ok(Self {
            service_id: input.service_id,
            round_id: input.round_id,
            item_key,
            title,
            public_text,
            status,
            due_on: input.due_on,
            done_on,
            published: input
                .published
                .or(current.map(|c| c.details.published))
                .unwrap_or(false),
        })
    }
}

/// What an action's round is, as far as the action needs to know.
#[derive(Debug, Clone, Copy)]
pub struct RoundOfAction<'a> {
    pub id: i32,
    pub service_id: i32,
    /// The keys of its questionnaire's items.
    pub item_keys: &'a [&'a str],
}

/// The round an action names must be one of its service's, and its item one of that
/// round's questions.
pub fn check_round(new: &NewAction, round: RoundOfAction) -> Result<(), Error> {
    if round.service_id != new.service_id {
        return Err(Error::invalid(
            "round_id",
            format!(
                "round {} is a round of another service, not of service {}",
                round.id, new.service_id
            ),
        ));
    }
    if let Some(key) = &new.item_key
        && !round.item_keys.contains(&key.as_str())
    {
        return Err(Error::invalid(
            "item_key",
            format!(
                "`{key}` is not a question of round {}: use one of {}",
                round.id,
                round.item_keys.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Kommunledningskontoret keeps every service's actions; an objektägare those of their
/// own services (`owner_id`: the service's objektägare).
pub fn may_keep(actor: &Actor, owner_id: Option<i32>) -> Result<(), Error> {
    if actor.may_read_owned_by(owner_id) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "an objektägare keeps only the actions of their own services".into(),
        ))
    }
}

/// Whether an objektägare owes their users an action: the service has released results
/// (`released`) and `recorded` actions, none. Results nobody acts on are what makes people
/// stop answering, so the digest says so.
pub fn owes_action(released: bool, recorded: usize) -> bool {
    released && recorded == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn input(title: &str) -> ActionInput {
        ActionInput {
            service_id: 4,
            title: title.into(),
            ..ActionInput::default()
        }
    }

    fn stored(status: ActionStatus, done_on: Option<NaiveDate>) -> Action {
        let now = Utc::now();
        Action {
            id: 1,
            details: NewAction {
                service_id: 4,
                round_id: None,
                item_key: None,
                title: "Snabbare inloggning".into(),
                public_text: String::new(),
                status,
                due_on: None,
                done_on,
                published: true,
            },
            created_at: now,
            updated_at: now,
        }
    }

    fn fields(error: Error) -> Vec<String> {
        match error {
            Error::Invalid(problems) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn a_new_action_is_planned_unpublished_and_trimmed() {
        let new = NewAction::parse(input("  Snabbare inloggning "), None, day(7)).unwrap();
        assert_eq!(new.title, "Snabbare inloggning");
        assert_eq!(new.status, ActionStatus::Planned);
        assert_eq!((new.published, new.done_on), (false, None));
    }

    #[test]
    fn titles_are_one_short_line_and_texts_bounded_each_problem_named() {
        let mut long = input(&"å".repeat(MAX_TITLE_CHARS + 1));
        long.public_text = Some("x".repeat(MAX_PUBLIC_TEXT_CHARS + 1));
        long.item_key = Some("sus1".into());
        let problems = fields(NewAction::parse(long, None, day(7)).unwrap_err());
        assert_eq!(problems, ["title", "public_text", "item_key"]);
        assert_eq!(
            fields(NewAction::parse(input("   "), None, day(7)).unwrap_err()),
            ["title"]
        );
        assert_eq!(
            fields(NewAction::parse(input("två\nrader"), None, day(7)).unwrap_err()),
            ["title"]
        );
        let at_limit = input(&"å".repeat(MAX_TITLE_CHARS));
        assert!(NewAction::parse(at_limit, None, day(7)).is_ok());
    }

    #[test]
    fn done_on_is_the_day_it_became_done_and_stays() {
        let mut done = input("Snabbare inloggning");
        done.status = Some(ActionStatus::Done);
        let first = NewAction::parse(done.clone(), None, day(7)).unwrap();
        assert_eq!(first.done_on, Some(day(7)));
        let current = stored(ActionStatus::InProgress, None);
        let finished = NewAction::parse(done.clone(), Some(&current), day(9)).unwrap();
        assert_eq!(finished.done_on, Some(day(9)));
        let already = stored(ActionStatus::Done, Some(day(3)));
        let edited = NewAction::parse(done, Some(&already), day(20)).unwrap();
        assert_eq!(edited.done_on, Some(day(3)));
        // An edit that leaves the status out keeps it and its publication.
        let kept = NewAction::parse(input("Ny rubrik"), Some(&already), day(20)).unwrap();
        assert_eq!(
            (kept.status, kept.done_on, kept.published),
            (ActionStatus::Done, Some(day(3)), true)
        );
    }

    #[test]
    fn the_status_moves_forward_only_and_done_is_final() {
        use ActionStatus::*;
        for (from, to, allowed) in [
            (Planned, InProgress, true),
            (Planned, Done, true),
            (InProgress, Cancelled, true),
            (InProgress, Planned, false),
            (Done, InProgress, false),
            (Cancelled, Planned, false),
            (Done, Done, true),
        ] {
            let mut edit = input("Snabbare inloggning");
            edit.status = Some(to);
            let result = NewAction::parse(edit, Some(&stored(from, None)), day(7));
            assert_eq!(result.is_ok(), allowed, "{from:?} → {to:?}");
            if !allowed {
                assert_eq!(fields(result.unwrap_err()), ["status"]);
            }
        }
        assert_eq!("in_progress".parse(), Ok(InProgress));
        assert!("klar".parse::<ActionStatus>().is_err());
    }

    #[test]
    fn an_action_stays_on_its_service() {
        let mut moved = input("Snabbare inloggning");
        moved.service_id = 5;
        let current = stored(ActionStatus::Planned, None);
        assert_eq!(
            fields(NewAction::parse(moved, Some(&current), day(7)).unwrap_err()),
            ["service_id"]
        );
    }

    #[test]
    fn the_round_must_be_the_services_and_the_item_one_of_its_questions() {
        let mut tied = input("Tydligare knappar");
        tied.round_id = Some(11);
        tied.item_key = Some("sus3".into());
        let new = NewAction::parse(tied, None, day(7)).unwrap();
        let keys = ["sus1", "sus3", "tid"];
        let ours = RoundOfAction {
            id: 11,
            service_id: 4,
            item_keys: &keys,
        };
        assert!(check_round(&new, ours).is_ok());
        let theirs = RoundOfAction {
            service_id: 9,
            ..ours
        };
        assert_eq!(fields(check_round(&new, theirs).unwrap_err()), ["round_id"]);
        let other_keys = ["sus1", "tid"];
        let without = RoundOfAction {
            item_keys: &other_keys,
            ..ours
        };
        assert_eq!(
            fields(check_round(&new, without).unwrap_err()),
            ["item_key"]
        );
    }

    #[test]
    fn owners_keep_their_own_services_actions_and_klk_all() {
        let owner = Actor::of_session(1, 2, Role::Owner { owner_id: 7 });
        assert!(may_keep(&owner, Some(7)).is_ok());
        assert!(matches!(
            may_keep(&owner, Some(8)),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(may_keep(&owner, None), Err(Error::Forbidden(_))));
        assert!(may_keep(&Actor::cli(), None).is_ok());
    }

    #[test]
    fn cancelled_or_unpublished_actions_reach_nobody() {
        assert!(stored(ActionStatus::Done, None).reaches_respondents());
        assert!(!stored(ActionStatus::Cancelled, None).reaches_respondents());
        let mut hidden = stored(ActionStatus::Planned, None);
        hidden.details.published = false;
        assert!(!hidden.reaches_respondents());
    }

    #[test]
    fn an_action_is_owed_only_for_released_results_without_one() {
        assert!(owes_action(true, 0));
        assert!(!owes_action(true, 1));
        assert!(!owes_action(false, 0));
    }
}
