//! Operations endpoints: liveness, readiness (which dependency fails) and metrics. The
//! metrics show when sign-ins and answers happen, so only a scraper holding
//! `metrics.token` gets them; without a token set they are not served at all.

use poem::{
    IntoResponse, Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Json},
};
use subtle::ConstantTimeEq;

use crate::usecases::{AppState, operations};

#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// 200 when ready, 503 when not; the JSON body names each dependency and what is
/// wrong with it, so a probe's log says which one failed.
#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    let readiness = operations::readiness(&state).await;
    let check = |result: &Result<(), String>| match result {
        Ok(()) => "ok".to_owned(),
        Err(problem) => problem.clone(),
    };
    let failing: Vec<&str> = [
        ("database", &readiness.database),
        ("answer_key", &readiness.answer_key),
        ("mail", &readiness.mail),
    ]
    .into_iter()
    .filter(|(_, result)| result.is_err())
    .map(|(name, _)| name)
    .collect();
    let body = serde_json::json!({
        "status": if readiness.is_ready() { "ready" } else { "not ready" },
        "failing": failing,
        "checks": {
            "database": check(&readiness.database),
            "answer_key": check(&readiness.answer_key),
            "mail": check(&readiness.mail),
        },
    });
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(body).with_status(status).into_response()
}

#[handler]
pub async fn metrics(state: Data<&AppState>, request: &Request) -> Response {
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
    operations::metrics_text(&state)
        .await
        .with_content_type(crate::metrics::CONTENT_TYPE)
        .into_response()
}
