//! Email: messages built from template files (text + HTML) — invitations and reminders,
//! the sign-in link, an owner's digest and the nyttoanalys, each from plain data the use
//! cases load — and the two transports, SMTP to a relay and `file` (one .eml per
//! message, the embedded default).

mod digest;
pub mod failure;
mod message;
mod report;
mod sign_in;
mod smtp;
mod transport;

pub use digest::{Digest, digest_message};
pub use failure::{RelayFailure, without_addresses};
pub use message::{
    BuildError, FileAttachment, InlineImage, build_rich_message, build_survey_message,
};
pub use report::report_message;
pub use sign_in::sign_in_message;
pub use transport::{Mailer, SendError};
