//! CSV as Swedish Excel opens it: UTF-8 with a byte-order mark, `;` between fields, a
//! decimal comma. A text cell that a spreadsheet would take for a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so a service named
//! `=HYPERLINK(…)` stays text (OWASP's advice on CSV injection). The ranked services come
//! first; when the period has insatser, their three tables follow, each under a row with
//! its title (a spreadsheet shows them one below the other).

use super::{
    Cell, Num, SERVICE_COLUMNS,
    insatser::{DECIDED_COLUMNS, PROPOSAL_COLUMNS, REALISATION_COLUMNS, table},
};
use crate::{domain::Error, stats::nyttoanalys::Nyttoanalys};

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
        Cell::Empty => String::new(),
    }
}

/// The ranked services, one row each, then the insatser's tables.
pub fn csv(report: &Nyttoanalys) -> Result<Vec<u8>, Error> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_writer(&mut bytes);
        writer
            .write_record(SERVICE_COLUMNS.iter().map(|(header, _)| *header))
            .map_err(Error::internal)?;
        for line in &report.services {
            writer
                .write_record(SERVICE_COLUMNS.iter().map(|(_, cell)| field(&cell(line))))
                .map_err(Error::internal)?;
        }
        if let Some(section) = report.insatser.as_ref().filter(|s| !s.is_empty()) {
            let period = &report.period;
            for (title, (headers, rows)) in [
                (
                    format!("Insatser beslutade {period}"),
                    table(DECIDED_COLUMNS, &section.decided),
                ),
                (
                    format!("Nyttorealisering {period}"),
                    table(REALISATION_COLUMNS, &section.realisation),
                ),
                (
                    "Insatser att pröva: nyttan realiseras inte".to_owned(),
                    table(PROPOSAL_COLUMNS, &section.proposals),
                ),
            ] {
                writer
                    .write_record([neutralised(&title)])
                    .map_err(Error::internal)?;
                writer.write_record(&headers).map_err(Error::internal)?;
                for row in rows {
                    writer
                        .write_record(row.iter().map(field))
                        .map_err(Error::internal)?;
                }
            }
        }
        writer.flush().map_err(Error::internal)?;
    }
    Ok(bytes)
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
}
