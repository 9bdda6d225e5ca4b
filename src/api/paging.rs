//! The `page` and `per_page` query parameters every list takes, with their limits in
//! the schema, so a client (and schemathesis) can see them without trying.

use std::borrow::Cow;

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromParameter, ParseResult, Type},
};

use crate::domain::PageRequest;

/// A whole number in `MIN..=MAX`, as a query value.
#[derive(Debug, Clone, Copy)]
pub struct Bounded<const MIN: u64, const MAX: u64>(pub u64);

/// Page number, from 1.
pub type PageNumber = Bounded<1, { PageRequest::MAX_PAGE }>;
/// Items per page, 1–500 (default 50).
pub type PageSize = Bounded<1, { PageRequest::MAX_PER_PAGE }>;

/// The page asked for; the bounds were checked while parsing.
pub fn page_request(page: Option<PageNumber>, per_page: Option<PageSize>) -> PageRequest {
    PageRequest {
        page: page.map_or(1, |p| p.0),
        per_page: per_page.map_or(PageRequest::DEFAULT_PER_PAGE, |p| p.0),
    }
}

impl<const MIN: u64, const MAX: u64> Type for Bounded<MIN, MAX> {
    const IS_REQUIRED: bool = true;

    type RawValueType = u64;

    type RawElementValueType = u64;

    fn name() -> Cow<'static, str> {
        format!("integer({MIN}..={MAX})").into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            minimum: Some(MIN as f64),
            maximum: Some(MAX as f64),
            ..MetaSchema::new_with_format("integer", "int64")
        }))
    }

    fn as_raw_value(&self) -> Option<&u64> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a u64> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<const MIN: u64, const MAX: u64> ParseFromParameter for Bounded<MIN, MAX> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        match value.parse::<u64>() {
            Ok(number) if (MIN..=MAX).contains(&number) => Ok(Self(number)),
            _ => Err(ParseError::custom(format!(
                "must be a whole number from {MIN} to {MAX}"
            ))),
        }
    }
}
