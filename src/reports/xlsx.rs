//! XLSX (rust_xlsxwriter): "Översikt" with every service ranked, "Förvaltningar" and
//! "Objektägare" with the groups, "Förslag" with the proposals, then one sheet per
//! förvaltning with its services. Numbers are numbers; every sheet's header row is
//! frozen and bold.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{Cell, SERVICE_COLUMNS};
use crate::{
    domain::Error,
    stats::nyttoanalys::{GroupLine, Nyttoanalys, ServiceLine},
};

fn write_table(
    sheet: &mut Worksheet,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
        sheet.set_column_width(col as u16, (header.chars().count() as f64 + 2.0).max(10.0))?;
    }
    for (row, cells) in rows.enumerate() {
        let row = row as u32 + 1;
        for (col, cell) in cells.iter().enumerate() {
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(row, col as u16, text)?;
                }
                Cell::Number(value) => {
                    sheet.write_number(row, col as u16, *value)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
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
    write_table(
        sheet,
        &headers,
        lines.map(|line| SERVICE_COLUMNS.iter().map(|(_, cell)| cell(line)).collect()),
    )
}

fn groups_sheet(
    workbook: &mut Workbook,
    name: &str,
    groups: &[GroupLine],
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let round = |v: Option<f64>| v.map_or(Cell::Empty, |v| Cell::Number((v * 10.0).round() / 10.0));
    write_table(
        sheet,
        &[
            "Namn",
            "Tjänster",
            "Med resultat",
            "Svar",
            "SUS (viktat)",
            "Nyttoindex (viktat)",
            "Värde per år (kr)",
            "Kostnad per år (kr)",
            "Flaggade tjänster",
        ],
        groups.iter().map(|g| {
            vec![
                Cell::Text(g.name.clone()),
                Cell::Number(g.services as f64),
                Cell::Number(g.services_shown as f64),
                Cell::Number(g.answers as f64),
                round(g.sus),
                round(g.nyttoindex),
                Cell::Number(g.value_sek.round()),
                Cell::Number(g.annual_cost_sek as f64),
                Cell::Number(g.flagged as f64),
            ]
        }),
    )
}

/// A sheet name Excel accepts: no `[]:*?/\`, at most 31 characters, unique.
fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    let clean = if clean.trim().is_empty() {
        "Förvaltning".to_owned()
    } else {
        clean
    };
    let mut name = clean.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!(" ({n})");
        name = format!(
            "{}{suffix}",
            clean.chars().take(31 - suffix.len()).collect::<String>()
        );
        n += 1;
    }
    taken.push(name.clone());
    name
}

pub fn xlsx(report: &Nyttoanalys) -> Result<Vec<u8>, Error> {
    build(report).map_err(Error::internal)
}

fn build(report: &Nyttoanalys) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let mut taken = vec![
        "Översikt".to_owned(),
        "Förvaltningar".to_owned(),
        "Objektägare".to_owned(),
        "Förslag".to_owned(),
    ];
    services_sheet(&mut workbook, "Översikt", report.services.iter())?;
    groups_sheet(&mut workbook, "Förvaltningar", &report.departments)?;
    groups_sheet(&mut workbook, "Objektägare", &report.owners)?;
    let sheet = workbook.add_worksheet();
    sheet.set_name("Förslag")?;
    write_table(
        sheet,
        &["Tjänst", "Förslag"],
        report
            .proposals
            .iter()
            .map(|p| vec![Cell::Text(p.service.clone()), Cell::Text(p.text.clone())]),
    )?;
    for department in &report.departments {
        let name = sheet_name(&department.name, &mut taken);
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
    use super::*;

    #[test]
    fn sheet_names_are_cleaned_shortened_and_unique() {
        let mut taken = vec!["Översikt".to_owned()];
        assert_eq!(
            sheet_name("Barn/Utbildning [BUF]", &mut taken),
            "BarnUtbildning BUF"
        );
        let long = "Vård- och omsorgsförvaltningen i kommunen";
        let first = sheet_name(long, &mut taken);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(long, &mut taken);
        assert!(
            second.ends_with(" (2)") && second.chars().count() <= 31,
            "{second}"
        );
        // Excel compares sheet names without case, Swedish letters included.
        assert_eq!(sheet_name("översikt", &mut taken), "översikt (2)");
    }
}
