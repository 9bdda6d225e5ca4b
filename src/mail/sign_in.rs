//! The sign-in email: the link and until when it works, in Swedish and English (the
//! address says nothing of the reader's language).

use chrono_tz::Europe::Stockholm;
use lettre::{Message, message::Mailbox};

use super::message::{BuildError, build_rich_message};
use crate::domain::survey::SignInEmail;

pub fn sign_in_message(
    from: &Mailbox,
    recipient: &str,
    email: &SignInEmail,
) -> Result<Message, BuildError> {
    let valid_until = email
        .link_expires_at
        .with_timezone(&Stockholm)
        .format("%H:%M")
        .to_string();
    build_rich_message(
        from,
        recipient,
        "Logga in på Nyttopuls / Sign in to Nyttopuls",
        "sign_in",
        minijinja::context! {
            lang => "sv",
            name => email.sign_in_name,
            link => email.sign_in_link,
            valid_until,
        },
        None,
        None,
    )
}
