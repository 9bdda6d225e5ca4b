//! The open link's pages under `/o/{code}`: the same answer form as a personal link's,
//! the thank-you page, and the link's QR code (SVG, PNG). Who answered is remembered by
//! the browser only: a cookie set with the answer (HttpOnly, SameSite=Lax, its path the
//! link's own) makes the link say "you have already answered" and store nothing more.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem::{
    Endpoint, EndpointExt, FromRequest, IntoResponse, Request, RequestBody, Response, Route, get,
    handler,
    http::{StatusCode, header},
    middleware::CookieJarManager,
    web::{
        Data, Form, Path, Query,
        cookie::{Cookie, CookieJar, SameSite},
    },
};

use super::{
    answer_form::{FormTarget, answer_form, blank_form},
    client_address::ClientAddress,
    pages::{internal_error, lang_query, message_page, not_found},
    survey::{LangQuery, after_answer_page, see_other, with_security_headers},
};
use crate::{
    domain::{Error, Language, open_link::OpenLinkCode},
    usecases::{
        AppState,
        open_links::{self, OpenLinkPage, OpenSubmitted, QrFormat},
    },
};

/// The cookie that says this browser answered through the link (its path is the link's).
const ANSWERED_COOKIE: &str = "nyttopuls_answered";

/// What every page under `/o/{code}` is asked, parsed once: the code (`None` when it
/// cannot be one we handed out), the language `?lang=` asks for (Swedish otherwise:
/// nobody's language is known), and whether this browser answered here.
struct OpenLinkRequest {
    code: Option<OpenLinkCode>,
    lang: Language,
    answered_here: bool,
    /// The browser says the request comes from a page of another site (`Sec-Fetch-Site`).
    cross_site: bool,
}

impl<'a> FromRequest<'a> for OpenLinkRequest {
    async fn from_request(request: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let Path(code) = Path::<String>::from_request(request, body).await?;
        let Query(query) = Query::<LangQuery>::from_request(request, body).await?;
        let jar = <&CookieJar>::from_request(request, body).await?;
        Ok(Self {
            code: OpenLinkCode::parse(&code),
            lang: query
                .lang
                .and_then(|lang| lang.parse().ok())
                .unwrap_or_default(),
            answered_here: jar.get(ANSWERED_COOKIE).is_some(),
            cross_site: request
                .headers()
                .get("sec-fetch-site")
                .is_some_and(|site| site == "cross-site"),
        })
    }
}

impl OpenLinkRequest {
    fn path(&self, code: &OpenLinkCode, below: &str) -> String {
        format!("/o/{}{below}{}", code.as_str(), lang_query(self.lang))
    }
}

/// What an open link shows instead of its form (`answered_status`: how a second answer
/// from the same browser is reported).
fn not_answerable(page: &OpenLinkPage, lang: Language, answered_status: StatusCode) -> Response {
    match page {
        OpenLinkPage::AnsweredHere => message_page(
            lang,
            answered_status,
            (
                "Du har redan svarat",
                &[
                    "Ditt svar från den här webbläsaren är sparat sedan tidigare. Varje webbläsare kan svara en gång.",
                ],
            ),
            (
                "You have already answered",
                &["Your answer from this browser was saved before. Each browser can answer once."],
            ),
        ),
        OpenLinkPage::Closed { early } => {
            let (sv, en) = if *early {
                (
                    "Enkäten stängdes innan svarstiden var slut, så den tar inte längre emot svar.",
                    "The survey was closed before its end date, so it no longer takes answers.",
                )
            } else {
                (
                    "Tiden för att svara har gått ut, så enkäten tar inte längre emot svar.",
                    "The time to answer has passed, so the survey no longer takes answers.",
                )
            };
            message_page(
                lang,
                StatusCode::GONE,
                ("Enkäten är stängd", &[sv, "Tack för ditt intresse."]),
                (
                    "The survey is closed",
                    &[en, "Thank you for your interest."],
                ),
            )
        }
        // Not reached: an open page shows its form.
        OpenLinkPage::Open(_) => not_found(lang),
    }
}

fn too_many(lang: Language) -> Response {
    message_page(
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        (
            "För många svar på kort tid",
            &[
                "Många svar har skickats från din anslutning den senaste minuten, så det här sparades inte. Vänta en minut och försök igen.",
            ],
        ),
        (
            "Too many answers in a short time",
            &[
                "Many answers were sent from your connection in the last minute, so this one was not saved. Wait a minute and try again.",
            ],
        ),
    )
    .with_header(header::RETRY_AFTER, "60")
    .into_response()
}

fn respond(request: &OpenLinkRequest, result: Result<Option<Response>, Error>) -> Response {
    match result {
        Ok(Some(response)) => response,
        Ok(None) => not_found(request.lang),
        Err(error) => internal_error(error),
    }
}

#[handler]
async fn show_form(state: Data<&AppState>, request: OpenLinkRequest) -> Response {
    let Some(code) = &request.code else {
        return not_found(request.lang);
    };
    let lang = request.lang;
    let page = open_links::open_link_page(&state, code, request.answered_here).await;
    respond(
        &request,
        page.map(|found| {
            found.map(|page| match &page {
                OpenLinkPage::Open(form) => blank_form(&FormTarget::open(code, lang), form, lang),
                other => not_answerable(other, lang, StatusCode::OK),
            })
        }),
    )
}

#[handler]
async fn submit_form(
    state: Data<&AppState>,
    request: OpenLinkRequest,
    client: Data<&ClientAddress>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let Some(code) = &request.code else {
        return not_found(request.lang);
    };
    let lang = request.lang;
    // Unlike a personal link, the open link is no secret: a page elsewhere could make
    // its visitors' browsers post answers. Browsers say when a form comes from another
    // site, and such an answer is refused.
    if request.cross_site {
        return message_page(
            lang,
            StatusCode::FORBIDDEN,
            (
                "Svaret kom från en annan webbplats",
                &["Öppna enkätens länk och svara på formuläret där."],
            ),
            (
                "The answer came from another website",
                &["Open the survey's link and answer the form there."],
            ),
        );
    }
    let submitted = open_links::submit_open_answer(
        &state,
        code,
        &client.rate_key(),
        request.answered_here,
        &form,
    )
    .await;
    respond(
        &request,
        submitted.map(|found| {
            found.map(|outcome| match outcome {
                // POST-redirect-GET, remembering in the browser that it answered.
                OpenSubmitted::Stored { closes_at } => {
                    let mut response = see_other(&request.path(code, "/thanks"));
                    let cookie = answered_cookie(&state, code, closes_at);
                    if let Ok(value) = cookie.to_string().parse() {
                        response.headers_mut().append(header::SET_COOKIE, value);
                    }
                    response
                }
                OpenSubmitted::Invalid {
                    form: answer,
                    problems,
                } => answer_form(
                    &FormTarget::open(code, lang),
                    &answer,
                    lang,
                    &form,
                    &problems,
                ),
                OpenSubmitted::Refused(page) => not_answerable(&page, lang, StatusCode::CONFLICT),
                OpenSubmitted::TooMany => too_many(lang),
            })
        }),
    )
}

/// Kept until the round closes (after that the link says it is closed anyway).
fn answered_cookie(state: &AppState, code: &OpenLinkCode, closes_at: DateTime<Utc>) -> Cookie {
    let mut cookie = Cookie::new_with_str(ANSWERED_COOKIE, "1");
    cookie.set_path(format!("/o/{}", code.as_str()));
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(state.settings.behind_https());
    let left = (closes_at - state.clock.now()).num_seconds().max(0);
    cookie.set_max_age(std::time::Duration::from_secs(left.unsigned_abs()));
    cookie
}

#[handler]
async fn show_thanks(state: Data<&AppState>, request: OpenLinkRequest) -> Response {
    let Some(code) = &request.code else {
        return not_found(request.lang);
    };
    let lang = request.lang;
    let found = open_links::after_open_answer(&state, code, request.answered_here).await;
    respond(
        &request,
        found.map(|found| {
            found.map(|outcome| after_answer_page(outcome, lang, &request.path(code, ""), None))
        }),
    )
}

async fn qr_code(state: &AppState, code: &str, format: QrFormat) -> Response {
    let Some(code) = OpenLinkCode::parse(code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match format {
        QrFormat::Svg => "image/svg+xml",
        QrFormat::Png => "image/png",
    };
    match open_links::open_link_qr(state, &code, format).await {
        Ok(Some(image)) => image
            .with_content_type(content_type)
            .with_header(header::CACHE_CONTROL, "public, max-age=86400")
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => internal_error(error),
    }
}

#[handler]
async fn qr_svg(state: Data<&AppState>, Path(code): Path<String>) -> Response {
    qr_code(&state, &code, QrFormat::Svg).await
}

#[handler]
async fn qr_png(state: Data<&AppState>, Path(code): Path<String>) -> Response {
    qr_code(&state, &code, QrFormat::Png).await
}

pub fn routes() -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/:code", get(show_form).post(submit_form))
        .at("/:code/thanks", get(show_thanks))
        .at("/:code/qr.svg", get(qr_svg))
        .at("/:code/qr.png", get(qr_png))
        .with(CookieJarManager::new())
        .map_to_response()
        .map(with_security_headers)
}
