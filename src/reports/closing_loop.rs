//! The "Closing the loop" tables (SPEC), column by column, as the CSV and the workbook
//! write them, in the words of the HTML page: each service's actions ("ni sa – vi gör")
//! and the figures of the open-link answers. An open-link figure below the threshold is
//! the page's "För få svar" in place of its mean, with its count and interval empty, so
//! no number of too small a group is ever written.

use super::{Cell, Columns, rounded, status_text, text, whole};
use crate::{
    domain::Language,
    stats::nyttoanalys::{ActionLine, LineStatus, Nyttoanalys, OpenLinkScores, Score, ServiceLine},
    wording,
};

/// One action with the name of its service: one row of the actions table.
pub(crate) struct ActionRow {
    service: String,
    action: ActionLine,
}

/// Every action of the report, service by service in the report's order.
pub(crate) fn action_rows(report: &Nyttoanalys) -> Vec<ActionRow> {
    report
        .actions
        .services
        .iter()
        .flat_map(|s| {
            s.actions.iter().map(|action| ActionRow {
                service: s.name.clone(),
                action: action.clone(),
            })
        })
        .collect()
}

fn day(date: Option<chrono::NaiveDate>) -> Cell {
    date.map_or(Cell::Empty, Cell::Date)
}

fn optional(value: &Option<String>) -> Cell {
    text(value.clone().unwrap_or_default())
}

pub(crate) const ACTION_COLUMNS: Columns<ActionRow> = &[
    ("Tjänst", |r| text(&r.service)),
    ("Åtgärd", |r| text(&r.action.title)),
    ("Status", |r| {
        text(wording::action_status(r.action.status, Language::Sv))
    }),
    ("Omgång", |r| optional(&r.action.round)),
    ("Fråga", |r| optional(&r.action.item_key)),
    ("Klar senast", |r| day(r.action.due_on)),
    ("Klar den", |r| day(r.action.done_on)),
    ("Publicerad", |r| {
        text(if r.action.published { "ja" } else { "nej" })
    }),
];

/// The services whose round had open-link answers enough for a segment of their own.
pub(crate) fn open_link_lines(report: &Nyttoanalys) -> impl Iterator<Item = &ServiceLine> {
    report.services.iter().filter(|l| l.open_link.is_some())
}

type Pick = fn(&OpenLinkScores) -> Option<Score>;

fn open_score(line: &ServiceLine, pick: Pick) -> Option<Score> {
    line.open_link.as_ref().and_then(pick)
}

/// The mean to one decimal, as the page writes it, or the page's "För få svar".
fn open_mean(line: &ServiceLine, pick: Pick) -> Cell {
    open_score(line, pick).map_or_else(
        || text(status_text(LineStatus::TooFewAnswers)),
        |s| rounded(Some(s.mean), 1),
    )
}

fn open_answers(line: &ServiceLine, pick: Pick) -> Cell {
    whole(open_score(line, pick).map(|s| s.n as f64))
}

fn open_low(line: &ServiceLine, pick: Pick) -> Cell {
    rounded(open_score(line, pick).and_then(|s| s.ci).map(|c| c.0), 1)
}

fn open_high(line: &ServiceLine, pick: Pick) -> Cell {
    rounded(open_score(line, pick).and_then(|s| s.ci).map(|c| c.1), 1)
}

pub(crate) const OPEN_LINK_COLUMNS: Columns<ServiceLine> = &[
    ("Tjänst", |l| text(&l.name)),
    ("Omgång", |l| optional(&l.round)),
    ("Svar (SUS)", |l| open_answers(l, |o| o.sus)),
    ("SUS", |l| open_mean(l, |o| o.sus)),
    ("SUS 95 % KI låg", |l| open_low(l, |o| o.sus)),
    ("SUS 95 % KI hög", |l| open_high(l, |o| o.sus)),
    ("Svar (nyttoindex)", |l| open_answers(l, |o| o.nyttoindex)),
    ("Nyttoindex", |l| open_mean(l, |o| o.nyttoindex)),
    ("Nyttoindex 95 % KI låg", |l| open_low(l, |o| o.nyttoindex)),
    ("Nyttoindex 95 % KI hög", |l| {
        open_high(l, |o| o.nyttoindex)
    }),
    ("Svar (tidsvinst)", |l| open_answers(l, |o| o.tidsvinst)),
    ("Tidsvinst (min/vecka)", |l| open_mean(l, |o| o.tidsvinst)),
    ("Tidsvinst 95 % KI låg", |l| open_low(l, |o| o.tidsvinst)),
    ("Tidsvinst 95 % KI hög", |l| open_high(l, |o| o.tidsvinst)),
];

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use super::*;
    use crate::{
        domain::action::ActionStatus,
        stats::nyttoanalys::{action, actions_section, sample_report},
    };

    /// The sample report (five services with results: Lön, Ärende, Skolwebben,
    /// Bibliotek, Gis) with two actions on Lön: one planned, tied to round 12 (2026-Q4)
    /// and question sus3, due 31 March 2027, unpublished, its title a formula; one done
    /// on 1 December 2026, published. And open-link answers on Lön: nyttoindex 75.5556
    /// (n 5, 95 % CI 60.04–91.07) and 18.0 minutes (n 5, no interval), SUS from 3
    /// complete answers withheld.
    pub(crate) fn report_with_actions_and_open_links() -> Nyttoanalys {
        let mut report = sample_report();
        let lon = report
            .services
            .iter_mut()
            .find(|l| l.name == "Lön")
            .expect("the sample has Lön");
        lon.open_link = Some(OpenLinkScores {
            sus: None,
            nyttoindex: Some(Score {
                n: 5,
                mean: 75.5556,
                ci: Some((60.04, 91.07)),
            }),
            tidsvinst: Some(Score {
                n: 5,
                mean: 18.0,
                ci: None,
            }),
        });
        let service_id = lon.service_id;
        let mut tied = action(service_id, "=Färre fält i ansökan", ActionStatus::Planned);
        tied.details.published = false;
        tied.details.round_id = Some(12);
        tied.details.item_key = Some("sus3".into());
        tied.details.due_on = NaiveDate::from_ymd_opt(2027, 3, 31);
        let mut done = action(service_id, "Snabbare inloggning", ActionStatus::Done);
        done.details.done_on = NaiveDate::from_ymd_opt(2026, 12, 1);
        let actions = [tied, done];
        let periods = BTreeMap::from([(12, "2026-Q4".to_owned())]);
        report.actions = actions_section(&report.services, &actions, &periods);
        report
    }
}
