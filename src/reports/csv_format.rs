//! CSV as Swedish Excel opens it: UTF-8 with a byte-order mark, `;` between fields, a
//! decimal comma. A text cell that a spreadsheet would take for a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so a service named
//! `=HYPERLINK(…)` stays text (OWASP's advice on CSV injection).

use super::{Cell, Num, SERVICE_COLUMNS};
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

/// The ranked services, one row each.
pub fn csv(report: &Nyttoanalys) -> Result<Vec<u8>, Error> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut bytes);
        writer
            .write_record(SERVICE_COLUMNS.iter().map(|(header, _)| *header))
            .map_err(Error::internal)?;
        for line in &report.services {
            writer
                .write_record(SERVICE_COLUMNS.iter().map(|(_, cell)| field(&cell(line))))
                .map_err(Error::internal)?;
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
