//! The period's analysis from its services' assessments: ranked by the mean of SUS and
//! nyttoindex, grouped per förvaltning and per objektägare (answer-weighted, withheld
//! below the threshold), the largest movers, the proposals in table order, the totals.

use std::collections::BTreeMap;

use super::{
    ChangedMetric, GroupLine, LineStatus, MOVERS, Mover, Nyttoanalys, Score, ServiceHistory,
    ServiceLine, Totals, assess_service,
};
use crate::{
    domain::release::too_few,
    stats::summary::{Nyttokalkyl, Valuation},
};

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
    (!too_few(n, min)).then(|| sum / n as f64)
}

fn group_lines(
    lines: &[ServiceLine],
    key: fn(&ServiceLine) -> (Option<i32>, Option<String>),
    min_group_size: usize,
) -> Vec<GroupLine> {
    let mut groups: BTreeMap<(Option<String>, Option<i32>), Vec<&ServiceLine>> = BTreeMap::new();
    for line in lines {
        let (id, name) = key(line);
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

/// The analysis of `period`; `valuation` is what the services' nyttokalkyl (already in
/// their series) rests on, stated in the report.
pub fn nyttoanalys(
    period: &str,
    services: &[ServiceHistory],
    min_group_size: u32,
    valuation: Valuation,
) -> Nyttoanalys {
    let min = min_group_size as usize;
    let mut lines = Vec::with_capacity(services.len());
    let mut proposals = Vec::new();
    for history in services {
        let assessment = assess_service(history, min);
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
                (ChangedMetric::Sus, line.sus_change),
                (ChangedMetric::Nyttoindex, line.nyttoindex_change),
            ]
            .into_iter()
            .filter_map(|(metric, change)| {
                let change = change?;
                Some(Mover {
                    service_id: line.service_id,
                    name: line.name.clone(),
                    metric,
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
        hourly_cost_sek: valuation.hourly_cost_sek,
        working_weeks: valuation.working_weeks,
        departments: group_lines(&lines, |l| (l.department_id, l.department.clone()), min),
        owners: group_lines(&lines, |l| (l.owner_id, l.owner.clone()), min),
        services: lines,
        totals,
        movers,
        proposals,
        insatser: None,
        actions: super::ActionsSection::default(),
    }
}
