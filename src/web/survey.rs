//! The respondent's pages under `/s/{token}`: the answer form, the thank-you page and
//! opt-out. Server-rendered, no JavaScript, Swedish by default. The handlers call the
//! use cases in [`crate::usecases::answers`] and render what they return.

use std::collections::BTreeMap;

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
    domain::Language,
    usecases::AppState,
    usecases::answers::{self, InvitationContext, LinkState, SubmitOutcome},
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
        LinkState::OptedOut(link) => opted_out(
            lang,
            answered_status,
            &link.service_name,
            link.opted_out_all,
        ),
        LinkState::Closed(link) => closed(lang, link.closed_early()),
        // Open a moment ago, closed by the time the answer was written.
        LinkState::Open(..) => closed(lang, false),
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
        // POST-redirect-GET: reloading the thank-you page does not send the form again.
        Ok(SubmitOutcome::Stored) => see_other(&format!("/s/{token}/thanks{}", lang_query(lang))),
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
        Ok(SubmitOutcome::RoundClosed) => closed(lang, context.closed_early()),
        Err(error) => internal_error(error),
    }
}

fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

#[handler]
async fn show_thanks(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let (link, lang) = match open_link(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match &link {
        LinkState::Answered(context) => thanks(
            lang,
            &ResultsNotice {
                service: &context.service_name,
                closes_at: context.closes_at,
                still_open: context.accepts_answers(state.clock.now()),
                min_group_size: state.settings.survey.min_group_size,
            },
        ),
        LinkState::Unknown => not_found(lang),
        // Not answered (yet): the form, or whatever the link shows instead.
        _ => see_other(&format!("/s/{token}{}", lang_query(lang))),
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
    let already = context.opted_out() || context.opted_out_of_service;
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
            service => context.service_name.clone(),
            action => format!("/s/{token}/opt-out{}", lang_query(lang)),
        },
        StatusCode::OK,
    )
}

/// The `scope` of an opt-out form: `all` stops every survey; anything else (including
/// RFC 8058's one-click body `List-Unsubscribe=One-Click`) stops this service's. Mail
/// clients post the one-click body as `multipart/form-data` (the RFC's SHOULD) or
/// urlencoded; both are read here by hand (one field: smaller than poem's multipart
/// feature). `Err` for any other kind of body.
fn opt_out_scope(content_type: &str, body: &[u8]) -> Result<Option<String>, ()> {
    let body = String::from_utf8_lossy(body);
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => Ok(body.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name) == "scope").then(|| percent_decode(value))
        })),
        "multipart/form-data" => {
            let boundary = content_type
                .split(';')
                .filter_map(|param| param.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
                .map(|(_, value)| value.trim().trim_matches('"').to_owned())
                .ok_or(())?;
            Ok(body
                .split(&format!("--{boundary}"))
                .filter_map(|part| {
                    let part = part.strip_prefix("\r\n").unwrap_or(part);
                    let (headers, value) = part
                        .split_once("\r\n\r\n")
                        .or_else(|| part.split_once("\n\n"))?;
                    let named_scope = headers.lines().any(|line| {
                        line.to_ascii_lowercase()
                            .starts_with("content-disposition:")
                            && (line.contains("name=\"scope\"") || line.contains("name=scope"))
                    });
                    named_scope.then(|| value.trim_end_matches(['\r', '\n']).to_owned())
                })
                .next())
        }
        "" if body.trim().is_empty() => Ok(None),
        _ => Err(()),
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[handler]
async fn opt_out(
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    request: &poem::Request,
    body: poem::Body,
) -> Response {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Ok(body) = body.into_bytes().await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Ok(scope) = opt_out_scope(&content_type, &body) else {
        return "send the form as application/x-www-form-urlencoded or multipart/form-data"
            .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .into_response();
    };
    let (link, lang) = match open_link(&state, &token, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(context) = link_context(&link) else {
        return not_found(lang);
    };
    let all = scope.as_deref() == Some("all");
    if let Err(error) = answers::opt_out(&state, context, all).await {
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

/// Security headers for every respondent and dashboard page: no referrer (the URL is a
/// secret), a strict CSP (no script at all, no third parties), no caching, no framing.
pub(super) async fn with_security_headers(response: Response) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opt_out_scope_is_read_from_either_form_encoding() {
        let urlencoded = "application/x-www-form-urlencoded";
        assert_eq!(
            opt_out_scope(urlencoded, b"List-Unsubscribe=One-Click"),
            Ok(None)
        );
        assert_eq!(
            opt_out_scope(urlencoded, b"scope=all&x=%C3%A5+b"),
            Ok(Some("all".into()))
        );
        assert_eq!(percent_decode("%C3%A5+b%2"), "å b%2");
        let multipart = "multipart/form-data; boundary=\"XyZ\"";
        let body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"scope\"\r\n\r\nall\r\n--XyZ--\r\n";
        assert_eq!(
            opt_out_scope(multipart, body.as_bytes()),
            Ok(Some("all".into()))
        );
        let one_click = "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n";
        assert_eq!(opt_out_scope(multipart, one_click.as_bytes()), Ok(None));
        assert_eq!(opt_out_scope("multipart/form-data", b""), Err(()));
        assert_eq!(opt_out_scope("application/json", b"{}"), Err(()));
        assert_eq!(opt_out_scope("", b""), Ok(None));
    }
}
