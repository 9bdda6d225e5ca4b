//! The nyttoanalys of one period, pure: every service ranked, flagged and costed, the
//! tables per förvaltning and per objektägare, the biggest movers and the proposals that
//! follow from explicit rules. Input is each service's series of closed rounds up to the
//! end of the period (with figures that already passed the anonymity threshold); output
//! is what every format of the report shows.
//!
//! Rules (also in the report's method section and the README):
//! - **Rank**: by the mean of SUS and nyttoindex (either alone when the other is missing),
//!   highest first; ties by name. Services without figures this period are not ranked.
//! - **Flags** (SPEC): SUS below 50; a significant drop (Welch, p < 0.05) of at least 5
//!   points in SUS or nyttoindex since the round before; a response rate below 20 %;
//!   benefit/cost below 1.
//! - **Proposals** (`proposals`): usability review, review the service's future, check the
//!   user list, investigate a drop, get more to answer — each naming the owner and the
//!   figure that triggered it, and each silent when the data cannot support it (the
//!   module's doc lists when each does not apply).
//!
//! `assess_service` is one service's line, flags and proposals: the report, the owner's
//! dashboard and the digest all judge a service by it, so they cannot disagree.

mod proposals;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Metric,
    aggregate::Aggregate,
    series::{Figure, RoundSeriesEntry, Trend},
    summary::{Nyttokalkyl, Valuation, nyttokalkyl},
};

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
pub const SIGNIFICANCE: f64 = 0.05;
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
    /// Closed rounds that opened before the period ended, oldest first.
    pub rounds: &'a [RoundSeriesEntry],
    /// Trends over those rounds (the last against the one before it).
    pub trends: &'a [Trend],
    /// Whether the last of `rounds` opened within the period.
    pub last_in_period: bool,
}

/// How hours become money (settings).
#[derive(Debug, Clone, Copy)]
pub struct Costing {
    pub working_weeks: u32,
    pub hourly_cost_sek: f64,
}

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

    pub fn text(self, lang: crate::domain::Language) -> &'static str {
        match lang {
            crate::domain::Language::Sv => self.swedish(),
            crate::domain::Language::En => match self {
                Self::SusBelow50 => "SUS below 50 (not acceptable)",
                Self::SusDrop => "SUS fell significantly (at least 5 points)",
                Self::NyttoindexDrop => "Nyttoindex fell significantly (at least 5 points)",
                Self::LowResponseRate => "Response rate below 20 %",
                Self::BenefitBelowCost => {
                    "Time saved worth less than the cost (benefit/cost below 1)"
                }
            },
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            Self::SusBelow50 => "SUS under 50 (inte godtagbart)",
            Self::SusDrop => "SUS har sjunkit signifikant (minst 5 poäng)",
            Self::NyttoindexDrop => "Nyttoindex har sjunkit signifikant (minst 5 poäng)",
            Self::LowResponseRate => "Svarsfrekvens under 20 %",
            Self::BenefitBelowCost => {
                "Tidsvinsten är värd mindre än kostnaden (nytta/kostnad under 1)"
            }
        }
    }
}

/// A förvaltning's or an objektägare's services together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupLine {
    pub id: Option<i32>,
    pub name: String,
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
    pub metric: String,
    pub difference: f64,
    pub p: f64,
    pub significant: bool,
}

fn shown(entry: &RoundSeriesEntry, metric: Metric) -> Option<&Aggregate> {
    match entry.figures.get(&metric)? {
        Figure::Shown(aggregate) => Some(aggregate),
        Figure::TooFewAnswers => None,
    }
}

fn score(entry: &RoundSeriesEntry, metric: Metric) -> Option<Score> {
    let aggregate = shown(entry, metric)?;
    Some(Score {
        n: aggregate.n,
        mean: aggregate.mean?,
        ci: aggregate.ci,
    })
}

fn change(trends: &[Trend], metric: Metric, round_id: i32) -> Option<ChangeLine> {
    let (_, later, change) = trends
        .iter()
        .find(|t| t.metric == metric)?
        .change
        .as_ref()?;
    (*later == round_id).then_some(ChangeLine {
        difference: change.difference,
        p: change.p,
        significant: change.p < SIGNIFICANCE,
    })
}

use proposals::dropped;

fn kalkyl(
    entry: &RoundSeriesEntry,
    history: &ServiceHistory,
    costing: Costing,
) -> Option<Nyttokalkyl> {
    let minutes = shown(entry, Metric::Tidsvinst)?;
    Some(nyttokalkyl(
        minutes.mean?,
        minutes.ci,
        Valuation {
            working_weeks: costing.working_weeks,
            hourly_cost_sek: costing.hourly_cost_sek,
        },
        history.users.max(0) as u32,
        history.annual_cost_sek as f64,
    ))
}

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
pub fn assess_service(
    history: &ServiceHistory,
    min_group_size: usize,
    costing: Costing,
) -> Assessment {
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
    let released_enough = round
        .released
        .is_some_and(|released| released as usize >= min_group_size);
    let mut previous_kalkyl = None;
    if released_enough {
        line.status = LineStatus::Shown;
        line.sus = score(entry, Metric::Sus);
        line.umux_lite = score(entry, Metric::UmuxLite);
        line.nyttoindex = score(entry, Metric::Nyttoindex);
        line.nps = score(entry, Metric::Nps);
        line.tidsvinst = score(entry, Metric::Tidsvinst);
        line.sus_change = change(history.trends, Metric::Sus, round.round_id);
        line.nyttoindex_change = change(history.trends, Metric::Nyttoindex, round.round_id);
        line.nyttokalkyl = kalkyl(entry, history, costing);
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
            .find_map(|e| Some((e.round.period.as_str(), kalkyl(e, history, costing)?)));
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

/// The mean of SUS and nyttoindex, or either alone.
fn ranking_score(line: &ServiceLine) -> Option<f64> {
    match (line.sus, line.nyttoindex) {
        (Some(s), Some(n)) => Some((s.mean + n.mean) / 2.0),
        (Some(one), None) | (None, Some(one)) => Some(one.mean),
        (None, None) => None,
    }
}

/// Answer-weighted mean of a score over lines; withheld below the threshold.
fn weighted(
    lines: &[&ServiceLine],
    pick: fn(&ServiceLine) -> Option<Score>,
    min: usize,
) -> Option<f64> {
    let (n, sum) = lines
        .iter()
        .filter_map(|l| pick(l))
        .fold((0usize, 0.0), |(n, sum), s| {
            (n + s.n, sum + s.mean * s.n as f64)
        });
    (n >= min && n > 0).then(|| sum / n as f64)
}

fn group_lines(
    lines: &[ServiceLine],
    key: fn(&ServiceLine) -> (Option<i32>, Option<String>),
    min_group_size: usize,
) -> Vec<GroupLine> {
    let mut groups: BTreeMap<(String, Option<i32>), Vec<&ServiceLine>> = BTreeMap::new();
    for line in lines {
        let (id, name) = key(line);
        let name = name.unwrap_or_else(|| "(ingen)".to_owned());
        groups.entry((name, id)).or_default().push(line);
    }
    groups
        .into_iter()
        .map(|((name, id), members)| GroupLine {
            id,
            name,
            services: members.len(),
            services_shown: members
                .iter()
                .filter(|l| l.status == LineStatus::Shown)
                .count(),
            sus: weighted(&members, |l| l.sus, min_group_size),
            nyttoindex: weighted(&members, |l| l.nyttoindex, min_group_size),
            answers: members
                .iter()
                .filter(|l| l.status == LineStatus::Shown)
                .filter_map(|l| l.answered)
                .sum::<u64>() as usize,
            value_sek: members
                .iter()
                .filter_map(|l| l.nyttokalkyl.map(|k| k.value_sek))
                .sum(),
            annual_cost_sek: members.iter().map(|l| l.annual_cost_sek).sum(),
            flagged: members.iter().filter(|l| !l.flags.is_empty()).count(),
        })
        .collect()
}

pub fn nyttoanalys(
    period: &str,
    services: &[ServiceHistory],
    min_group_size: u32,
    costing: Costing,
) -> Nyttoanalys {
    let min = min_group_size as usize;
    let mut lines = Vec::with_capacity(services.len());
    let mut proposals = Vec::new();
    for history in services {
        let assessment = assess_service(history, min, costing);
        proposals.extend(assessment.proposals);
        lines.push(assessment.line);
    }
    // Ranked lines by score, then too few answers, then no round; names break ties.
    let order = |line: &ServiceLine| match line.status {
        LineStatus::Shown if ranking_score(line).is_some() => 0,
        LineStatus::Shown | LineStatus::TooFewAnswers => 1,
        LineStatus::NoRound => 2,
    };
    lines.sort_by(|a, b| {
        order(a)
            .cmp(&order(b))
            .then_with(|| {
                let (sa, sb) = (ranking_score(a), ranking_score(b));
                sb.partial_cmp(&sa).unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut rank = 0;
    for line in &mut lines {
        if order(line) == 0 {
            rank += 1;
            line.rank = Some(rank);
        }
    }
    let mut movers: Vec<Mover> = lines
        .iter()
        .flat_map(|line| {
            [
                ("sus", line.sus_change),
                ("nyttoindex", line.nyttoindex_change),
            ]
            .into_iter()
            .filter_map(|(metric, change)| {
                let change = change?;
                Some(Mover {
                    service_id: line.service_id,
                    name: line.name.clone(),
                    metric: metric.to_owned(),
                    difference: change.difference,
                    p: change.p,
                    significant: change.significant,
                })
            })
        })
        .collect();
    movers.sort_by(|a, b| {
        b.difference
            .abs()
            .partial_cmp(&a.difference.abs())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.name.cmp(&b.name))
    });
    movers.truncate(MOVERS);
    // Grouped per service, in the order of the services table, rules in their order.
    let position: BTreeMap<i32, usize> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (l.service_id, i))
        .collect();
    proposals.sort_by_key(|p| (position.get(&p.service_id).copied(), p.rule));
    let costed: Vec<&Nyttokalkyl> = lines
        .iter()
        .filter_map(|l| l.nyttokalkyl.as_ref())
        .collect();
    let value_sek: f64 = costed.iter().map(|k| k.value_sek).sum();
    let annual_cost_sek: f64 = costed.iter().map(|k| k.annual_cost_sek).sum();
    let totals = Totals {
        services: lines.len(),
        shown: lines
            .iter()
            .filter(|l| l.status == LineStatus::Shown)
            .count(),
        too_few_answers: lines
            .iter()
            .filter(|l| l.status == LineStatus::TooFewAnswers)
            .count(),
        no_round: lines
            .iter()
            .filter(|l| l.status == LineStatus::NoRound)
            .count(),
        flagged: lines.iter().filter(|l| !l.flags.is_empty()).count(),
        annual_hours: costed.iter().map(|k| k.annual_hours).sum(),
        value_sek,
        annual_cost_sek,
        benefit_cost_ratio: (annual_cost_sek > 0.0).then(|| value_sek / annual_cost_sek),
    };
    Nyttoanalys {
        period: period.to_owned(),
        min_group_size,
        hourly_cost_sek: costing.hourly_cost_sek,
        working_weeks: costing.working_weeks,
        departments: group_lines(&lines, |l| (l.department_id, l.department.clone()), min),
        owners: group_lines(&lines, |l| (l.owner_id, l.owner.clone()), min),
        services: lines,
        totals,
        movers,
        proposals,
    }
}

/// The unit tests' seven services, for the formats' tests.
#[cfg(test)]
pub(crate) fn sample_report() -> Nyttoanalys {
    tests::analyse(&tests::fixtures())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;
    use crate::stats::{
        aggregate::SegmentKey,
        series::{RoundFacts, service_series},
    };

    const COSTING: Costing = Costing {
        working_weeks: 44,
        hourly_cost_sek: 450.0,
    };

    /// A figure over a whole round, with its Student-t interval.
    fn figure(metric: Metric, n: usize, mean: f64, sd: f64) -> Aggregate {
        let half = crate::stats::summary::t_95((n - 1) as f64) * sd / (n as f64).sqrt();
        Aggregate {
            metric,
            segment: SegmentKey::All,
            responses: n,
            n,
            mean: Some(mean),
            sd: Some(sd),
            ci: Some((mean - half, mean + half)),
            median: Some(mean),
            promoters: None,
            detractors: None,
        }
    }

    /// A closed round: (id, period, delivered, answered, figures).
    type Round = (i32, &'static str, u64, u64, Vec<Aggregate>);

    pub(super) struct Fixture {
        name: &'static str,
        id: i32,
        department: (i32, &'static str),
        users: i32,
        cost: i64,
        rounds: Vec<Round>,
    }

    fn series(rounds: &[Round]) -> (Vec<RoundSeriesEntry>, Vec<Trend>) {
        let facts: Vec<RoundFacts> = rounds
            .iter()
            .map(|(id, period, delivered, answered, _)| RoundFacts {
                round_id: *id,
                period: (*period).to_owned(),
                opens_at: chrono::DateTime::UNIX_EPOCH,
                closed: true,
                invited: *delivered,
                delivered: *delivered,
                answered: *answered,
                released: Some(*answered),
            })
            .collect();
        let aggregates: Vec<(i32, Aggregate)> = rounds
            .iter()
            .flat_map(|(id, _, _, _, figures)| figures.iter().map(|f| (*id, f.clone())))
            .collect();
        service_series(&facts, &aggregates, 5)
    }

    pub(super) fn analyse(fixtures: &[Fixture]) -> Nyttoanalys {
        let built: Vec<(Vec<RoundSeriesEntry>, Vec<Trend>)> =
            fixtures.iter().map(|f| series(&f.rounds)).collect();
        let histories: Vec<ServiceHistory> = fixtures
            .iter()
            .zip(&built)
            .map(|(f, (rounds, trends))| ServiceHistory {
                service_id: f.id,
                name: f.name,
                owner: Some((f.id * 10, "Ägare")),
                department: Some(f.department),
                users: f.users,
                annual_cost_sek: f.cost,
                rounds,
                trends,
                last_in_period: rounds.last().is_some_and(|r| r.round.period == "2026-Q4"),
            })
            .collect();
        nyttoanalys("2026-Q4", &histories, 5, COSTING)
    }

    use Metric::{Nyttoindex, Sus, Tidsvinst};

    pub(super) fn fixtures() -> Vec<Fixture> {
        let klk = (1, "Kommunledningskontoret");
        let skola = (2, "Skolförvaltningen");
        vec![
            // SUS 80 → 70 (SD 10, n 20 each): Welch t = −10 / √(100/20 + 100/20) = −3.16,
            // p ≈ 0.003: a significant drop of 10. Tidsvinst 30 min × 44 weeks × 1,000
            // users / 60 = 22,000 h = 9,900,000 SEK against 100,000: ratio 99.
            Fixture {
                name: "Lön",
                id: 1,
                department: klk,
                users: 1_000,
                cost: 100_000,
                rounds: vec![
                    (11, "2026-Q3", 40, 20, vec![figure(Sus, 20, 80.0, 10.0)]),
                    (
                        12,
                        "2026-Q4",
                        40,
                        20,
                        vec![
                            figure(Sus, 20, 70.0, 10.0),
                            figure(Nyttoindex, 20, 80.0, 10.0),
                            figure(Tidsvinst, 20, 30.0, 10.0),
                        ],
                    ),
                ],
            },
            // SUS 60 (SD 5, n 10: 95 % interval 56.4–63.6) with 600 users: wholly below 68
            // and many users → usability review.
            // Tidsvinst 5 min: 5/60 × 44 × 600 = 2,200 h = 990,000 SEK against 2,000,000:
            // ratio 0.495, below 1 (once: no review of its future).
            Fixture {
                name: "Ärende",
                id: 2,
                department: klk,
                users: 600,
                cost: 2_000_000,
                rounds: vec![(
                    21,
                    "2026-Q4",
                    30,
                    10,
                    vec![figure(Sus, 10, 60.0, 5.0), figure(Tidsvinst, 10, 5.0, 3.0)],
                )],
            },
            // SUS 49.9 (flag) and 199 of 1,000 answered (19.9 %: flag) — but no proposal:
            // SUS's interval (48.2–51.6) and the rate's (17.5–22.5 %) reach the lines.
            Fixture {
                name: "Skolwebben",
                id: 3,
                department: skola,
                users: 100,
                cost: 10_000,
                rounds: vec![(
                    31,
                    "2026-Q4",
                    1_000,
                    199,
                    vec![figure(Sus, 199, 49.9, 12.0)],
                )],
            },
            // At every boundary, no flag: SUS exactly 50, 20 of 100 answered (20 %), ratio
            // exactly 1 (30/60 × 44 × 100 = 2,200 h = 990,000 SEK against 990,000) — but a
            // drop of exactly 5 (55 → 50, SD 5, n 50: t = −5) is flagged.
            Fixture {
                name: "Bibliotek",
                id: 4,
                department: skola,
                users: 100,
                cost: 990_000,
                rounds: vec![
                    (41, "2026-Q3", 100, 50, vec![figure(Sus, 50, 55.0, 5.0)]),
                    (
                        42,
                        "2026-Q4",
                        100,
                        20,
                        vec![figure(Sus, 50, 50.0, 5.0), figure(Tidsvinst, 50, 30.0, 5.0)],
                    ),
                ],
            },
            // 3 answers of 10 delivered: too few, though 10 could have reached 5 (get
            // more to answer).
            Fixture {
                name: "Kultur",
                id: 5,
                department: skola,
                users: 50,
                cost: 0,
                rounds: vec![(51, "2026-Q4", 10, 3, vec![])],
            },
            // Its last round was in the period before: no round this period.
            Fixture {
                name: "Park",
                id: 6,
                department: skola,
                users: 50,
                cost: 0,
                rounds: vec![(61, "2026-Q3", 10, 8, vec![figure(Sus, 8, 75.0, 5.0)])],
            },
            // Ratio 0.495 in both rounds (30 min, 100 users, 2,000,000 SEK; the minutes'
            // interval 26.4–33.6 gives 0.44–0.55, wholly below 1): review its future. SUS
            // 65 both times (below 68): no change, and too few users for a review.
            Fixture {
                name: "Gis",
                id: 7,
                department: klk,
                users: 100,
                cost: 2_000_000,
                rounds: vec![
                    (
                        71,
                        "2026-Q3",
                        20,
                        10,
                        vec![
                            figure(Sus, 10, 65.0, 10.0),
                            figure(Tidsvinst, 10, 30.0, 5.0),
                        ],
                    ),
                    (
                        72,
                        "2026-Q4",
                        20,
                        10,
                        vec![
                            figure(Sus, 10, 65.0, 10.0),
                            figure(Tidsvinst, 10, 30.0, 5.0),
                        ],
                    ),
                ],
            },
        ]
    }

    fn line<'a>(report: &'a Nyttoanalys, name: &str) -> &'a ServiceLine {
        report.services.iter().find(|l| l.name == name).unwrap()
    }

    #[test]
    fn services_are_ranked_by_sus_and_nyttoindex_then_listed_without_figures() {
        let report = analyse(&fixtures());
        let order: Vec<(&str, Option<u32>)> = report
            .services
            .iter()
            .map(|l| (l.name.as_str(), l.rank))
            .collect();
        // Lön (70 + 80) / 2 = 75, Gis 65, Ärende 60, Bibliotek 50, Skolwebben 49.9.
        assert_eq!(
            order,
            [
                ("Lön", Some(1)),
                ("Gis", Some(2)),
                ("Ärende", Some(3)),
                ("Bibliotek", Some(4)),
                ("Skolwebben", Some(5)),
                ("Kultur", None),
                ("Park", None),
            ]
        );
        assert_eq!(line(&report, "Kultur").status, LineStatus::TooFewAnswers);
        assert_eq!(line(&report, "Kultur").sus, None);
        assert_eq!(line(&report, "Park").status, LineStatus::NoRound);
    }

    #[test]
    fn each_flag_fires_past_its_boundary_and_not_at_it() {
        let report = analyse(&fixtures());
        let flags = |name| line(&report, name).flags.clone();
        assert_eq!(flags("Lön"), [Flag::SusDrop]);
        assert_eq!(flags("Ärende"), [Flag::BenefitBelowCost]);
        assert_eq!(
            flags("Skolwebben"),
            [Flag::SusBelow50, Flag::LowResponseRate]
        );
        assert_eq!(
            flags("Bibliotek"),
            [Flag::SusDrop],
            "50, 20 % and ratio 1 pass"
        );
        assert_eq!(flags("Gis"), [Flag::BenefitBelowCost]);
        let drop = line(&report, "Lön").sus_change.unwrap();
        assert!(
            (drop.difference + 10.0).abs() < 1e-9 && drop.p < 0.01,
            "{drop:?}"
        );
        assert_eq!(report.totals.flagged, 5);
    }

    #[test]
    fn the_nyttokalkyl_per_service_and_in_total() {
        let report = analyse(&fixtures());
        let lon = line(&report, "Lön").nyttokalkyl.unwrap();
        assert!((lon.annual_hours - 22_000.0).abs() < 1e-6);
        assert!((lon.value_sek - 9_900_000.0).abs() < 1e-3);
        assert!((lon.benefit_cost_ratio.unwrap() - 99.0).abs() < 1e-9);
        let arende = line(&report, "Ärende").nyttokalkyl.unwrap();
        assert!((arende.annual_hours - 2_200.0).abs() < 1e-6);
        assert!((arende.benefit_cost_ratio.unwrap() - 0.495).abs() < 1e-9);
        // Lön, Ärende, Bibliotek and Gis: 22,000 + 2,200 + 2,200 + 2,200 hours; value
        // 9,900,000 + 3 × 990,000 = 12,870,000 SEK; cost 100,000 + 2,000,000 + 990,000
        // + 2,000,000 = 5,090,000 SEK.
        let totals = &report.totals;
        assert!((totals.annual_hours - 28_600.0).abs() < 1e-6);
        assert!((totals.value_sek - 12_870_000.0).abs() < 1e-3);
        assert!((totals.annual_cost_sek - 5_090_000.0).abs() < 1e-3);
        assert!((totals.benefit_cost_ratio.unwrap() - 12_870_000.0 / 5_090_000.0).abs() < 1e-12);
        assert_eq!(
            (totals.shown, totals.too_few_answers, totals.no_round),
            (5, 1, 1)
        );
    }

    #[test]
    fn proposals_are_grouped_per_service_with_owner_and_figure() {
        let report = analyse(&fixtures());
        let proposals: Vec<(&str, ProposalRule)> = report
            .proposals
            .iter()
            .map(|p| (p.service.as_str(), p.rule))
            .collect();
        // In the order of the services table (Lön, Gis, Ärende, Bibliotek, Skolwebben,
        // Kultur); Skolwebben is flagged but its intervals reach the lines.
        assert_eq!(
            proposals,
            [
                ("Lön", ProposalRule::InvestigateDrop),
                ("Gis", ProposalRule::ReviewFuture),
                ("Ärende", ProposalRule::UsabilityReview),
                ("Bibliotek", ProposalRule::InvestigateDrop),
                ("Kultur", ProposalRule::InviteMore),
            ]
        );
        let arende = &report.proposals[2];
        assert_eq!(
            (arende.owner_id, arende.owner.as_deref()),
            (Some(20), Some("Ägare"))
        );
        assert_eq!(
            arende.figure,
            "SUS 60,0 (n = 10; 95\u{a0}% KI 56,4–63,6); 600 användare"
        );
        assert_eq!(
            report.proposals[0].figure,
            "SUS −10,0 poäng sedan förra omgången (p = 0,003)"
        );
        assert_eq!(
            report.proposals[1].figure_in(Language::En),
            "benefit/cost 0.49 (95\u{a0}% CI 0.44–0.55) 2026-Q4; \
             benefit/cost 0.49 (95\u{a0}% CI 0.44–0.55) 2026-Q3; \
             SUS 65.0 (n = 10; 95\u{a0}% CI 57.8–72.2)"
        );
        assert_eq!(
            report.proposals[4].figure,
            "3 svar av 10 inbjudna; minst 5 behövs"
        );
    }

    #[test]
    fn groups_weigh_their_services_by_answers_and_movers_are_the_largest_changes() {
        let report = analyse(&fixtures());
        let klk = report
            .departments
            .iter()
            .find(|d| d.name == "Kommunledningskontoret")
            .unwrap();
        // Lön 70 × 20, Ärende 60 × 10, Gis 65 × 10: 2,650 / 40 = 66.25.
        assert!((klk.sus.unwrap() - 66.25).abs() < 1e-9, "{klk:?}");
        assert_eq!((klk.services, klk.services_shown, klk.flagged), (3, 3, 3));
        let movers: Vec<(&str, f64)> = report
            .movers
            .iter()
            .map(|m| (m.name.as_str(), m.difference))
            .collect();
        assert_eq!(movers, [("Lön", -10.0), ("Bibliotek", -5.0), ("Gis", 0.0)]);
    }

    #[test]
    fn a_group_under_the_threshold_has_no_figure() {
        let mut small = fixtures();
        small.retain(|f| f.name == "Kultur" || f.name == "Park");
        let report = analyse(&small);
        let skola = &report.departments[0];
        assert_eq!((skola.sus, skola.nyttoindex), (None, None));
        assert!(report.services.iter().all(|l| l.sus.is_none()));
    }

    /// One service judged on its own: 100 users and 2,000,000 SEK unless told.
    fn assess(users: i32, cost: i64, rounds: Vec<Round>) -> Assessment {
        let (entries, trends) = series(&rounds);
        let history = ServiceHistory {
            service_id: 1,
            name: "Tjänst",
            owner: Some((9, "Ägare")),
            department: None,
            users,
            annual_cost_sek: cost,
            rounds: &entries,
            trends: &trends,
            last_in_period: true,
        };
        assess_service(&history, 5, COSTING)
    }

    fn rules(assessment: &Assessment) -> Vec<ProposalRule> {
        assessment.proposals.iter().map(|p| p.rule).collect()
    }

    #[test]
    fn a_usability_review_needs_sus_wholly_below_the_line() {
        // SUS 42.5, SD 8, n 31: 42.5 ± 2.042 × 8 / √31 = 39.6–45.4, wholly below 50.
        let low = assess(
            100,
            0,
            vec![(1, "2026-Q4", 40, 31, vec![figure(Sus, 31, 42.5, 8.0)])],
        );
        assert_eq!(rules(&low), [ProposalRule::UsabilityReview]);
        assert_eq!(
            low.proposals[0].figure,
            "SUS 42,5 (n = 31; 95\u{a0}% KI 39,6–45,4)"
        );
        // Silent: SUS 45 of 5 answers, SD 10: 45 ± 2.776 × 10 / √5 = 32.6–57.4 reaches
        // 50. Still flagged: the flag states the figure, the proposal needs the evidence.
        let unsure = assess(
            100,
            0,
            vec![(1, "2026-Q4", 10, 5, vec![figure(Sus, 5, 45.0, 10.0)])],
        );
        assert_eq!(unsure.flags(), [Flag::SusBelow50]);
        assert!(unsure.proposals.is_empty(), "{:?}", unsure.proposals);
        // Silent: SUS 60 wholly below 68 (56.4–63.6) but 499 users, not many.
        let few = assess(
            499,
            0,
            vec![(1, "2026-Q4", 20, 10, vec![figure(Sus, 10, 60.0, 5.0)])],
        );
        assert!(few.proposals.is_empty());
        // Silent: 600 users, SUS 60 but SD 15: 49.3–70.7 reaches 68.
        let wide = assess(
            600,
            0,
            vec![(1, "2026-Q4", 20, 10, vec![figure(Sus, 10, 60.0, 15.0)])],
        );
        assert!(wide.proposals.is_empty());
        // Silent: no SUS measured.
        let none = assess(
            600,
            0,
            vec![(
                1,
                "2026-Q4",
                20,
                10,
                vec![figure(Nyttoindex, 10, 30.0, 5.0)],
            )],
        );
        assert!(none.proposals.is_empty());
    }

    /// Two rounds with the same figures.
    fn twice(figures: Vec<Aggregate>) -> Vec<Round> {
        vec![
            (1, "2026-Q3", 20, 10, figures.clone()),
            (2, "2026-Q4", 20, 10, figures),
        ]
    }

    #[test]
    fn the_future_of_a_service_is_questioned_only_when_the_data_support_it() {
        // Tidsvinst 30 min (SD 5, n 10: 26.4–33.6) × 44 / 60 × 100 users × 450 SEK =
        // 990,000 SEK against 2,000,000: 0.495 (0.44–0.55), wholly below 1 twice; SUS 60.
        let poor = assess(
            100,
            2_000_000,
            twice(vec![
                figure(Sus, 10, 60.0, 5.0),
                figure(Tidsvinst, 10, 30.0, 5.0),
            ]),
        );
        assert_eq!(rules(&poor), [ProposalRule::ReviewFuture]);
        // Silent: a top service (SUS 85, nyttoindex 80) that saves 5 minutes, like an
        // alarm system: ratio 0.08 twice, flagged below cost, but its users rate it well.
        let alarm = assess(
            100,
            2_000_000,
            twice(vec![
                figure(Sus, 10, 85.0, 5.0),
                figure(Nyttoindex, 10, 80.0, 5.0),
                figure(Tidsvinst, 10, 5.0, 2.0),
            ]),
        );
        assert_eq!(alarm.flags(), [Flag::BenefitBelowCost]);
        assert!(alarm.proposals.is_empty(), "{:?}", alarm.proposals);
        // Silent: SUS exactly the average 68.
        let average = assess(
            100,
            2_000_000,
            twice(vec![
                figure(Sus, 10, 68.0, 5.0),
                figure(Tidsvinst, 10, 30.0, 5.0),
            ]),
        );
        assert!(average.proposals.is_empty());
        // Silent: SUS 60 but nyttoindex 70 (≥ 66.7: users agree it is useful).
        let useful = assess(
            100,
            2_000_000,
            twice(vec![
                figure(Sus, 10, 60.0, 5.0),
                figure(Nyttoindex, 10, 70.0, 5.0),
                figure(Tidsvinst, 10, 30.0, 5.0),
            ]),
        );
        assert!(useful.proposals.is_empty());
        // Silent: 50 min of 5 answers, SD 40 (0.3–99.7 min): ratio 0.83 but its
        // interval 0.005–1.6 includes 1. Still flagged below cost.
        let unsure = assess(
            100,
            2_000_000,
            vec![
                (1, "2026-Q3", 20, 5, vec![figure(Tidsvinst, 5, 50.0, 40.0)]),
                (2, "2026-Q4", 20, 5, vec![figure(Tidsvinst, 5, 50.0, 40.0)]),
            ],
        );
        let kalkyl = unsure.line.nyttokalkyl.unwrap();
        assert!(kalkyl.benefit_cost_ci.unwrap().1 > 1.0, "{kalkyl:?}");
        assert_eq!(unsure.flags(), [Flag::BenefitBelowCost]);
        assert!(unsure.proposals.is_empty());
        // Silent: below cost this round only.
        let once = assess(
            100,
            2_000_000,
            vec![(2, "2026-Q4", 20, 10, vec![figure(Tidsvinst, 10, 30.0, 5.0)])],
        );
        assert!(once.proposals.is_empty());
        // Silent: no cost, so no ratio.
        let free = assess(100, 0, twice(vec![figure(Tidsvinst, 10, 30.0, 5.0)]));
        assert!(free.proposals.is_empty());
    }

    #[test]
    fn the_user_list_is_questioned_when_the_rate_is_clearly_low() {
        // 10 of 100 (10 %): Wilson 5.5–17.4 %, wholly below 20 %.
        let low = assess(
            100,
            0,
            vec![(1, "2026-Q4", 100, 10, vec![figure(Sus, 10, 75.0, 5.0)])],
        );
        assert_eq!(rules(&low), [ProposalRule::CheckUserList]);
        assert_eq!(
            low.proposals[0].figure,
            "svarsfrekvens 10\u{a0}% (10 av 100)"
        );
        // Silent: 0 of 3 is 0 %, flagged, but Wilson 0–56 % reaches 20 %.
        let tiny = assess(100, 0, vec![(1, "2026-Q4", 3, 0, vec![])]);
        assert_eq!(tiny.flags(), [Flag::LowResponseRate]);
        assert!(tiny.proposals.is_empty(), "{:?}", tiny.proposals);
        // Silent: nothing delivered, no rate.
        let none = assess(100, 0, vec![(1, "2026-Q4", 0, 0, vec![])]);
        assert!(none.proposals.is_empty());
    }

    #[test]
    fn a_drop_is_investigated_when_it_is_large_and_significant() {
        let drop = |before: f64, after: f64, n: usize, sd: f64| {
            assess(
                100,
                0,
                vec![
                    (
                        1,
                        "2026-Q3",
                        2 * n as u64,
                        n as u64,
                        vec![figure(Sus, n, before, sd)],
                    ),
                    (
                        2,
                        "2026-Q4",
                        2 * n as u64,
                        n as u64,
                        vec![figure(Sus, n, after, sd)],
                    ),
                ],
            )
        };
        // 80 → 70, SD 10, n 20: p ≈ 0.003.
        assert_eq!(
            rules(&drop(80.0, 70.0, 20, 10.0)),
            [ProposalRule::InvestigateDrop]
        );
        // Silent: 4.9 points, however certain (SD 1, n 50).
        assert!(drop(80.0, 75.1, 50, 1.0).proposals.is_empty());
        // Silent: 10 points but not significant (SD 20, n 5: p ≈ 0.45).
        assert!(drop(80.0, 70.0, 5, 20.0).proposals.is_empty());
        // Silent: a rise.
        assert!(drop(70.0, 80.0, 20, 10.0).proposals.is_empty());
        // Silent: no earlier round with results.
        let first = assess(
            100,
            0,
            vec![(2, "2026-Q4", 40, 20, vec![figure(Sus, 20, 70.0, 10.0)])],
        );
        assert!(first.proposals.is_empty());
    }

    #[test]
    fn more_answers_are_asked_for_only_when_the_invitations_could_have_sufficed() {
        // 3 of 10 delivered: 10 could have reached 5.
        let low = assess(100, 0, vec![(1, "2026-Q4", 10, 3, vec![])]);
        assert_eq!(low.line.status, LineStatus::TooFewAnswers);
        assert_eq!(rules(&low), [ProposalRule::InviteMore]);
        // Silent: 2 of 2 answered; the fatigue rule limited the invitations, not the
        // owner.
        let all = assess(100, 0, vec![(1, "2026-Q4", 2, 2, vec![])]);
        assert_eq!(all.line.status, LineStatus::TooFewAnswers);
        assert!(all.proposals.is_empty(), "{:?}", all.proposals);
        // Silent: 3 of 4 — even all four would have been too few.
        assert!(
            assess(100, 0, vec![(1, "2026-Q4", 4, 3, vec![])])
                .proposals
                .is_empty()
        );
        // Silent: a service with results.
        let shown = assess(
            100,
            0,
            vec![(1, "2026-Q4", 10, 8, vec![figure(Sus, 8, 75.0, 5.0)])],
        );
        assert!(shown.proposals.is_empty());
    }
}
