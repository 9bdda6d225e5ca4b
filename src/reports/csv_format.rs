//! CSV as Swedish Excel opens it: UTF-8 with a byte-order mark, `;` between fields, a
//! decimal comma. A text cell that a spreadsheet would take for a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so a service named
//! `=HYPERLINK(…)` stays text (OWASP's advice on CSV injection). The ranked services come
//! first; when the period has insatser, their three tables follow, each under a row with
//! its title (a spreadsheet shows them one below the other); then, when any service has
//! an action, the actions with the count of services with results but none, and when any
//! round had open-link answers enough, their figures with what they cannot promise.

use super::{
    Cell, Num, SERVICE_COLUMNS,
    closing_loop::{ACTION_COLUMNS, OPEN_LINK_COLUMNS, action_rows, open_link_lines},
    html::word,
    insatser::{DECIDED_COLUMNS, PROPOSAL_COLUMNS, REALISATION_COLUMNS},
    table,
};
use crate::{domain::Error, stats::nyttoanalys::Nyttoanalys};

type Writer<'a> = csv::Writer<&'a mut Vec<u8>>;

/// A table under its title (and the lines that say how to read it).
fn titled(
    writer: &mut Writer,
    title: &[&str],
    (headers, rows): (Vec<&str>, Vec<Vec<Cell>>),
) -> Result<(), csv::Error> {
    for line in title {
        writer.write_record([neutralised(line)])?;
    }
    writer.write_record(&headers)?;
    for row in rows {
        writer.write_record(row.iter().map(field))?;
    }
    Ok(())
}

fn neutralised(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => neutralised(text),
        // Excel in Swedish reads `-12,5`; no thousands separator. A share is written
        // as a percentage, as its header says.
        Cell::Number(value, Num::Share) => ((1000.0 * value).round() / 10.0)
            .to_string()
            .replace('.', ","),
        Cell::Number(value, _) => value.to_string().replace('.', ","),
        Cell::Date(day) => day.to_string(),
        Cell::Empty => String::new(),
    }
}

/// The ranked services, one row each, then the insatser's, the actions' and the open
/// links' tables.
pub fn csv(report: &Nyttoanalys) -> Result<Vec<u8>, Error> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    write(report, &mut bytes).map_err(Error::internal)?;
    Ok(bytes)
}

fn write(report: &Nyttoanalys, bytes: &mut Vec<u8>) -> Result<(), csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_writer(bytes);
    writer.write_record(SERVICE_COLUMNS.iter().map(|(header, _)| *header))?;
    for line in &report.services {
        writer.write_record(SERVICE_COLUMNS.iter().map(|(_, cell)| field(&cell(line))))?;
    }
    let period = &report.period;
    if let Some(section) = report.insatser.as_ref().filter(|s| !s.is_empty()) {
        titled(
            &mut writer,
            &[&format!("Insatser beslutade {period}")],
            table(DECIDED_COLUMNS, &section.decided),
        )?;
        titled(
            &mut writer,
            &[&format!("Nyttorealisering {period}")],
            table(REALISATION_COLUMNS, &section.realisation),
        )?;
        titled(
            &mut writer,
            &["Insatser att pröva: nyttan realiseras inte"],
            table(PROPOSAL_COLUMNS, &section.proposals),
        )?;
    }
    let actions = action_rows(report);
    if !actions.is_empty() {
        titled(
            &mut writer,
            &[word("actions")],
            table(ACTION_COLUMNS, &actions),
        )?;
        let without = Cell::Number(report.actions.results_without_action as f64, Num::Whole);
        writer.write_record([neutralised(word("results_without_action")), field(&without)])?;
    }
    if open_link_lines(report).next().is_some() {
        titled(
            &mut writer,
            &[
                &format!("{} {period}", word("open_links")),
                word("open_links_note"),
            ],
            table(OPEN_LINK_COLUMNS, open_link_lines(report)),
        )?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_get_a_decimal_comma() {
        assert_eq!(field(&Cell::Text("=1+1".into())), "'=1+1");
        assert_eq!(field(&Cell::Text("@SUM(A1)".into())), "'@SUM(A1)");
        assert_eq!(field(&Cell::Text("-x".into())), "'-x");
        assert_eq!(field(&Cell::Text("Lön".into())), "Lön");
        assert_eq!(field(&Cell::Number(-12.5, Num::Decimals(1))), "-12,5");
        assert_eq!(field(&Cell::Number(3.0, Num::Whole)), "3");
        assert_eq!(field(&Cell::Number(0.755, Num::Share)), "75,5");
        assert_eq!(field(&Cell::Empty), "");
    }

    /// Every record of a CSV, the byte-order mark left out.
    fn records(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .has_headers(false)
            .from_reader(&bytes[3..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn actions_and_open_link_answers_follow_the_tables_in_the_pages_words() {
        let report = super::super::closing_loop::tests::report_with_actions_and_open_links();
        let rows = records(&csv(&report).unwrap());
        let at = |title: &str| rows.iter().position(|r| r[0] == title).unwrap();

        let actions = at("Åtgärder: ni sa – vi gör");
        assert_eq!(
            rows[actions + 1],
            [
                "Tjänst",
                "Åtgärd",
                "Status",
                "Omgång",
                "Fråga",
                "Klar senast",
                "Klar den",
                "Publicerad"
            ]
        );
        // The title that starts with `=` stays text; tied to round 12 (2026-Q4) and sus3.
        assert_eq!(
            rows[actions + 2],
            [
                "Lön",
                "'=Färre fält i ansökan",
                "planerad",
                "2026-Q4",
                "sus3",
                "2027-03-31",
                "",
                "nej"
            ]
        );
        assert_eq!(
            rows[actions + 3],
            [
                "Lön",
                "Snabbare inloggning",
                "klar",
                "",
                "",
                "",
                "2026-12-01",
                "ja"
            ]
        );
        // Five services with results, one of them (Lön) with actions: 5 − 1 = 4.
        assert_eq!(
            rows[actions + 4],
            ["Tjänster med resultat denna period men ingen åtgärd", "4"]
        );

        let open = at("Svar via öppen länk 2026-Q4");
        assert!(
            rows[open + 1][0].contains("det är svar, inte personer")
                && rows[open + 1][0].contains("en gång per webbläsare"),
            "{:?}",
            rows[open + 1]
        );
        let header = &rows[open + 2];
        let lon = &rows[open + 3];
        assert_eq!(rows.len(), open + 4, "Lön only has open-link answers");
        let cell = |name: &str| lon[header.iter().position(|h| h == name).unwrap()].as_str();
        assert_eq!((cell("Tjänst"), cell("Omgång")), ("Lön", "2026-Q4"));
        // Nyttoindex 75.5556 to one decimal, as the page: 75,6 (60,04–91,07: 60,0–91,1).
        assert_eq!(cell("Svar (nyttoindex)"), "5");
        assert_eq!(cell("Nyttoindex"), "75,6");
        assert_eq!(cell("Nyttoindex 95 % KI låg"), "60");
        assert_eq!(cell("Nyttoindex 95 % KI hög"), "91,1");
        assert_eq!(cell("Tidsvinst (min/vecka)"), "18");
        assert_eq!(cell("Tidsvinst 95 % KI låg"), "");
        // SUS from 3 answers: the words, and no number anywhere in its columns.
        assert_eq!(cell("SUS"), "För få svar");
        for column in ["Svar (SUS)", "SUS 95 % KI låg", "SUS 95 % KI hög"] {
            assert_eq!(cell(column), "", "{column}");
        }
    }

    #[test]
    fn a_period_without_actions_or_open_links_has_neither_table() {
        let rows = records(&csv(&crate::stats::nyttoanalys::sample_report()).unwrap());
        // The header and the seven services.
        assert_eq!(rows.len(), 8, "{rows:?}");
    }
}
