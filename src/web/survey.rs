//! The respondent's pages under `/s/{token}`: the answer form, the thank-you page and
//! opt-out. Server-rendered, no JavaScript, Swedish by default. Each handler takes the
//! link as parsed once ([`LinkRequest`]), calls one use case in
//! [`crate::usecases::answers`] and renders what it returns.

use std::collections::BTreeMap;

use minijinja::context;
use poem::{
    Endpoint, EndpointExt, FromRequest, IntoResponse, Request, RequestBody, Response, Route, get,
    handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query},
};
use serde::Deserialize;

use super::{
    answer_form::{FormTarget, answer_form, blank_form},
    news::{ResultsNotice, thanks},
    pages::{
        already_answered, closed, included_again, internal_error, lang_query, message_page,
        not_found, opted_out, page, stopped_surveys,
    },
};
use crate::{
    domain::{Error, Language, answering::OptOutScope, token::SecretToken},
    usecases::AppState,
    usecases::answers::{self, AfterAnswer, LinkState, OnLink, Submitted},
};

#[derive(Debug, Deserialize)]
pub(super) struct LangQuery {
    pub lang: Option<String>,
}

/// What every page under `/s/{token}` is asked, parsed once: the link's token (`None`
/// when it cannot be one we handed out) and the language `?lang=` asks for (a language
/// we do not speak is ignored, not an error).
struct LinkRequest {
    token: Option<SecretToken>,
    asked_language: Option<Language>,
}

impl<'a> FromRequest<'a> for LinkRequest {
    async fn from_request(request: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let Path(token) = Path::<String>::from_request(request, body).await?;
        let Query(query) = Query::<LangQuery>::from_request(request, body).await?;
        Ok(Self {
            token: SecretToken::parse(&token),
            asked_language: query.lang.and_then(|lang| lang.parse().ok()),
        })
    }
}

impl LinkRequest {
    /// The page's language: the one asked for, else that of the person the link was
    /// sent to, else Swedish.
    fn language(&self, person: Option<Language>) -> Language {
        self.asked_language.or(person).unwrap_or_default()
    }

    /// The page for a link that leads nowhere.
    fn not_found(&self) -> Response {
        not_found(self.language(None))
    }

    /// The page for a use case's outcome, drawn by `show` in the page's language; or the
    /// page that stands in for it: not found, or an internal error.
    fn render<T>(
        &self,
        result: Result<Option<OnLink<T>>, Error>,
        show: impl FnOnce(T, Language) -> Response,
    ) -> Response {
        match result {
            Ok(Some(found)) => show(found.outcome, self.language(Some(found.language))),
            Ok(None) => self.not_found(),
            Err(error) => internal_error(error),
        }
    }
}

/// The page for a link that cannot take an answer (`answered_status`: how an
/// already-answered or opted-out link is reported).
fn not_answerable(link: &LinkState, lang: Language, answered_status: StatusCode) -> Response {
    match link {
        LinkState::Answered => already_answered(lang, answered_status),
        LinkState::OptedOut {
            service_name,
            scope,
        } => opted_out(
            lang,
            answered_status,
            service_name,
            *scope == OptOutScope::AllServices,
        ),
        LinkState::Closed { early } => closed(lang, *early),
        // Not reached: an open link shows its form.
        LinkState::Open(_) => closed(lang, false),
    }
}

#[handler]
async fn show_form(state: Data<&AppState>, link: LinkRequest) -> Response {
    let Some(token) = &link.token else {
        return link.not_found();
    };
    let found = answers::open_link(&state, token).await;
    link.render(found, |outcome, lang| match &outcome {
        LinkState::Open(form) => blank_form(&FormTarget::personal(token, lang), form, lang),
        other => not_answerable(other, lang, StatusCode::OK),
    })
}

#[handler]
async fn submit_form(
    state: Data<&AppState>,
    link: LinkRequest,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let Some(token) = &link.token else {
        return link.not_found();
    };
    let submitted = answers::submit_answer(&state, token, &form).await;
    link.render(submitted, |outcome, lang| match outcome {
        // POST-redirect-GET: reloading the thank-you page does not send the form again.
        Submitted::Stored => {
            see_other(&format!("/s/{}/thanks{}", token.as_str(), lang_query(lang)))
        }
        Submitted::Invalid {
            form: answer,
            problems,
        } => answer_form(
            &FormTarget::personal(token, lang),
            &answer,
            lang,
            &form,
            &problems,
        ),
        Submitted::Refused(state) => not_answerable(&state, lang, StatusCode::CONFLICT),
    })
}

pub(super) fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

/// The thank-you page of a link (personal or open) that was answered; otherwise back to
/// `form_path`: the form, or whatever the link shows instead. `results_href` is the
/// link's results page; an open link has none (nobody's answer is tied to it).
pub(super) fn after_answer_page(
    outcome: AfterAnswer,
    lang: Language,
    form_path: &str,
    results_href: Option<String>,
) -> Response {
    match outcome {
        AfterAnswer::Answered(due) => thanks(
            lang,
            &ResultsNotice {
                service: &due.service_name,
                closes_at: due.closes_at,
                still_open: due.still_open,
                min_group_size: due.min_group_size,
                actions: &due.actions,
                results_href,
            },
        ),
        AfterAnswer::NotAnswered => see_other(form_path),
    }
}

#[handler]
async fn show_thanks(state: Data<&AppState>, link: LinkRequest) -> Response {
    let Some(token) = &link.token else {
        return link.not_found();
    };
    let found = answers::after_answer(&state, token).await;
    link.render(found, |outcome, lang| {
        after_answer_page(
            outcome,
            lang,
            &format!("/s/{}{}", token.as_str(), lang_query(lang)),
            Some(format!("/s/{}/results{}", token.as_str(), lang_query(lang))),
        )
    })
}

/// The service's last released figures and its published actions.
#[handler]
async fn show_results(state: Data<&AppState>, link: LinkRequest) -> Response {
    let Some(token) = &link.token else {
        return link.not_found();
    };
    let found = crate::usecases::actions::news_for_link(&state, token).await;
    link.render(found, |news, lang| super::news::results_page(&news, lang))
}

#[handler]
async fn confirm_opt_out(state: Data<&AppState>, link: LinkRequest) -> Response {
    let Some(token) = &link.token else {
        return link.not_found();
    };
    let found = answers::opt_out_offer(&state, token).await;
    link.render(found, |offer, lang| {
        if offer.already == Some(OptOutScope::AllServices) {
            let (sv, en) = stopped_surveys(&offer.service_name, true);
            let (sv_again, en_again) = included_again(true);
            return message_page(
                lang,
                StatusCode::OK,
                ("Du är redan avregistrerad", &[&sv, sv_again]),
                ("You have already opted out", &[&en, en_again]),
            );
        }
        // Opted out of this service already: say so, and offer only the wider opt-out.
        let already = offer.already.is_some();
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
                service => offer.service_name,
                action => format!("/s/{}/opt-out{}", token.as_str(), lang_query(lang)),
            },
            StatusCode::OK,
        )
    })
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
    link: LinkRequest,
    request: &Request,
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
    let scope = if scope.as_deref() == Some("all") {
        OptOutScope::AllServices
    } else {
        OptOutScope::Service
    };
    let Some(token) = &link.token else {
        return link.not_found();
    };
    let done = answers::opt_out(&state, token, scope).await;
    link.render(done, |service_name, lang| {
        let all = scope == OptOutScope::AllServices;
        let (sv, en) = stopped_surveys(&service_name, all);
        let (sv_again, en_again) = included_again(all);
        message_page(
            lang,
            StatusCode::OK,
            ("Du är avregistrerad", &[&sv, sv_again]),
            ("You have opted out", &[&en, en_again]),
        )
    })
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
        .at("/:token/results", get(show_results))
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
