//! The audit log (§7 traceability): who changed what, when, with a short summary.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// One entry of the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// How the actor was named, e.g. `token:3 (admin)`, `cli` or `system`.
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub summary: Value,
}

/// Which entries a reading of the log shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
}
