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
//! - **Proposals**: SUS below 50, or below 68 (the SUS average) with at least 500 users →
//!   usability review; benefit/cost below 1 this period and the round before → review the
//!   service's future; response rate below 20 % → check the user list; a flagged drop →
//!   investigate the drop with the objektägare; too few answers → invite more people.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Metric,
    aggregate::Aggregate,
    series::{Figure, RoundSeriesEntry, Trend},
    summary::{Nyttokalkyl, Valuation, nyttokalkyl},
};

/// SUS below this is not acceptable (flag).
pub const SUS_UNACCEPTABLE: f64 = 50.0;
/// The published SUS average.
pub const SUS_AVERAGE: f64 = 68.0;
/// A drop of at least this many points, if significant, is flagged.
pub const DROP_POINTS: f64 = 5.0;
pub const SIGNIFICANCE: f64 = 0.05;
pub const LOW_RESPONSE_RATE: f64 = 0.20;
/// "Many users" for the usability review rule.
pub const MANY_USERS: i32 = 500;
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
    pub answered: Option<u64>,
    pub response_rate: Option<f64>,
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

    pub fn swedish(self) -> &'static str {
        match self {
            Self::SusBelow50 => "SUS under 50 (inte godtagbart)",
            Self::SusDrop => "SUS har sjunkit signifikant (minst 5 poäng)",
            Self::NyttoindexDrop => "Nyttoindex har sjunkit signifikant (minst 5 poäng)",
            Self::LowResponseRate => "Svarsfrekvens under 20 %",
            Self::BenefitBelowCost => "Nyttan är mindre än kostnaden",
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalRule {
    UsabilityReview,
    ReviewFuture,
    CheckUserList,
    InvestigateDrop,
    InviteMore,
}

impl ProposalRule {
    pub fn swedish(self) -> &'static str {
        match self {
            Self::UsabilityReview => "Genomför en användbarhetsgranskning",
            Self::ReviewFuture => {
                "Pröva tjänstens framtid: nyttan har understigit kostnaden två omgångar i rad"
            }
            Self::CheckUserList => "Kontrollera användarlistan: få av de inbjudna svarar",
            Self::InvestigateDrop => "Utred försämringen tillsammans med objektägaren",
            Self::InviteMore => "Bjud in fler användare: för få svar för att visa resultat",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub service_id: i32,
    pub service: String,
    pub rule: ProposalRule,
    pub text: String,
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

fn dropped(change: Option<ChangeLine>) -> bool {
    change.is_some_and(|c| c.significant && c.difference <= -DROP_POINTS)
}

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

/// One service's line, and the proposals for it.
fn service_line(
    history: &ServiceHistory,
    min_group_size: usize,
    costing: Costing,
) -> (ServiceLine, Vec<ProposalRule>) {
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
        answered: None,
        response_rate: None,
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
        return (line, Vec::new());
    };
    let round = &entry.round;
    line.round = Some(round.period.clone());
    line.invited = Some(round.invited);
    line.answered = Some(round.answered);
    line.response_rate = entry.response_rate.map(|r| r.share);
    let released_enough = round
        .released
        .is_some_and(|released| released as usize >= min_group_size);
    let mut proposals = Vec::new();
    if line
        .response_rate
        .is_some_and(|rate| rate < LOW_RESPONSE_RATE)
    {
        line.flags.push(Flag::LowResponseRate);
        proposals.push(ProposalRule::CheckUserList);
    }
    if !released_enough {
        line.status = LineStatus::TooFewAnswers;
        proposals.push(ProposalRule::InviteMore);
        return (line, proposals);
    }
    line.status = LineStatus::Shown;
    line.sus = score(entry, Metric::Sus);
    line.umux_lite = score(entry, Metric::UmuxLite);
    line.nyttoindex = score(entry, Metric::Nyttoindex);
    line.nps = score(entry, Metric::Nps);
    line.tidsvinst = score(entry, Metric::Tidsvinst);
    line.sus_change = change(history.trends, Metric::Sus, round.round_id);
    line.nyttoindex_change = change(history.trends, Metric::Nyttoindex, round.round_id);
    line.nyttokalkyl = kalkyl(entry, history, costing);
    let sus = line.sus.map(|s| s.mean);
    if sus.is_some_and(|s| s < SUS_UNACCEPTABLE) {
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
    line.flags.sort();
    let usability = sus
        .is_some_and(|s| s < SUS_UNACCEPTABLE || (s < SUS_AVERAGE && history.users >= MANY_USERS));
    if usability {
        proposals.push(ProposalRule::UsabilityReview);
    }
    let before = history
        .rounds
        .iter()
        .rev()
        .skip(1)
        .find(|e| shown(e, Metric::Tidsvinst).is_some());
    let below_before = before.is_some_and(|e| below_cost(kalkyl(e, history, costing).as_ref()));
    if below_cost(line.nyttokalkyl.as_ref()) && below_before {
        proposals.push(ProposalRule::ReviewFuture);
    }
    if dropped(line.sus_change) || dropped(line.nyttoindex_change) {
        proposals.push(ProposalRule::InvestigateDrop);
    }
    proposals.sort();
    (line, proposals)
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
        let (line, rules) = service_line(history, min, costing);
        for rule in rules {
            proposals.push(Proposal {
                service_id: line.service_id,
                service: line.name.clone(),
                rule,
                text: rule.swedish().to_owned(),
            });
        }
        lines.push(line);
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
    proposals.sort_by(|a, b| a.rule.cmp(&b.rule).then_with(|| a.service.cmp(&b.service)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{
        aggregate::SegmentKey,
        series::{RoundFacts, service_series},
    };

    const COSTING: Costing = Costing {
        working_weeks: 44,
        hourly_cost_sek: 450.0,
    };

    /// A figure over a whole round.
    fn figure(metric: Metric, n: usize, mean: f64, sd: f64) -> Aggregate {
        Aggregate {
            metric,
            segment: SegmentKey::All,
            responses: n,
            n,
            mean: Some(mean),
            sd: Some(sd),
            ci: None,
            median: Some(mean),
            promoters: None,
            detractors: None,
        }
    }

    /// A closed round: (id, period, delivered, answered, figures).
    type Round = (i32, &'static str, u64, u64, Vec<Aggregate>);

    struct Fixture {
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

    fn analyse(fixtures: &[Fixture]) -> Nyttoanalys {
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

    fn fixtures() -> Vec<Fixture> {
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
            // SUS 60 with 600 users: below 68 and many users → usability review.
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
                    vec![figure(Sus, 10, 60.0, 15.0), figure(Tidsvinst, 10, 5.0, 3.0)],
                )],
            },
            // SUS 49.9 (flag, review) and 199 of 1,000 answered (19.9 %: flag, check list).
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
            // 3 answers: too few (and invite more).
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
            // Ratio 0.495 in both rounds (30 min, 100 users, 2,000,000 SEK): review its
            // future. SUS 65 both times: no change, and too few users for a review.
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
    fn proposals_follow_their_rules() {
        let report = analyse(&fixtures());
        let proposals: Vec<(ProposalRule, &str)> = report
            .proposals
            .iter()
            .map(|p| (p.rule, p.service.as_str()))
            .collect();
        assert_eq!(
            proposals,
            [
                (ProposalRule::UsabilityReview, "Skolwebben"),
                (ProposalRule::UsabilityReview, "Ärende"),
                (ProposalRule::ReviewFuture, "Gis"),
                (ProposalRule::CheckUserList, "Skolwebben"),
                (ProposalRule::InvestigateDrop, "Bibliotek"),
                (ProposalRule::InvestigateDrop, "Lön"),
                (ProposalRule::InviteMore, "Kultur"),
            ]
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
}
