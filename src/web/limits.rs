//! Refuses a request body larger than `server.max_body_bytes` with 413: at once when
//! `Content-Length` says so, and while reading a body sent without one (chunked).
//! (poem's `SizeLimit` also refuses bodiless requests without a `Content-Length`, which
//! would break every GET.)

use poem::{Body, Endpoint, Error, Middleware, Request, Result, http::StatusCode, http::header};

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
        if declared.is_none() && request.headers().contains_key(header::TRANSFER_ENCODING) {
            let bytes = request
                .take_body()
                .into_bytes_limit(self.max_bytes)
                .await
                .map_err(|_| too_large())?;
            request.set_body(Body::from_bytes(bytes));
        }
        self.inner.call(request).await
    }
}
