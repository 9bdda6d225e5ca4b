//! Rendering the respondent pages from the template files, and the short message pages
//! (thanks, closed, already answered, unknown link) in Swedish or English.

use minijinja::{Environment, Value, context};
use poem::{IntoResponse, Response, http::StatusCode};

use crate::domain::{Error, Language};

fn templates() -> &'static Environment<'static> {
    static TEMPLATES: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("layout.html", include_str!("templates/layout.html")),
            ("message.html", include_str!("templates/message.html")),
            ("answer.html", include_str!("templates/answer.html")),
            ("opt_out.html", include_str!("templates/opt_out.html")),
        ] {
            env.add_template(name, source)
                .expect("page templates are valid");
        }
        env
    })
}

pub fn page(template: &str, values: Value, status: StatusCode) -> Response {
    match templates()
        .get_template(template)
        .and_then(|t| t.render(values))
    {
        Ok(html) => html
            .with_content_type("text/html; charset=utf-8")
            .with_status(status)
            .into_response(),
        Err(error) => {
            tracing::error!(%error, template, "page template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub fn message_page(
    lang: Language,
    status: StatusCode,
    sv: (&str, &[&str]),
    en: (&str, &[&str]),
) -> Response {
    let (title, paragraphs) = if lang == Language::En { en } else { sv };
    page(
        "message.html",
        context! { lang => lang.as_str(), title, paragraphs },
        status,
    )
}

pub fn not_found(lang: Language) -> Response {
    message_page(
        lang,
        StatusCode::NOT_FOUND,
        (
            "Länken fungerar inte",
            &["Kontrollera att du har kopierat hela länken från e-postmeddelandet."],
        ),
        (
            "The link does not work",
            &["Check that you copied the whole link from the email."],
        ),
    )
}

pub fn closed(lang: Language) -> Response {
    message_page(
        lang,
        StatusCode::GONE,
        (
            "Enkäten är stängd",
            &[
                "Tiden för att svara har gått ut. Tack för ditt intresse – du får en ny enkät vid nästa uppföljning.",
            ],
        ),
        (
            "The survey is closed",
            &[
                "The time to answer has passed. Thank you for your interest – you will get a new survey at the next follow-up.",
            ],
        ),
    )
}

pub fn already_answered(lang: Language, status: StatusCode) -> Response {
    message_page(
        lang,
        status,
        (
            "Du har redan svarat",
            &["Ditt svar är sparat sedan tidigare. Varje länk kan bara användas en gång."],
        ),
        (
            "You have already answered",
            &["Your answer was saved before. Each link can be used only once."],
        ),
    )
}

pub fn opted_out(lang: Language) -> Response {
    message_page(
        lang,
        StatusCode::OK,
        (
            "Du har avregistrerat dig",
            &["Du får inga enkäter om den här tjänsten, så länken kan inte längre användas."],
        ),
        (
            "You have opted out",
            &["You get no surveys about this service, so the link can no longer be used."],
        ),
    )
}

pub fn thanks(lang: Language) -> Response {
    message_page(
        lang,
        StatusCode::OK,
        (
            "Tack för ditt svar!",
            &["Ditt svar är sparat. Det hjälper kommunen att förbättra tjänsten."],
        ),
        (
            "Thank you for your answer!",
            &["Your answer has been saved. It helps the municipality improve the service."],
        ),
    )
}

pub fn internal_error(error: Error) -> Response {
    tracing::error!(error = %error.chain(), "survey page failed");
    message_page(
        Language::Sv,
        StatusCode::INTERNAL_SERVER_ERROR,
        ("Något gick fel", &["Försök igen om en stund."]),
        ("Something went wrong", &["Please try again in a while."]),
    )
}
