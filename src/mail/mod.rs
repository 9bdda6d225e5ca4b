//! Email: messages built from template files (text + HTML), and the two transports,
//! SMTP (pooled) and `file` (one .eml per message, the embedded default).

mod message;
mod transport;

pub use message::build_survey_message;
pub use transport::{Mailer, SendError};
