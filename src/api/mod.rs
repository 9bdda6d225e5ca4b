//! The JSON API under `/api/v1` (poem-openapi): one struct per resource group, the
//! OpenAPI document at `/api/openapi.json` and Swagger UI at `/api/docs`.

mod actions;
mod allow;
pub mod audit;
mod auth;
pub mod catalogue;
mod codes;
mod dto;
pub mod error;
mod insatser;
mod jobs;
mod open_links;
mod paging;
mod params;
mod rendered;
mod reports;
pub mod respondents;
mod results;
mod surveys;
mod text;
mod tokens;

use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, http::StatusCode};
use poem_openapi::{OpenApiService, Tags};

pub use auth::BearerAuth;

#[derive(Tags)]
pub enum ApiTags {
    /// Förvaltningar, objektägare and IT services
    Catalogue,
    /// The users of the IT services, who receive surveys
    Respondents,
    /// Questionnaires, programmes and rounds
    Surveys,
    /// Scores per service, objektägare and förvaltning, and comments
    Results,
    /// The nyttoanalys for Kommunledningskontoret
    Reports,
    /// Running scheduled jobs on demand
    Jobs,
    /// Who changed what, when
    Audit,
    /// The API tokens that give access to this API
    Tokens,
    /// KF goals, insatser with their nyttokalkyl, benefit realisation and prioritisation
    Insatser,
    /// What objektägare do about their services' results ("ni sa – vi gör")
    Actions,
}

/// Every part of the API, each its own tag.
type Apis = (
    catalogue::CatalogueApi,
    respondents::RespondentsApi,
    surveys::SurveyApi,
    results::ResultsApi,
    reports::ReportsApi,
    jobs::JobsApi,
    audit::AuditApi,
    tokens::TokensApi,
    insatser::InsatserApi,
    actions::ActionsApi,
    open_links::OpenLinksApi,
);

pub fn service(public_url: &str) -> OpenApiService<Apis, ()> {
    OpenApiService::new(Apis::default(), "Nyttopuls", env!("CARGO_PKG_VERSION"))
        .description(
            "Benefit evaluation of a municipality's IT services: the service catalogue, \
         the users who are surveyed, the survey programmes and rounds that ask them, and \
         the results per service, objektägare and förvaltning (figures for groups below \
         the anonymity threshold say `too_few_answers`), and the insatser with their \
         nyttokalkyl, benefit realisation and prioritisation. \
         Every route needs `Authorization: Bearer <token>` (create one with \
         `nyttopuls token create`). Every list is paged the same way: `page` (from 1) \
         and `per_page` (1–500, default 50) in, `{items, page, per_page, total}` out.",
        )
        .server(public_url.trim_end_matches('/'))
}

/// The API routes, with every error that did not come from an operation (unknown
/// route, missing token, body too large) turned into the same JSON body, and `Allow`
/// on a 405.
pub fn routes(public_url: &str, max_body_bytes: usize) -> impl Endpoint<Output = Response> + use<> {
    let api = service(public_url);
    let allowed = serde_json::from_str(&api.spec())
        .map(|spec| allow::AllowedMethods::from_spec(&spec))
        .unwrap_or_default();
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let routes = Route::new()
        .nest("/", api)
        .at("/api/openapi.json", spec)
        .nest("/api/docs", docs)
        .with(crate::web::limits::BodyLimit(max_body_bytes))
        .catch_all_error(json_error)
        .map_to_response();
    allow::with_allow_header(routes, allowed)
}

async fn json_error(error: poem::Error) -> Response {
    if error.is_from_response() {
        return error.into_response();
    }
    let status = error.status();
    let code = match status {
        StatusCode::BAD_REQUEST => "invalid",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    let message = match status {
        StatusCode::UNAUTHORIZED => {
            "send a valid API token as `Authorization: Bearer <token>`".to_owned()
        }
        StatusCode::NOT_FOUND => "no such route".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the request body is larger than the server accepts".to_owned()
        }
        s if s.is_server_error() => {
            tracing::error!(%error, "unhandled error");
            "the server could not complete the request; it has been logged".to_owned()
        }
        _ => codes::with_allowed_values(error.to_string()),
    };
    poem::web::Json(serde_json::json!({"error": code, "message": message}))
        .with_status(status)
        .into_response()
}
