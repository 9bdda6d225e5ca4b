//! The proposals of the nyttoanalys: each rule says what to do, names the figure that
//! triggered it, and is silent whenever the data cannot support it — a proposal a reader
//! can dismiss at a glance ("review the future of our best service?") costs the trust of
//! every other one. The rules, with when each does NOT apply:
//!
//! - **Usability review**: SUS is below 50 (not acceptable), or below 68 (the average)
//!   for a service with at least 500 users — and its 95 % interval lies wholly below that
//!   line. Silent when the interval reaches the line (the answers cannot tell the service
//!   from an acceptable or average one), when SUS has no interval, or when SUS was not
//!   measured or was withheld.
//! - **Review the service's future**: the value of the time it saves has been below its
//!   cost (benefit/cost below 1) this round and in the round before that had a
//!   nyttokalkyl, each time with the ratio's 95 % interval wholly below 1. Silent when
//!   either interval reaches 1 (or there is none), when the service has no cost, when
//!   there is no earlier nyttokalkyl, and — tidsvinst measures minutes only, not safety,
//!   quality or legal duty — when its users rate it well: SUS at or above 68 or
//!   nyttoindex at or above 67 (on average at least 5 of 7: the users agree it is useful).
//! - **Check the user list**: the response rate is below 20 % and its 95 % (Wilson)
//!   interval lies wholly below 20 %. Silent when the interval reaches 20 % (too few
//!   invitations to tell a poor list from chance) or no invitation was delivered.
//! - **Investigate the drop**: SUS or nyttoindex fell by at least 5 points since the
//!   previous round with results, significantly (Welch's test, `SIGNIFICANCE_LEVEL`). Silent for a smaller or
//!   not significant change, and when there is no earlier round with results to compare.
//! - **Invite more / get more to answer**: too few answers to show results although the
//!   delivered invitations could have reached the threshold (at least `min_group_size`
//!   delivered). Silent when fewer were delivered — then even every invitee answering
//!   (as when 2 of 2 answered) would not have been enough: the invitations were limited
//!   (the fatigue rule, sampling or a short user list), not the answers.

use serde::{Deserialize, Serialize};

use super::{LineStatus, NYTTOINDEX_AGREE, SUS_AVERAGE, SUS_UNACCEPTABLE, ServiceLine};
use crate::{
    domain::release::too_few,
    stats::{Nyttokalkyl, Proportion},
};

/// A response rate below this is flagged and may propose checking the user list.
pub const LOW_RESPONSE_RATE: f64 = 0.20;
/// "Many users" for the usability review rule.
pub const MANY_USERS: i32 = 500;
/// A drop of at least this many points, if significant, is flagged.
pub const DROP_POINTS: f64 = 5.0;

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
    pub const ALL: [Self; 5] = [
        Self::UsabilityReview,
        Self::ReviewFuture,
        Self::CheckUserList,
        Self::InvestigateDrop,
        Self::InviteMore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsabilityReview => "usability_review",
            Self::ReviewFuture => "review_future",
            Self::CheckUserList => "check_user_list",
            Self::InvestigateDrop => "investigate_drop",
            Self::InviteMore => "invite_more",
        }
    }
}

/// Which score changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangedMetric {
    Sus,
    Nyttoindex,
}

impl ChangedMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sus => "sus",
            Self::Nyttoindex => "nyttoindex",
        }
    }
}

/// The figure a proposal rests on, so the reader can weigh it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    Sus {
        mean: f64,
        n: usize,
        ci: Option<(f64, f64)>,
    },
    Users {
        users: i32,
    },
    BenefitCost {
        /// The period key of the round.
        round: String,
        ratio: f64,
        ci: Option<(f64, f64)>,
    },
    ResponseRate {
        answered: u64,
        delivered: u64,
        share: f64,
    },
    Change {
        metric: ChangedMetric,
        difference: f64,
        p: f64,
    },
    TooFewAnswers {
        answered: u64,
        delivered: u64,
        min_group_size: usize,
    },
}

/// One proposal for one service, with its owner and the figures that triggered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub service_id: i32,
    pub service: String,
    #[serde(default)]
    pub owner_id: Option<i32>,
    #[serde(default)]
    pub owner: Option<String>,
    /// What to do: the words are `wording`'s.
    pub rule: ProposalRule,
    /// The figures that triggered it (a report stored before proposals named them has
    /// none).
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

impl Proposal {
    fn new(line: &ServiceLine, rule: ProposalRule, evidence: Vec<Evidence>) -> Self {
        Self {
            service_id: line.service_id,
            service: line.name.clone(),
            owner_id: line.owner_id,
            owner: line.owner.clone(),
            rule,
            evidence,
        }
    }
}

/// What the rules read besides the service's line.
pub(super) struct RuleInputs<'a> {
    pub min_group_size: usize,
    /// The round's delivered invitations and response rate (Wilson interval).
    pub delivered: Option<u64>,
    pub response_rate: Option<&'a Proportion>,
    /// The nyttokalkyl of the previous round that had one, with its period key.
    pub previous_kalkyl: Option<(&'a str, Nyttokalkyl)>,
}

/// `(low, high)` lies wholly below `line`.
fn wholly_below(ci: Option<(f64, f64)>, line: f64) -> bool {
    ci.is_some_and(|(_, high)| high < line)
}

fn usability_review(line: &ServiceLine) -> Option<Vec<Evidence>> {
    let sus = line.sus?;
    let evidence = Evidence::Sus {
        mean: sus.mean,
        n: sus.n,
        ci: sus.ci,
    };
    if wholly_below(sus.ci, SUS_UNACCEPTABLE) {
        return Some(vec![evidence]);
    }
    (line.users >= MANY_USERS && wholly_below(sus.ci, SUS_AVERAGE))
        .then(|| vec![evidence, Evidence::Users { users: line.users }])
}

fn review_future(line: &ServiceLine, inputs: &RuleInputs) -> Option<Vec<Evidence>> {
    let rated_well = line.sus.is_some_and(|s| s.mean >= SUS_AVERAGE)
        || line.nyttoindex.is_some_and(|s| s.mean >= NYTTOINDEX_AGREE);
    if rated_well {
        return None;
    }
    let now = line.nyttokalkyl?;
    let (before_round, before) = inputs.previous_kalkyl?;
    let clearly_below = |k: &Nyttokalkyl| {
        k.benefit_cost_ratio.is_some_and(|r| r < 1.0) && wholly_below(k.benefit_cost_ci, 1.0)
    };
    if !(clearly_below(&now) && clearly_below(&before)) {
        return None;
    }
    let evidence = |round: &str, k: &Nyttokalkyl| Evidence::BenefitCost {
        round: round.to_owned(),
        ratio: k.benefit_cost_ratio.unwrap_or_default(),
        ci: k.benefit_cost_ci,
    };
    let mut shown = vec![
        evidence(line.round.as_deref().unwrap_or_default(), &now),
        evidence(before_round, &before),
    ];
    if let Some(sus) = line.sus {
        shown.push(Evidence::Sus {
            mean: sus.mean,
            n: sus.n,
            ci: sus.ci,
        });
    }
    Some(shown)
}

fn check_user_list(line: &ServiceLine, inputs: &RuleInputs) -> Option<Vec<Evidence>> {
    let rate = inputs.response_rate?;
    (rate.share < LOW_RESPONSE_RATE && rate.ci.1 < LOW_RESPONSE_RATE).then(|| {
        vec![Evidence::ResponseRate {
            answered: line.answered.unwrap_or(rate.successes),
            delivered: rate.n,
            share: rate.share,
        }]
    })
}

/// A significant drop of at least `DROP_POINTS`.
pub(super) fn dropped(change: Option<super::ChangeLine>) -> bool {
    change.is_some_and(|c| c.significant && c.difference <= -DROP_POINTS)
}

fn investigate_drop(line: &ServiceLine) -> Option<Vec<Evidence>> {
    let evidence: Vec<Evidence> = [
        (ChangedMetric::Sus, line.sus_change),
        (ChangedMetric::Nyttoindex, line.nyttoindex_change),
    ]
    .into_iter()
    .filter(|(_, change)| dropped(*change))
    .filter_map(|(metric, change)| {
        let change = change?;
        Some(Evidence::Change {
            metric,
            difference: change.difference,
            p: change.p,
        })
    })
    .collect();
    (!evidence.is_empty()).then_some(evidence)
}

fn invite_more(line: &ServiceLine, inputs: &RuleInputs) -> Option<Vec<Evidence>> {
    if line.status != LineStatus::TooFewAnswers {
        return None;
    }
    let delivered = inputs.delivered?;
    (!too_few(delivered as usize, inputs.min_group_size)).then(|| {
        vec![Evidence::TooFewAnswers {
            answered: line.answered.unwrap_or_default(),
            delivered,
            min_group_size: inputs.min_group_size,
        }]
    })
}

/// Every rule that applies to the service's line, in rule order.
pub(super) fn proposals_for(line: &ServiceLine, inputs: &RuleInputs) -> Vec<Proposal> {
    ProposalRule::ALL
        .into_iter()
        .filter_map(|rule| {
            let evidence = match rule {
                ProposalRule::UsabilityReview => usability_review(line),
                ProposalRule::ReviewFuture => review_future(line, inputs),
                ProposalRule::CheckUserList => check_user_list(line, inputs),
                ProposalRule::InvestigateDrop => investigate_drop(line),
                ProposalRule::InviteMore => invite_more(line, inputs),
            }?;
            Some(Proposal::new(line, rule, evidence))
        })
        .collect()
}
