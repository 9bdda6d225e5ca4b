//! The closed sets of values the API takes and returns, as `poem_openapi::Enum`s so the
//! OpenAPI document lists them and a value outside the set is a 400 that names them.
//! Each mirrors a domain enum; the domain stays free of poem.

use crate::domain::{
    Language as DomainLanguage, PeriodKind as DomainPeriod, RespondentKind as DomainRespondentKind,
    questionnaire::{ItemKind as DomainItemKind, ScaleTag as DomainScale},
    survey::RoundStatus as DomainRoundStatus,
};

/// An API enum with the same variants as a domain enum, converted both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $domain:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
        #[oai(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $domain::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_enum!(
    /// `internal` (an employee) or `external` (a citizen, a business).
    RespondentKind <=> DomainRespondentKind { Internal, External }
);

mirror_enum!(
    /// The language of a person's emails and survey pages.
    Language <=> DomainLanguage { Sv, En }
);

mirror_enum!(
    /// How a question is answered: a 5- or 7-point scale, 0–10, minutes per week, or
    /// free text.
    ItemKind <=> DomainItemKind { Likert5, Likert7, Nps, MinutesPerWeek, Text }
);

mirror_enum!(
    /// The scale a question's answer counts towards.
    Scale <=> DomainScale { Sus, UmuxLite, Benefit, Nps, Time, Comment, Other }
);

mirror_enum!(
    /// How often a programme opens a round per service: one per calendar period.
    Period <=> DomainPeriod { Month, Quarter, Half, Year }
);

mirror_enum!(
    /// `open` (accepting answers) or `closed` (by time or by an admin).
    RoundStatus <=> DomainRoundStatus { Open, Closed }
);
