//! Typed path and query parameters, parsed once at the edge: a handler gets a report
//! period or a chart file, never a string to check again. Each declares its string form
//! in the OpenAPI document (`pattern`), as a validator would, and a value that does not
//! parse is a 400 naming the parameter.

use std::borrow::Cow;

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromParameter, ParseResult, Type},
};

use crate::{
    charts::{ChartFormat, ChartMetric, parse_chart_file},
    domain::ReportPeriod,
};

/// The two methods of poem-openapi's `Type` that every scalar type writes alike.
macro_rules! scalar_raw_values {
    () => {
        fn as_raw_value(&self) -> Option<&Self::RawValueType> {
            Some(self)
        }

        fn raw_element_iter<'a>(
            &'a self,
        ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
            Box::new(self.as_raw_value().into_iter())
        }
    };
}
pub(super) use scalar_raw_values;

/// `Type` for a parameter given as a string of the form `pattern`.
macro_rules! string_parameter {
    ($name:ident, $type_name:literal, $pattern:expr, $description:literal) => {
        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                $type_name.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    pattern: Some($pattern.to_owned()),
                    description: Some($description),
                    ..MetaSchema::new("string")
                }))
            }

            scalar_raw_values!();
        }
    };
}

/// A report period in a query: `2026-Q4` or `2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period(pub ReportPeriod);

string_parameter!(
    Period,
    "string_report_period",
    "^2[01][0-9]{2}(-Q[1-4])?$",
    "`2026-Q4` or `2026` (years 2000–2199); default: the last quarter that has ended. A period that has not begun has no report (404)."
);

impl ParseFromParameter for Period {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        // The pattern admits no spaces, which the domain's parser would trim.
        if value.trim() != value {
            return Err(ParseError::custom(format!("`{value}` is not a period")));
        }
        value.parse().map(Self).map_err(ParseError::custom)
    }
}

/// A chart file in a path: `sus.svg`, `response_rate.png`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFile {
    pub metric: ChartMetric,
    pub format: ChartFormat,
}

string_parameter!(
    ChartFile,
    "string_chart_file",
    r"^(sus|umux_lite|nyttoindex|nps|tidsvinst|response_rate)\.(svg|png)$",
    "`sus.svg`, `nyttoindex.png`, …"
);

impl ParseFromParameter for ChartFile {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        parse_chart_file(value)
            .map(|(metric, format)| Self { metric, format })
            .map_err(ParseError::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_chart_files_parse_as_their_patterns_say() {
        let period = Period::parse_from_parameter("2026-Q4").unwrap();
        assert_eq!(period.0.key(), "2026-Q4");
        for bad in ["2026-Q5", "nästa", "", "1999", " 2026"] {
            assert!(Period::parse_from_parameter(bad).is_err(), "{bad}");
        }
        let file = ChartFile::parse_from_parameter("response_rate.png").unwrap();
        assert_eq!(
            (file.metric, file.format),
            (ChartMetric::ResponseRate, ChartFormat::Png)
        );
        assert!(ChartFile::parse_from_parameter("lycka.svg").is_err());
    }
}
