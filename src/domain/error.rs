use std::fmt;

/// One problem with one field (or one CSV cell), in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// CSV line number (1-based, header is line 1); `None` outside imports.
    pub line: Option<u64>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

/// Everything the domain can refuse or fail with. Front ends map it once each
/// (API: status + JSON body; pages: status + page; CLI: exit code).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldProblem>),
    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Gone(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldProblem {
            line: None,
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn not_found(entity: &'static str, id: impl fmt::Display) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}
