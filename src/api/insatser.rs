//! KF goals and insatser over HTTP (SPEC "Insatser"): Kommunledningskontoret keeps the
//! goals and every insats; an objektägare reads and edits the insatser where they are
//! nyttoägare. An insats comes with its nyttokalkyl's versions and figures, its benefit
//! realisation after go-live, and (for Kommunledningskontoret) the ranking of proposals.

mod bounded;
mod input;
mod output;
mod portfolio;

use poem::web::Data;
use poem_openapi::{OpenApi, param::Path, param::Query, payload::Json};

use super::{
    ApiTags,
    auth::BearerAuth,
    codes::InsatsStatus,
    dto::{Created, NoContent, Paged},
    error::ApiResult,
    paging::{PageNumber, PageSize, page_request},
};
use crate::{
    domain::{Page, insats::InsatsFilter},
    usecases::{
        AppState,
        insatser::{self, portfolio as portfolio_usecases},
    },
};
use input::{GoalInput, InsatsInput, StatusInput};
use output::{GoalDto, InsatsDetailDto, InsatsDto};
use portfolio::{PrioritiesDto, RealisationDto};

#[derive(Default)]
pub struct InsatserApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Insatser")]
impl InsatserApi {
    /// List the KF goals (mål)
    #[oai(path = "/goals", method = "get")]
    async fn list_goals(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<GoalDto>>> {
        let goals = insatser::list_goals(&state, &auth.0).await?;
        let page = Page::of_all(goals, page_request(page.0, per_page.0));
        Ok(Json(Paged::from_page(page, Into::into)))
    }

    /// Create a KF goal (admin)
    #[oai(path = "/goals", method = "post")]
    async fn create_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<GoalInput>,
    ) -> ApiResult<Created<GoalDto>> {
        let saved = insatser::save_goal(&state, &auth.0, None, input.parse()?).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Get a KF goal
    #[oai(path = "/goals/:id", method = "get")]
    async fn get_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<GoalDto>> {
        Ok(Json(
            insatser::get_goal(&state, &auth.0, id.0).await?.into(),
        ))
    }

    /// Replace a KF goal (admin)
    #[oai(path = "/goals/:id", method = "put")]
    async fn update_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<GoalInput>,
    ) -> ApiResult<Json<GoalDto>> {
        let saved = insatser::save_goal(&state, &auth.0, Some(id.0), input.parse()?).await?;
        Ok(Json(saved.into()))
    }

    /// Delete a KF goal no insats serves (admin); end a served one with `valid_to`
    #[oai(path = "/goals/:id", method = "delete")]
    async fn delete_goal(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<NoContent> {
        insatser::delete_goal(&state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// List insatser; an objektägare sees only those where they are nyttoägare
    #[oai(path = "/insatser", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list_insatser(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only these statuses (repeat the parameter for several); default all.
        status: Query<Option<Vec<InsatsStatus>>>,
        /// Only this nyttoägare's (an objektägare may ask only for their own).
        owner_id: Query<Option<i32>>,
        /// Only those changing this service.
        service_id: Query<Option<i32>>,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<InsatsDto>>> {
        let filter = InsatsFilter {
            owner_id: owner_id.0,
            statuses: status
                .0
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            service_id: service_id.0,
        };
        let found = insatser::list_insatser(&state, &auth.0, filter).await?;
        let page = Page::of_all(found, page_request(page.0, per_page.0));
        Ok(Json(Paged::from_page(page, Into::into)))
    }

    /// Propose an insats, with its nyttokalkyl
    ///
    /// It starts as a `proposal`. An objektägare proposes with themselves as nyttoägare
    /// and leaves urgency and risk to Kommunledningskontoret. Every problem with the
    /// insats and its kalkyl is reported together, and nothing is stored unless all are
    /// right.
    #[oai(path = "/insatser", method = "post")]
    async fn create_insats(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<InsatsInput>,
    ) -> ApiResult<Created<InsatsDetailDto>> {
        let (fields, kalkyl) = input.0.parse()?;
        let saved = insatser::save_insats(&state, &auth.0, None, fields, kalkyl).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Rank the proposals and assessed insatser (admin)
    ///
    /// Every component of the score is shown; the reference class is the median realised
    /// share over the followed-up insatser (none below three), and each proposal's NPV
    /// is adjusted by it.
    #[oai(path = "/insatser/priorities", method = "get")]
    async fn priorities(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<PrioritiesDto>> {
        let priorities = portfolio_usecases::priorities(&state, &auth.0).await?;
        Ok(Json(priorities.into()))
    }

    /// Get an insats with every version of its nyttokalkyl and their figures
    #[oai(path = "/insatser/:id", method = "get")]
    async fn get_insats(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<InsatsDetailDto>> {
        Ok(Json(
            insatser::get_insats(&state, &auth.0, id.0).await?.into(),
        ))
    }

    /// Replace an insats's fields, and its nyttokalkyl if one is given
    ///
    /// A kalkyl replaces the draft; once the insats is decided it becomes a new version
    /// and the decided one stays as it was.
    #[oai(path = "/insatser/:id", method = "put")]
    async fn update_insats(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<InsatsInput>,
    ) -> ApiResult<Json<InsatsDetailDto>> {
        let (fields, kalkyl) = input.0.parse()?;
        let saved = insatser::save_insats(&state, &auth.0, Some(id.0), fields, kalkyl).await?;
        Ok(Json(saved.into()))
    }

    /// Move an insats to its next status
    ///
    /// `assessed`, `decided`, `rejected` and `followed_up` are Kommunledningskontoret's
    /// decisions; the nyttoägare reports `in_progress` and `live`. Assessing and deciding
    /// need a nyttokalkyl, and a decision freezes its current version.
    #[oai(path = "/insatser/:id/status", method = "post")]
    async fn change_status(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<StatusInput>,
    ) -> ApiResult<Json<InsatsDetailDto>> {
        let to = input.status.into();
        let changed = insatser::change_status(&state, &auth.0, id.0, to, input.on).await?;
        Ok(Json(changed.into()))
    }

    /// An insats's benefits as the surveys measured them after go-live
    #[oai(path = "/insatser/:id/realisation", method = "get")]
    async fn realisation(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<RealisationDto>> {
        let realisation = portfolio_usecases::realisation(&state, &auth.0, id.0).await?;
        Ok(Json(realisation.into()))
    }
}
