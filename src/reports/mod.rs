//! The nyttoanalys in its four formats, rendered from the stored analysis alone (no
//! database): JSON is the analysis itself (the API), HTML a standalone printable page
//! with the overview chart inline, CSV for Swedish Excel (UTF-8 with BOM, `;`, decimal
//! comma, formula injection neutralised) and XLSX (an overview sheet, the groups, the
//! proposals and one sheet per förvaltning; numbers as numbers, headers frozen).

mod csv_format;
mod html;
mod xlsx;

pub use csv_format::csv;
pub use html::{html, overview_chart};
pub use xlsx::xlsx;

use crate::stats::nyttoanalys::{LineStatus, ServiceLine};

/// A cell of a table, typed, so that each format writes numbers as numbers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn number(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Number)
}

/// Rounded to `decimals` places, so exports show what the page shows.
fn rounded(value: Option<f64>, decimals: i32) -> Cell {
    let factor = 10f64.powi(decimals);
    number(value.map(|v| (v * factor).round() / factor))
}

pub(crate) fn status_text(status: LineStatus) -> &'static str {
    match status {
        LineStatus::Shown => "Resultat",
        LineStatus::TooFewAnswers => "För få svar",
        LineStatus::NoRound => "Ingen omgång",
    }
}

type Column = (&'static str, fn(&ServiceLine) -> Cell);

/// The services table, column by column: the same in CSV, XLSX and (as far as it goes)
/// HTML.
pub(crate) const SERVICE_COLUMNS: [Column; 24] = [
    ("Rang", |l| number(l.rank.map(f64::from))),
    ("Tjänst", |l| text(&l.name)),
    ("Objektägare", |l| {
        text(l.owner.clone().unwrap_or_default())
    }),
    ("Förvaltning", |l| {
        text(l.department.clone().unwrap_or_default())
    }),
    ("Användare", |l| number(Some(f64::from(l.users)))),
    ("Status", |l| text(status_text(l.status))),
    ("Omgång", |l| text(l.round.clone().unwrap_or_default())),
    ("Inbjudna", |l| number(l.invited.map(|n| n as f64))),
    ("Svar", |l| number(l.answered.map(|n| n as f64))),
    ("Svarsfrekvens (%)", |l| {
        rounded(l.response_rate.map(|r| 100.0 * r), 1)
    }),
    ("SUS", |l| rounded(l.sus.map(|s| s.mean), 1)),
    ("SUS 95 % KI låg", |l| {
        rounded(l.sus.and_then(|s| s.ci).map(|c| c.0), 1)
    }),
    ("SUS 95 % KI hög", |l| {
        rounded(l.sus.and_then(|s| s.ci).map(|c| c.1), 1)
    }),
    ("UMUX-Lite", |l| rounded(l.umux_lite.map(|s| s.mean), 1)),
    ("Nyttoindex", |l| rounded(l.nyttoindex.map(|s| s.mean), 1)),
    ("NPS", |l| rounded(l.nps.map(|s| s.mean), 1)),
    ("Tidsvinst (min/vecka)", |l| {
        rounded(l.tidsvinst.map(|s| s.mean), 1)
    }),
    ("SUS-förändring", |l| {
        rounded(l.sus_change.map(|c| c.difference), 1)
    }),
    ("SUS-förändring p", |l| {
        rounded(l.sus_change.map(|c| c.p), 3)
    }),
    ("Nyttoindex-förändring", |l| {
        rounded(l.nyttoindex_change.map(|c| c.difference), 1)
    }),
    ("Sparade timmar per år", |l| {
        rounded(l.nyttokalkyl.map(|k| k.annual_hours), 0)
    }),
    ("Värde per år (kr)", |l| {
        rounded(l.nyttokalkyl.map(|k| k.value_sek), 0)
    }),
    ("Kostnad per år (kr)", |l| {
        number(Some(l.annual_cost_sek as f64))
    }),
    ("Flaggor", |l| {
        text(
            l.flags
                .iter()
                .map(|f| f.swedish())
                .collect::<Vec<_>>()
                .join("; "),
        )
    }),
];
