use super::Error;

/// An email address, trimmed and lower-cased (addresses are compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("is empty".into());
        }
        if value.len() > 254 {
            return Err("is longer than 254 characters".into());
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(format!("`{}` is not an email address (no @)", raw.trim()));
        };
        // Dots only between other characters (not first, last or doubled), in both parts.
        let valid_local = local.len() <= 64
            && local.split('.').all(|part| !part.is_empty())
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let valid_domain = domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !(valid_local && valid_domain) {
            return Err(format!("`{}` is not a valid email address", raw.trim()));
        }
        Ok(Self(value))
    }

    /// Parses a field of a request, naming the field in the error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, Error> {
        Self::parse(raw).map_err(|problem| Error::invalid(field, problem))
    }
}

parsed_text!(Email);

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn accepts_swedish_and_normalises_case() {
        assert_eq!(
            Email::parse(" Åsa.Öberg@Karlstad.SE ").unwrap().as_str(),
            "åsa.öberg@karlstad.se"
        );
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "anna",
            "anna@",
            "@karlstad.se",
            "anna@karlstad",
            "a b@x.se",
            "a@@x.se",
            "a@x..se",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
