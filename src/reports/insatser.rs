//! The Insatser section's tables, column by column, as the CSV and the workbook write
//! them (the HTML page writes the same figures in words): the insatser decided in the
//! period with their decided kalkyl, each benefit's realisation in the period's rounds
//! (too few answers: the status, and every figure empty), and the reviews proposed.
//! Swedish headers, money to three significant digits as everywhere in the report.

use super::{Cell, Columns, money, ratio, rounded, share, text, whole};
use crate::{
    domain::Language,
    stats::nyttoanalys::insatser::{DecidedInsats, InsatsProposal, RealisationLine},
    wording,
};

fn owner(owner: &Option<String>) -> Cell {
    text(owner.clone().unwrap_or_default())
}

pub(crate) const DECIDED_COLUMNS: Columns<DecidedInsats> = &[
    ("Insats", |d| text(&d.name.insats)),
    ("Nyttoägare", |d| owner(&d.name.owner)),
    ("Beslutad", |d| Cell::Date(d.decided_on)),
    ("Kalkylversion", |d| {
        whole(d.kalkyl.map(|k| f64::from(k.version)))
    }),
    ("Investering (kr)", |d| {
        money(d.kalkyl.map(|k| k.investment_sek))
    }),
    ("Nettonuvärde (kr)", |d| money(d.kalkyl.map(|k| k.npv_sek))),
    ("Nuvärde nyttor (kr)", |d| {
        money(d.kalkyl.map(|k| k.pv_benefits_sek))
    }),
    ("Nuvärde kostnader (kr)", |d| {
        money(d.kalkyl.map(|k| k.pv_costs_sek))
    }),
    ("Nytta/kostnad", |d| {
        ratio(d.kalkyl.and_then(|k| k.benefit_cost_ratio))
    }),
    ("Återbetalningsår", |d| {
        whole(d.kalkyl.and_then(|k| k.payback_year).map(f64::from))
    }),
];

pub(crate) const REALISATION_COLUMNS: Columns<RealisationLine> = &[
    ("Insats", |l| text(&l.name.insats)),
    ("Nyttoägare", |l| owner(&l.name.owner)),
    ("Nytta", |l| text(&l.benefit)),
    ("Tjänst", |l| text(&l.service)),
    ("Mått", |l| {
        text(wording::metric_name(l.metric, Language::Sv))
    }),
    ("Omgång", |l| text(&l.round)),
    ("Status", |l| {
        text(wording::realisation_status(l.status, Language::Sv))
    }),
    ("Utgångsvärde", |l| rounded(l.baseline, 1)),
    ("Mål", |l| rounded(Some(l.target), 1)),
    ("Svar", |l| whole(l.measured.map(|m| m.n as f64))),
    ("Uppmätt medelvärde", |l| {
        rounded(l.measured.map(|m| m.mean), 1)
    }),
    ("95 % KI låg", |l| {
        rounded(l.measured.and_then(|m| m.ci).map(|c| c.0), 1)
    }),
    ("95 % KI hög", |l| {
        rounded(l.measured.and_then(|m| m.ci).map(|c| c.1), 1)
    }),
    ("Realiserad andel (%)", |l| {
        share(l.measured.and_then(|m| m.realised_share))
    }),
];

pub(crate) const PROPOSAL_COLUMNS: Columns<InsatsProposal> = &[
    ("Insats", |p| text(&p.name.insats)),
    ("Nyttoägare", |p| owner(&p.name.owner)),
    ("Förslag", |p| {
        text(wording::insats_rule(p.rule, Language::Sv))
    }),
    ("Underlag", |p| {
        text(wording::not_realised_evidence(&p.evidence, Language::Sv))
    }),
];
