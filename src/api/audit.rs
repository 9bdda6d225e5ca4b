//! The audit log over HTTP (admin only).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};

use super::{
    ApiTags,
    auth::BearerAuth,
    dto::Paged,
    error::ApiResult,
    paging::{PageNumber, PageSize, page_request},
};
use crate::{
    domain::audit::{AuditEntry, AuditFilter},
    usecases::{AppState, audit},
};

#[derive(Debug, Object)]
pub struct AuditEntryDto {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who: `token:N (role)`, `cli` or `system`.
    pub actor: String,
    /// `create`, `update`, `delete`, `deactivate`, `import`, …
    pub action: String,
    pub entity: String,
    #[oai(nullable)]
    pub entity_id: Option<String>,
    /// What changed.
    pub summary: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            summary: e.summary,
        }
    }
}

#[derive(Default)]
pub struct AuditApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// The audit log, newest first, filtered by entity and time (admin)
    #[oai(path = "/audit", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// e.g. `service`, `respondent`, `programme`.
        entity: Query<Option<String>>,
        entity_id: Query<Option<String>>,
        /// RFC 3339, inclusive.
        since: Query<Option<DateTime<Utc>>>,
        /// RFC 3339, exclusive.
        until: Query<Option<DateTime<Utc>>>,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<AuditEntryDto>>> {
        let page = page_request(page.0, per_page.0);
        let filter = AuditFilter {
            entity: entity.0,
            entity_id: entity_id.0,
            since: since.0,
            until: until.0,
        };
        let found = audit::list_audit(&state, &auth.0, &filter, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }
}
