//! Refuses a request body larger than `server.max_body_bytes` with 413: at once when
//! `Content-Length` says so, and while reading a body sent without one (chunked).
//! (poem's `SizeLimit` also refuses bodiless requests without a `Content-Length`, which
//! would break every GET.)
//! The body must also arrive within [`BODY_READ_TIMEOUT`], or the request gets 408: poem
//! 3.1 has no read timeout of its own, so a client trickling its body would hold the
//! connection (and a database-bound handler waiting for it) indefinitely.

use std::time::Duration;

use poem::{Body, Endpoint, Error, Middleware, Request, Result, http::StatusCode, http::header};

pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

pub struct BodyLimit(pub usize);

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max_bytes: self.0,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    max_bytes: usize,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, request: Request) -> Result<Self::Output> {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let too_large = || {
            Error::from_string(
                format!("the request body is larger than {} bytes", self.max_bytes),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
        };
        if declared.is_some_and(|length| length > self.max_bytes) {
            return Err(too_large());
        }
        let mut request = request;
        let has_body = declared.is_some_and(|length| length > 0)
            || (declared.is_none() && request.headers().contains_key(header::TRANSFER_ENCODING));
        if has_body {
            let reading = request.take_body().into_bytes_limit(self.max_bytes);
            let bytes = tokio::time::timeout(BODY_READ_TIMEOUT, reading)
                .await
                .map_err(|_| {
                    Error::from_string(
                        format!(
                            "the request body did not arrive within {} seconds",
                            BODY_READ_TIMEOUT.as_secs()
                        ),
                        StatusCode::REQUEST_TIMEOUT,
                    )
                })?
                .map_err(|_| too_large())?;
            request.set_body(Body::from_bytes(bytes));
        }
        self.inner.call(request).await
    }
}
