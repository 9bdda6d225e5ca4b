//! The one place where domain errors become HTTP statuses. Every error body is
//! `{ "error": code, "message": text }` (plus `problems` for field-level detail).
//! poem-openapi's own parse failures (bad JSON, wrong types, bad query values) get the
//! same body from `json_error` in the module root: an operation's `bad_request_handler`
//! would only apply to its success type, not to this error type.

use poem_openapi::{ApiResponse, Object, payload::Json};

use crate::domain::{Error, FieldProblem};

#[derive(Debug, Object)]
pub struct ProblemDto {
    /// CSV line (header = 1), for imports.
    #[oai(skip_serializing_if_is_none)]
    pub line: Option<u64>,
    /// The field or column.
    pub field: String,
    pub message: String,
}

#[derive(Debug, Object)]
pub struct ErrorBody {
    /// Machine-readable code: `invalid`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `gone`, `payload_too_large`,
    /// `unsupported_media_type`, `request_timeout`, `internal`.
    pub error: String,
    /// What went wrong and what to fix.
    pub message: String,
    /// Every problem found, when there are several (imports, forms).
    #[oai(skip_serializing_if_is_none)]
    pub problems: Option<Vec<ProblemDto>>,
}

#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed or a value is invalid.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid bearer token.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The token is valid but its role may not do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource (or not visible to this role).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Clashes with existing data (duplicate slug or email, record in use).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The resource no longer accepts this (a closed round).
    #[oai(status = 410)]
    Gone(Json<ErrorBody>),
    // 408, 413 and 415 come from the server before an operation runs (as `json_error`
    // bodies in the module root); they are listed so the document shows them.
    /// The body is larger than the server accepts.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The request body did not arrive within 30 seconds.
    #[oai(status = 408)]
    RequestTimeout(Json<ErrorBody>),
    /// The body's `Content-Type` is not one this operation reads.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// A bug or an unavailable database; details are in the server log.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// A service we depend on refused us (the mail relay: authentication, TLS,
    /// connection); nothing was lost, try again once it is fixed.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn body(error: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: error.into(),
        message: message.into(),
        problems: None,
    })
}

impl ApiError {
    pub fn unauthorized() -> Self {
        Self::Unauthorized(body(
            "unauthorized",
            "send a valid API token as `Authorization: Bearer <token>`",
        ))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::BadRequest(body("invalid", message))
    }
}

fn problem_dto(problem: FieldProblem) -> ProblemDto {
    ProblemDto {
        line: problem.line,
        field: problem.field,
        message: problem.message,
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        match &error {
            Error::Invalid(problems) => {
                let mut json = body("invalid", message);
                json.0.problems = Some(problems.iter().cloned().map(problem_dto).collect());
                Self::BadRequest(json)
            }
            Error::NotFound { .. } => Self::NotFound(body("not_found", message)),
            Error::Conflict(_) => Self::Conflict(body("conflict", message)),
            Error::Forbidden(_) => Self::Forbidden(body("forbidden", message)),
            Error::Gone(_) => Self::Gone(body("gone", message)),
            Error::Unavailable(_) => {
                tracing::warn!(%message, "dependency unavailable");
                Self::Unavailable(body("unavailable", message))
            }
            Error::Internal { .. } => {
                tracing::error!(error = %error.chain(), "internal error in API request");
                Self::Internal(body(
                    "internal",
                    "the server could not complete the request; it has been logged",
                ))
            }
        }
    }
}
