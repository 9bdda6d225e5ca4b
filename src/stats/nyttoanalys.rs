//! The nyttoanalys of one period, pure: every service ranked, flagged and costed, the
//! tables per förvaltning and per objektägare, the biggest movers and the proposals that
//! follow from explicit rules. Input is each service's series of closed rounds up to the
//! end of the period (with figures that already passed the anonymity threshold); output
//! is what every format of the report shows.
//!
//! Rules (also in the report's method section and the README):
//! - **Rank** (`period`): by the mean of SUS and nyttoindex (either alone when the other is missing),
//!   highest first; ties by name. Services without figures this period are not ranked.
//! - **Flags** (SPEC): SUS below 50; a significant drop (Welch's test, below
//!   `summary::SIGNIFICANCE_LEVEL`) of at least 5 points in SUS or nyttoindex since the
//!   round before; a response rate below 20 %; benefit/cost below 1.
//! - **Proposals** (`proposals`): usability review, review the service's future, check the
//!   user list, investigate a drop, get more to answer — each naming the owner and the
//!   figure that triggered it, and each silent when the data cannot support it (the
//!   module's doc lists when each does not apply).
//!
//! `assess_service` is one service's line, flags and proposals: the report, the owner's
//! dashboard and the digest all judge a service by it, so they cannot disagree. The
//! output is codes and numbers; `wording` writes them in Swedish or English.

mod actions;
pub mod insatser;
mod period;
mod proposals;

#[cfg(test)]
pub(crate) use actions::action;
pub use actions::{ActionLine, ActionsSection, ServiceActions, actions_section};

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{
    Metric,
    aggregate::SegmentKey,
    series::{Figure, RoundSeriesEntry, Trend},
    summary::Nyttokalkyl,
};

pub use insatser::{InsatsRule, InsatserSection};
pub use period::nyttoanalys;
pub use proposals::{
    ChangedMetric, DROP_POINTS, Evidence, LOW_RESPONSE_RATE, MANY_USERS, Proposal, ProposalRule,
};

/// SUS below this is not acceptable (flag).
pub const SUS_UNACCEPTABLE: f64 = 50.0;
/// The published SUS average.
pub const SUS_AVERAGE: f64 = 68.0;
/// Nyttoindex of a mean answer of 5 on the 1–7 scale: the users agree the service is
/// useful.
pub const NYTTOINDEX_AGREE: f64 = 400.0 / 6.0;
/// Movers listed.
pub const MOVERS: usize = 5;

/// One service as the analysis reads it.
#[derive(Debug, Clone)]
pub struct ServiceHistory<'a> {
    pub service_id: i32,
    pub name: &'a str,
    pub owner: Option<(i32, &'a str)>,
    pub department: Option<(i32, &'a str)>,
    pub users: i32,
    pub annual_cost_sek: i64,
    /// Closed rounds that opened before the period ended, oldest first, each with its
    /// nyttokalkyl (`stats::series`).
    pub rounds: &'a [RoundSeriesEntry],
    /// Trends over those rounds (the last against the one before it).
    pub trends: &'a [Trend],
    /// Whether the last of `rounds` opened within the period.
    pub last_in_period: bool,
}

/// The analysis: codes and numbers only, so that it can be stored and read back in any
/// language (the words are in `wording`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nyttoanalys {
    pub period: String,
    pub min_group_size: u32,
    pub hourly_cost_sek: f64,
    pub working_weeks: u32,
    /// Ranked services first, then those with too few answers, then those without a round.
    pub services: Vec<ServiceLine>,
    pub departments: Vec<GroupLine>,
    pub owners: Vec<GroupLine>,
    pub totals: Totals,
    pub movers: Vec<Mover>,
    pub proposals: Vec<Proposal>,
    /// The insatser decided, measured and not realised in the period (`insatser`);
    /// `None` in a report stored before the section was (format 2 and earlier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insatser: Option<InsatserSection>,
    /// What objektägare do about their results; filled in from the stored actions by the
    /// use case that generates the report (reports stored before it have none).
    #[serde(default)]
    pub actions: ActionsSection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Shown,
    TooFewAnswers,
    NoRound,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceLine {
    pub rank: Option<u32>,
    pub service_id: i32,
    pub name: String,
    pub owner_id: Option<i32>,
    pub owner: Option<String>,
    pub department_id: Option<i32>,
    pub department: Option<String>,
    pub users: i32,
    pub annual_cost_sek: i64,
    pub status: LineStatus,
    /// The period's round (its key), when there was one.
    pub round: Option<String>,
    pub invited: Option<u64>,
    /// Invitations delivered (sent, not bounced): what the response rate divides by.
    #[serde(default)]
    pub delivered: Option<u64>,
    pub answered: Option<u64>,
    pub response_rate: Option<f64>,
    /// The response rate's 95 % Wilson interval.
    #[serde(default)]
    pub response_rate_ci: Option<(f64, f64)>,
    pub sus: Option<Score>,
    pub umux_lite: Option<Score>,
    pub nyttoindex: Option<Score>,
    pub nps: Option<Score>,
    pub tidsvinst: Option<Score>,
    pub sus_change: Option<ChangeLine>,
    pub nyttoindex_change: Option<ChangeLine>,
    pub nyttokalkyl: Option<Nyttokalkyl>,
    pub flags: Vec<Flag>,
    /// The answers through the round's open link, when they were enough to be a
    /// segment of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_link: Option<OpenLinkScores>,
}

/// The figures of a round's open-link answers; a metric below the threshold is `None`.
/// Anyone with the link may answer, once per browser: these are answers, not people.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OpenLinkScores {
    pub sus: Option<Score>,
    pub nyttoindex: Option<Score>,
    pub tidsvinst: Option<Score>,
}

/// A mean (for NPS the score) with its interval and count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub n: usize,
    pub mean: f64,
    pub ci: Option<(f64, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChangeLine {
    pub difference: f64,
    pub p: f64,
    pub significant: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    #[serde(rename = "sus_below_50")]
    SusBelow50,
    SusDrop,
    NyttoindexDrop,
    LowResponseRate,
    BenefitBelowCost,
}

impl Flag {
    pub const ALL: [Self; 5] = [
        Self::SusBelow50,
        Self::SusDrop,
        Self::NyttoindexDrop,
        Self::LowResponseRate,
        Self::BenefitBelowCost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SusBelow50 => "sus_below_50",
            Self::SusDrop => "sus_drop",
            Self::NyttoindexDrop => "nyttoindex_drop",
            Self::LowResponseRate => "low_response_rate",
            Self::BenefitBelowCost => "benefit_below_cost",
        }
    }
}

/// A förvaltning's or an objektägare's services together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupLine {
    pub id: Option<i32>,
    /// `None` for the services without one (a report stored before this was said held
    /// the Swedish word "(ingen)").
    pub name: Option<String>,
    pub services: usize,
    /// Services with figures this period.
    pub services_shown: usize,
    /// Answer-weighted means of the services' figures; `None` when withheld or none.
    pub sus: Option<f64>,
    pub nyttoindex: Option<f64>,
    pub answers: usize,
    pub value_sek: f64,
    pub annual_cost_sek: i64,
    pub flagged: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub services: usize,
    pub shown: usize,
    pub too_few_answers: usize,
    pub no_round: usize,
    pub flagged: usize,
    pub annual_hours: f64,
    pub value_sek: f64,
    /// The annual cost of the services with a nyttokalkyl.
    pub annual_cost_sek: f64,
    pub benefit_cost_ratio: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mover {
    pub service_id: i32,
    pub name: String,
    pub metric: ChangedMetric,
    pub difference: f64,
    pub p: f64,
    pub significant: bool,
}

/// `metric`'s figure among `figures` (a round's, or one segment's), unless withheld.
fn score(figures: &BTreeMap<Metric, Figure>, metric: Metric) -> Option<Score> {
    let aggregate = figures.get(&metric)?.shown()?;
    Some(Score {
        n: aggregate.n,
        mean: aggregate.mean?,
        ci: aggregate.ci,
    })
}

fn change(trends: &[Trend], metric: Metric, round_id: i32) -> Option<ChangeLine> {
    let change = trends
        .iter()
        .find(|t| t.metric == metric)?
        .change_into(round_id)?;
    Some(ChangeLine {
        difference: change.difference,
        p: change.p,
        significant: change.significant,
    })
}

use proposals::dropped;

fn below_cost(kalkyl: Option<&Nyttokalkyl>) -> bool {
    kalkyl
        .and_then(|k| k.benefit_cost_ratio)
        .is_some_and(|ratio| ratio < 1.0)
}

/// One service judged: its line (figures and flags) and the proposals for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub line: ServiceLine,
    pub proposals: Vec<Proposal>,
}

impl Assessment {
    pub fn flags(&self) -> &[Flag] {
        &self.line.flags
    }
}

/// One service's line, flags and proposals for the period `history` ends in. Pure: the
/// report, the owner's dashboard and the digest share it.
pub fn assess_service(history: &ServiceHistory, min_group_size: usize) -> Assessment {
    let mut line = ServiceLine {
        rank: None,
        service_id: history.service_id,
        name: history.name.to_owned(),
        owner_id: history.owner.map(|o| o.0),
        owner: history.owner.map(|o| o.1.to_owned()),
        department_id: history.department.map(|d| d.0),
        department: history.department.map(|d| d.1.to_owned()),
        users: history.users,
        annual_cost_sek: history.annual_cost_sek,
        status: LineStatus::NoRound,
        round: None,
        invited: None,
        delivered: None,
        answered: None,
        response_rate: None,
        response_rate_ci: None,
        sus: None,
        umux_lite: None,
        nyttoindex: None,
        nps: None,
        tidsvinst: None,
        sus_change: None,
        nyttoindex_change: None,
        nyttokalkyl: None,
        flags: Vec::new(),
        open_link: None,
    };
    let current = history.rounds.last().filter(|_| history.last_in_period);
    let Some(entry) = current else {
        return Assessment {
            line,
            proposals: Vec::new(),
        };
    };
    let round = &entry.round;
    line.round = Some(round.period.clone());
    line.invited = Some(round.invited);
    line.delivered = Some(round.delivered);
    line.answered = Some(round.answered);
    line.response_rate = entry.response_rate.map(|r| r.share);
    line.response_rate_ci = entry.response_rate.map(|r| r.ci);
    if line
        .response_rate
        .is_some_and(|rate| rate < LOW_RESPONSE_RATE)
    {
        line.flags.push(Flag::LowResponseRate);
    }
    let mut previous_kalkyl = None;
    if entry.has_results() {
        line.status = LineStatus::Shown;
        line.sus = score(&entry.figures, Metric::Sus);
        line.umux_lite = score(&entry.figures, Metric::UmuxLite);
        line.nyttoindex = score(&entry.figures, Metric::Nyttoindex);
        line.nps = score(&entry.figures, Metric::Nps);
        line.tidsvinst = score(&entry.figures, Metric::Tidsvinst);
        line.sus_change = change(history.trends, Metric::Sus, round.round_id);
        line.nyttoindex_change = change(history.trends, Metric::Nyttoindex, round.round_id);
        line.nyttokalkyl = entry.nyttokalkyl;
        line.open_link = entry
            .segments
            .get(&SegmentKey::OpenLink)
            .map(|figures| OpenLinkScores {
                sus: score(figures, Metric::Sus),
                nyttoindex: score(figures, Metric::Nyttoindex),
                tidsvinst: score(figures, Metric::Tidsvinst),
            });
        if line.sus.is_some_and(|s| s.mean < SUS_UNACCEPTABLE) {
            line.flags.push(Flag::SusBelow50);
        }
        if dropped(line.sus_change) {
            line.flags.push(Flag::SusDrop);
        }
        if dropped(line.nyttoindex_change) {
            line.flags.push(Flag::NyttoindexDrop);
        }
        if below_cost(line.nyttokalkyl.as_ref()) {
            line.flags.push(Flag::BenefitBelowCost);
        }
        previous_kalkyl = history
            .rounds
            .iter()
            .rev()
            .skip(1)
            .find_map(|e| Some((e.round.period.as_str(), e.nyttokalkyl?)));
    } else {
        line.status = LineStatus::TooFewAnswers;
    }
    line.flags.sort();
    let proposals = proposals::proposals_for(
        &line,
        &proposals::RuleInputs {
            min_group_size,
            delivered: Some(round.delivered),
            response_rate: entry.response_rate.as_ref(),
            previous_kalkyl,
        },
    );
    Assessment { line, proposals }
}

/// The unit tests' seven services, for the formats' tests.
#[cfg(test)]
pub(crate) fn sample_report() -> Nyttoanalys {
    tests::analyse(&tests::fixtures())
}

#[cfg(test)]
mod tests;
