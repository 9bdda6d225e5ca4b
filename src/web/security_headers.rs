//! Security headers on every response, errors included (a 404 from the router or a
//! 400 from a form that did not parse never passes a page's own header code): no
//! sniffing, no framing, no referrer (personal links are secrets in the URL), no
//! caching unless a route chose otherwise, and a content security policy with no script
//! at all — except Swagger UI at `/api/docs`, which is one page of inline script and
//! style (poem-openapi bundles it; nothing is loaded from elsewhere).

use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderMap, HeaderValue, header},
};

/// Pages and API answers: no script, styles from us (the HTML report carries its own
/// `<style>`, so inline styles are allowed; they cannot run code).
pub const DEFAULT_POLICY: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Swagger UI: its bundled script and style are inline, and it fetches the spec and
/// tries requests on this origin only.
pub const DOCS_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub struct SecurityHeaders;

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        SecurityHeadersEndpoint { inner }
    }
}

pub struct SecurityHeadersEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, request: Request) -> Result<Response> {
        let docs = request.uri().path().starts_with("/api/docs");
        let mut response = match self.inner.call(request).await {
            Ok(output) => output.into_response(),
            Err(error) => error.into_response(),
        };
        secure(response.headers_mut(), docs);
        Ok(response)
    }
}

/// Adds what a response lacks; a route's own stricter policy or caching stays.
fn secure(headers: &mut HeaderMap, docs: bool) {
    let mut add = |name: header::HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    add(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    add(header::X_FRAME_OPTIONS, "DENY");
    add(header::REFERRER_POLICY, "no-referrer");
    add(header::CACHE_CONTROL, "no-store");
    add(
        header::CONTENT_SECURITY_POLICY,
        if docs { DOCS_POLICY } else { DEFAULT_POLICY },
    );
}
