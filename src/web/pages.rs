//! Rendering the respondent pages from the template files, and the short message pages
//! (thanks, closed, already answered, opted out, unknown link) in Swedish or English.

use minijinja::{Environment, Value, context};
use poem::{IntoResponse, Response, http::StatusCode};

use crate::domain::{Error, Language};

fn templates() -> &'static Environment<'static> {
    static TEMPLATES: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("layout.html", include_str!("templates/layout.html")),
            ("message.html", include_str!("templates/message.html")),
            ("answer.html", include_str!("templates/answer.html")),
            ("opt_out.html", include_str!("templates/opt_out.html")),
            ("thanks.html", include_str!("templates/thanks.html")),
            ("results.html", include_str!("templates/results.html")),
            (
                "dashboard/layout.html",
                include_str!("templates/dashboard/layout.html"),
            ),
            (
                "dashboard/macros.html",
                include_str!("templates/dashboard/macros.html"),
            ),
            (
                "dashboard/message.html",
                include_str!("templates/dashboard/message.html"),
            ),
            (
                "dashboard/login.html",
                include_str!("templates/dashboard/login.html"),
            ),
            (
                "dashboard/confirm.html",
                include_str!("templates/dashboard/confirm.html"),
            ),
            (
                "dashboard/owner.html",
                include_str!("templates/dashboard/owner.html"),
            ),
            (
                "dashboard/admin.html",
                include_str!("templates/dashboard/admin.html"),
            ),
            (
                "dashboard/service.html",
                include_str!("templates/dashboard/service.html"),
            ),
            (
                "dashboard/reports.html",
                include_str!("templates/dashboard/reports.html"),
            ),
            (
                "dashboard/insatser_macros.html",
                include_str!("templates/dashboard/insatser_macros.html"),
            ),
            (
                "dashboard/insatser.html",
                include_str!("templates/dashboard/insatser.html"),
            ),
            (
                "dashboard/insats.html",
                include_str!("templates/dashboard/insats.html"),
            ),
            (
                "dashboard/portfolio.html",
                include_str!("templates/dashboard/portfolio.html"),
            ),
            (
                "dashboard/actions.html",
                include_str!("templates/dashboard/actions.html"),
            ),
        ] {
            env.add_template(name, source)
                .expect("page templates are valid");
        }
        env
    })
}

/// The links of a page carry its language, so a switched language sticks.
pub fn lang_query(lang: Language) -> String {
    format!("?lang={}", lang.as_str())
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

/// The answer page of a closed round: closed early by an admin, or the time ran out.
pub fn closed(lang: Language, early: bool) -> Response {
    let next = (
        "Tack för ditt intresse – du kan få en ny enkät vid nästa uppföljning.",
        "Thank you for your interest – you may get a new survey at the next follow-up.",
    );
    let (sv, en) = if early {
        (
            "Enkäten stängdes innan svarstiden var slut, så det går inte längre att svara.",
            "The survey was closed before its end date, so answers are no longer accepted.",
        )
    } else {
        (
            "Tiden för att svara har gått ut.",
            "The time to answer has passed.",
        )
    };
    message_page(
        lang,
        StatusCode::GONE,
        ("Enkäten är stängd", &[sv, next.0]),
        ("The survey is closed", &[en, next.1]),
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

/// The answer page of a person who opted out: no form, and how to be included again.
pub fn opted_out(lang: Language, status: StatusCode, service: &str, all: bool) -> Response {
    let (sv, en) = stopped_surveys(service, all);
    let (sv_again, en_again) = included_again(all);
    message_page(
        lang,
        status,
        ("Du har avregistrerat dig", &[&sv, sv_again]),
        ("You have opted out", &[&en, en_again]),
    )
}

/// What an opt-out stopped, in Swedish and English.
pub fn stopped_surveys(service: &str, all: bool) -> (String, String) {
    if all {
        (
            "Du får inga fler enkäter från Nyttopuls.".to_owned(),
            "You will get no more surveys from Nyttopuls.".to_owned(),
        )
    } else {
        (
            format!("Du får inga fler enkäter om {service}."),
            format!("You will get no more surveys about {service}."),
        )
    }
}

/// Nobody is put back on the list by a click: whoever wants surveys again asks the
/// people who keep the register.
pub fn included_again(all: bool) -> (&'static str, &'static str) {
    if all {
        (
            "Vill du få enkäter igen? Kontakta Kommunledningskontoret.",
            "Do you want surveys again? Contact Kommunledningskontoret, the municipality's central office.",
        )
    } else {
        (
            "Vill du få enkäter om tjänsten igen? Kontakta tjänstens objektägare eller Kommunledningskontoret.",
            "Do you want surveys about the service again? Contact the service's owner (objektägare) or Kommunledningskontoret, the municipality's central office.",
        )
    }
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
