//! The service catalogue (tjänstekatalog): förvaltningar, objektägare and IT services.

use super::{Email, Error, Slug};

#[derive(Debug, Clone, PartialEq)]
pub struct Department {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub id: i32,
    pub name: String,
    pub email: Email,
    pub department_id: Option<i32>,
}

/// A service as stored: its id and its checked fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: i32,
    pub details: NewService,
}

/// A service as created or replaced: every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewService {
    pub name: String,
    pub slug: Slug,
    pub description: String,
    pub owner_id: Option<i32>,
    pub department_id: Option<i32>,
    pub users_count: i32,
    pub annual_cost_sek: i64,
    pub active: bool,
}

impl NewService {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        name: &str,
        slug: &str,
        description: Option<String>,
        owner_id: Option<i32>,
        department_id: Option<i32>,
        users_count: Option<i64>,
        annual_cost_sek: Option<i64>,
        active: Option<bool>,
    ) -> Result<Self, Error> {
        let name = required_name("name", name)?;
        let slug = Slug::parse(slug).map_err(|problem| Error::invalid("slug", problem))?;
        let users_count = users_count.unwrap_or(0);
        if !(0..=i64::from(i32::MAX)).contains(&users_count) {
            return Err(Error::invalid("users_count", "must be zero or more"));
        }
        let annual_cost_sek = annual_cost_sek.unwrap_or(0);
        if annual_cost_sek < 0 {
            return Err(Error::invalid(
                "annual_cost_sek",
                "must be zero or more (SEK per year)",
            ));
        }
        Ok(Self {
            name,
            slug,
            description: description.unwrap_or_default().trim().to_owned(),
            owner_id,
            department_id,
            users_count: users_count as i32,
            annual_cost_sek,
            active: active.unwrap_or(true),
        })
    }
}

/// Which services a listing shows.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub owner_id: Option<i32>,
    pub department_id: Option<i32>,
    pub active: Option<bool>,
}

/// What still names a department or an owner, counted before it is deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct References {
    pub owners: u64,
    pub services: u64,
    pub insatser: u64,
}

impl References {
    /// "1 owner, 2 services and 1 insats": the non-zero counts, for a refusal.
    fn describe(self) -> String {
        let counted = [
            (self.owners, "owner", "owners"),
            (self.services, "service", "services"),
            (self.insatser, "insats", "insatser"),
        ];
        let parts: Vec<String> = counted
            .into_iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
            .collect();
        match parts.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        }
    }

    fn any(self) -> bool {
        self != Self::default()
    }
}

/// A department still named by owners, services or insatser cannot be deleted: they
/// would lose their förvaltning without anyone deciding where they belong.
pub fn ensure_department_unused(id: i32, naming_it: References) -> Result<(), Error> {
    if naming_it.any() {
        return Err(Error::Conflict(format!(
            "department {id} still has {}; move them first",
            naming_it.describe()
        )));
    }
    Ok(())
}

/// An owner who still owns services, or is nyttoägare of insatser, cannot be deleted:
/// they would have nobody to answer for them.
pub fn ensure_owner_owns_nothing(id: i32, owned: References) -> Result<(), Error> {
    if owned.any() {
        return Err(Error::Conflict(format!(
            "owner {id} still answers for {}; give them a new owner first",
            owned.describe()
        )));
    }
    Ok(())
}

/// A trimmed, non-empty display name of at most 200 characters.
pub fn required_name(field: &str, raw: &str) -> Result<String, Error> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(Error::invalid(field, "must be at most 200 characters"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_or_owner_still_in_use_is_not_deleted() {
        assert!(ensure_department_unused(4, References::default()).is_ok());
        let refused = ensure_department_unused(
            4,
            References {
                owners: 1,
                services: 2,
                insatser: 1,
            },
        )
        .unwrap_err();
        assert!(matches!(refused, Error::Conflict(_)));
        assert_eq!(
            refused.to_string(),
            "department 4 still has 1 owner, 2 services and 1 insats; move them first"
        );
        let only_insatser = References {
            insatser: 3,
            ..References::default()
        };
        assert_eq!(
            ensure_department_unused(4, only_insatser)
                .unwrap_err()
                .to_string(),
            "department 4 still has 3 insatser; move them first"
        );

        assert!(ensure_owner_owns_nothing(2, References::default()).is_ok());
        let refused = ensure_owner_owns_nothing(
            2,
            References {
                services: 1,
                insatser: 2,
                ..References::default()
            },
        )
        .unwrap_err();
        assert!(matches!(refused, Error::Conflict(_)));
        assert_eq!(
            refused.to_string(),
            "owner 2 still answers for 1 service and 2 insatser; give them a new owner first"
        );
    }
}
