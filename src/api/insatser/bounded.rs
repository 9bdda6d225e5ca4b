//! The numbers of an insats and its nyttokalkyl whose limits the OpenAPI document states
//! (so a client, and schemathesis, sees them) while the domain checks them: a value
//! outside is a 400 naming the field's whole path (`nyttokalkyl.benefits[1].low_sek`),
//! which poem-openapi's own validators cannot do for a nested field. `Text` does the same
//! for strings.

use std::borrow::Cow;

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::{Number, Value};

use crate::domain::insats::nyttokalkyl::{MAX_DISCOUNT_RATE, MAX_SEK, MINUTES_A_WEEK, YEARS};

/// How a JSON number becomes the Rust value, and back.
trait JsonNumber: Copy + Sized {
    const SCHEMA: (&'static str, &'static str);
    fn from_number(number: &Number) -> Option<Self>;
    fn to_value(self) -> Value;
}

impl JsonNumber for f64 {
    const SCHEMA: (&'static str, &'static str) = ("number", "double");

    fn from_number(number: &Number) -> Option<Self> {
        number.as_f64()
    }

    fn to_value(self) -> Value {
        Value::from(self)
    }
}

impl JsonNumber for i64 {
    const SCHEMA: (&'static str, &'static str) = ("integer", "int64");

    fn from_number(number: &Number) -> Option<Self> {
        number.as_i64()
    }

    fn to_value(self) -> Value {
        Value::from(self)
    }
}

/// A number type with its limits in the schema; `$min_exclusive`: above `$min`, not at it.
macro_rules! bounded {
    ($(#[$meta:meta])* $name:ident($inner:ty), $min:expr, $min_exclusive:expr, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name(pub $inner);

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_ref() -> MetaSchemaRef {
                let (ty, format) = <$inner as JsonNumber>::SCHEMA;
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    minimum: Some($min as f64),
                    exclusive_minimum: $min_exclusive.then_some(true),
                    maximum: Some($max as f64),
                    ..MetaSchema::new_with_format(ty, format)
                }))
            }

            crate::api::params::scalar_raw_values!();
        }

        impl ParseFromJSON for $name {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value.unwrap_or_default() {
                    Value::Number(number) => <$inner as JsonNumber>::from_number(&number)
                        .map(Self)
                        .ok_or_else(|| ParseError::custom(format!("{number} is not a whole number"))),
                    other => Err(ParseError::expected_type(other)),
                }
            }
        }

        impl ToJSON for $name {
            fn to_json(&self) -> Option<Value> {
                Some(JsonNumber::to_value(self.0))
            }
        }
    };
}

bounded!(
    /// SEK, 0 to a trillion, kept to the öre.
    Sek(f64), 0, false, MAX_SEK
);
bounded!(
    /// A real discount rate, 0–0.2 (0.03 is 3 %).
    DiscountRate(f64), 0, false, MAX_DISCOUNT_RATE
);
bounded!(
    /// Minutes a week per user, above 0 and at most the 10 080 of a week.
    MinutesPerWeek(f64), 0, true, MINUTES_A_WEEK
);
bounded!(
    /// The years the kalkyl covers, N = 1–15.
    CalculationYears(i64), *YEARS.start(), false, *YEARS.end()
);
bounded!(
    /// The first year (0…N) a benefit counts.
    FromYear(i64), 0, false, *YEARS.end()
);
bounded!(
    /// A number of people or answers, at least 1.
    Count(i64), 1, false, u32::MAX
);
bounded!(
    /// Kommunledningskontoret's assessment, 0 (none) to 3 (high).
    Assessment(i64), 0, false, 3
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_in_the_schema_and_any_number_of_the_kind_parses() {
        let MetaSchemaRef::Inline(schema) = DiscountRate::schema_ref() else {
            panic!("an inline schema");
        };
        assert_eq!((schema.minimum, schema.maximum), (Some(0.0), Some(0.2)));
        assert_eq!((schema.ty, schema.format), ("number", Some("double")));
        let MetaSchemaRef::Inline(schema) = MinutesPerWeek::schema_ref() else {
            panic!("an inline schema");
        };
        assert_eq!(schema.exclusive_minimum, Some(true));
        // Outside the limits still parses: the domain refuses it naming the whole field.
        assert_eq!(
            DiscountRate::parse_from_json(Some(Value::from(0.5))).unwrap(),
            DiscountRate(0.5)
        );
        assert_eq!(
            CalculationYears::parse_from_json(Some(Value::from(16))).unwrap(),
            CalculationYears(16)
        );
        // The wrong kind does not.
        assert!(CalculationYears::parse_from_json(Some(Value::from(1.5))).is_err());
        assert!(Sek::parse_from_json(Some(Value::from("100"))).is_err());
    }
}
