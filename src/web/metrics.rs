//! Records every request into the metrics registry ([`crate::metrics`]), labelled by
//! route pattern so that tokens and ids never become label values.

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Middleware, PathPattern, Request, Response, Result};

use crate::metrics::Metrics;

/// Words that may appear in an API route label; anything else becomes `:id`, and a
/// refused or unknown request becomes `unmatched`, so no request can add label values.
const ROUTE_WORDS: [&str; 34] = [
    "api",
    "v1",
    "departments",
    "owners",
    "services",
    "respondents",
    "import",
    "export",
    "questionnaires",
    "programmes",
    "run",
    "rounds",
    "close",
    "jobs",
    "audit",
    "openapi.json",
    "docs",
    "results",
    "charts",
    "comments",
    "reports",
    "nyttoanalys",
    "nyttoanalys.csv",
    "nyttoanalys.html",
    "nyttoanalys.xlsx",
    "generate",
    "tokens",
    "goals",
    "insatser",
    "priorities",
    "status",
    "realisation",
    "actions",
    "open-link",
];

/// A label for a path no route pattern names (the API's own router).
fn route_label(path: &str, status: poem::http::StatusCode) -> String {
    use poem::http::StatusCode;
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::PAYLOAD_TOO_LARGE
    ) || !path.starts_with("/api/")
    {
        return "unmatched".into();
    }
    path.split('/')
        .map(|segment| {
            if segment.is_empty() || ROUTE_WORDS.contains(&segment) {
                segment
            } else {
                ":id"
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Records every request; the route label is the matched pattern (not the raw path), so
/// tokens and ids never become label values.
pub struct RecordMetrics(pub std::sync::Arc<Metrics>);

impl<E: Endpoint> Middleware<E> for RecordMetrics {
    type Output = RecordMetricsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RecordMetricsEndpoint {
            inner,
            metrics: self.0.clone(),
        }
    }
}

pub struct RecordMetricsEndpoint<E> {
    inner: E,
    metrics: std::sync::Arc<Metrics>,
}

impl<E: Endpoint> Endpoint for RecordMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, request: Request) -> Result<Response> {
        let started = Instant::now();
        let method = request.method().to_string();
        let path = request.uri().path().to_owned();
        let response = match self.inner.call(request).await {
            Ok(output) => output.into_response(),
            Err(error) => error.into_response(),
        };
        let route = match response.data::<PathPattern>() {
            Some(pattern) if !pattern.0.is_empty() => pattern.0.to_string(),
            _ => route_label(&path, response.status()),
        };
        self.metrics.observe(
            &route,
            &method,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
        Ok(response)
    }
}
