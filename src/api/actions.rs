//! Åtgärder over HTTP ("ni sa – vi gör"): what an objektägare does about a service's
//! results, tied optionally to a round and one of its questions; the published ones
//! reach the service's respondents.

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, param::Query, payload::Json};

use super::{
    ApiTags,
    auth::BearerAuth,
    codes::ActionStatus,
    dto::{Created, NoContent, Paged},
    error::ApiResult,
    paging::{PageNumber, PageSize, page_request},
    text::{Code, Text, checked_optional},
};
use crate::{
    domain::{
        Error,
        action::{
            Action, ActionFilter, ActionInput as DomainInput, MAX_PUBLIC_TEXT_CHARS,
            MAX_TITLE_CHARS,
        },
    },
    stats::nyttoanalys::ActionsSection,
    usecases::{AppState, actions},
};

/// One line of an invitation email.
type Title = Text<1, MAX_TITLE_CHARS>;
type PublicText = Text<0, MAX_PUBLIC_TEXT_CHARS>;

#[derive(Debug, Object)]
pub struct ActionDto {
    pub id: i32,
    pub service_id: i32,
    /// The round whose results it answers.
    #[oai(nullable)]
    pub round_id: Option<i32>,
    /// The question of that round it answers (an item key, e.g. `sus3`).
    #[oai(nullable)]
    pub item_key: Option<String>,
    /// One line, as respondents read it in an invitation.
    pub title: String,
    /// What respondents read on the service's results page.
    pub public_text: String,
    pub status: ActionStatus,
    #[oai(nullable)]
    pub due_on: Option<NaiveDate>,
    /// The day it became `done`.
    #[oai(nullable)]
    pub done_on: Option<NaiveDate>,
    /// Shown to the service's respondents (unless cancelled).
    pub published: bool,
}

#[derive(Debug, Object)]
pub struct ActionInput {
    /// The service; an action stays on it.
    pub service_id: i32,
    /// A round of the same service.
    #[oai(nullable)]
    pub round_id: Option<i32>,
    /// A question of that round (needs `round_id`).
    #[oai(nullable)]
    pub item_key: Option<Code>,
    pub title: Title,
    #[oai(nullable)]
    pub public_text: Option<PublicText>,
    /// Defaults to `planned` for a new action and to the current status for an edit.
    #[oai(nullable)]
    pub status: Option<ActionStatus>,
    #[oai(nullable)]
    pub due_on: Option<NaiveDate>,
    /// Defaults to false for a new action and to the current value for an edit.
    #[oai(nullable)]
    pub published: Option<bool>,
}

impl ActionInput {
    fn parse(self) -> Result<DomainInput, Error> {
        Ok(DomainInput {
            service_id: self.service_id,
            round_id: self.round_id,
            item_key: checked_optional(&self.item_key, "item_key")?.map(str::to_owned),
            title: self.title.into_checked("title")?,
            public_text: checked_optional(&self.public_text, "public_text")?.map(str::to_owned),
            status: self.status.map(Into::into),
            due_on: self.due_on,
            published: self.published,
        })
    }
}

impl From<Action> for ActionDto {
    fn from(a: Action) -> Self {
        Self {
            id: a.id,
            service_id: a.details.service_id,
            round_id: a.details.round_id,
            item_key: a.details.item_key,
            title: a.details.title,
            public_text: a.details.public_text,
            status: a.details.status.into(),
            due_on: a.details.due_on,
            done_on: a.details.done_on,
            published: a.details.published,
        }
    }
}

#[derive(Default)]
pub struct ActionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Actions")]
impl ActionsApi {
    /// List actions, newest first, optionally of one service; an objektägare sees only
    /// their own services' actions
    #[oai(path = "/actions", method = "get")]
    async fn list_actions(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        service_id: Query<Option<i32>>,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<ActionDto>>> {
        let filter = ActionFilter {
            service_id: service_id.0,
            owner_id: None,
        };
        let found =
            actions::list_actions(&state, &auth.0, filter, page_request(page.0, per_page.0))
                .await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Record an action on a service (its objektägare, or Kommunledningskontoret)
    #[oai(path = "/actions", method = "post")]
    async fn create_action(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<ActionInput>,
    ) -> ApiResult<Created<ActionDto>> {
        let saved = actions::save_action(&state, &auth.0, None, input.0.parse()?).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Get an action
    #[oai(path = "/actions/:id", method = "get")]
    async fn get_action(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<ActionDto>> {
        let action = actions::get_action(&state, &auth.0, id.0).await?;
        Ok(Json(action.into()))
    }

    /// Replace an action. The status moves forward only (`planned` → `in_progress` →
    /// `done`, or `cancelled`); `done_on` is set the day it becomes `done`
    #[oai(path = "/actions/:id", method = "put")]
    async fn update_action(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<ActionInput>,
    ) -> ApiResult<Json<ActionDto>> {
        let saved = actions::save_action(&state, &auth.0, Some(id.0), input.0.parse()?).await?;
        Ok(Json(saved.into()))
    }

    /// Delete an action
    #[oai(path = "/actions/:id", method = "delete")]
    async fn delete_action(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<NoContent> {
        actions::delete_action(&state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }
}

/// An action as the nyttoanalys lists it.
#[derive(Debug, Object)]
pub struct ReportActionDto {
    pub title: String,
    pub status: ActionStatus,
    pub published: bool,
    #[oai(nullable)]
    pub done_on: Option<NaiveDate>,
    /// The period of the round it answers, if tied to one.
    #[oai(nullable)]
    pub round: Option<String>,
    /// The key of the question it answers (`sus3`), if tied to one.
    #[oai(nullable)]
    pub item_key: Option<String>,
    #[oai(nullable)]
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Object)]
pub struct ServiceActionsDto {
    pub service_id: i32,
    pub name: String,
    pub actions: Vec<ReportActionDto>,
}

/// The nyttoanalys's section on actions ("ni sa – vi gör").
#[derive(Debug, Object)]
pub struct ReportActionsDto {
    /// Services with at least one action, in the report's order.
    pub services: Vec<ServiceActionsDto>,
    /// Services with results this period and no action.
    pub results_without_action: u64,
}

pub(super) fn report_actions(section: &ActionsSection) -> ReportActionsDto {
    ReportActionsDto {
        services: section
            .services
            .iter()
            .map(|s| ServiceActionsDto {
                service_id: s.service_id,
                name: s.name.clone(),
                actions: s
                    .actions
                    .iter()
                    .map(|a| ReportActionDto {
                        title: a.title.clone(),
                        status: a.status.into(),
                        published: a.published,
                        done_on: a.done_on,
                        round: a.round.clone(),
                        item_key: a.item_key.clone(),
                        due_on: a.due_on,
                    })
                    .collect(),
            })
            .collect(),
        results_without_action: section.results_without_action as u64,
    }
}
