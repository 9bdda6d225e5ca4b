//! Operations endpoints: liveness, readiness (database reachable) and metrics. The
//! metrics show when sign-ins and answers happen, so only a scraper holding
//! `metrics.token` gets them; without a token set they are not served at all.

use poem::{
    IntoResponse, Request, Response, handler,
    http::{StatusCode, header},
    web::Data,
};
use subtle::ConstantTimeEq;

use crate::usecases::{AppState, operations};

#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    if operations::database_ready(&state).await {
        "ready".into_response()
    } else {
        "database unreachable"
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .into_response()
    }
}

#[handler]
pub fn metrics(state: Data<&AppState>, request: &Request) -> Response {
    let Some(token) = &state.settings.metrics.token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = token.expose().trim();
    if !bool::from(presented.trim().as_bytes().ct_eq(expected.as_bytes())) {
        return "a bearer token (metrics.token) is needed"
            .with_status(StatusCode::UNAUTHORIZED)
            .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")
            .into_response();
    }
    let (size, idle) = operations::pool_usage(&state);
    state
        .metrics
        .render(size, idle)
        .with_content_type("text/plain; version=0.0.4")
        .into_response()
}
