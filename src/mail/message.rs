use lettre::{
    Message,
    message::{
        Mailbox, MultiPart,
        header::{Header, HeaderName, HeaderValue},
    },
};
use minijinja::{Environment, context};

use crate::domain::survey::{SurveyEmail, SurveyEmailKind};

fn templates() -> &'static Environment<'static> {
    static TEMPLATES: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("subject.txt", include_str!("templates/subject.txt")),
            ("survey.txt", include_str!("templates/survey.txt")),
            ("survey.html", include_str!("templates/survey.html")),
            ("header.txt", include_str!("templates/header.txt")),
            ("footer.txt", include_str!("templates/footer.txt")),
            ("header.html", include_str!("templates/header.html")),
            ("footer.html", include_str!("templates/footer.html")),
        ] {
            env.add_template(name, source)
                .expect("mail templates are valid");
        }
        // HTML templates escape; text templates must not.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env
    })
}

/// `List-Unsubscribe` (RFC 2369) with the one-click opt-out link.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid address {0}: {1}")]
    Address(String, lettre::address::AddressError),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
}

/// An invitation or reminder: multipart text + HTML in the respondent's language.
pub fn build_survey_message(
    from: &Mailbox,
    recipient: &str,
    email: &SurveyEmail,
) -> Result<Message, BuildError> {
    let to: Mailbox = recipient
        .parse()
        .map_err(|e| BuildError::Address(recipient.to_owned(), e))?;
    let values = context! {
        lang => email.language.as_str(),
        reminder => email.kind == SurveyEmailKind::Reminder,
        name => email.respondent_name,
        service => email.service_name,
        link => email.link,
        opt_out_link => email.opt_out_link,
        closes_on => email.closes_on,
    };
    let env = templates();
    let subject = env.get_template("subject.txt")?.render(&values)?;
    let text = env.get_template("survey.txt")?.render(&values)?;
    let html = env.get_template("survey.html")?.render(&values)?;
    let domain = from.email.domain().to_owned();
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject.trim())
        .message_id(Some(format!(
            "<{}.{}@{domain}>",
            chrono::Utc::now().timestamp_millis(),
            crate::domain::token::SurveyToken::generate()
                .as_str()
                .get(..16)
                .unwrap_or("x")
        )))
        .header(ListUnsubscribe(email.opt_out_link.clone()))
        .header(ListUnsubscribePost)
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}
