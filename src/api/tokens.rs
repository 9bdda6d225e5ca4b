//! API tokens over HTTP (admin only): see which exist, and revoke one. Tokens are
//! created on the command line (`nyttopuls token create`), where the secret is shown once.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, param::Query, payload::Json};

use super::{
    ApiTags,
    auth::BearerAuth,
    dto::{NoContent, Paged},
    error::ApiResult,
    paging::{PageNumber, PageSize, page_request},
};
use crate::{
    domain::{Role, token::TokenSummary},
    usecases::{AppState, tokens},
};

/// A token's owner and history; never its secret.
#[derive(Debug, Object)]
pub struct TokenDto {
    pub id: i32,
    /// What the token is for, as given when it was created.
    pub label: String,
    /// `admin` or `owner`.
    pub role: String,
    /// The objektägare an owner token stands for; `null` for an admin token.
    #[oai(nullable)]
    pub owner_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// The last day (Europe/Stockholm) the token was used; `null` if never.
    #[oai(nullable)]
    pub last_used_on: Option<NaiveDate>,
    /// When the token stops working; `null` if it never expires.
    #[oai(nullable)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<TokenSummary> for TokenDto {
    fn from(t: TokenSummary) -> Self {
        let (role, owner_id) = match t.role {
            Role::Admin => ("admin", None),
            Role::Owner { owner_id } => ("owner", Some(owner_id)),
        };
        Self {
            id: t.id,
            label: t.label,
            role: role.to_owned(),
            owner_id,
            created_at: t.created_at,
            last_used_on: t.last_used_on,
            expires_at: t.expires_at,
        }
    }
}

#[derive(Default)]
pub struct TokensApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Tokens")]
impl TokensApi {
    /// List the API tokens that are not revoked, expired ones included (admin)
    #[oai(path = "/tokens", method = "get")]
    async fn list_tokens(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<TokenDto>>> {
        let page = page_request(page.0, per_page.0);
        let found = tokens::list_tokens(&state, &auth.0, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Revoke an API token now (admin); requests with it then get 401
    #[oai(path = "/tokens/:id", method = "delete")]
    async fn revoke_token(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<NoContent> {
        tokens::revoke_token(&state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }
}
