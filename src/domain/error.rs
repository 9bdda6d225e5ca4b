use std::fmt;

/// One problem with one field (or one CSV cell), in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// CSV line number (1-based, header is line 1); `None` outside imports.
    pub line: Option<u64>,
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    /// A problem with a form or API field (not a CSV cell).
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line: None,
            field: field.into(),
            message: message.into(),
        }
    }
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
    /// Something we depend on (the mail relay) refuses us; trying again later may work.
    #[error("{0}")]
    Unavailable(String),
    /// A fault of ours or of the database, never of the caller: logged with its cause
    /// chain once, where it becomes a 500 (or an exit code), and shown opaquely.
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
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

    /// For the lookup of a row that the input refers to in `field`: a row that does not
    /// exist is the caller's mistake (invalid input, not a missing resource); any other
    /// failure (the database unreachable) stays what it is.
    pub fn as_invalid_reference(self, field: &'static str) -> Self {
        match self {
            Error::NotFound { entity, id } => {
                Error::invalid(field, format!("{entity} {id} does not exist"))
            }
            other => other,
        }
    }

    /// An internal error caused by `source`, kept for the log.
    pub fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal {
            context: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// An internal error described by `context` (a broken invariant, no cause to keep).
    pub fn bug(context: impl Into<String>) -> Self {
        Self::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// `context` and every cause below it, for the one log line of an internal error.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(inner) = cause {
            let inner_text = inner.to_string();
            if !text.contains(&inner_text) {
                text.push_str(": ");
                text.push_str(&inner_text);
            }
            cause = inner.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_referenced_row_is_invalid_input_and_other_failures_stay() {
        let invalid = Error::not_found("owner", 42).as_invalid_reference("owner_id");
        assert_eq!(invalid.to_string(), "owner_id: owner 42 does not exist");
        assert!(matches!(invalid, Error::Invalid(_)));
        let down = Error::bug("the database is down").as_invalid_reference("owner_id");
        assert!(matches!(down, Error::Internal { .. }));
    }
}
