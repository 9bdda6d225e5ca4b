//! Stored enumerations. Each column holds the lower-case name the domain uses; a value
//! that does not decode fails the query as an internal error, never a quiet default.

use sea_orm::entity::prelude::*;

use crate::domain::{
    EmailKind, InvitationStatus, Language, OutboxStatus, RespondentKind, RoundStatus,
    action::ActionStatus, insats::InsatsStatus,
};

/// A stored twin of a domain enum (same variants), with conversions both ways.
macro_rules! stored_enum {
    ($name:ident => $domain:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $( #[sea_orm(string_value = $value)] $variant, )+
        }

        impl From<$name> for $domain {
            fn from(stored: $name) -> Self {
                match stored { $( $name::$variant => $domain::$variant, )+ }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value { $( $domain::$variant => $name::$variant, )+ }
            }
        }
    };
}

stored_enum!(StoredRoundStatus => RoundStatus { Open = "open", Closed = "closed" });

stored_enum!(StoredInvitationStatus => InvitationStatus {
    Queued = "queued",
    Sent = "sent",
    Reminded = "reminded",
    Answered = "answered",
    OptedOut = "opted_out",
    Bounced = "bounced",
});

stored_enum!(StoredOutboxStatus => OutboxStatus {
    Pending = "pending",
    Sent = "sent",
    Failed = "failed",
    Bounced = "bounced",
});

stored_enum!(StoredEmailKind => EmailKind {
    Invitation = "invitation",
    Reminder = "reminder",
    Report = "report",
    Digest = "digest",
    SignIn = "sign_in",
});

stored_enum!(StoredLanguage => Language { Sv = "sv", En = "en" });

stored_enum!(StoredRespondentKind => RespondentKind { Internal = "internal", External = "external" });

stored_enum!(StoredInsatsStatus => InsatsStatus {
    Proposal = "proposal",
    Assessed = "assessed",
    Decided = "decided",
    InProgress = "in_progress",
    Live = "live",
    FollowedUp = "followed_up",
    Rejected = "rejected",
});

stored_enum!(StoredActionStatus => ActionStatus {
    Planned = "planned",
    InProgress = "in_progress",
    Done = "done",
    Cancelled = "cancelled",
});
