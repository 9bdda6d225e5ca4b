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

/// A department still named by owners or services cannot be deleted: they would lose
/// their förvaltning without anyone deciding where they belong.
pub fn ensure_department_unused(id: i32, owners_and_services: u64) -> Result<(), Error> {
    if owners_and_services > 0 {
        return Err(Error::Conflict(format!(
            "department {id} still has {owners_and_services} owners or services; move them first"
        )));
    }
    Ok(())
}

/// An owner who still owns services cannot be deleted: the services would have nobody
/// to answer for them.
pub fn ensure_owner_owns_nothing(id: i32, services: u64) -> Result<(), Error> {
    if services > 0 {
        return Err(Error::Conflict(format!(
            "owner {id} still owns {services} services; give them a new owner first"
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
        assert!(ensure_department_unused(4, 0).is_ok());
        let refused = ensure_department_unused(4, 3).unwrap_err();
        assert!(matches!(refused, Error::Conflict(_)));
        assert_eq!(
            refused.to_string(),
            "department 4 still has 3 owners or services; move them first"
        );
        assert!(ensure_owner_owns_nothing(2, 0).is_ok());
        assert!(matches!(
            ensure_owner_owns_nothing(2, 1),
            Err(Error::Conflict(_))
        ));
    }
}
