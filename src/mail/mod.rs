//! Email: messages built from template files (text + HTML), and the two transports,
//! SMTP to a relay and `file` (one .eml per message, the embedded default).

pub mod failure;
mod message;
mod smtp;
mod transport;

pub use failure::{RelayFailure, without_addresses};
pub use message::{FileAttachment, InlineImage, build_rich_message, build_survey_message};
pub use transport::{Mailer, SendError};
