//! Operations endpoints: liveness, readiness (database reachable) and metrics.

use poem::{IntoResponse, Response, handler, http::StatusCode, web::Data};

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
pub fn metrics(state: Data<&AppState>) -> Response {
    let (size, idle) = operations::pool_usage(&state);
    state
        .metrics
        .render(size, idle)
        .with_content_type("text/plain; version=0.0.4")
        .into_response()
}
