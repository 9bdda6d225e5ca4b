//! Operations endpoints: liveness, readiness (database reachable) and metrics.

use poem::{IntoResponse, Response, handler, http::StatusCode, web::Data};

use crate::{store, usecases::AppState};

#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    if store::ping(&state.db).await {
        "ready".into_response()
    } else {
        "database unreachable"
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .into_response()
    }
}

#[handler]
pub fn metrics(state: Data<&AppState>) -> Response {
    let (size, idle) = store::pool_usage(&state.db);
    state
        .metrics
        .render(size, idle)
        .with_content_type("text/plain; version=0.0.4")
        .into_response()
}
