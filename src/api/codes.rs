//! The closed sets of values the API takes and returns, as `poem_openapi::Enum`s so the
//! OpenAPI document lists them and a value outside the set is a 400 that names them.
//! Each mirrors a domain enum; the domain stays free of poem.

use crate::domain::{
    Language as DomainLanguage, PeriodKind as DomainPeriod, RespondentKind as DomainRespondentKind,
    action::ActionStatus as DomainActionStatus,
    questionnaire::{ItemKind as DomainItemKind, ScaleTag as DomainScale},
    survey::{
        EmailKind as DomainEmailKind, InvitationStatus as DomainInvitationStatus,
        OutboxStatus as DomainOutboxStatus, RoundResults as DomainRoundResults,
        RoundStatus as DomainRoundStatus,
    },
};

use crate::domain::insats::{
    InsatsStatus as DomainInsatsStatus, nyttokalkyl::BenefitCategory as DomainBenefitCategory,
};
use crate::stats::{
    Metric as DomainMetric,
    insatser::RealisationStatus as DomainRealisationStatus,
    nyttoanalys::{
        Flag as DomainFlag, LineStatus as DomainLineStatus, ProposalRule as DomainProposalRule,
    },
};
use poem_openapi::types::{ToJSON, Type};

/// An API enum with the same variants as a domain enum, converted both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $domain:ident {
        $($(#[$variant_meta:meta])* $variant:ident),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize)]
        #[oai(rename_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $domain::$variant),+
                }
            }
        }

        impl $name {
            /// The values as written in JSON and query strings.
            fn values() -> Vec<String> {
                vec![$(
                    ToJSON::to_json(&$name::$variant)
                        .and_then(|value| value.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ),+]
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
    /// Where an invitation stands: `queued` (email not yet sent), `sent`, `reminded`,
    /// `answered` (only *that* the person answered, never when), `opted_out` or `bounced`.
    InvitationStatus <=> DomainInvitationStatus { Queued, Sent, Reminded, Answered, OptedOut, Bounced }
);

mirror_enum!(
    /// `open` (accepting answers) or `closed` (by time or by an admin).
    RoundStatus <=> DomainRoundStatus { Open, Closed }
);

mirror_enum!(
    /// `pending` (open: answers stay sealed until the round closes), `released` (the
    /// answers are in the results) or `too_few_answers` (closed with fewer answers than
    /// the anonymity threshold: nothing was released).
    RoundResults <=> DomainRoundResults { Pending, Released, TooFewAnswers }
);

mirror_enum!(
    /// A measure of a service: `sus` (System Usability Scale, 0–100), `umux_lite` (raw,
    /// 0–100), `nyttoindex` (benefit, 0–100), `nps` (−100…100), `tidsvinst` (minutes a
    /// week gained; negative: lost).
    Metric <=> DomainMetric { Sus, UmuxLite, Nyttoindex, Nps, Tidsvinst }
);

mirror_enum!(
    /// A survey email: the first `invitation` or a `reminder`.
    EmailKind <=> DomainEmailKind { Invitation, Reminder, Report, Digest, SignIn }
);

mirror_enum!(
    /// An email's state: `pending` (not yet sent), `sent`, `failed` (gave up) or `bounced`.
    OutboxStatus <=> DomainOutboxStatus { Pending, Sent, Failed, Bounced }
);

mirror_enum!(
    /// A service's line in the nyttoanalys: `shown` (figures this period),
    /// `too_few_answers` or `no_round`.
    LineStatus <=> DomainLineStatus { Shown, TooFewAnswers, NoRound }
);

mirror_enum!(
    /// A nyttoanalys flag: SUS below 50, a significant drop of SUS or nyttoindex, a low
    /// response rate, benefit below cost.
    Flag <=> DomainFlag {
        #[oai(rename = "sus_below_50")] #[serde(rename = "sus_below_50")] SusBelow50,
        SusDrop, NyttoindexDrop, LowResponseRate, BenefitBelowCost,
    }
);

mirror_enum!(
    /// What a nyttoanalys proposal asks for.
    ProposalRule <=> DomainProposalRule {
        UsabilityReview, ReviewFuture, CheckUserList, InvestigateDrop, InviteMore
    }
);

mirror_enum!(
    /// Where an insats stands: `proposal` → `assessed` → `decided` → `in_progress` →
    /// `live` → `followed_up`; `rejected` from a proposal or an assessed insats.
    InsatsStatus <=> DomainInsatsStatus {
        Proposal, Assessed, Decided, InProgress, Live, FollowedUp, Rejected
    }
);

mirror_enum!(
    /// A benefit's kind: `financial` (money that leaves a budget), `redistribution`
    /// (time freed, valued in SEK but not cash) or `unvalued` (real, but no SEK).
    BenefitCategory <=> DomainBenefitCategory { Financial, Redistribution, Unvalued }
);

mirror_enum!(
    /// A measured benefit after go-live: `achieved` (the mean reaches the target),
    /// `progressing` / `worse` (a significant change towards / away from it),
    /// `not_realised` (no significant change), `too_few_answers` (below the anonymity
    /// threshold: no number), `pending` (no released round since go-live yet).
    RealisationStatus <=> DomainRealisationStatus {
        Achieved, Progressing, NotRealised, Worse, TooFewAnswers, Pending
    }
);

mirror_enum!(
    /// Where an action stands: `planned`, `in_progress`, `done` or `cancelled`; it
    /// moves forward only, and `done` and `cancelled` are final.
    ActionStatus <=> DomainActionStatus { Planned, InProgress, Done, Cancelled }
);

/// poem-openapi reports a value outside a set only as "Expect a valid enumeration
/// value"; this adds the values, for the set the message names.
pub fn with_allowed_values(message: String) -> String {
    let sets = [
        (RespondentKind::name(), RespondentKind::values()),
        (Language::name(), Language::values()),
        (ItemKind::name(), ItemKind::values()),
        (Scale::name(), Scale::values()),
        (Period::name(), Period::values()),
        (RoundStatus::name(), RoundStatus::values()),
        (InvitationStatus::name(), InvitationStatus::values()),
        (RoundResults::name(), RoundResults::values()),
        (EmailKind::name(), EmailKind::values()),
        (OutboxStatus::name(), OutboxStatus::values()),
        (Metric::name(), Metric::values()),
        (LineStatus::name(), LineStatus::values()),
        (Flag::name(), Flag::values()),
        (ProposalRule::name(), ProposalRule::values()),
        (InsatsStatus::name(), InsatsStatus::values()),
        (BenefitCategory::name(), BenefitCategory::values()),
        (RealisationStatus::name(), RealisationStatus::values()),
        (ActionStatus::name(), ActionStatus::values()),
    ];
    // A query value reads `failed to parse "Name"`, a JSON body field `Expected input
    // type "Name"`.
    match sets.iter().find(|(name, _)| {
        message.contains(&format!("failed to parse \"{name}\""))
            || message.contains(&format!("input type \"{name}\""))
    }) {
        Some((_, values)) => format!("{message} Use one of: {}.", values.join(", ")),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_about_a_set_gets_its_values() {
        let message = "failed to parse parameter `status`: failed to parse \"RoundStatus\": \
                       Expect a valid enumeration value."
            .to_owned();
        assert!(with_allowed_values(message).ends_with("Use one of: open, closed."));
        let body = "parse request payload error: Expected input type \"ActionStatus\", found \
                    \"klar\". (occurred while parsing \"ActionInput\")"
            .to_owned();
        assert!(
            with_allowed_values(body)
                .ends_with("Use one of: planned, in_progress, done, cancelled.")
        );
        assert_eq!(with_allowed_values("other".into()), "other");
    }
}
