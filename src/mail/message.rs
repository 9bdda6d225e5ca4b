use lettre::{
    Message,
    message::{
        Mailbox, MultiPart,
        header::{Header, HeaderName, HeaderValue},
    },
};
use minijinja::{Environment, context};

use crate::domain::survey::{EmailKind, SurveyEmail};

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
            ("sign_in.txt", include_str!("templates/sign_in.txt")),
            ("report.txt", include_str!("templates/report.txt")),
            ("report.html", include_str!("templates/report.html")),
            ("digest.txt", include_str!("templates/digest.txt")),
            ("digest.html", include_str!("templates/digest.html")),
            ("sign_in.html", include_str!("templates/sign_in.html")),
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
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(text)
                if state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() =>
            {
                out.write_str(&escape_html(text))
                    .map_err(minijinja::Error::from)
            }
            _ => minijinja::escape_formatter(out, state, value),
        });
        env
    })
}

/// HTML escaping that leaves `/` alone: minijinja's own writes `&#x2f;`, which breaks
/// the links some mail clients show as text and makes the source hard to read.
fn escape_html(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return text.into();
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped.into()
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
    #[error("content type {0}")]
    ContentType(String),
    /// A chart or an attachment could not be made.
    #[error("content: {0}")]
    Content(String),
}

struct Rendered {
    subject: String,
    text: String,
    html: String,
}

fn render(email: &SurveyEmail) -> Result<Rendered, minijinja::Error> {
    let actions: Vec<minijinja::Value> = email
        .actions
        .iter()
        .map(|a| {
            context! {
                title => a.title,
                status => crate::wording::action_status(a.status, email.language),
            }
        })
        .collect();
    let values = context! {
        actions,
        lang => email.language.as_str(),
        reminder => email.kind == EmailKind::Reminder,
        name => email.respondent_name,
        service => email.service_name,
        link => email.link,
        opt_out_link => email.opt_out_link,
        // Stored as `YYYY-MM-DD`; written as the answer page writes it.
        closes_on => chrono::NaiveDate::parse_from_str(&email.closes_on, "%Y-%m-%d")
            .map(|day| crate::numbers::long_date(day, email.language))
            .unwrap_or_else(|_| email.closes_on.clone()),
    };
    let env = templates();
    Ok(Rendered {
        subject: env.get_template("subject.txt")?.render(&values)?,
        text: env.get_template("survey.txt")?.render(&values)?,
        html: env.get_template("survey.html")?.render(&values)?,
    })
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
    let Rendered {
        subject,
        text,
        html,
    } = render(email)?;
    Ok(addressed(from, to, subject.trim())
        .header(ListUnsubscribe(email.opt_out_link.clone()))
        .header(ListUnsubscribePost)
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}

/// A message from `from` to `to` with a unique Message-ID in the sender's domain.
fn addressed(from: &Mailbox, to: Mailbox, subject: &str) -> lettre::message::MessageBuilder {
    let domain = from.email.domain().to_owned();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!(
            "<{}.{}@{domain}>",
            chrono::Utc::now().timestamp_millis(),
            crate::domain::token::SecretToken::generate()
                .as_str()
                .get(..16)
                .unwrap_or("x")
        )))
}

/// A PNG shown in the HTML body as `<img src="cid:{cid}">`.
pub struct InlineImage {
    pub cid: String,
    pub png: Vec<u8>,
}

/// A file attached to a message.
pub struct FileAttachment {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A sign-in link, report or digest: `{template}.txt` and `{template}.html` rendered
/// with `values` (the HTML with `image` inline, by its content id), and `attachment` if
/// any.
pub fn build_rich_message(
    from: &Mailbox,
    recipient: &str,
    subject: &str,
    template: &str,
    values: minijinja::Value,
    image: Option<InlineImage>,
    attachment: Option<FileAttachment>,
) -> Result<Message, BuildError> {
    use lettre::message::{Attachment, SinglePart, header::ContentType};
    let to: Mailbox = recipient
        .parse()
        .map_err(|e| BuildError::Address(recipient.to_owned(), e))?;
    let env = templates();
    let text = env
        .get_template(&format!("{template}.txt"))?
        .render(&values)?;
    let html = env
        .get_template(&format!("{template}.html"))?
        .render(&values)?;
    let content_type = |raw: &str| {
        ContentType::parse(raw).map_err(|e| BuildError::ContentType(format!("{raw}: {e}")))
    };
    let html_part = match image {
        Some(image) => MultiPart::related()
            .singlepart(SinglePart::html(html))
            .singlepart(
                Attachment::new_inline(image.cid).body(image.png, content_type("image/png")?),
            ),
        None => MultiPart::related().singlepart(SinglePart::html(html)),
    };
    let body = MultiPart::alternative()
        .singlepart(SinglePart::plain(text))
        .multipart(html_part);
    let content = match attachment {
        Some(file) => MultiPart::mixed().multipart(body).singlepart(
            Attachment::new(file.name).body(file.bytes, content_type(file.content_type)?),
        ),
        None => MultiPart::mixed().multipart(body),
    };
    Ok(addressed(from, to, subject).multipart(content)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;

    fn email(link: &str, name: &str) -> SurveyEmail {
        SurveyEmail {
            kind: EmailKind::Invitation,
            language: Language::Sv,
            respondent_name: name.into(),
            service_name: "Skolwebben".into(),
            link: link.into(),
            opt_out_link: format!("{link}/opt-out"),
            closes_on: "2027-03-31".into(),
            actions: Vec::new(),
        }
    }

    #[test]
    fn links_are_written_plainly_in_html_with_only_markup_characters_escaped() {
        let rendered = render(&email("https://enkat.kommun.example/s/Ab-9_x", "Anna")).unwrap();
        assert!(
            rendered
                .html
                .contains("<a href=\"https://enkat.kommun.example/s/Ab-9_x\""),
            "{}",
            rendered.html
        );
        assert!(
            rendered
                .html
                .contains(">https://enkat.kommun.example/s/Ab-9_x</span></p>")
        );
        assert!(!rendered.html.contains("&#x2f;"));

        let odd = render(&email(
            "https://x.example/s/t?a=1&b=\"2\"",
            "<b>Bo</b> & Co",
        ))
        .unwrap();
        assert!(
            odd.html
                .contains("href=\"https://x.example/s/t?a=1&amp;b=&quot;2&quot;\"")
        );
        assert!(
            odd.html.contains("Hej &lt;b&gt;Bo&lt;/b&gt; &amp; Co,"),
            "{}",
            odd.html
        );
        assert!(
            odd.text.contains("https://x.example/s/t?a=1&b=\"2\""),
            "text is not escaped"
        );
    }

    #[test]
    fn the_plain_text_has_a_blank_line_after_its_heading() {
        for language in [Language::Sv, Language::En] {
            let mut email = email("https://x.example/s/t", "Anna");
            email.language = language;
            let text = render(&email).unwrap().text;
            let mut lines = text.lines();
            assert!(lines.next().unwrap().starts_with("Nyttopuls – "), "{text}");
            assert_eq!(lines.next(), Some(""), "{text}");
            assert!(lines.next().unwrap().starts_with("He"), "{text}");
        }
    }

    #[test]
    fn published_actions_are_one_line_each_and_none_leave_the_email_as_it_was() {
        use crate::domain::action::{ActionNote, ActionStatus};
        let plain = render(&email("https://x.example/s/t", "Anna")).unwrap();
        assert!(
            plain.text.contains("utvecklas.\n\nEnkäten tar"),
            "{}",
            plain.text
        );
        assert!(
            plain.html.contains("utvecklas.</p>\n<p>Enkäten"),
            "{}",
            plain.html
        );
        let mut news = email("https://x.example/s/t", "Anna");
        news.actions = vec![
            ActionNote {
                title: "Snabbare inloggning".into(),
                status: ActionStatus::Done,
            },
            ActionNote {
                title: "Tydligare menyer".into(),
                status: ActionStatus::InProgress,
            },
        ];
        let rendered = render(&news).unwrap();
        assert!(
            rendered.text.contains(
                "utvecklas.\n\nDet här gör vi efter förra enkäten om Skolwebben:\n\
                 - Snabbare inloggning (klar)\n- Tydligare menyer (pågår)\n\nEnkäten tar"
            ),
            "{}",
            rendered.text
        );
        assert!(
            rendered
                .html
                .contains("<li>Snabbare inloggning (klar)</li>")
        );
        // No link is added: the email keeps the two it had.
        assert_eq!(
            rendered.html.matches("<a ").count(),
            plain.html.matches("<a ").count()
        );
        news.language = Language::En;
        let english = render(&news).unwrap().text;
        assert!(
            english.contains("- Tydligare menyer (in progress)\n"),
            "{english}"
        );
    }
}
