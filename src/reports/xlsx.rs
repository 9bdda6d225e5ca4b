//! XLSX (rust_xlsxwriter), a workbook an analyst hands on without reformatting: "Om
//! rapporten" (title, period, method, thresholds and assumptions), "Översikt" with every
//! service ranked, "Förvaltningar" and "Objektägare" with the groups, "Förslag" with the
//! proposals per service, then (when the period has insatser) "Insatser",
//! "Nyttorealisering" and "Insatser att pröva", "Åtgärder" (when a service has an
//! action) and "Öppen länk" (when a round's open-link answers were enough), then one
//! sheet per förvaltning. Every number carries a number format (thousands separators,
//! one decimal for scores, shares as percentages), every day is an Excel date, columns
//! are as wide as their content, headers (and the service name) stay in view, and every
//! table has a filter. Sheet names are made valid for any name an admin can save.

use std::collections::HashMap;

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::{
    Cell, Num, SERVICE_COLUMNS,
    closing_loop::{ACTION_COLUMNS, OPEN_LINK_COLUMNS, action_rows, open_link_lines},
    html::word,
    insatser::{DECIDED_COLUMNS, PROPOSAL_COLUMNS, REALISATION_COLUMNS},
    table,
};
use crate::{
    domain::{Error, Language},
    stats::nyttoanalys::{GroupLine, InsatsRule, Nyttoanalys, ProposalRule, ServiceLine},
    wording,
};

/// Excel's limit on a sheet name, in UTF-16 code units (an emoji counts two).
const SHEET_NAME_UNITS: usize = 31;
/// Column widths, in characters.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;

/// The width a cell's text takes, roughly in characters.
fn display_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(text) => text.chars().count(),
        Cell::Number(value, num) => {
            let decimals = match num {
                Num::Decimals(d) => usize::from(*d),
                Num::Whole | Num::Share => 0,
            };
            let shown = if *num == Num::Share {
                100.0 * value
            } else {
                *value
            };
            crate::numbers::number(shown, decimals, Language::En)
                .chars()
                .count()
                + if *num == Num::Share { 2 } else { 0 }
        }
        Cell::Date(_) => "2026-12-31".len(),
        Cell::Empty => 0,
    }
}

/// Each column as wide as its longest cell and its header's longest word (the header
/// wraps), within bounds.
fn column_widths(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<usize> {
    headers
        .iter()
        .enumerate()
        .map(|(col, header)| {
            let header = header
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            let cells = rows
                .iter()
                .filter_map(|row| row.get(col))
                .map(display_width)
                .max()
                .unwrap_or(0);
            header.max(cells).clamp(MIN_WIDTH, MAX_WIDTH) + 2
        })
        .collect()
}

/// Writes cells with their formats: each number with its number format, each day as an
/// Excel date (ISO order, as the CSV writes it), long text wrapped.
struct CellWriter {
    numbers: HashMap<Num, Format>,
    date: Format,
    wrap: Format,
}

impl Default for CellWriter {
    fn default() -> Self {
        Self {
            numbers: HashMap::new(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

impl CellWriter {
    fn write(
        &mut self,
        sheet: &mut Worksheet,
        row: u32,
        col: u16,
        cell: &Cell,
    ) -> Result<(), XlsxError> {
        use chrono::Datelike;
        match cell {
            Cell::Text(text) if text.chars().count() > MAX_WIDTH => {
                sheet.write_string_with_format(row, col, text, &self.wrap)?;
            }
            Cell::Text(text) => {
                sheet.write_string(row, col, text)?;
            }
            Cell::Number(value, num) => {
                let format = self
                    .numbers
                    .entry(*num)
                    .or_insert_with(|| Format::new().set_num_format(num.excel_format()));
                sheet.write_number_with_format(row, col, *value, format)?;
            }
            Cell::Date(day) => {
                // Excel has no day before 1900 or after 9999: such a day stays text.
                let excel = u16::try_from(day.year()).ok().and_then(|y| {
                    ExcelDateTime::from_ymd(y, day.month() as u8, day.day() as u8).ok()
                });
                match excel {
                    Some(excel) => {
                        sheet.write_datetime_with_format(row, col, &excel, &self.date)?;
                    }
                    None => {
                        sheet.write_string(row, col, day.to_string())?;
                    }
                }
            }
            Cell::Empty => {}
        }
        Ok(())
    }
}

/// Writes a table with its header at row 0, frozen above `frozen_columns` columns, with a
/// filter.
fn write_table(
    sheet: &mut Worksheet,
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
    frozen_columns: u16,
) -> Result<(), XlsxError> {
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let mut cells = CellWriter::default();
    let widths = column_widths(headers, &rows);
    for (col, (title, width)) in headers.iter().zip(&widths).enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &header)?;
        sheet.set_column_width(col as u16, *width as f64)?;
    }
    for (row, line) in rows.iter().enumerate() {
        for (col, cell) in line.iter().enumerate() {
            cells.write(sheet, row as u32 + 1, col as u16, cell)?;
        }
    }
    sheet.set_freeze_panes(1, frozen_columns)?;
    sheet.autofilter(
        0,
        0,
        rows.len() as u32,
        headers.len().saturating_sub(1) as u16,
    )?;
    Ok(())
}

fn services_sheet<'a>(
    workbook: &mut Workbook,
    name: &str,
    lines: impl Iterator<Item = &'a ServiceLine>,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let headers: Vec<&str> = SERVICE_COLUMNS.iter().map(|(h, _)| *h).collect();
    let rows = lines
        .map(|line| SERVICE_COLUMNS.iter().map(|(_, cell)| cell(line)).collect())
        .collect();
    // Rank and service name stay in view while scrolling right.
    write_table(sheet, &headers, rows, 2)
}

fn groups_sheet(
    workbook: &mut Workbook,
    name: &str,
    groups: &[GroupLine],
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let count = |n: usize| Cell::Number(n as f64, Num::Whole);
    let score = |v: Option<f64>| {
        v.map_or(Cell::Empty, |v| {
            Cell::Number((v * 10.0).round() / 10.0, Num::Decimals(1))
        })
    };
    let money = |sek: f64| Cell::Number(crate::numbers::round_money(sek), Num::Whole);
    write_table(
        sheet,
        &[
            "Namn",
            "Tjänster",
            "Med resultat",
            "Svar",
            "SUS (viktat)",
            "Nyttoindex (viktat)",
            "Omfördelningsnytta per år (kr)",
            "Kostnad per år (kr)",
            "Flaggade tjänster",
        ],
        groups
            .iter()
            .map(|g| {
                vec![
                    Cell::Text(group_name(g).to_owned()),
                    count(g.services),
                    count(g.services_shown),
                    count(g.answers),
                    score(g.sus),
                    score(g.nyttoindex),
                    money(g.value_sek),
                    money(g.annual_cost_sek as f64),
                    count(g.flagged),
                ]
            })
            .collect(),
        1,
    )
}

fn group_name(group: &GroupLine) -> &str {
    group
        .name
        .as_deref()
        .unwrap_or_else(|| wording::no_group(Language::Sv))
}

fn proposals_sheet(workbook: &mut Workbook, report: &Nyttoanalys) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("Förslag")?;
    write_table(
        sheet,
        &["Tjänst", "Objektägare", "Förslag", "Underlag"],
        report
            .proposals
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.service.clone()),
                    Cell::Text(p.owner.clone().unwrap_or_default()),
                    Cell::Text(wording::rule(p.rule, Language::Sv).to_owned()),
                    Cell::Text(wording::evidence(&p.evidence, Language::Sv)),
                ]
            })
            .collect(),
        1,
    )
}

/// The first sheet: what the workbook is, its period and how its figures were made.
fn about_sheet(workbook: &mut Workbook, report: &Nyttoanalys) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("Om rapporten")?;
    let title = Format::new().set_bold().set_font_size(16);
    let bold = Format::new().set_bold().set_align(FormatAlign::Top);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.set_column_width(0, 30)?;
    sheet.set_column_width(1, 100)?;
    sheet.write_string_with_format(0, 0, format!("Nyttoanalys {}", report.period), &title)?;
    let mut row = 2;
    let mut fact = |sheet: &mut Worksheet, label: &str, value: &str| -> Result<(), XlsxError> {
        sheet.write_string_with_format(row, 0, label, &bold)?;
        sheet.write_string_with_format(row, 1, value, &wrap)?;
        row += 1;
        Ok(())
    };
    let totals = &report.totals;
    fact(sheet, "Period", &report.period)?;
    fact(
        sheet,
        "Tjänster",
        &format!(
            "{} ({} med resultat, {} med för få svar, {} utan omgång)",
            totals.services, totals.shown, totals.too_few_answers, totals.no_round
        ),
    )?;
    fact(
        sheet,
        "Minsta antal svar per grupp",
        &report.min_group_size.to_string(),
    )?;
    fact(
        sheet,
        "Arbetsveckor per år",
        &report.working_weeks.to_string(),
    )?;
    fact(
        sheet,
        "Timkostnad",
        &format!(
            "{} kr",
            crate::numbers::number(report.hourly_cost_sek, 0, Language::Sv)
        ),
    )?;
    fact(
        sheet,
        "Signifikansnivå",
        &format!(
            "p < {} (Welchs t-test)",
            wording::significance_level(Language::Sv)
        ),
    )?;
    fact(
        sheet,
        "Flaggor",
        "SUS under 50; signifikant nedgång med minst 5 poäng i SUS eller nyttoindex; svarsfrekvens under 20 %; nytta/kostnad under 1",
    )?;
    for point in super::html::method_points(report, Language::Sv) {
        fact(sheet, "Metod", &point)?;
    }
    for rule in InsatsRule::ALL {
        fact(
            sheet,
            &format!("Förslag: {}", wording::insats_rule(rule, Language::Sv)),
            &format!(
                "Föreslås när {}. Tyst när {}.",
                wording::insats_rule_applies_when(rule, Language::Sv),
                wording::insats_rule_silent_when(rule, Language::Sv)
            ),
        )?;
    }
    for rule in ProposalRule::ALL {
        fact(
            sheet,
            &format!("Förslag: {}", wording::rule(rule, Language::Sv)),
            &format!(
                "Föreslås när {}. Tyst när {}.",
                wording::rule_applies_when(rule, Language::Sv),
                wording::rule_silent_when(rule, Language::Sv)
            ),
        )?;
    }
    fact(
        sheet,
        "Bladen",
        "Översikt: alla tjänster i rangordning. Förvaltningar och Objektägare: SUS och nyttoindex viktade efter antal svar. Förslag: per tjänst med underlag. Insatser, Nyttorealisering och Insatser att pröva (när perioden har insatser): beslutade insatser med sin beslutade nyttokalkyl, den uppmätta nyttan per omgång efter driftstart (för få svar visas som status, aldrig som siffra) och insatser vars nytta inte realiseras. Åtgärder (när någon tjänst har en åtgärd): objektägarnas åtgärder per tjänst, ni sa – vi gör. Öppen länk (när en omgång fick tillräckligt många svar via sin öppna länk): de svarens siffror, för få svar visas som text, aldrig som siffra. Därefter ett blad per förvaltning.",
    )?;
    fact(
        sheet,
        word("results_without_action"),
        &report.actions.results_without_action.to_string(),
    )?;
    if open_link_lines(report).next().is_some() {
        fact(sheet, word("open_links"), word("open_links_note"))?;
    }
    Ok(())
}

/// The actions, one row each, and under them the count of services with results but
/// none.
fn actions_sheet(workbook: &mut Workbook, report: &Nyttoanalys) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(CLOSING_LOOP_SHEETS[0])?;
    let rows = action_rows(report);
    let (headers, cells) = table(ACTION_COLUMNS, &rows);
    let below = cells.len() as u32 + 2;
    write_table(sheet, &headers, cells, 2)?;
    // The count first, so that its label runs on over the empty cells to its right.
    CellWriter::default().write(
        sheet,
        below,
        0,
        &Cell::Number(report.actions.results_without_action as f64, Num::Whole),
    )?;
    sheet.write_string(below, 1, word("results_without_action"))?;
    Ok(())
}

/// The open-link answers' figures, and under them what an open link cannot promise.
fn open_links_sheet(workbook: &mut Workbook, report: &Nyttoanalys) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(CLOSING_LOOP_SHEETS[1])?;
    let (headers, cells) = table(OPEN_LINK_COLUMNS, open_link_lines(report));
    let below = cells.len() as u32 + 2;
    write_table(sheet, &headers, cells, 1)?;
    sheet.write_string(below, 0, word("open_links_note"))?;
    Ok(())
}

/// `text` cut to at most `units` UTF-16 code units at a word boundary (or, for a single
/// overlong word, at a character), marked with an ellipsis when cut.
fn shortened(text: &str, units: usize) -> String {
    let len = |s: &str| s.encode_utf16().count();
    if len(text) <= units {
        return text.to_owned();
    }
    let room = units - 1;
    let mut kept = String::new();
    for word in text.split(' ') {
        let candidate = if kept.is_empty() {
            word.to_owned()
        } else {
            format!("{kept} {word}")
        };
        if len(&candidate) > room {
            break;
        }
        kept = candidate;
    }
    if kept.is_empty() {
        for c in text.chars() {
            if len(&kept) + c.len_utf16() > room {
                break;
            }
            kept.push(c);
        }
    }
    format!("{}…", trimmed(&kept))
}

/// Without the spaces and apostrophes Excel refuses at either end.
fn trimmed(text: &str) -> &str {
    text.trim_matches(|c: char| c == '\'' || c.is_whitespace())
}

/// A sheet name Excel accepts for any förvaltning name: `[]:*?/\` and control characters
/// become spaces, no `'` at either end, at most 31 UTF-16 units (cut between words), not
/// Excel's reserved "History", and unique without regard to case.
fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let spaced: String = wanted
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean = trimmed(&words);
    let clean = if clean.is_empty() || clean.eq_ignore_ascii_case("history") {
        format!("Förvaltning {clean}").trim().to_owned()
    } else {
        clean.to_owned()
    };
    let is_taken = |name: &str, taken: &[String]| {
        taken
            .iter()
            .any(|t| t.to_lowercase() == name.to_lowercase())
    };
    let mut name = shortened(&clean, SHEET_NAME_UNITS);
    let mut n = 2;
    while is_taken(&name, taken) {
        let suffix = format!(" ({n})");
        let base = shortened(&clean, SHEET_NAME_UNITS - suffix.len());
        name = format!("{base}{suffix}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// The Insatser section's sheets: decided this period, realisation, reviews proposed.
const INSATSER_SHEETS: [&str; 3] = ["Insatser", "Nyttorealisering", "Insatser att pröva"];

/// The actions and the open-link answers (SPEC "Closing the loop").
const CLOSING_LOOP_SHEETS: [&str; 2] = ["Åtgärder", "Öppen länk"];

pub fn xlsx(report: &Nyttoanalys) -> Result<Vec<u8>, Error> {
    build(report).map_err(Error::internal)
}

fn build(report: &Nyttoanalys) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let mut taken = [
        "Om rapporten",
        "Översikt",
        "Förvaltningar",
        "Objektägare",
        "Förslag",
    ]
    .map(str::to_owned)
    .to_vec();
    about_sheet(&mut workbook, report)?;
    services_sheet(&mut workbook, "Översikt", report.services.iter())?;
    groups_sheet(&mut workbook, "Förvaltningar", &report.departments)?;
    groups_sheet(&mut workbook, "Objektägare", &report.owners)?;
    proposals_sheet(&mut workbook, report)?;
    if let Some(section) = report.insatser.as_ref().filter(|s| !s.is_empty()) {
        for (name, (headers, rows)) in [
            (INSATSER_SHEETS[0], table(DECIDED_COLUMNS, &section.decided)),
            (
                INSATSER_SHEETS[1],
                table(REALISATION_COLUMNS, &section.realisation),
            ),
            (
                INSATSER_SHEETS[2],
                table(PROPOSAL_COLUMNS, &section.proposals),
            ),
        ] {
            let sheet = workbook.add_worksheet();
            sheet.set_name(name)?;
            write_table(sheet, &headers, rows, 1)?;
        }
        taken.extend(INSATSER_SHEETS.map(str::to_owned));
    }
    if !report.actions.services.is_empty() {
        actions_sheet(&mut workbook, report)?;
        taken.push(CLOSING_LOOP_SHEETS[0].to_owned());
    }
    if open_link_lines(report).next().is_some() {
        open_links_sheet(&mut workbook, report)?;
        taken.push(CLOSING_LOOP_SHEETS[1].to_owned());
    }
    for department in &report.departments {
        let name = sheet_name(group_name(department), &mut taken);
        services_sheet(
            &mut workbook,
            &name,
            report
                .services
                .iter()
                .filter(|l| l.department_id == department.id),
        )?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::stats::nyttoanalys::sample_report;

    #[test]
    fn sheet_names_are_cleaned_shortened_between_words_and_unique() {
        let mut taken = vec!["Översikt".to_owned()];
        assert_eq!(
            sheet_name("Barn/Utbildning [BUF]", &mut taken),
            "Barn Utbildning BUF"
        );
        let long = "Vård- och omsorgsförvaltningen i kommunen";
        let first = sheet_name(long, &mut taken);
        assert_eq!(first, "Vård- och omsorgsförvaltningen…");
        let second = sheet_name(long, &mut taken);
        assert_eq!(second, "Vård- och… (2)");
        // Excel compares sheet names without case, Swedish letters included.
        assert_eq!(sheet_name("översikt", &mut taken), "översikt (2)");
        assert_eq!(sheet_name("'Kultur'", &mut taken), "Kultur");
        assert_eq!(sheet_name("''", &mut taken), "Förvaltning");
        assert_eq!(sheet_name("History", &mut taken), "Förvaltning History");
        // Fifteen emoji are thirty UTF-16 units; with a word before them, too many.
        let emoji = format!("Skola {}", "🎒".repeat(15));
        let name = sheet_name(&emoji, &mut taken);
        assert!(name.encode_utf16().count() <= 31, "{name}");
        assert_eq!(name, "Skola…");
    }

    /// The first row of a sheet: its headers.
    fn headers(range: &calamine::Range<Data>) -> Vec<String> {
        range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    /// The number format of a cell, as Excel reads it.
    fn number_format(styles: &calamine::StyleRange, at: (u32, u32)) -> Option<String> {
        styles
            .get(at)
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
    }

    /// A sheet's text, a line per row, its cells joined by spaces.
    fn text_of(range: &calamine::Range<Data>) -> String {
        let lines: Vec<String> = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        lines.join("\n")
    }

    /// A report whose förvaltningar carry every name an attacker might save.
    fn hostile() -> Nyttoanalys {
        let mut report = sample_report();
        let names = [
            "'Skolförvaltningen",
            "Kommunledningskontoret'",
            "[Bygg]: *plan*? / \\ miljö",
            "🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫 skola",
            "Vård- och omsorgsförvaltningen i kommunen",
            "Vård- och omsorgsförvaltningen i kommunen, norra",
        ];
        let template = report.departments[0].clone();
        report.departments = names
            .iter()
            .enumerate()
            .map(|(i, name)| crate::stats::nyttoanalys::GroupLine {
                id: Some(100 + i as i32),
                name: Some((*name).to_owned()),
                ..template.clone()
            })
            .collect();
        report
    }

    #[test]
    fn any_department_name_gives_a_workbook_with_formats_and_valid_sheet_names() {
        let bytes = xlsx(&hostile()).expect("a workbook for any name");
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let names = workbook.sheet_names();
        assert_eq!(
            names[..5],
            [
                "Om rapporten",
                "Översikt",
                "Förvaltningar",
                "Objektägare",
                "Förslag"
            ]
        );
        assert_eq!(
            names[5..],
            [
                "Skolförvaltningen",
                "Kommunledningskontoret",
                "Bygg plan miljö",
                "🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫🏫…",
                "Vård- och omsorgsförvaltningen…",
                "Vård- och… (2)",
            ]
        );
        for name in &names {
            assert!(name.encode_utf16().count() <= 31, "{name}");
        }

        let about = workbook.worksheet_range("Om rapporten").unwrap();
        assert_eq!(
            about.get_value((0, 0)),
            Some(&Data::String("Nyttoanalys 2026-Q4".into()))
        );
        let text = text_of(&about);
        assert!(text.contains("Arbetsveckor per år 44"), "{text}");
        assert!(text.contains("Timkostnad 450 kr"), "{text}");
        assert!(text.contains("p < 0,05"), "{text}");
        assert!(text.contains("omfördelningsnytta"), "{text}");

        let overview = workbook.worksheet_range("Översikt").unwrap();
        let header = headers(&overview);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
        // Lön is first: 20 of 40 (50 %), SUS 70.0, 9,900,000 SEK (8,360,000–11,400,000),
        // ratio 99 (84–114).
        let value = |c: &str| overview.get_value((1, col(c))).cloned();
        assert_eq!(value("Tjänst"), Some(Data::String("Lön".into())));
        assert_eq!(value("Svarsfrekvens (%)"), Some(Data::Float(0.5)));
        assert_eq!(value("SUS"), Some(Data::Float(70.0)));
        assert_eq!(
            value("Omfördelningsnytta per år (kr)"),
            Some(Data::Float(9_900_000.0))
        );
        assert_eq!(
            value("Omfördelningsnytta 95 % KI låg (kr)"),
            Some(Data::Float(8_360_000.0))
        );
        assert_eq!(
            value("Omfördelningsnytta 95 % KI hög (kr)"),
            Some(Data::Float(11_400_000.0))
        );
        assert_eq!(value("Nytta/kostnad 95 % KI låg"), Some(Data::Float(84.0)));
        assert_eq!(
            value("Frigjorda timmar per år"),
            Some(Data::Float(22_000.0))
        );

        let styles = workbook.worksheet_style("Översikt").unwrap();
        let format = |c: &str| number_format(&styles, (1, col(c)));
        assert_eq!(format("Svarsfrekvens (%)").as_deref(), Some("0 %"));
        assert_eq!(format("SUS").as_deref(), Some("#,##0.0"));
        assert_eq!(
            format("Omfördelningsnytta per år (kr)").as_deref(),
            Some("#,##0")
        );
        assert_eq!(format("Användare").as_deref(), Some("#,##0"));
        assert_eq!(format("SUS-förändring p").as_deref(), Some("0.000"));
    }

    #[test]
    fn actions_and_open_link_answers_have_sheets_with_dates_and_number_formats() {
        let report = super::super::closing_loop::tests::report_with_actions_and_open_links();
        let mut workbook: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(xlsx(&report).unwrap())).unwrap();
        let names = workbook.sheet_names();
        assert_eq!(names[5..7], ["Åtgärder", "Öppen länk"]);

        let string = |s: &str| Some(Data::String(s.into()));
        let actions = workbook.worksheet_range("Åtgärder").unwrap();
        let header = headers(&actions);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
        let value = |row: u32, c: &str| actions.get_value((row, col(c))).cloned();
        // A cell is text, never a formula: the title stays as written.
        assert_eq!(value(1, "Åtgärd"), string("=Färre fält i ansökan"));
        assert_eq!(value(1, "Status"), string("planerad"));
        assert_eq!(value(1, "Omgång"), string("2026-Q4"));
        assert_eq!(value(1, "Fråga"), string("sus3"));
        assert_eq!(value(1, "Publicerad"), string("nej"));
        assert_eq!(value(1, "Klar den"), Some(Data::Empty));
        assert_eq!(value(2, "Åtgärd"), string("Snabbare inloggning"));
        assert_eq!(value(2, "Publicerad"), string("ja"));
        // Real dates: Excel's serial day numbers of 31 March 2027 and 1 December 2026
        // (days since 30 December 1899).
        let serial = |row: u32, c: &str| match value(row, c) {
            Some(Data::DateTime(day)) => day.as_f64(),
            other => panic!("{c}: {other:?}"),
        };
        assert_eq!(serial(1, "Klar senast"), 46_477.0);
        assert_eq!(serial(2, "Klar den"), 46_357.0);
        // Under the table, after an empty row: 5 services with results − Lön = 4.
        assert_eq!(actions.get_value((4, 0)), Some(&Data::Float(4.0)));
        assert_eq!(
            actions.get_value((4, 1)),
            string("Tjänster med resultat denna period men ingen åtgärd").as_ref()
        );
        let styles = workbook.worksheet_style("Åtgärder").unwrap();
        let format = |row: u32, c: u32| number_format(&styles, (row, c));
        assert_eq!(format(1, col("Klar senast")).as_deref(), Some("yyyy-mm-dd"));
        assert_eq!(format(4, 0).as_deref(), Some("#,##0"));

        let open = workbook.worksheet_range("Öppen länk").unwrap();
        let header = headers(&open);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
        let value = |c: &str| open.get_value((1, col(c))).cloned();
        assert_eq!(value("Tjänst"), string("Lön"));
        // 75.5556 to one decimal, as the page; 60.04–91.07 likewise.
        assert_eq!(value("Nyttoindex"), Some(Data::Float(75.6)));
        assert_eq!(value("Nyttoindex 95 % KI låg"), Some(Data::Float(60.0)));
        assert_eq!(value("Nyttoindex 95 % KI hög"), Some(Data::Float(91.1)));
        assert_eq!(value("Svar (nyttoindex)"), Some(Data::Float(5.0)));
        assert_eq!(value("Tidsvinst (min/vecka)"), Some(Data::Float(18.0)));
        // SUS from 3 answers: the words, no number.
        assert_eq!(value("SUS"), string("För få svar"));
        for c in ["Svar (SUS)", "SUS 95 % KI låg", "SUS 95 % KI hög"] {
            assert_eq!(value(c), Some(Data::Empty), "{c}");
        }
        assert_eq!(open.height(), 4, "the header, Lön, an empty row, the note");
        let note = open.get_value((3, 0)).unwrap().to_string();
        assert!(note.contains("det är svar, inte personer"), "{note}");
        let styles = workbook.worksheet_style("Öppen länk").unwrap();
        let format = |c: &str| number_format(&styles, (1, col(c)));
        assert_eq!(format("Nyttoindex").as_deref(), Some("#,##0.0"));
        assert_eq!(format("Svar (nyttoindex)").as_deref(), Some("#,##0"));
        assert_eq!(format("Tidsvinst (min/vecka)").as_deref(), Some("#,##0.0"));

        let about = workbook.worksheet_range("Om rapporten").unwrap();
        let text = text_of(&about);
        assert!(
            text.contains("Tjänster med resultat denna period men ingen åtgärd 4"),
            "{text}"
        );
        assert!(text.contains("Åtgärder (när någon tjänst"), "{text}");
        assert!(text.contains("Öppen länk (när en omgång"), "{text}");
        assert!(text.contains("Svar via öppen länk"), "{text}");
    }

    #[test]
    fn columns_are_as_wide_as_their_content() {
        let rows = vec![vec![
            Cell::Text("Ett mycket långt tjänstenamn som inte får kapas".into()),
            Cell::Number(9_900_000.0, Num::Whole),
        ]];
        let widths = column_widths(&["Tjänst", "Värde"], &rows);
        // 47 characters and "9,900,000" (9), each with a margin of 2.
        assert_eq!(widths, [49, 11]);
    }
}
