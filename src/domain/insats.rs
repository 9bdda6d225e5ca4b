//! Insatser (initiatives, projects, changes) and the KF goals they serve (SPEC
//! "Insatser"): what an insats is, the status flow it moves through, and who may change
//! it. Its planned benefit, the nyttokalkyl, is [`nyttokalkyl`].

pub mod nyttokalkyl;

use chrono::{DateTime, NaiveDate, Utc};

use super::{Actor, Error, FieldProblem, Role, catalogue::required_name};

/// A goal set by kommunfullmäktige (mål), kept by Kommunledningskontoret.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: i32,
    pub title: String,
    pub description: String,
    pub valid_from: NaiveDate,
    /// `None`: until further notice.
    pub valid_to: Option<NaiveDate>,
}

/// A goal as created or replaced: every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGoal {
    pub title: String,
    pub description: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl NewGoal {
    pub fn parse(
        title: &str,
        description: Option<String>,
        valid_from: NaiveDate,
        valid_to: Option<NaiveDate>,
    ) -> Result<Self, Error> {
        let title = required_name("title", title)?;
        if valid_to.is_some_and(|to| to < valid_from) {
            return Err(Error::invalid("valid_to", "must be on or after valid_from"));
        }
        Ok(Self {
            title,
            description: description.unwrap_or_default().trim().to_owned(),
            valid_from,
            valid_to,
        })
    }
}

/// A goal that insatser serve stays: deleting it would silently drop their link to
/// kommunfullmäktige's goals. End it with `valid_to` instead.
pub fn ensure_goal_unused(id: i32, serving_insatser: u64) -> Result<(), Error> {
    if serving_insatser == 0 {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "goal {id} is served by {serving_insatser} insats(er): set valid_to to end it instead"
        )))
    }
}

/// Where an insats stands. `Proposal` → `Assessed` → `Decided` → `InProgress` → `Live`
/// → `FollowedUp`; `Rejected` from a proposal or an assessed insats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InsatsStatus {
    Proposal,
    Assessed,
    Decided,
    InProgress,
    Live,
    FollowedUp,
    Rejected,
}

impl InsatsStatus {
    pub const ALL: [Self; 7] = [
        Self::Proposal,
        Self::Assessed,
        Self::Decided,
        Self::InProgress,
        Self::Live,
        Self::FollowedUp,
        Self::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposal => "proposal",
            Self::Assessed => "assessed",
            Self::Decided => "decided",
            Self::InProgress => "in_progress",
            Self::Live => "live",
            Self::FollowedUp => "followed_up",
            Self::Rejected => "rejected",
        }
    }

    /// The statuses this one may move to.
    pub fn next(self) -> &'static [Self] {
        match self {
            Self::Proposal => &[Self::Assessed, Self::Rejected],
            Self::Assessed => &[Self::Decided, Self::Rejected],
            Self::Decided => &[Self::InProgress],
            Self::InProgress => &[Self::Live],
            Self::Live => &[Self::FollowedUp],
            Self::FollowedUp | Self::Rejected => &[],
        }
    }

    /// Waiting for a decision: what the prioritisation ranks.
    pub fn awaits_decision(self) -> bool {
        matches!(self, Self::Proposal | Self::Assessed)
    }

    /// Decided (or further along, not rejected): its nyttokalkyl has a frozen version.
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            Self::Decided | Self::InProgress | Self::Live | Self::FollowedUp
        )
    }

    /// Live or followed up: its benefits are being measured.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Live | Self::FollowedUp)
    }

    /// Moves that are decisions about the portfolio, Kommunledningskontoret's to make;
    /// the nyttoägare reports the delivery (started, live).
    fn is_portfolio_decision(self) -> bool {
        matches!(
            self,
            Self::Assessed | Self::Decided | Self::Rejected | Self::FollowedUp
        )
    }
}

impl std::str::FromStr for InsatsStatus {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| format!("`{raw}` is not a status: use one of {}", names(&Self::ALL)))
    }
}

fn names(statuses: &[InsatsStatus]) -> String {
    statuses
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An insats as stored: its editable fields ([`NewInsats`], checked), where it stands,
/// and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Insats {
    pub id: i32,
    pub details: NewInsats,
    pub status: InsatsStatus,
    pub decided_on: Option<NaiveDate>,
    pub live_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which insatser a listing shows.
#[derive(Debug, Clone, Default)]
pub struct InsatsFilter {
    /// Only this nyttoägare's (what an objektägare sees).
    pub owner_id: Option<i32>,
    /// Only these statuses; empty: every status.
    pub statuses: Vec<InsatsStatus>,
    /// Only those touching this service.
    pub service_id: Option<i32>,
}

/// What a caller gives for an insats, before checking.
#[derive(Debug, Clone, Default)]
pub struct InsatsInput {
    pub name: String,
    pub description: Option<String>,
    pub department_id: Option<i32>,
    pub owner_id: Option<i32>,
    pub sponsor: Option<String>,
    pub service_ids: Vec<i32>,
    pub goal_ids: Vec<i32>,
    pub urgency: Option<i64>,
    pub risk: Option<i64>,
    pub planned_live_on: Option<NaiveDate>,
}

/// The editable fields of an insats, every one checked (status and its dates move
/// through [`change_status`] only).
#[derive(Debug, Clone, PartialEq)]
pub struct NewInsats {
    pub name: String,
    pub description: String,
    pub department_id: Option<i32>,
    pub owner_id: Option<i32>,
    pub sponsor: String,
    /// Sorted, each once.
    pub service_ids: Vec<i32>,
    /// Sorted, each once.
    pub goal_ids: Vec<i32>,
    pub urgency: Option<u8>,
    pub risk: Option<u8>,
    pub planned_live_on: Option<NaiveDate>,
}

impl NewInsats {
    /// Checks every field and reports all problems at once.
    pub fn parse(input: InsatsInput) -> Result<Self, Error> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: &str| {
            problems.push(FieldProblem {
                line: None,
                field: field.into(),
                message: message.into(),
            })
        };
        let name = required_name("name", &input.name)
            .map_err(|e| problem("name", &first_message(e)))
            .ok();
        let sponsor = input.sponsor.unwrap_or_default().trim().to_owned();
        if sponsor.chars().count() > 200 {
            problem("sponsor", "must be at most 200 characters");
        }
        let mut scale = |field: &str, value: Option<i64>| match value {
            Some(v @ 0..=3) => Some(v as u8),
            Some(_) => {
                problem(field, "must be between 0 and 3");
                None
            }
            None => None,
        };
        let urgency = scale("urgency", input.urgency);
        let risk = scale("risk", input.risk);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let sorted = |mut ids: Vec<i32>| {
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        Ok(Self {
            name: name.unwrap_or_default(),
            description: input.description.unwrap_or_default().trim().to_owned(),
            department_id: input.department_id,
            owner_id: input.owner_id,
            sponsor,
            service_ids: sorted(input.service_ids),
            goal_ids: sorted(input.goal_ids),
            urgency,
            risk,
            planned_live_on: input.planned_live_on,
        })
    }
}

fn first_message(error: Error) -> String {
    match error {
        Error::Invalid(problems) => problems
            .into_iter()
            .next()
            .map(|p| p.message)
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

/// An insats after a status change: the new status and the dates it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub status: InsatsStatus,
    pub decided_on: Option<NaiveDate>,
    pub live_on: Option<NaiveDate>,
    /// A decision freezes the nyttokalkyl's current version.
    pub freezes_kalkyl: bool,
}

/// Moves `insats` to `to` on day `on` (the decision day, the go-live day), by `actor`.
/// Refused: a move the flow does not have, a portfolio decision by an objektägare, and
/// assessing or deciding an insats without a nyttokalkyl ("Nyttokalkyler ska finnas för
/// alla projekt", §5).
pub fn change_status(
    actor: &Actor,
    insats: &Insats,
    to: InsatsStatus,
    on: NaiveDate,
    has_kalkyl: bool,
) -> Result<StatusChange, Error> {
    may_edit(actor, insats.details.owner_id)?;
    let from = insats.status;
    if !from.next().contains(&to) {
        let allowed = match from.next() {
            [] => format!("`{}` is final", from.as_str()),
            next => format!("from `{}` it may go to {}", from.as_str(), names(next)),
        };
        return Err(Error::invalid(
            "status",
            format!(
                "cannot go from `{}` to `{}`: {allowed}",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    if to.is_portfolio_decision() && !actor.is_admin() {
        return Err(Error::Forbidden(format!(
            "only Kommunledningskontoret (admin) may set an insats to `{}`",
            to.as_str()
        )));
    }
    if matches!(to, InsatsStatus::Assessed | InsatsStatus::Decided) && !has_kalkyl {
        return Err(Error::invalid(
            "nyttokalkyl",
            "an insats is assessed and decided on its nyttokalkyl: give one first",
        ));
    }
    Ok(StatusChange {
        status: to,
        decided_on: if to == InsatsStatus::Decided {
            Some(on)
        } else {
            insats.decided_on
        },
        live_on: if to == InsatsStatus::Live {
            Some(on)
        } else {
            insats.live_on
        },
        freezes_kalkyl: to == InsatsStatus::Decided,
    })
}

/// Kommunledningskontoret edits every insats; an objektägare only those where they are
/// the nyttoägare.
pub fn may_edit(actor: &Actor, owner_id: Option<i32>) -> Result<(), Error> {
    if actor.may_read_owned_by(owner_id) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "an objektägare may change only the insatser where they are nyttoägare".into(),
        ))
    }
}

/// Whether `actor` may save `new` over `current` (`None`: a new insats). An objektägare
/// keeps the insats their own: they may propose one with themselves as nyttoägare, not
/// hand one to someone else; and urgency and risk are Kommunledningskontoret's
/// assessment, which an objektägare leaves as it is (nobody ranks their own proposal).
pub fn may_save(actor: &Actor, current: Option<&Insats>, new: &NewInsats) -> Result<(), Error> {
    if let Some(current) = current {
        may_edit(actor, current.details.owner_id)?;
    }
    let Role::Owner { owner_id } = actor.role else {
        return Ok(());
    };
    if new.owner_id != Some(owner_id) {
        return Err(Error::invalid(
            "owner_id",
            "an objektägare's insats has them as nyttoägare: set owner_id to your own",
        ));
    }
    let assessed = current.map_or((None, None), |c| (c.details.urgency, c.details.risk));
    for (field, given, kept) in [
        ("urgency", new.urgency, assessed.0),
        ("risk", new.risk, assessed.1),
    ] {
        if given != kept {
            return Err(Error::invalid(
                field,
                "is assessed by Kommunledningskontoret: leave it as it is",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
