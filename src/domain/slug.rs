/// A service's URL-friendly key: lower-case ASCII letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        // Hyphens only between other characters: not first, last or doubled.
        let valid = value.len() <= 64
            && value.split('-').all(|part| !part.is_empty())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "`{value}` is not a valid slug: use 1–64 lower-case letters a–z, digits and single hyphens"
            ))
        }
    }
}

parsed_text!(Slug);

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn slugs_are_lower_case_ascii_with_single_hyphens() {
        assert!(Slug::parse("procapita-vof").is_ok());
        for bad in ["", "Procapita", "två", "a--b", "-a", "a b"] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
