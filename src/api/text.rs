//! `Text`: a JSON string and nothing else, with its limits in the schema. poem-openapi's
//! `String` also accepts numbers and booleans (turning `42` into `"42"`), which would let
//! a wrong type through.
//!
//! The content is checked where the field's name is known: a handler reads a value only
//! through [`Text::checked`], which rejects control characters (CR, LF, NUL, …) and
//! over-long values with a 400 naming the field. (poem-openapi's own validators would
//! report the struct, not the field.)

use std::borrow::Cow;

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use crate::domain::Error;

/// A string of `MIN..=MAX` characters without control characters; `EMAIL` marks an
/// email address in the schema (`format: email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MIN: usize, const MAX: usize, const EMAIL: bool = false>(String);

/// A name shown to people: a department, owner, service, respondent, questionnaire or
/// programme.
pub type Name = Text<1, 200>;
/// A short code or key: a slug, an item key or kind, a language, a period, a schedule.
pub type Code = Text<1, 100>;
/// An email address (RFC 5321 allows at most 254 characters).
pub type EmailText = Text<1, 254, true>;
/// A longer text that may be empty: a description.
pub type LongText = Text<0, 2000>;
/// A question as shown to respondents.
pub type Question = Text<1, 2000>;

/// The JSON Schema pattern for "no control characters" (Unicode category Cc).
const NO_CONTROL_CHARACTERS: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

impl<const MIN: usize, const MAX: usize, const EMAIL: bool> Text<MIN, MAX, EMAIL> {
    #[cfg(test)]
    fn new(text: String) -> Self {
        Self(text)
    }

    /// The value, if it fits the limits; otherwise an error naming `field`.
    pub fn checked(&self, field: &str) -> Result<&str, Error> {
        let length = self.0.chars().count();
        if self.0.chars().any(char::is_control) {
            Err(Error::invalid(
                field,
                "must not contain control characters (line breaks, tabs, NUL, …)",
            ))
        } else if length < MIN {
            Err(Error::invalid(field, "must not be empty"))
        } else if length > MAX {
            Err(Error::invalid(
                field,
                format!("must be at most {MAX} characters (got {length})"),
            ))
        } else {
            Ok(&self.0)
        }
    }

    pub fn into_checked(self, field: &str) -> Result<String, Error> {
        self.checked(field)?;
        Ok(self.0)
    }
}

/// For poem-openapi's validators (a slug's pattern); handlers use [`Text::checked`].
impl<const MIN: usize, const MAX: usize, const EMAIL: bool> AsRef<str> for Text<MIN, MAX, EMAIL> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// [`Text::checked`] for a field that may be left out.
pub fn checked_optional<'a, const MIN: usize, const MAX: usize, const EMAIL: bool>(
    text: &'a Option<Text<MIN, MAX, EMAIL>>,
    field: &str,
) -> Result<Option<&'a str>, Error> {
    text.as_ref().map(|text| text.checked(field)).transpose()
}

impl<const MIN: usize, const MAX: usize, const EMAIL: bool> Type for Text<MIN, MAX, EMAIL> {
    const IS_REQUIRED: bool = true;

    type RawValueType = Self;

    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            min_length: (MIN > 0).then_some(MIN),
            max_length: Some(MAX),
            pattern: Some(NO_CONTROL_CHARACTERS.to_owned()),
            format: EMAIL.then_some("email"),
            ..MetaSchema::new("string")
        }))
    }

    super::params::scalar_raw_values!();
}

impl<const MIN: usize, const MAX: usize, const EMAIL: bool> ParseFromJSON
    for Text<MIN, MAX, EMAIL>
{
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => Ok(Self(text)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl<const MIN: usize, const MAX: usize, const EMAIL: bool> ToJSON for Text<MIN, MAX, EMAIL> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem_of(result: Result<&str, Error>) -> String {
        match result {
            Err(Error::Invalid(problems)) => {
                format!("{}: {}", problems[0].field, problems[0].message)
            }
            other => panic!("expected a problem, got {other:?}"),
        }
    }

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        for bad in ["a\r\nb", "a\nb", "nul\0", "tab\t", "del\u{7f}", "c1\u{85}"] {
            let text = Name::parse_from_json(Some(Value::String(bad.into()))).unwrap();
            assert!(problem_of(text.checked("name")).starts_with("name: must not contain control"));
        }
    }

    #[test]
    fn length_is_counted_in_characters_within_the_bounds() {
        let at_limit = Name::new(std::iter::repeat_n('å', 200).collect());
        assert_eq!(at_limit.checked("name").ok().map(str::len), Some(400));
        let over = Name::new(std::iter::repeat_n('a', 201).collect());
        assert_eq!(
            problem_of(over.checked("name")),
            "name: must be at most 200 characters (got 201)"
        );
        assert_eq!(
            problem_of(Name::new(String::new()).checked("name")),
            "name: must not be empty"
        );
        assert_eq!(
            LongText::new(String::new()).checked("description").ok(),
            Some("")
        );
    }

    #[test]
    fn only_json_strings_are_text() {
        assert!(Name::parse_from_json(Some(Value::from(42))).is_err());
        assert!(Name::parse_from_json(Some(Value::Bool(true))).is_err());
    }
}
