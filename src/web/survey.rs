//! The respondent's pages under `/s/{token}`: the answer form, the thank-you page and
//! opt-out. Server-rendered, no JavaScript, Swedish by default. Answers are stored
//! through the [`AnswerWriter`](super::answer_writer::AnswerWriter) in batches.

use std::collections::BTreeMap;

use chrono::Utc;
use minijinja::context;
use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query},
};
use serde::Deserialize;

use super::{
    answer_form::answer_form,
    pages::{
        ResultsNotice, already_answered, closed, included_again, internal_error, lang_query,
        message_page, not_found, opted_out, page, stopped_surveys, thanks,
    },
};
use crate::{
    app::AppState,
    domain::{
        Language,
        questionnaire::{Questionnaire, check_answers},
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

fn language(query: &LangQuery, context: Option<&InvitationContext>) -> Language {
    query
        .lang
        .as_deref()
        .and_then(|lang| lang.parse().ok())
        .or_else(|| context.map(|c| c.language))
        .unwrap_or_default()
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
