//! Questionnaires, programmes and rounds over HTTP. Reading is open to every role
//! (owners see only their own services' rounds); changing is for admins.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Union, param::Path, param::Query, payload::Json};

use super::{
    ApiTags,
    auth::BearerAuth,
    codes::{ItemKind, Period, RoundResults, RoundStatus, Scale},
    dto::{Created, Paged},
    error::ApiResult,
    paging::{PageNumber, PageSize, page_request},
    text::{Code, Name, Question},
};
use crate::{
    domain::{
        Error, PeriodKind,
        programme::{NewProgramme, Programme, ProgrammeFields, Sampling},
        questionnaire::{Item, ItemKind as ItemKindValue, Questionnaire},
        survey::{Round, RoundFilter},
    },
    jobs,
    usecases::{self, AppState, programmes},
};

#[derive(Debug, Object)]
pub struct ItemDto {
    /// Stable key, also the answer form's field name (e.g. `sus1`).
    pub key: String,
    pub kind: ItemKind,
    pub scale: Scale,
    pub text_sv: String,
    pub text_en: String,
    /// Whether an answer is needed to submit the form.
    pub required: bool,
}

/// An item as sent by a client.
#[derive(Debug, Object)]
pub struct ItemInput {
    /// Stable key, also the answer form's field name (e.g. `sus1`): a–z, 0–9 and `_`.
    #[oai(validator(max_length = 40, pattern = "^[a-z0-9_]+$"))]
    pub key: Code,
    pub kind: ItemKind,
    pub scale: Scale,
    pub text_sv: Question,
    pub text_en: Question,
    /// Defaults to true, except for `text` items.
    #[oai(nullable)]
    pub required: Option<bool>,
}

#[derive(Debug, Object)]
pub struct QuestionnaireDto {
    pub id: i32,
    pub name: String,
    pub version: i32,
    /// The version this one was edited from; `null` for a first version.
    #[oai(nullable)]
    pub previous_version_id: Option<i32>,
    /// Set for the built-in templates (`standard`, `sus`, `umux_lite`, `nytta`, `nps`,
    /// `tidsvinst`, `kommentar`); `null` for your own.
    #[oai(nullable)]
    pub template_key: Option<String>,
    /// Used by a round: it never changes; an edit creates a new version.
    pub frozen: bool,
    pub items: Vec<ItemDto>,
}

#[derive(Debug, Object)]
pub struct QuestionnaireInput {
    pub name: Name,
    #[oai(validator(min_items = 1, max_items = 100))]
    pub items: Vec<ItemInput>,
}

impl From<Questionnaire> for QuestionnaireDto {
    fn from(q: Questionnaire) -> Self {
        Self {
            id: q.id,
            name: q.name,
            version: q.version,
            previous_version_id: q.previous_version_id,
            template_key: q.template_key,
            frozen: q.frozen,
            items: q
                .items
                .into_iter()
                .map(|item| ItemDto {
                    key: item.key,
                    kind: item.kind.into(),
                    scale: item.scale.into(),
                    text_sv: item.text_sv,
                    text_en: item.text_en,
                    required: item.required,
                })
                .collect(),
        }
    }
}

fn parse_items(items: Vec<ItemInput>) -> Result<Vec<Item>, Error> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let field = |name: &str| format!("items[{index}].{name}");
            let kind = ItemKindValue::from(item.kind);
            Ok(Item {
                key: item.key.into_checked(&field("key"))?,
                kind,
                scale: item.scale.into(),
                text_sv: item.text_sv.into_checked(&field("text_sv"))?,
                text_en: item.text_en.into_checked(&field("text_en"))?,
                required: item.required.unwrap_or(kind != ItemKindValue::Text),
            })
        })
        .collect()
}

#[derive(Debug, Object)]
pub struct PrecisionSampling {
    /// Target half-width of the SUS 95 % confidence interval, in points (e.g. 5).
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "50")))]
    pub half_width: f64,
}

#[derive(Debug, Object)]
pub struct EveryoneSampling {}

/// Who of a service's users is invited.
#[derive(Debug, Union)]
#[oai(discriminator_name = "mode")]
pub enum SamplingDto {
    /// Everyone (the default).
    #[oai(mapping = "everyone")]
    Everyone(EveryoneSampling),
    /// As many as the target precision needs, from the service's history.
    #[oai(mapping = "precision")]
    Precision(PrecisionSampling),
}

#[derive(Debug, Object)]
pub struct ProgrammeDto {
    pub id: i32,
    pub name: String,
    pub questionnaire_id: i32,
    /// The services surveyed; `null` means every active service.
    #[oai(nullable)]
    pub service_ids: Option<Vec<i32>>,
    /// When the rounds open: a 6-field cron, seconds first (`sec min hour day-of-month
    /// month day-of-week`), in Europe/Stockholm wall-clock time, e.g. `0 0 8 1 */3 *`.
    /// Day of week: 0 or 7 = Sunday, 1 = Monday … 6 = Saturday (`1-5` = Monday–Friday).
    pub schedule: String,
    pub period: Period,
    /// Days a round stays open.
    pub open_days: u32,
    /// Days after opening when non-respondents are reminded (0 = next reminder run).
    pub reminder_days: Vec<u32>,
    pub sampling: SamplingDto,
    pub active: bool,
}

#[derive(Debug, Object)]
pub struct ProgrammeInput {
    pub name: Name,
    /// Defaults to the built-in "Nyttopuls standard" questionnaire.
    #[oai(nullable)]
    pub questionnaire_id: Option<i32>,
    /// Leave out (or null) for every active service.
    #[oai(nullable, validator(min_items = 1, max_items = 10000))]
    pub service_ids: Option<Vec<i32>>,
    /// When the rounds open: a 6-field cron, seconds first (`sec min hour day-of-month
    /// month day-of-week`), in Europe/Stockholm wall-clock time, e.g. `0 0 8 1 */3 *`.
    /// Day of week: 0 or 7 = Sunday, 1 = Monday … 6 = Saturday (`1-5` = Monday–Friday).
    pub schedule: Code,
    /// Defaults to `quarter`.
    #[oai(nullable)]
    pub period: Option<Period>,
    /// Days a round stays open, 1–365; defaults to 14.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "365")))]
    pub open_days: Option<i64>,
    /// Days after opening when non-respondents are reminded, each less than
    /// `open_days`; at most 5; defaults to `[7]`.
    #[oai(
        nullable,
        validator(max_items = 5, minimum(value = "0"), maximum(value = "364"))
    )]
    pub reminder_days: Option<Vec<i64>>,
    /// Defaults to everyone.
    #[oai(nullable)]
    pub sampling: Option<SamplingDto>,
    /// Defaults to true.
    #[oai(nullable)]
    pub active: Option<bool>,
}

impl From<Programme> for ProgrammeDto {
    fn from(programme: Programme) -> Self {
        let p = programme.settings;
        Self {
            id: programme.id,
            name: p.name,
            questionnaire_id: p.questionnaire_id,
            service_ids: p.service_ids,
            schedule: p.schedule.as_str().to_owned(),
            period: p.period.into(),
            open_days: p.open_days,
            reminder_days: p.reminder_days,
            sampling: match p.sampling {
                Sampling::Everyone => SamplingDto::Everyone(EveryoneSampling {}),
                Sampling::Precision { half_width } => {
                    SamplingDto::Precision(PrecisionSampling { half_width })
                }
            },
            active: p.active,
        }
    }
}

impl ProgrammeInput {
    /// Builds the programme around `questionnaire_id`, the one the input names or the
    /// default the use case chose.
    fn parse(self, questionnaire_id: i32) -> Result<NewProgramme, Error> {
        NewProgramme::parse(ProgrammeFields {
            name: self.name.checked("name")?,
            questionnaire_id,
            service_ids: self.service_ids,
            schedule: self.schedule.checked("schedule")?,
            period: self.period.map(|p| PeriodKind::from(p).as_str()),
            open_days: self.open_days,
            reminder_days: self.reminder_days,
            sampling: self.sampling.map(|s| match s {
                SamplingDto::Everyone(_) => Sampling::Everyone,
                SamplingDto::Precision(p) => Sampling::Precision {
                    half_width: p.half_width,
                },
            }),
            active: self.active,
        })
    }
}

#[derive(Debug, Object)]
pub struct RoundDto {
    pub id: i32,
    pub programme_id: i32,
    pub service_id: i32,
    pub questionnaire_id: i32,
    /// e.g. `2026-Q4`.
    pub period: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub status: RoundStatus,
    /// Invitations created.
    pub invited: i32,
    /// Answers received (while open, only this and `invited`: the answers themselves
    /// stay sealed until the round closes).
    pub answered: i32,
    pub results: RoundResults,
}

impl From<Round> for RoundDto {
    fn from(r: Round) -> Self {
        Self {
            results: r.results().into(),
            id: r.id,
            programme_id: r.programme_id,
            service_id: r.service_id,
            questionnaire_id: r.questionnaire_id,
            period: r.period,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            status: r.status.into(),
            invited: r.invited,
            answered: r.answered,
        }
    }
}

#[derive(Debug, Object)]
pub struct ProgrammeRunDto {
    pub rounds_opened: u64,
    pub invitations: u64,
}

#[derive(Default)]
pub struct SurveyApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Surveys")]
impl SurveyApi {
    /// List questionnaires (built-in templates and your own, every version)
    #[oai(path = "/questionnaires", method = "get")]
    async fn list_questionnaires(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<QuestionnaireDto>>> {
        let page = page_request(page.0, per_page.0);
        let found = programmes::list_questionnaires(&state, &auth.0, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Get a questionnaire
    #[oai(path = "/questionnaires/:id", method = "get")]
    async fn get_questionnaire(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<QuestionnaireDto>> {
        let questionnaire = programmes::get_questionnaire(&state, &auth.0, id.0).await?;
        Ok(Json(questionnaire.into()))
    }

    /// Create a questionnaire from the item kinds (admin)
    #[oai(path = "/questionnaires", method = "post")]
    async fn create_questionnaire(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<QuestionnaireInput>,
    ) -> ApiResult<Created<QuestionnaireDto>> {
        let input = input.0;
        let saved = programmes::save_questionnaire(
            &state,
            &auth.0,
            None,
            input.name.checked("name")?,
            parse_items(input.items)?,
        )
        .await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Edit a questionnaire (admin). A version already used by a round is never changed:
    /// the edit becomes a new version, returned with its new id.
    #[oai(path = "/questionnaires/:id", method = "put")]
    async fn update_questionnaire(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<QuestionnaireInput>,
    ) -> ApiResult<Json<QuestionnaireDto>> {
        let input = input.0;
        let saved = programmes::save_questionnaire(
            &state,
            &auth.0,
            Some(id.0),
            input.name.checked("name")?,
            parse_items(input.items)?,
        )
        .await?;
        Ok(Json(saved.into()))
    }

    /// List survey programmes
    #[oai(path = "/programmes", method = "get")]
    async fn list_programmes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<ProgrammeDto>>> {
        let page = page_request(page.0, per_page.0);
        let found = programmes::list_programmes(&state, &auth.0, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Get a survey programme
    #[oai(path = "/programmes/:id", method = "get")]
    async fn get_programme(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<ProgrammeDto>> {
        let programme = programmes::get_programme(&state, &auth.0, id.0).await?;
        Ok(Json(programme.into()))
    }

    /// Create a survey programme (admin); its timer starts at once
    #[oai(path = "/programmes", method = "post")]
    async fn create_programme(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        input: Json<ProgrammeInput>,
    ) -> ApiResult<Created<ProgrammeDto>> {
        let input = input.0;
        let named = input.questionnaire_id;
        let saved =
            programmes::save_programme(&state, &auth.0, None, named, |q| input.parse(q)).await?;
        Ok(Created::Created(Json(saved.into())))
    }

    /// Replace a survey programme (admin); the timer follows without a restart
    #[oai(path = "/programmes/:id", method = "put")]
    async fn update_programme(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        input: Json<ProgrammeInput>,
    ) -> ApiResult<Json<ProgrammeDto>> {
        let input = input.0;
        let named = input.questionnaire_id;
        let saved =
            programmes::save_programme(&state, &auth.0, Some(id.0), named, |q| input.parse(q))
                .await?;
        Ok(Json(saved.into()))
    }

    /// Deactivate a survey programme (admin); its rounds stay
    #[oai(path = "/programmes/:id", method = "delete")]
    async fn deactivate_programme(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<ProgrammeDto>> {
        let saved = programmes::deactivate_programme(&state, &auth.0, id.0).await?;
        Ok(Json(saved.into()))
    }

    /// Open the programme's rounds for the current period now (admin). Idempotent: a
    /// second run in the same period opens nothing.
    #[oai(path = "/programmes/:id/run", method = "post")]
    async fn run_programme(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<ProgrammeRunDto>> {
        let outcome = jobs::run_programme(&state, &auth.0, id.0).await?;
        Ok(Json(ProgrammeRunDto {
            rounds_opened: outcome.rounds_opened as u64,
            invitations: outcome.invitations as u64,
        }))
    }

    /// List rounds, newest first, filtered by service, programme and status; an owner
    /// sees only the rounds of their own services
    #[oai(path = "/rounds", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list_rounds(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        service_id: Query<Option<i32>>,
        programme_id: Query<Option<i32>>,
        status: Query<Option<RoundStatus>>,
        page: Query<Option<PageNumber>>,
        per_page: Query<Option<PageSize>>,
    ) -> ApiResult<Json<Paged<RoundDto>>> {
        let filter = RoundFilter {
            service_id: service_id.0,
            programme_id: programme_id.0,
            status: status.0.map(Into::into),
            owner_id: None,
        };
        let page = page_request(page.0, per_page.0);
        let found = usecases::rounds::list_rounds(&state, &auth.0, filter, page).await?;
        Ok(Json(Paged::from_page(found, Into::into)))
    }

    /// Get a round
    #[oai(path = "/rounds/:id", method = "get")]
    async fn get_round(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<RoundDto>> {
        let round = usecases::rounds::get_round(&state, &auth.0, id.0).await?;
        Ok(Json(round.into()))
    }

    /// Close a round now (admin); its link pages then answer 410
    #[oai(path = "/rounds/:id/close", method = "post")]
    async fn close_round(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<RoundDto>> {
        let round = usecases::rounds::close_round(&state, &auth.0, id.0).await?;
        Ok(Json(round.into()))
    }
}
