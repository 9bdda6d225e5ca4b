//! Respondents (användare) and the services they use.

use std::{
    collections::{BTreeSet, HashMap},
    str::FromStr,
};

use chrono::{DateTime, Utc};

use super::{
    Email, EmailKind, Error, FieldProblem, InvitationStatus, OutboxStatus, Slug,
    catalogue::required_name, sealing::MAX_DEPARTMENT_CHARS,
};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RespondentKind {
    Internal,
    External,
}

impl RespondentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::External => "external",
        }
    }
}

impl FromStr for RespondentKind {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw.trim().to_lowercase().as_str() {
            "internal" | "intern" => Ok(Self::Internal),
            "external" | "extern" => Ok(Self::External),
            other => Err(format!("`{other}` is not a kind: use internal or external")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    Sv,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sv => "sv",
            Self::En => "en",
        }
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw.trim().to_lowercase().as_str() {
            "sv" | "" => Ok(Self::Sv),
            "en" => Ok(Self::En),
            other => Err(format!("`{other}` is not a language: use sv or en")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Respondent {
    pub id: i32,
    pub email: Email,
    pub name: String,
    pub department: Option<String>,
    pub kind: RespondentKind,
    pub language: Language,
    /// Slugs of the services the person uses, sorted.
    pub services: Vec<String>,
}

/// A respondent as created, replaced or imported: every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRespondent {
    pub email: Email,
    pub name: String,
    pub department: Option<String>,
    pub kind: RespondentKind,
    pub language: Language,
    pub services: Vec<Slug>,
}

impl NewRespondent {
    /// Checks every field and reports all problems at once (`Error::Invalid` makes them
    /// one request's error; an import adds the line).
    pub fn parse(
        email: &str,
        name: &str,
        department: Option<&str>,
        kind: Option<&str>,
        language: Option<&str>,
        services: &[String],
    ) -> Result<Self, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let email = Email::parse(email)
            .map_err(|p| problems.push(("email", p)))
            .ok();
        let name = required_name("name", name)
            .map_err(|e| problems.push(("name", plain_message(e))))
            .ok();
        let kind = kind
            .filter(|k| !k.trim().is_empty())
            .map_or(Ok(RespondentKind::Internal), str::parse)
            .map_err(|p| problems.push(("kind", p)))
            .ok();
        let language = language
            .map_or(Ok(Language::Sv), str::parse)
            .map_err(|p| problems.push(("language", p)))
            .ok();
        let mut slugs = Vec::new();
        for raw in services.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            match Slug::parse(raw) {
                Ok(slug) if !slugs.contains(&slug) => slugs.push(slug),
                Ok(_) => {}
                Err(p) => problems.push(("services", p)),
            }
        }
        let department = department
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        if department
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DEPARTMENT_CHARS)
        {
            problems.push((
                "department",
                format!("must be at most {MAX_DEPARTMENT_CHARS} characters"),
            ));
        }
        match (email, name, kind, language) {
            (Some(email), Some(name), Some(kind), Some(language)) if problems.is_empty() => {
                Ok(Self {
                    email,
                    name,
                    department,
                    kind,
                    language,
                    services: slugs,
                })
            }
            _ => Err(problems
                .into_iter()
                .map(|(field, message)| FieldProblem {
                    line: None,
                    field: field.into(),
                    message,
                })
                .collect()),
        }
    }

    /// The ids of the services the person uses, from every service's slug → id; a slug
    /// no service has is the caller's mistake.
    pub fn service_ids(&self, ids_by_slug: &HashMap<String, i32>) -> Result<BTreeSet<i32>, Error> {
        self.services
            .iter()
            .map(|slug| {
                ids_by_slug
                    .get(slug.as_str())
                    .copied()
                    .ok_or_else(|| Error::invalid("services", format!("unknown service `{slug}`")))
            })
            .collect()
    }
}

/// Which respondents a listing shows.
#[derive(Debug, Clone, Default)]
pub struct RespondentFilter {
    pub service_id: Option<i32>,
    /// Matched as the register keeps addresses (trimmed, lower case).
    pub email: Option<String>,
}

/// One invitation as the person's data export shows it.
#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub service: String,
    pub period: String,
    pub status: InvitationStatus,
}

/// A kept email about a person, as their data export lists it.
#[derive(Debug, Clone)]
pub struct EmailRecord {
    pub kind: EmailKind,
    pub status: OutboxStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Everything kept about one person (GDPR access). Answers are anonymous and cannot be
/// found from the person.
#[derive(Debug, Clone)]
pub struct PersonalData {
    pub person: Respondent,
    pub invitations: Vec<InvitationRecord>,
    pub emails: Vec<EmailRecord>,
}

fn plain_message(error: Error) -> String {
    match error {
        Error::Invalid(problems) => problems
            .into_iter()
            .map(|p| p.message)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_services_are_the_ids_of_their_slugs_and_an_unknown_slug_is_refused() {
        let ids_by_slug = HashMap::from([("e-post".to_owned(), 4), ("lon".to_owned(), 2)]);
        let services = ["lon".to_owned(), "e-post".to_owned()];
        let person =
            NewRespondent::parse("a@example.se", "A", None, None, None, &services).unwrap();
        assert_eq!(
            person.service_ids(&ids_by_slug).unwrap(),
            BTreeSet::from([2, 4])
        );
        let unknown = ["okand".to_owned()];
        let person = NewRespondent::parse("a@example.se", "A", None, None, None, &unknown).unwrap();
        let error = person.service_ids(&ids_by_slug).unwrap_err().to_string();
        assert_eq!(error, "services: unknown service `okand`");
    }
}
