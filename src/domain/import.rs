//! Respondent CSV import: header row required, `,` or `;` separated, UTF-8 with or
//! without BOM, services as slugs separated by `|`. The whole file is checked before
//! anything is written, and every problem is reported with its line and column.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{FieldProblem, Language, NewRespondent, RespondentKind};

pub const COLUMNS: [&str; 6] = [
    "email",
    "name",
    "department",
    "kind",
    "language",
    "services",
];

/// One valid data row and the line it came from.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub respondent: NewRespondent,
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub dry_run: bool,
}

/// Parses and checks a whole file against the known service slugs.
pub fn parse_respondents_csv(
    bytes: &[u8],
    known_slugs: &HashSet<String>,
) -> Result<Vec<ImportRow>, Vec<FieldProblem>> {
    let problem = |line: u64, field: &str, message: String| FieldProblem {
        line: Some(line),
        field: field.to_owned(),
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![problem(
            line_of_byte(bytes, e.valid_up_to()),
            "file",
            "is not valid UTF-8: save the file as UTF-8".into(),
        )]
    })?;
    let header_line = text.lines().next().unwrap_or_default();
    if header_line.trim().is_empty() {
        return Err(vec![problem(
            1,
            "header",
            format!(
                "the first line must name the columns: {}",
                COLUMNS.join(",")
            ),
        )]);
    }
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());

    let header = reader
        .headers()
        .map_err(|e| vec![problem(1, "header", e.to_string())])?
        .clone();
    let mut column_of = HashMap::new();
    let mut problems = Vec::new();
    for (index, name) in header.iter().enumerate() {
        let name = name.to_lowercase();
        if COLUMNS.contains(&name.as_str()) {
            column_of.insert(name, index);
        } else {
            problems.push(problem(
                1,
                "header",
                format!("unknown column `{name}`; expected {}", COLUMNS.join(",")),
            ));
        }
    }
    for required in ["email", "name"] {
        if !column_of.contains_key(required) {
            problems.push(problem(
                1,
                "header",
                format!("column `{required}` is missing"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut rows = Vec::new();
    let mut first_line_of_email: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(problem(line, "row", e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > header.len() {
            problems.push(problem(
                line,
                "row",
                format!(
                    "has {} fields but the header names {}",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let cell = |name: &str| column_of.get(name).and_then(|&i| record.get(i));
        let services: Vec<String> = cell("services")
            .unwrap_or_default()
            .split('|')
            .map(str::to_owned)
            .collect();
        let parsed = NewRespondent::parse(
            cell("email").unwrap_or_default(),
            cell("name").unwrap_or_default(),
            cell("department"),
            cell("kind"),
            cell("language"),
            &services,
        );
        for slug in services.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !known_slugs.contains(slug) {
                problems.push(problem(
                    line,
                    "services",
                    format!("unknown service `{slug}`"),
                ));
            }
        }
        match parsed {
            Ok(respondent) => {
                let email = respondent.email.as_str().to_owned();
                if let Some(first) = first_line_of_email.get(&email) {
                    problems.push(problem(
                        line,
                        "email",
                        format!("`{email}` also appears on line {first}"),
                    ));
                } else {
                    first_line_of_email.insert(email, line);
                }
                rows.push(ImportRow { line, respondent });
            }
            Err(row_problems) => problems.extend(row_problems.into_iter().map(|p| FieldProblem {
                line: Some(line),
                ..p
            })),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// A person already in the register, as an import compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredPerson {
    pub id: i32,
    pub name: String,
    pub department: Option<String>,
    pub kind: RespondentKind,
    pub language: Language,
    pub service_ids: BTreeSet<i32>,
}

/// What an import changes, decided before anything is written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportPlan {
    pub summary: ImportSummary,
    /// New people with the ids of their services.
    pub creates: Vec<(NewRespondent, BTreeSet<i32>)>,
    /// Known people whose name, department, kind or language changed.
    pub updates: Vec<(i32, NewRespondent)>,
    /// Known people whose set of services changed: the new set.
    pub service_sets: Vec<(i32, BTreeSet<i32>)>,
}

/// Compares checked rows with the register (email is the key): who is created, who is
/// updated and whose services change. `service_ids` maps slugs to ids (rows were
/// checked against the same slugs, so every slug is known).
pub fn plan_import(
    rows: Vec<ImportRow>,
    registered: &HashMap<String, RegisteredPerson>,
    service_ids: &HashMap<String, i32>,
    dry_run: bool,
) -> ImportPlan {
    let mut plan = ImportPlan {
        summary: ImportSummary {
            rows: rows.len() as u64,
            dry_run,
            ..Default::default()
        },
        ..Default::default()
    };
    for row in rows {
        let new = row.respondent;
        let services: BTreeSet<i32> = new
            .services
            .iter()
            .filter_map(|slug| service_ids.get(slug.as_str()).copied())
            .collect();
        let Some(known) = registered.get(new.email.as_str()) else {
            plan.summary.created += 1;
            plan.creates.push((new, services));
            continue;
        };
        let fields_changed = known.name != new.name
            || known.department != new.department
            || known.kind != new.kind
            || known.language != new.language;
        let services_changed = known.service_ids != services;
        if fields_changed || services_changed {
            plan.summary.updated += 1;
        } else {
            plan.summary.unchanged += 1;
        }
        if services_changed {
            plan.service_sets.push((known.id, services));
        }
        if fields_changed {
            plan.updates.push((known.id, new));
        }
    }
    plan
}

fn line_of_byte(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs() -> HashSet<String> {
        ["procapita", "e-tjanst"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn reads_semicolons_bom_and_swedish_letters() {
        let csv = "\u{feff}email;name;department;kind;language;services\n\
                   åsa@karlstad.se;Åsa Öberg;Barn- och ungdomsförvaltningen;internal;sv;procapita|e-tjanst\n";
        let rows = parse_respondents_csv(csv.as_bytes(), &slugs()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].respondent.name, "Åsa Öberg");
        assert_eq!(rows[0].respondent.services.len(), 2);
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn reports_every_bad_row_with_line_and_column() {
        let csv = "email,name,kind,language,services\n\
                   ok@x.se,Ok,internal,sv,procapita\n\
                   not-an-email,Bad,internal,sv,procapita\n\
                   b@x.se,B,robot,de,okänd\n\
                   OK@x.se,Dup,internal,sv,\n";
        let problems = parse_respondents_csv(csv.as_bytes(), &slugs()).unwrap_err();
        let described: Vec<String> = problems.iter().map(ToString::to_string).collect();
        for expected in [
            "line 3, email",
            "line 4, kind",
            "line 4, language",
            "line 4, services",
        ] {
            assert!(
                described.iter().any(|p| p.starts_with(expected)),
                "{expected}: {described:?}"
            );
        }
        assert!(
            described
                .iter()
                .any(|p| p.starts_with("line 5, email") && p.contains("line 2")),
            "{described:?}"
        );
    }

    #[test]
    fn an_import_creates_updates_and_leaves_alone_by_email() {
        let csv = "email;name;department;kind;language;services\n\
                   ny@karlstad.se;Ny Person;;internal;sv;procapita\n\
                   same@karlstad.se;Samma;BUF;internal;sv;procapita\n\
                   moved@karlstad.se;Flyttad;KLK;internal;sv;procapita\n\
                   switch@karlstad.se;Byter;BUF;external;en;e-tjanst\n";
        let rows = parse_respondents_csv(csv.as_bytes(), &slugs()).unwrap();
        let ids = HashMap::from([("procapita".to_owned(), 1), ("e-tjanst".to_owned(), 2)]);
        let person = |id, name: &str, department: &str, service: i32| RegisteredPerson {
            id,
            name: name.into(),
            department: Some(department.into()),
            kind: RespondentKind::Internal,
            language: Language::Sv,
            service_ids: BTreeSet::from([service]),
        };
        let registered = HashMap::from([
            ("same@karlstad.se".to_owned(), person(10, "Samma", "BUF", 1)),
            (
                "moved@karlstad.se".to_owned(),
                person(11, "Flyttad", "BUF", 1),
            ),
            (
                "switch@karlstad.se".to_owned(),
                person(12, "Byter", "BUF", 1),
            ),
        ]);
        let plan = plan_import(rows, &registered, &ids, false);
        assert_eq!(
            plan.summary,
            ImportSummary {
                rows: 4,
                created: 1,
                updated: 2,
                unchanged: 1,
                dry_run: false
            }
        );
        assert_eq!(plan.creates.len(), 1);
        assert_eq!(plan.creates[0].0.email.as_str(), "ny@karlstad.se");
        assert_eq!(plan.creates[0].1, BTreeSet::from([1]));
        // Department changed for 11; kind, language and services for 12.
        let updated: Vec<i32> = plan.updates.iter().map(|(id, _)| *id).collect();
        assert_eq!(updated, vec![11, 12]);
        assert_eq!(plan.service_sets, vec![(12, BTreeSet::from([2]))]);
    }
}
