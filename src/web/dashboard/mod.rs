//! The owner dashboard under `/dashboard`: sign-in by an emailed one-time link, then an
//! objektägare's services (or, for Kommunledningskontoret, every owner and the
//! overview), and a page per service with its rounds, charts and comments.
//! Server-rendered, no JavaScript, Swedish by default and English with `?lang=en`.
//!
//! Forms are protected against cross-site requests by a token: before sign-in a random
//! one kept in a cookie and repeated in the form (double submit), after sign-in one
//! derived from the session's secret. The session cookie is HttpOnly and SameSite=Lax,
//! and Secure when `server.public_url` is https.

use minijinja::{Value, context};
use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler,
    http::{StatusCode, header},
    middleware::CookieJarManager,
    web::{
        Data, Form, Path, Query,
        cookie::{Cookie, CookieJar, SameSite},
    },
};
use serde::Deserialize;

use super::{
    client_address::ClientAddress,
    pages::{lang_query, page},
    survey::with_security_headers,
};
use crate::{
    domain::{
        Actor, Error, Language,
        sign_in::{csrf_token, link_lifetime, tokens_match},
        token::SecretToken,
    },
    usecases::{
        AppState,
        sign_in::{self, LinkRequest},
    },
};

mod actions;
mod insatser;
mod reports;
mod results;
mod tables;

const SESSION_COOKIE: &str = "np_session";
/// The pre-sign-in form token (double submit).
const FORM_COOKIE: &str = "np_form";

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    fn language(&self) -> Language {
        self.lang
            .as_deref()
            .and_then(|lang| lang.parse().ok())
            .unwrap_or_default()
    }
}

use crate::wording::say;

fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> Cookie {
    let mut cookie = Cookie::new_with_str(name, value);
    cookie.set_path("/dashboard");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(state.settings.behind_https());
    cookie.set_max_age(std::time::Duration::from_secs(
        max_age_secs.max(0).unsigned_abs(),
    ));
    cookie
}

/// The form token of a page shown before sign-in: the browser's, or a new one.
fn form_token(state: &AppState, jar: &CookieJar) -> String {
    if let Some(existing) = jar.get(FORM_COOKIE)
        && existing.value_str().len() >= 32
    {
        return existing.value_str().to_owned();
    }
    let token = SecretToken::generate().as_str().to_owned();
    jar.add(cookie(state, FORM_COOKIE, &token, 24 * 3600));
    token
}

fn form_token_matches(jar: &CookieJar, presented: &str) -> bool {
    jar.get(FORM_COOKIE)
        .is_some_and(|kept| tokens_match(kept.value_str(), presented))
}

fn message(lang: Language, status: StatusCode, title: &str, paragraphs: &[String]) -> Response {
    page(
        "dashboard/message.html",
        context! { lang => lang.as_str(), title, paragraphs, signed_in => false },
        status,
    )
}

/// The status, title and explanation of a refused or failed page.
fn failure(lang: Language, error: Error) -> (StatusCode, String, Vec<String>) {
    match error {
        Error::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            say(lang, "Du har inte behörighet", "You do not have access"),
            vec![say(
                lang,
                "Sidan hör till en annan objektägares tjänster, eller till Kommunledningskontoret.",
                "The page belongs to another owner's services, or to Kommunledningskontoret.",
            )],
        ),
        Error::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            say(lang, "Sidan finns inte", "The page does not exist"),
            vec![say(
                lang,
                "Kontrollera adressen, eller gå tillbaka till översikten.",
                "Check the address, or go back to the overview.",
            )],
        ),
        Error::Invalid(problems) => (
            StatusCode::BAD_REQUEST,
            say(lang, "Adressen är felaktig", "The address is not valid"),
            problems.iter().map(ToString::to_string).collect(),
        ),
        other => {
            tracing::error!(error = %other.chain(), "dashboard page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                say(lang, "Något gick fel", "Something went wrong"),
                vec![say(
                    lang,
                    "Försök igen om en stund.",
                    "Please try again in a while.",
                )],
            )
        }
    }
}

/// A failure shown to someone not signed in.
fn failed(lang: Language, error: Error) -> Response {
    let (status, title, paragraphs) = failure(lang, error);
    message(lang, status, &title, &paragraphs)
}

/// A form whose CSRF token does not match (an old page, or another site's form).
fn stale_form(signed: &SignedIn) -> Response {
    let lang = signed.lang;
    signed.message(
        StatusCode::FORBIDDEN,
        &say(
            lang,
            "Formuläret gick inte att skicka",
            "The form could not be sent",
        ),
        &[say(
            lang,
            "Ladda om sidan och försök igen.",
            "Reload the page and try again.",
        )],
    )
}

// ---- Sign-in --------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: Option<String>,
    form_token: Option<String>,
}

fn login_form(
    state: &AppState,
    jar: &CookieJar,
    lang: Language,
    status: StatusCode,
    email: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    page(
        "dashboard/login.html",
        context! {
            lang => lang.as_str(),
            title => say(lang, "Logga in", "Sign in"),
            action => format!("/dashboard/login{}", lang_query(lang)),
            form_token => form_token(state, jar),
            email,
            error,
            notice,
            signed_in => false,
        },
        status,
    )
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    lang: Option<String>,
    signed_out: Option<String>,
}

#[handler]
async fn show_login(
    state: Data<&AppState>,
    jar: &CookieJar,
    Query(query): Query<LoginQuery>,
) -> Response {
    let lang = LangQuery { lang: query.lang }.language();
    let notice = query
        .signed_out
        .map(|_| say(lang, "Du är utloggad.", "You have signed out."));
    login_form(&state, jar, lang, StatusCode::OK, "", None, notice)
}

#[handler]
async fn request_link(
    state: Data<&AppState>,
    jar: &CookieJar,
    client: Data<&ClientAddress>,
    Query(query): Query<LangQuery>,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = query.language();
    let email = form.email.unwrap_or_default();
    if !form_token_matches(jar, form.form_token.as_deref().unwrap_or_default()) {
        return login_form(
            &state,
            jar,
            lang,
            StatusCode::BAD_REQUEST,
            &email,
            None,
            Some(say(
                lang,
                "Formuläret hade gått ut. Skriv din e-postadress igen.",
                "The form had expired. Please enter your email address again.",
            )),
        );
    }
    let minutes = link_lifetime().num_minutes();
    match sign_in::request_link(&state, &email, &client.rate_key()) {
        Ok(LinkRequest::Accepted) => message(
            lang,
            StatusCode::OK,
            &say(lang, "Titta i din e-post", "Check your email"),
            &[
                say(
                    lang,
                    &format!(
                        "Om {email} hör till en objektägare eller till Kommunledningskontoret \
                         har vi skickat en inloggningslänk dit. Den fungerar en gång, i {minutes} minuter."
                    ),
                    &format!(
                        "If {email} belongs to a service owner or to Kommunledningskontoret, \
                         a sign-in link is on its way there. It works once, for {minutes} minutes."
                    ),
                ),
                say(
                    lang,
                    "Kommer inget meddelande? Kontrollera adressen och skräpposten, eller kontakta Kommunledningskontoret.",
                    "No message? Check the address and your junk mail, or contact Kommunledningskontoret.",
                ),
            ],
        ),
        Ok(LinkRequest::TooMany) => message(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &say(lang, "För många försök", "Too many attempts"),
            &[say(
                lang,
                "Det har begärts för många inloggningslänkar på kort tid. Vänta en timme och försök igen.",
                "Too many sign-in links were asked for in a short time. Wait an hour and try again.",
            )],
        ),
        Err(Error::Invalid(problems)) => {
            let problem = problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default();
            let error = if email.trim().is_empty() {
                say(lang, "Skriv din e-postadress.", "Enter your email address.")
            } else {
                say(
                    lang,
                    &format!("Adressen går inte att använda: {problem}."),
                    &format!("The address cannot be used: {problem}."),
                )
            };
            login_form(
                &state,
                jar,
                lang,
                StatusCode::BAD_REQUEST,
                &email,
                Some(error),
                None,
            )
        }
        Err(other) => failed(lang, other),
    }
}

fn link_spent(lang: Language) -> Response {
    let minutes = link_lifetime().num_minutes();
    message(
        lang,
        StatusCode::GONE,
        &say(
            lang,
            "Länken har gått ut eller redan använts",
            "The link has expired or was already used",
        ),
        &[say(
            lang,
            &format!(
                "En inloggningslänk fungerar en gång, i {minutes} minuter. Begär en ny på inloggningssidan."
            ),
            &format!(
                "A sign-in link works once, for {minutes} minutes. Ask for a new one on the sign-in page."
            ),
        )],
    )
}

/// The link from the email shows a button rather than signing in at once: mail
/// scanners that open links would otherwise spend it before its owner clicks.
#[handler]
async fn confirm_link(
    state: Data<&AppState>,
    jar: &CookieJar,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = query.language();
    page(
        "dashboard/confirm.html",
        context! {
            lang => lang.as_str(),
            title => say(lang, "Logga in på Nyttopuls", "Sign in to Nyttopuls"),
            action => format!("/dashboard/login/{token}{}", lang_query(lang)),
            form_token => form_token(&state, jar),
            link_minutes => link_lifetime().num_minutes(),
            signed_in => false,
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    form_token: Option<String>,
}

#[handler]
async fn use_link(
    state: Data<&AppState>,
    jar: &CookieJar,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    Form(form): Form<TokenForm>,
) -> Response {
    let lang = query.language();
    if !form_token_matches(jar, form.form_token.as_deref().unwrap_or_default()) {
        return see_other(&format!("/dashboard/login/{token}{}", lang_query(lang)));
    }
    match sign_in::open_session(&state, &token).await {
        Ok(Some(session)) => {
            let lifetime = (session.expires_at - state.clock.now()).num_seconds();
            jar.add(cookie(&state, SESSION_COOKIE, &session.secret, lifetime));
            see_other(&format!("/dashboard{}", lang_query(lang)))
        }
        Ok(None) => link_spent(lang),
        Err(error) => failed(lang, error),
    }
}

/// The signed-in actor and their session's secret, or the response to send instead
/// (a redirect to the sign-in page).
async fn signed_in(
    state: &AppState,
    jar: &CookieJar,
    lang: Language,
) -> Result<(Actor, String), Response> {
    let to_login = || see_other(&format!("/dashboard/login{}", lang_query(lang)));
    let Some(secret) = jar.get(SESSION_COOKIE) else {
        return Err(to_login());
    };
    let secret = secret.value_str().to_owned();
    match sign_in::session_actor(state, &secret).await {
        Ok(Some(actor)) => Ok((actor, secret)),
        Ok(None) => Err(to_login()),
        Err(error) => Err(failed(lang, error)),
    }
}

/// Who signed in, their session's secret and the page's language: what every page after
/// sign-in starts from. Without a valid session the request goes to the sign-in page.
struct SignedIn {
    actor: Actor,
    secret: String,
    lang: Language,
}

impl<'a> poem::FromRequest<'a> for SignedIn {
    async fn from_request(
        request: &'a poem::Request,
        _body: &mut poem::RequestBody,
    ) -> poem::Result<Self> {
        let state = request
            .data::<AppState>()
            .expect("AppState is attached to every request");
        let lang = request
            .params::<LangQuery>()
            .map(|query| query.language())
            .unwrap_or_default();
        signed_in(state, request.cookie(), lang)
            .await
            .map(|(actor, secret)| Self {
                actor,
                secret,
                lang,
            })
            .map_err(poem::Error::from_response)
    }
}

impl SignedIn {
    /// What every signed-in page's layout needs.
    fn context(&self) -> Value {
        session_context(&self.actor, &self.secret, self.lang)
    }

    fn csrf(&self) -> String {
        csrf_token(&self.secret)
    }

    /// A message page that keeps the header's "Logga ut" and a way back.
    fn message(&self, status: StatusCode, title: &str, paragraphs: &[String]) -> Response {
        page(
            "dashboard/message.html",
            context! { lang => self.lang.as_str(), title, paragraphs, ..self.context() },
            status,
        )
    }

    fn fail(&self, error: Error) -> Response {
        let (status, title, paragraphs) = failure(self.lang, error);
        self.message(status, &title, &paragraphs)
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

#[handler]
async fn sign_out(
    state: Data<&AppState>,
    jar: &CookieJar,
    signed: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !tokens_match(&signed.csrf(), form.csrf.as_deref().unwrap_or_default()) {
        return stale_form(&signed);
    }
    if let Err(error) = sign_in::sign_out(&state, &signed.actor, &signed.secret).await {
        return signed.fail(error);
    }
    let mut ended = cookie(&state, SESSION_COOKIE, "", 0);
    ended.make_removal();
    jar.add(ended);
    see_other(&format!(
        "/dashboard/login{}&signed_out=1",
        lang_query(signed.lang)
    ))
}

// ---- Pages ----------------------------------------------------------------------

/// What every signed-in page's layout needs: who, and the sign-out form's token.
fn session_context(actor: &Actor, secret: &str, lang: Language) -> Value {
    context! {
        signed_in => true,
        admin => actor.is_admin(),
        csrf => csrf_token(secret),
        sign_out_action => format!("/dashboard/logout{}", lang_query(lang)),
        home => format!("/dashboard{}", lang_query(lang)),
        reports_href => format!("/dashboard/reports{}", lang_query(lang)),
        insatser_href => format!("/dashboard/insatser{}", lang_query(lang)),
        portfolio_href => format!("/dashboard/portfolio{}", lang_query(lang)),
    }
}

#[handler]
fn stylesheet() -> Response {
    concat!(include_str!("../survey.css"), include_str!("dashboard.css"))
        .with_content_type("text/css; charset=utf-8")
        .with_header(header::CACHE_CONTROL, "public, max-age=3600")
        .into_response()
}

pub fn routes() -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/", get(results::home))
        .at("/assets/dashboard.css", get(stylesheet))
        .at("/login", get(show_login).post(request_link))
        .at("/login/:token", get(confirm_link).post(use_link))
        .at("/logout", poem::post(sign_out))
        .at("/owners/:owner_id", get(results::owner_home))
        .at("/services/:service_id", get(results::service_page))
        .at("/reports", get(reports::report_page))
        .at("/reports/regenerate", poem::post(reports::regenerate))
        .at("/reports/:name", get(reports::report_file))
        .at("/insatser", get(insatser::list))
        .at("/insatser/:id", get(insatser::detail))
        .at("/insatser/:id/status", poem::post(insatser::change_status))
        .at("/portfolio", get(insatser::portfolio))
        .at("/actions", poem::post(actions::create))
        .at("/actions/:id", poem::post(actions::update))
        .with(CookieJarManager::new())
        .map_to_response()
        .map(with_security_headers)
}
