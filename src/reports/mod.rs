//! The nyttoanalys in its four formats, rendered from the stored analysis alone (no
//! database): JSON is the analysis itself (the API), HTML a standalone printable page
//! with the overview chart inline, CSV for Swedish Excel (UTF-8 with BOM, `;`, decimal
//! comma, formula injection neutralised) and XLSX (a sheet about the report, an overview
//! sheet, the groups, the proposals, the insatser, the actions and the open-link answers
//! when there are any, and one sheet per förvaltning; numbers as numbers
//! with number formats, headers frozen, filters on). Money is rounded the same way in
//! all four (`numbers::round_money`). [`render`] writes one format with its content
//! type and file name, for every reader (API, dashboard, email, command line).

mod closing_loop;
mod csv_format;
mod html;
mod insatser;
mod xlsx;

pub use csv_format::csv;
pub use html::{html, html_in, overview_chart};
pub use xlsx::xlsx;

use crate::{
    domain::{Error, Language},
    numbers,
    stats::nyttoanalys::{LineStatus, Nyttoanalys, ServiceLine},
    wording,
};

/// A format the report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The analysis itself, as stored (codes and numbers).
    Json,
    Html,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Self; 4] = [Self::Json, Self::Html, Self::Csv, Self::Xlsx];

    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Html => "html",
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == extension)
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Html => "text/html; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A report written out in one format.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// `nyttoanalys-2026-Q4.xlsx`.
    pub file_name: String,
    pub format: Format,
}

impl Rendered {
    /// Its `Content-Disposition`: the HTML page is shown in the browser, every other
    /// format saved as a file; either way under its file name.
    pub fn disposition(&self) -> String {
        let how = if self.format == Format::Html {
            "inline"
        } else {
            "attachment"
        };
        format!("{how}; filename=\"{}\"", self.file_name)
    }
}

/// The report in `format`; the HTML page's words in `lang` (the other formats are
/// Swedish, or codes).
pub fn render(report: &Nyttoanalys, format: Format, lang: Language) -> Result<Rendered, Error> {
    let bytes = match format {
        Format::Json => serde_json::to_vec_pretty(report).map_err(Error::internal)?,
        Format::Html => html_in(report, lang)?.into_bytes(),
        Format::Csv => csv(report)?,
        Format::Xlsx => xlsx(report)?,
    };
    Ok(Rendered {
        bytes,
        content_type: format.content_type(),
        file_name: format!("nyttoanalys-{}.{}", report.period, format.extension()),
        format,
    })
}

/// A cell of a table, typed, so that each format writes numbers as numbers, and the
/// workbook gives each its number format.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number(f64, Num),
    /// A day: ISO text in the CSV (Swedish Excel reads it as a date), an Excel date
    /// in the workbook.
    Date(chrono::NaiveDate),
    Empty,
}

/// How a number reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    /// A whole number with thousands separators (counts, hours, kronor).
    Whole,
    /// A fixed number of decimals (scores: 1, p-values: 3, ratios: 0–2).
    Decimals(u8),
    /// A share of 0–1, shown as a percentage (the CSV writes 0–100).
    Share,
}

impl Num {
    /// The workbook's number format.
    pub(crate) fn excel_format(self) -> &'static str {
        match self {
            Self::Whole | Self::Decimals(0) => "#,##0",
            Self::Decimals(1) => "#,##0.0",
            Self::Decimals(2) => "#,##0.00",
            Self::Decimals(_) => "0.000",
            Self::Share => "0 %",
        }
    }
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn whole(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, |v| Cell::Number(v.round(), Num::Whole))
}

/// Rounded to `decimals` places, so exports show what the page shows.
fn rounded(value: Option<f64>, decimals: u8) -> Cell {
    let factor = 10f64.powi(i32::from(decimals));
    value.map_or(Cell::Empty, |v| {
        Cell::Number((v * factor).round() / factor, Num::Decimals(decimals))
    })
}

/// Money as every format shows it: three significant digits, whole thousands of kronor.
fn money(sek: Option<f64>) -> Cell {
    sek.map_or(Cell::Empty, |v| {
        Cell::Number(numbers::round_money(v), Num::Whole)
    })
}

/// Hours rest on the same answers as the money: three significant digits.
fn hours(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, |v| {
        if v == 0.0 || !v.is_finite() {
            return Cell::Number(0.0, Num::Whole);
        }
        let unit = 10f64.powi(v.abs().log10().floor() as i32 - 2).max(1.0);
        Cell::Number((v / unit).round() * unit, Num::Whole)
    })
}

/// A ratio to two significant digits, as `numbers::ratio` writes it.
fn ratio(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, |v| {
        let decimals = if v == 0.0 || !v.is_finite() {
            0
        } else {
            (1 - v.abs().log10().floor() as i32).clamp(0, 2) as u8
        };
        let factor = 10f64.powi(i32::from(decimals));
        Cell::Number((v * factor).round() / factor, Num::Decimals(decimals))
    })
}

fn share(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, |v| Cell::Number(v, Num::Share))
}

pub(crate) fn status_text(status: LineStatus) -> &'static str {
    match status {
        LineStatus::Shown => "Resultat",
        LineStatus::TooFewAnswers => "För få svar",
        LineStatus::NoRound => "Ingen omgång",
    }
}

type Column = (&'static str, fn(&ServiceLine) -> Cell);

/// A table's columns: each header with the cell it takes from a row's item.
pub(crate) type Columns<T> = &'static [(&'static str, fn(&T) -> Cell)];

/// A table's header and rows.
pub(crate) fn table<'a, T: 'a>(
    columns: Columns<T>,
    items: impl IntoIterator<Item = &'a T>,
) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    (
        columns.iter().map(|(header, _)| *header).collect(),
        items
            .into_iter()
            .map(|item| columns.iter().map(|(_, cell)| cell(item)).collect())
            .collect(),
    )
}

fn low(ci: Option<(f64, f64)>) -> Option<f64> {
    ci.map(|c| c.0)
}

fn high(ci: Option<(f64, f64)>) -> Option<f64> {
    ci.map(|c| c.1)
}

/// The services table, column by column: the same in CSV and XLSX (the HTML page shows
/// fewer). Money in kronor rounded to three significant digits; time freed is
/// omfördelningsnytta (redistribution, not cash).
pub(crate) const SERVICE_COLUMNS: [Column; 34] = [
    ("Rang", |l| whole(l.rank.map(f64::from))),
    ("Tjänst", |l| text(&l.name)),
    ("Objektägare", |l| {
        text(l.owner.clone().unwrap_or_default())
    }),
    ("Förvaltning", |l| {
        text(l.department.clone().unwrap_or_default())
    }),
    ("Användare", |l| whole(Some(f64::from(l.users)))),
    ("Status", |l| text(status_text(l.status))),
    ("Omgång", |l| text(l.round.clone().unwrap_or_default())),
    ("Inbjudna", |l| whole(l.invited.map(|n| n as f64))),
    ("Svar", |l| whole(l.answered.map(|n| n as f64))),
    ("Svarsfrekvens (%)", |l| share(l.response_rate)),
    ("SUS", |l| rounded(l.sus.map(|s| s.mean), 1)),
    ("SUS 95 % KI låg", |l| {
        rounded(l.sus.and_then(|s| low(s.ci)), 1)
    }),
    ("SUS 95 % KI hög", |l| {
        rounded(l.sus.and_then(|s| high(s.ci)), 1)
    }),
    ("UMUX-Lite", |l| rounded(l.umux_lite.map(|s| s.mean), 1)),
    ("Nyttoindex", |l| rounded(l.nyttoindex.map(|s| s.mean), 1)),
    ("Nyttoindex 95 % KI låg", |l| {
        rounded(l.nyttoindex.and_then(|s| low(s.ci)), 1)
    }),
    ("Nyttoindex 95 % KI hög", |l| {
        rounded(l.nyttoindex.and_then(|s| high(s.ci)), 1)
    }),
    ("NPS", |l| rounded(l.nps.map(|s| s.mean), 0)),
    ("Tidsvinst (min/vecka)", |l| {
        rounded(l.tidsvinst.map(|s| s.mean), 1)
    }),
    ("Tidsvinst 95 % KI låg", |l| {
        rounded(l.tidsvinst.and_then(|s| low(s.ci)), 1)
    }),
    ("Tidsvinst 95 % KI hög", |l| {
        rounded(l.tidsvinst.and_then(|s| high(s.ci)), 1)
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
    ("Nyttoindex-förändring p", |l| {
        rounded(l.nyttoindex_change.map(|c| c.p), 3)
    }),
    ("Frigjorda timmar per år", |l| {
        hours(l.nyttokalkyl.map(|k| k.annual_hours))
    }),
    ("Omfördelningsnytta per år (kr)", |l| {
        money(l.nyttokalkyl.map(|k| k.value_sek))
    }),
    ("Omfördelningsnytta 95 % KI låg (kr)", |l| {
        money(l.nyttokalkyl.and_then(|k| low(k.value_ci_sek)))
    }),
    ("Omfördelningsnytta 95 % KI hög (kr)", |l| {
        money(l.nyttokalkyl.and_then(|k| high(k.value_ci_sek)))
    }),
    ("Kostnad per år (kr)", |l| {
        money(Some(l.annual_cost_sek as f64))
    }),
    ("Nytta/kostnad", |l| {
        ratio(l.nyttokalkyl.and_then(|k| k.benefit_cost_ratio))
    }),
    ("Nytta/kostnad 95 % KI låg", |l| {
        ratio(l.nyttokalkyl.and_then(|k| low(k.benefit_cost_ci)))
    }),
    ("Nytta/kostnad 95 % KI hög", |l| {
        ratio(l.nyttokalkyl.and_then(|k| high(k.benefit_cost_ci)))
    }),
    ("Flaggor", |l| {
        text(
            l.flags
                .iter()
                .map(|f| wording::flag(*f, Language::Sv))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }),
];
