//! Respondents (the users of the IT services) over HTTP, including the CSV import.
//! Personal data: admin only.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiRequest, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};

use super::{
    ApiTags,
    auth::BearerAuth,
    codes::{EmailKind, InvitationStatus, Language, OutboxStatus, RespondentKind},
    dto::{Created, NoContent, Paged},
    error::ApiResult,
    paging::{PageNumber, PageSize, page_request},
    text::{Code, EmailText, Name, checked_optional},
};
use crate::{
    domain::{Error, NewRespondent, Respondent, RespondentFilter},
    usecases::{self, AppState},
};

#[derive(Debug, Object)]
pub struct RespondentDto {
    pub id: i32,
    pub email: String,
    pub name: String,
    /// Förvaltning or unit, free text.
    #[oai(nullable)]
    pub department: Option<String>,
    pub kind: RespondentKind,
    pub language: Language,
    /// Slugs of the services the person uses.
    pub services: Vec<String>,
}

#[derive(Debug, Object)]
pub struct RespondentInput {
    pub email: EmailText,
    pub name: Name,
    /// Förvaltning or unit, free text.
    #[oai(nullable)]
    pub department: Option<Name>,
    /// Defaults to `internal`.
    #[oai(nullable)]
    pub kind: Option<RespondentKind>,
    /// Defaults to `sv`.
    #[oai(nullable)]
    pub language: Option<Language>,
    /// Slugs of the services the person uses; left out or `null` for none.
    #[oai(
        default,
        nullable,
        validator(
            max_items = 1000,
            max_length = 64,
            pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"
        )
    )]
    pub services: Vec<Code>,
}

#[derive(Debug, Object)]
pub struct ImportSummaryDto {
    /// Data rows in the file.
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// True when nothing was written.
    pub dry_run: bool,
}

impl From<Respondent> for RespondentDto {
    fn from(r: Respondent) -> Self {
        Self {
            id: r.id,
            email: r.email.to_string(),
            name: r.name,
            department: r.department,
            kind: r.kind.into(),
            language: r.language.into(),
            services: r.services,
        }
    }
}

impl RespondentInput {
    fn parse(&self) -> Result<NewRespondent, Error> {
        let services = self
            .services
            .iter()
            .map(|slug| slug.checked("services").map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        NewRespondent::parse(
            self.email.checked("email")?,
            self.name.checked("name")?,
            checked_optional(&self.department, "department")?,
            self.kind
                .map(|kind| crate::domain::RespondentKind::from(kind).as_str()),
            self.language
                .map(|language| crate::domain::Language::from(language).as_str()),
            &services,
        )
        .map_err(Error::Invalid)
    }
}

#[derive(Debug, Object)]
pub struct InvitationRecordDto {
    pub service: String,
    /// e.g. `2026-Q4`.
    pub period: String,
    pub status: InvitationStatus,
}

/// An email kept about the person (sent ones are deleted after `retention.outbox_days`).
#[derive(Debug, Object)]
pub struct EmailRecordDto {
    pub kind: EmailKind,
    pub status: OutboxStatus,
    pub queued_at: DateTime<Utc>,
    #[oai(nullable)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// A person's data (GDPR access).
#[derive(Debug, Object)]
pub struct PersonalDataDto {
    pub respondent: RespondentDto,
    pub invitations: Vec<InvitationRecordDto>,
    pub emails: Vec<EmailRecordDto>,
    pub note: String,
}

/// A CSV file, sent as `text/csv` (or `text/plain`).
#[derive(Debug, ApiRequest)]
pub enum CsvBody {
    #[oai(content_type = "text/csv")]
    Csv(Binary<Vec<u8>>),
    #[oai(content_type = "text/plain")]
    Text(Binary<Vec<u8>>),
}

#[derive(Default)]
pub struct RespondentsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Respondents")]
impl RespondentsApi {
    /// List respondents, optionally only the users of one service or one email address
    #[oai(path = "/respondents", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        service_id: Query<Option<i32>>,
        email: Query<Option<String>>,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<RespondentDto>>> {
        let page = page_request(page.0, per_page.0);
        let filter = RespondentFilter {
            service_id: service_id.0,
            email: email.0,
        };
        let found = usecases::respondents::list_respondents(&state, &auth.0, &filter, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Create a respondent
    #[oai(path = "/respondents", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<RespondentInput>,
    ) -> ApiResult<Created<RespondentDto>> {
        let saved =
            usecases::respondents::save_respondent(&state, &auth.0, None, input.parse()?).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Get a respondent
    #[oai(path = "/respondents/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<RespondentDto>> {
        let respondent = usecases::respondents::get_respondent(&state, &auth.0, id.0).await?;
        Ok(Json(respondent.into()))
    }

    /// Replace a respondent and the services they use
    #[oai(path = "/respondents/:id", method = "put")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<RespondentInput>,
    ) -> ApiResult<Json<RespondentDto>> {
        let saved =
            usecases::respondents::save_respondent(&state, &auth.0, Some(id.0), input.parse()?)
                .await?;
        Ok(Json(saved.into()))
    }

    /// Everything kept about one person (GDPR access): the register entry and their
    /// invitations. Answers are anonymous and are never linked to the person.
    #[oai(path = "/respondents/:id/export", method = "get")]
    async fn export(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<PersonalDataDto>> {
        let data = usecases::respondents::export_personal_data(&state, &auth.0, id.0).await?;
        Ok(Json(PersonalDataDto {
            respondent: data.person.into(),
            emails: data
                .emails
                .into_iter()
                .map(|e| EmailRecordDto {
                    kind: e.kind.into(),
                    status: e.status.into(),
                    queued_at: e.created_at,
                    sent_at: e.sent_at,
                })
                .collect(),
            invitations: data
                .invitations
                .into_iter()
                .map(|i| InvitationRecordDto {
                    service: i.service,
                    period: i.period,
                    status: i.status.into(),
                })
                .collect(),
            note: "Survey answers are stored without any link to the person and cannot be \
                   found or returned from their identity."
                .into(),
        }))
    }

    /// Delete a respondent (GDPR erasure); anonymous responses are not affected
    #[oai(path = "/respondents/:id", method = "delete")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<NoContent> {
        usecases::respondents::erase_respondent(&state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// Import respondents from CSV
    ///
    /// Header row required: `email,name,department,kind,language,services` (`,` or `;`,
    /// UTF-8 with or without BOM); `services` lists service slugs separated by `|`.
    /// Email is the key: re-importing updates people. Any bad row rejects the whole file
    /// with every problem listed by line and column, and nothing is written.
    #[oai(path = "/respondents/import", method = "post")]
    async fn import(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only report what would change.
        dry_run: Query<Option<bool>>,
        csv: CsvBody,
    ) -> ApiResult<Json<ImportSummaryDto>> {
        let (CsvBody::Csv(bytes) | CsvBody::Text(bytes)) = csv;
        let summary = usecases::respondents::import_respondents(
            &state,
            &auth.0,
            &bytes.0,
            dry_run.0.unwrap_or(false),
            &|_| {},
        )
        .await?;
        Ok(Json(ImportSummaryDto {
            rows: summary.rows,
            created: summary.created,
            updated: summary.updated,
            unchanged: summary.unchanged,
            dry_run: summary.dry_run,
        }))
    }
}
