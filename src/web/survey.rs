//! The respondent's pages under `/s/{token}`: the answer form, the thank-you page and
//! opt-out. Server-rendered, no JavaScript, Swedish by default. The handlers call the
//! use cases in [`crate::usecases::answers`] and render what they return.

use std::collections::{BTreeMap, HashMap};

use minijinja::context;
use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query},
};
use serde::{Deserialize, Serialize};

use super::pages::{
    already_answered, closed, internal_error, message_page, not_found, opted_out, page, thanks,
};
use crate::{
    domain::{
        Language,
        questionnaire::{AnswerProblem, ItemKind, Questionnaire},
    },
    store::invitations::InvitationContext,
    usecases::AppState,
    usecases::answers::{self, LinkState, SubmitOutcome},
};

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn language(query: &LangQuery, context: Option<&InvitationContext>) -> Language {
    query
        .lang
        .as_deref()
        .and_then(|lang| lang.parse().ok())
        .or_else(|| context.map(|c| c.language))
        .unwrap_or_default()
}

#[derive(Serialize)]
struct ChoiceView {
    value: i64,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct ItemView {
    key: String,
    kind: ItemKind,
    text: String,
    choices: Vec<ChoiceView>,
    low: String,
    high: String,
    low_label: i64,
    high_label: i64,
    value: String,
    error: Option<String>,
}

#[derive(Serialize)]
struct ErrorView {
    anchor: String,
    text: String,
    message: String,
}

fn scale_ends(kind: ItemKind, lang: Language) -> (&'static str, &'static str) {
    match (kind, lang) {
        (ItemKind::Nps, Language::Sv) => ("Inte alls troligt", "Mycket troligt"),
        (ItemKind::Nps, Language::En) => ("Not at all likely", "Extremely likely"),
        (_, Language::Sv) => ("Instämmer inte alls", "Instämmer helt"),
        (_, Language::En) => ("Strongly disagree", "Strongly agree"),
    }
}

fn problem_text(problem: AnswerProblem, lang: Language) -> String {
    match (problem, lang) {
        (AnswerProblem::Missing, Language::Sv) => "Svara på frågan".into(),
        (AnswerProblem::Missing, Language::En) => "Answer the question".into(),
        (AnswerProblem::NotANumber, Language::Sv) => {
            "Skriv ett heltal, till exempel 30 eller -15".into()
        }
        (AnswerProblem::NotANumber, Language::En) => "Enter a whole number, e.g. 30 or -15".into(),
        (AnswerProblem::OutOfRange { min, max }, Language::Sv) => {
            format!("Ange ett värde från {min} till {max}")
        }
        (AnswerProblem::OutOfRange { min, max }, Language::En) => {
            format!("Enter a value from {min} to {max}")
        }
        (AnswerProblem::TooLong { max }, Language::Sv) => format!("Skriv högst {max} tecken"),
        (AnswerProblem::TooLong { max }, Language::En) => format!("Write at most {max} characters"),
    }
}

fn answer_form(
    state: &AppState,
    token: &str,
    context: &InvitationContext,
    questionnaire: &Questionnaire,
    lang: Language,
    values: &BTreeMap<String, String>,
    problems: &[(String, AnswerProblem)],
) -> Response {
    let problem_of: HashMap<&str, AnswerProblem> =
        problems.iter().map(|(k, p)| (k.as_str(), *p)).collect();
    let optional = if lang == Language::En {
        " (optional)"
    } else {
        " (frivillig)"
    };
    let items: Vec<ItemView> = questionnaire
        .items
        .iter()
        .map(|item| {
            let value = values.get(&item.key).cloned().unwrap_or_default();
            let (low_text, high_text) = scale_ends(item.kind, lang);
            let (low, high) = item.kind.bounds().unwrap_or((0, 0));
            let choices = if item.kind.is_choice() {
                (low..=high)
                    .map(|v| ChoiceView {
                        value: v,
                        label: if v == low {
                            format!("{v} – {low_text}")
                        } else if v == high {
                            format!("{v} – {high_text}")
                        } else {
                            v.to_string()
                        },
                        checked: value == v.to_string(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let mut text = item.text(lang).to_owned();
            let marked = ["frivillig", "optional"]
                .iter()
                .any(|word| text.to_lowercase().contains(word));
            if !item.required && !marked {
                text.push_str(optional);
            }
            ItemView {
                key: item.key.clone(),
                kind: item.kind,
                text,
                choices,
                low: low_text.into(),
                high: high_text.into(),
                low_label: low,
                high_label: high,
                value,
                error: problem_of
                    .get(item.key.as_str())
                    .map(|p| problem_text(*p, lang)),
            }
        })
        .collect();
    let errors: Vec<ErrorView> = items
        .iter()
        .filter_map(|item| {
            item.error.as_ref().map(|message| ErrorView {
                anchor: if item.choices.is_empty() {
                    format!("{}-input", item.key)
                } else {
                    format!("{}-{}", item.key, item.low_label)
                },
                text: item.text.clone(),
                message: message.clone(),
            })
        })
        .collect();
    let lang_suffix = if lang == Language::En { "?lang=en" } else { "" };
    let title = if lang == Language::En {
        format!("What do you think of {}?", context.service_name)
    } else {
        format!("Vad tycker du om {}?", context.service_name)
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page(
        "answer.html",
        context! {
            lang => lang.as_str(),
            title => if problems.is_empty() { title } else if lang == Language::En { format!("Error: {title}") } else { format!("Fel: {title}") },
            items,
            errors,
            action => format!("/s/{token}{lang_suffix}"),
            opt_out => format!("/s/{token}/opt-out{lang_suffix}"),
            max_comment => state.settings.survey.max_comment_chars,
        },
        status,
    )
}

/// What a link leads to, in the page's language.
async fn open_link(
    state: &AppState,
    token: &str,
    query: &LangQuery,
) -> Result<(LinkState, Language), Response> {
    let link = answers::open_link(state, token)
        .await
        .map_err(internal_error)?;
    let lang = language(query, link_context(&link));
    Ok((link, lang))
}

fn link_context(link: &LinkState) -> Option<&InvitationContext> {
    match link {
        LinkState::Unknown => None,
        LinkState::Answered(c)
        | LinkState::OptedOut(c)
        | LinkState::Closed(c)
        | LinkState::Open(c, _) => Some(c),
    }
}

/// The page for a link that cannot take an answer (`answered_status`: how an
/// already-answered link is reported).
fn not_answerable(link: &LinkState, lang: Language, answered_status: StatusCode) -> Response {
    match link {
        LinkState::Unknown => not_found(lang),
        LinkState::Answered(_) => already_answered(lang, answered_status),
        LinkState::OptedOut(_) => opted_out(lang),
        LinkState::Closed(_) | LinkState::Open(..) => closed(lang),
    }
}

#[handler]
async fn show_form(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let (link, lang) = match open_link(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match &link {
        LinkState::Open(context, questionnaire) => answer_form(
            &state,
            &token,
            context,
            questionnaire,
            lang,
            &BTreeMap::new(),
            &[],
        ),
        other => not_answerable(other, lang, StatusCode::OK),
    }
}

#[handler]
async fn submit_form(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let (link, lang) = match open_link(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let LinkState::Open(context, questionnaire) = &link else {
        return not_answerable(&link, lang, StatusCode::CONFLICT);
    };
    match answers::submit_answer(&state, context, questionnaire, &form).await {
        Ok(SubmitOutcome::Stored) => thanks(lang),
        Ok(SubmitOutcome::Invalid(problems)) => answer_form(
            &state,
            &token,
            context,
            questionnaire,
            lang,
            &form,
            &problems,
        ),
        Ok(SubmitOutcome::AlreadyAnswered) => already_answered(lang, StatusCode::CONFLICT),
        Ok(SubmitOutcome::RoundClosed) => closed(lang),
        Err(error) => internal_error(error),
    }
}

#[handler]
async fn confirm_opt_out(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let (link, lang) = match open_link(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(context) = link_context(&link) else {
        return not_found(lang);
    };
    let lang_suffix = if lang == Language::En { "?lang=en" } else { "" };
    page(
        "opt_out.html",
        context! {
            lang => lang.as_str(),
            title => if lang == Language::En { "Stop surveys" } else { "Avsluta enkäter" },
            service => context.service_name.clone(),
            action => format!("/s/{token}/opt-out{lang_suffix}"),
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct OptOutForm {
    /// `all` to stop every survey; anything else (including RFC 8058's one-click body
    /// `List-Unsubscribe=One-Click`) stops this service's surveys.
    scope: Option<String>,
}

#[handler]
async fn opt_out(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    Form(form): Form<OptOutForm>,
) -> Response {
    let (link, lang) = match open_link(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(context) = link_context(&link) else {
        return not_found(lang);
    };
    let all = form.scope.as_deref() == Some("all");
    if let Err(error) = answers::opt_out(&state, context, all).await {
        return internal_error(error);
    }
    let service = context.service_name.as_str();
    let (sv, en) = if all {
        (
            "Du får inga fler enkäter från Nyttopuls.".to_owned(),
            "You will get no more surveys from Nyttopuls.".to_owned(),
        )
    } else {
        (
            format!("Du får inga fler enkäter om {service}."),
            format!("You will get no more surveys about {service}."),
        )
    };
    message_page(
        lang,
        StatusCode::OK,
        ("Du är avregistrerad", &[&sv]),
        ("You have opted out", &[&en]),
    )
}

#[handler]
fn stylesheet() -> Response {
    include_str!("survey.css")
        .with_content_type("text/css; charset=utf-8")
        .with_header(header::CACHE_CONTROL, "public, max-age=3600")
        .into_response()
}

/// Security headers for every respondent page: no referrer (the URL is a secret), a
/// strict CSP (no script at all, no third parties), no caching, no framing.
async fn with_security_headers(response: Response) -> Response {
    let mut response = response;
    let headers = response.headers_mut();
    let set = |headers: &mut poem::http::HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, poem::http::HeaderValue::from_static(value));
    };
    set(headers, "referrer-policy", "no-referrer");
    set(
        headers,
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    set(headers, "x-frame-options", "DENY");
    set(headers, "x-content-type-options", "nosniff");
    response
}

pub fn routes() -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/assets/survey.css", get(stylesheet))
        .at("/:token", get(show_form).post(submit_form))
        .at("/:token/opt-out", get(confirm_opt_out).post(opt_out))
        .map_to_response()
        .map(with_security_headers)
}
