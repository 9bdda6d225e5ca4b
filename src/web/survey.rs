//! The respondent's pages under `/s/{token}`: the answer form, the thank-you page and
//! opt-out. Server-rendered, no JavaScript, Swedish by default. Answers are stored
//! through the [`AnswerWriter`](super::answer_writer::AnswerWriter) in batches.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use minijinja::context;
use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query},
};
use serde::{Deserialize, Serialize};

use super::pages::{
    ResultsNotice, already_answered, closed, included_again, internal_error, message_page,
    not_found, opted_out, page, stopped_surveys, thanks,
};
use crate::{
    app::AppState,
    domain::{
        Language,
        questionnaire::{AnswerProblem, ItemKind, Questionnaire, check_answers},
    },
    store::{
        self,
        invitations::{InvitationContext, Submission, SubmissionOutcome},
    },
};

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The links of a page carry its language, so a switched language sticks.
fn lang_query(lang: Language) -> String {
    format!("?lang={}", lang.as_str())
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
    /// The meaning of a scale's first and last point.
    end: Option<&'static str>,
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
    // The same word as the intro of answer.html and the built-in questionnaire.
    let optional = if lang == Language::En {
        " (optional)"
    } else {
        " (frivilligt)"
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
                        end: if v == low {
                            Some(low_text)
                        } else if v == high {
                            Some(high_text)
                        } else {
                            None
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
    let lang_suffix = lang_query(lang);
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

/// The invitation behind a link and the page language, or the page to show instead.
async fn invitation(
    state: &AppState,
    token: &str,
    query: &LangQuery,
) -> Result<(InvitationContext, Language), Response> {
    let context = store::invitations::by_token(&state.db, token)
        .await
        .map_err(internal_error)?;
    let lang = language(query, context.as_ref());
    context
        .map(|context| (context, lang))
        .ok_or_else(|| not_found(lang))
}

/// The questionnaire for an invitation that may still be answered, or the page to show
/// instead (`answered_status`: how an already-answered link is reported).
async fn open_questionnaire(
    state: &AppState,
    context: &InvitationContext,
    lang: Language,
    answered_status: StatusCode,
) -> Result<std::sync::Arc<Questionnaire>, Response> {
    if context.answered() {
        return Err(already_answered(lang, answered_status));
    }
    if context.opted_out() {
        return Err(opted_out(
            lang,
            answered_status,
            &context.service_name,
            context.opted_out_all,
        ));
    }
    if !context.accepts_answers(Utc::now()) {
        return Err(closed(lang, context.closed_early()));
    }
    state
        .questionnaires
        .get(&state.db, context.questionnaire_id)
        .await
        .map_err(internal_error)
}

#[handler]
async fn show_form(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let (context, lang) = match invitation(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match open_questionnaire(&state, &context, lang, StatusCode::OK).await {
        Ok(questionnaire) => answer_form(
            &state,
            &token,
            &context,
            &questionnaire,
            lang,
            &BTreeMap::new(),
            &[],
        ),
        Err(page) => page,
    }
}

#[handler]
async fn submit_form(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let (context, lang) = match invitation(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let questionnaire = match open_questionnaire(&state, &context, lang, StatusCode::CONFLICT).await
    {
        Ok(questionnaire) => questionnaire,
        Err(page) => return page,
    };
    let answers = match check_answers(
        &questionnaire.items,
        &form,
        state.settings.survey.max_comment_chars,
    ) {
        Ok(answers) => answers,
        Err(problems) => {
            return answer_form(
                &state,
                &token,
                &context,
                &questionnaire,
                lang,
                &form,
                &problems,
            );
        }
    };
    let submission = Submission {
        invitation_id: context.invitation_id,
        round_id: context.round_id,
        service_id: context.service_id,
        department: context.department.clone(),
        kind: context.kind.clone(),
        answers,
    };
    match state.answers.submit(submission).await {
        // POST-redirect-GET: reloading the thank-you page does not send the form again.
        Ok(SubmissionOutcome::Stored) => Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(
                header::LOCATION,
                format!("/s/{token}/thanks{}", lang_query(lang)),
            )
            .finish(),
        Ok(SubmissionOutcome::AlreadyAnswered) => already_answered(lang, StatusCode::CONFLICT),
        Ok(SubmissionOutcome::RoundClosed) => closed(lang, context.closed_early()),
        Err(error) => internal_error(error),
    }
}

#[handler]
async fn show_thanks(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let (context, lang) = match invitation(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if !context.answered() {
        // Not answered (yet): the form, or whatever the link shows instead.
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, format!("/s/{token}{}", lang_query(lang)))
            .finish();
    }
    thanks(
        lang,
        &ResultsNotice {
            service: &context.service_name,
            closes_at: context.closes_at,
            still_open: context.accepts_answers(Utc::now()),
            min_group_size: state.settings.survey.min_group_size,
        },
    )
}

#[handler]
async fn confirm_opt_out(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let (context, lang) = match invitation(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if context.opted_out_all {
        let (sv, en) = stopped_surveys(&context.service_name, true);
        let (sv_again, en_again) = included_again(true);
        return message_page(
            lang,
            StatusCode::OK,
            ("Du är redan avregistrerad", &[&sv, sv_again]),
            ("You have already opted out", &[&en, en_again]),
        );
    }
    // Opted out of this service already: say so, and offer only the wider opt-out.
    let already = context.opted_out();
    let title = match (already, lang) {
        (true, Language::Sv) => "Du är redan avregistrerad",
        (true, Language::En) => "You have already opted out",
        (false, Language::Sv) => "Avsluta enkäter",
        (false, Language::En) => "Stop surveys",
    };
    let (sv_again, en_again) = included_again(false);
    let again = if lang == Language::En {
        en_again
    } else {
        sv_again
    };
    page(
        "opt_out.html",
        context! {
            lang => lang.as_str(),
            title,
            already,
            again,
            service => context.service_name,
            action => format!("/s/{token}/opt-out{}", lang_query(lang)),
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
    let (context, lang) = match invitation(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let all = form.scope.as_deref() == Some("all");
    if let Err(error) = store::invitations::opt_out(&state.db, &context, all).await {
        return internal_error(error);
    }
    let (sv, en) = stopped_surveys(&context.service_name, all);
    let (sv_again, en_again) = included_again(all);
    message_page(
        lang,
        StatusCode::OK,
        ("Du är avregistrerad", &[&sv, sv_again]),
        ("You have opted out", &[&en, en_again]),
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
        .at("/:token/thanks", get(show_thanks))
        .at("/:token/opt-out", get(confirm_opt_out).post(opt_out))
        .map_to_response()
        .map(with_security_headers)
}
