//! The nyttoanalys (admin): JSON, a standalone HTML page, CSV for Swedish Excel and XLSX
//! of one period. The first request for a period generates and stores its report; later
//! ones read the stored one, until `POST …/generate` makes it again.

mod insatser;

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Query,
    payload::{Binary, Html, Json},
};

use super::{
    ApiTags,
    auth::BearerAuth,
    codes::{Flag, LineStatus, ProposalRule},
    error::ApiResult,
    params::Period,
};
use crate::{
    domain::{Actor, Error, Language},
    reports::{Format, Rendered},
    stats::nyttoanalys::{self as analysis, Nyttoanalys},
    usecases::{self, AppState},
    wording,
};

#[derive(Object)]
struct ReportScoreDto {
    n: u64,
    mean: f64,
    #[oai(nullable)]
    ci_low: Option<f64>,
    #[oai(nullable)]
    ci_high: Option<f64>,
}

impl ReportScoreDto {
    fn new(n: usize, mean: f64, ci: Option<(f64, f64)>) -> Self {
        Self {
            n: n as u64,
            mean,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
        }
    }
}

impl From<&analysis::Score> for ReportScoreDto {
    fn from(score: &analysis::Score) -> Self {
        Self::new(score.n, score.mean, score.ci)
    }
}

#[derive(Object)]
struct ReportChangeDto {
    /// This round's mean minus the round before's.
    difference: f64,
    /// Welch's two-sided p-value.
    p: f64,
    significant: bool,
}

#[derive(Object)]
struct ReportNyttokalkylDto {
    /// The mean minutes a week per user it rests on, and that mean's 95 % interval.
    minutes_per_week: f64,
    #[oai(nullable)]
    minutes_ci_low: Option<f64>,
    #[oai(nullable)]
    minutes_ci_high: Option<f64>,
    /// The assumptions: working weeks a year, users, hourly cost (SEK).
    working_weeks: u32,
    users: u32,
    hourly_cost_sek: f64,
    annual_hours: f64,
    /// Omfördelningsnytta (time freed, valued; not cash), unrounded: round for display
    /// to three significant digits, as the report does.
    value_sek: f64,
    #[oai(nullable)]
    value_ci_low_sek: Option<f64>,
    #[oai(nullable)]
    value_ci_high_sek: Option<f64>,
    annual_cost_sek: f64,
    #[oai(nullable)]
    benefit_cost_ratio: Option<f64>,
    #[oai(nullable)]
    benefit_cost_ci_low: Option<f64>,
    #[oai(nullable)]
    benefit_cost_ci_high: Option<f64>,
}

/// One service in the period; figures only with `status` `shown`.
#[derive(Object)]
struct ServiceLineDto {
    #[oai(nullable)]
    rank: Option<u32>,
    service_id: i32,
    name: String,
    #[oai(nullable)]
    owner_id: Option<i32>,
    #[oai(nullable)]
    owner: Option<String>,
    #[oai(nullable)]
    department_id: Option<i32>,
    #[oai(nullable)]
    department: Option<String>,
    users: i32,
    annual_cost_sek: i64,
    status: LineStatus,
    /// The period key of the service's round in this period.
    #[oai(nullable)]
    round: Option<String>,
    #[oai(nullable)]
    invited: Option<u64>,
    #[oai(nullable)]
    answered: Option<u64>,
    #[oai(nullable)]
    response_rate: Option<f64>,
    #[oai(nullable)]
    sus: Option<ReportScoreDto>,
    #[oai(nullable)]
    umux_lite: Option<ReportScoreDto>,
    #[oai(nullable)]
    nyttoindex: Option<ReportScoreDto>,
    #[oai(nullable)]
    nps: Option<ReportScoreDto>,
    #[oai(nullable)]
    tidsvinst: Option<ReportScoreDto>,
    #[oai(nullable)]
    sus_change: Option<ReportChangeDto>,
    #[oai(nullable)]
    nyttoindex_change: Option<ReportChangeDto>,
    #[oai(nullable)]
    nyttokalkyl: Option<ReportNyttokalkylDto>,
    flags: Vec<Flag>,
    /// The answers through the round's open link, when there were enough for a segment
    /// of their own (also counted above). Anyone with the link may answer, once per
    /// browser: these are answers, not people.
    #[oai(skip_serializing_if_is_none)]
    open_link: Option<OpenLinkScoresDto>,
}

/// An open link's figures; a metric with too few answers is null.
#[derive(Object)]
struct OpenLinkScoresDto {
    #[oai(nullable)]
    sus: Option<ReportScoreDto>,
    #[oai(nullable)]
    nyttoindex: Option<ReportScoreDto>,
    #[oai(nullable)]
    tidsvinst: Option<ReportScoreDto>,
}

#[derive(Object)]
struct GroupLineDto {
    #[oai(nullable)]
    id: Option<i32>,
    name: String,
    services: u64,
    services_shown: u64,
    /// Answer-weighted; null when withheld (too few answers) or none.
    #[oai(nullable)]
    sus: Option<f64>,
    #[oai(nullable)]
    nyttoindex: Option<f64>,
    answers: u64,
    value_sek: f64,
    annual_cost_sek: i64,
    flagged: u64,
}

#[derive(Object)]
struct TotalsDto {
    services: u64,
    shown: u64,
    too_few_answers: u64,
    no_round: u64,
    flagged: u64,
    annual_hours: f64,
    value_sek: f64,
    annual_cost_sek: f64,
    #[oai(nullable)]
    benefit_cost_ratio: Option<f64>,
}

#[derive(Object)]
struct MoverDto {
    service_id: i32,
    name: String,
    /// `sus` or `nyttoindex`.
    metric: String,
    difference: f64,
    p: f64,
    significant: bool,
}

#[derive(Object)]
struct ProposalDto {
    service_id: i32,
    service: String,
    /// The service's objektägare, who the proposal concerns.
    #[oai(nullable)]
    owner_id: Option<i32>,
    #[oai(nullable)]
    owner: Option<String>,
    rule: ProposalRule,
    /// What to do, in Swedish.
    text: String,
    /// The figures that triggered it, in Swedish, e.g. `SUS 42,5 (n = 31; 95 % KI
    /// 39,6–45,4)`.
    figure: String,
}

/// The nyttoanalys of one period.
#[derive(Object)]
struct NyttoanalysDto {
    period: String,
    generated_at: chrono::DateTime<chrono::Utc>,
    min_group_size: u32,
    hourly_cost_sek: f64,
    working_weeks: u32,
    /// Ranked services, then those with too few answers, then those without a round.
    services: Vec<ServiceLineDto>,
    departments: Vec<GroupLineDto>,
    owners: Vec<GroupLineDto>,
    totals: TotalsDto,
    movers: Vec<MoverDto>,
    proposals: Vec<ProposalDto>,
    /// The insatser decided, measured and not realised in the period; null for a report
    /// stored before the section was.
    #[oai(nullable)]
    insatser: Option<insatser::InsatserSectionDto>,
    /// What the objektägare do about their results, per service.
    actions: super::actions::ReportActionsDto,
}

fn change(change: &Option<analysis::ChangeLine>) -> Option<ReportChangeDto> {
    change.map(|c| ReportChangeDto {
        difference: c.difference,
        p: c.p,
        significant: c.significant,
    })
}

fn group(line: &analysis::GroupLine) -> GroupLineDto {
    GroupLineDto {
        id: line.id,
        name: line
            .name
            .clone()
            .unwrap_or_else(|| wording::no_group(Language::Sv).to_owned()),
        services: line.services as u64,
        services_shown: line.services_shown as u64,
        sus: line.sus,
        nyttoindex: line.nyttoindex,
        answers: line.answers as u64,
        value_sek: line.value_sek,
        annual_cost_sek: line.annual_cost_sek,
        flagged: line.flagged as u64,
    }
}

fn service_line(line: &analysis::ServiceLine) -> ServiceLineDto {
    ServiceLineDto {
        rank: line.rank,
        service_id: line.service_id,
        name: line.name.clone(),
        owner_id: line.owner_id,
        owner: line.owner.clone(),
        department_id: line.department_id,
        department: line.department.clone(),
        users: line.users,
        annual_cost_sek: line.annual_cost_sek,
        status: line.status.into(),
        round: line.round.clone(),
        invited: line.invited,
        answered: line.answered,
        response_rate: line.response_rate,
        sus: line.sus.as_ref().map(Into::into),
        umux_lite: line.umux_lite.as_ref().map(Into::into),
        nyttoindex: line.nyttoindex.as_ref().map(Into::into),
        nps: line.nps.as_ref().map(Into::into),
        tidsvinst: line.tidsvinst.as_ref().map(Into::into),
        sus_change: change(&line.sus_change),
        nyttoindex_change: change(&line.nyttoindex_change),
        nyttokalkyl: line.nyttokalkyl.map(|k| ReportNyttokalkylDto {
            minutes_per_week: k.minutes_per_week,
            minutes_ci_low: k.minutes_ci.map(|c| c.0),
            minutes_ci_high: k.minutes_ci.map(|c| c.1),
            working_weeks: k.working_weeks,
            users: k.users,
            hourly_cost_sek: k.hourly_cost_sek,
            annual_hours: k.annual_hours,
            value_sek: k.value_sek,
            value_ci_low_sek: k.value_ci_sek.map(|c| c.0),
            value_ci_high_sek: k.value_ci_sek.map(|c| c.1),
            annual_cost_sek: k.annual_cost_sek,
            benefit_cost_ratio: k.benefit_cost_ratio,
            benefit_cost_ci_low: k.benefit_cost_ci.map(|c| c.0),
            benefit_cost_ci_high: k.benefit_cost_ci.map(|c| c.1),
        }),
        flags: line.flags.iter().map(|flag| (*flag).into()).collect(),
        open_link: line.open_link.map(|open| OpenLinkScoresDto {
            sus: open.sus.as_ref().map(Into::into),
            nyttoindex: open.nyttoindex.as_ref().map(Into::into),
            tidsvinst: open.tidsvinst.as_ref().map(Into::into),
        }),
    }
}

fn dto(report: &Nyttoanalys, generated_at: chrono::DateTime<chrono::Utc>) -> NyttoanalysDto {
    let totals = &report.totals;
    NyttoanalysDto {
        period: report.period.clone(),
        generated_at,
        min_group_size: report.min_group_size,
        hourly_cost_sek: report.hourly_cost_sek,
        working_weeks: report.working_weeks,
        services: report.services.iter().map(service_line).collect(),
        departments: report.departments.iter().map(group).collect(),
        owners: report.owners.iter().map(group).collect(),
        totals: TotalsDto {
            services: totals.services as u64,
            shown: totals.shown as u64,
            too_few_answers: totals.too_few_answers as u64,
            no_round: totals.no_round as u64,
            flagged: totals.flagged as u64,
            annual_hours: totals.annual_hours,
            value_sek: totals.value_sek,
            annual_cost_sek: totals.annual_cost_sek,
            benefit_cost_ratio: totals.benefit_cost_ratio,
        },
        movers: report
            .movers
            .iter()
            .map(|m| MoverDto {
                service_id: m.service_id,
                name: m.name.clone(),
                metric: m.metric.as_str().to_owned(),
                difference: m.difference,
                p: m.p,
                significant: m.significant,
            })
            .collect(),
        proposals: report
            .proposals
            .iter()
            .map(|p| ProposalDto {
                service_id: p.service_id,
                service: p.service.clone(),
                owner_id: p.owner_id,
                owner: p.owner.clone(),
                figure: wording::evidence(&p.evidence, Language::Sv),
                rule: p.rule.into(),
                text: wording::rule(p.rule, Language::Sv).to_owned(),
            })
            .collect(),
        insatser: report.insatser.as_ref().map(insatser::section),
        actions: super::actions::report_actions(&report.actions),
    }
}

/// The CSV file, with the name to save it under.
#[derive(ApiResponse)]
enum CsvFile {
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

/// The workbook, with the name to save it under.
#[derive(ApiResponse)]
enum XlsxFile {
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

#[derive(Default)]
pub struct ReportsApi;

/// The report of `period` (the last quarter that has ended when left out), stored or
/// (`regenerate`) made again.
async fn report_of(
    state: &AppState,
    actor: &Actor,
    period: Option<Period>,
    regenerate: bool,
) -> Result<usecases::reports::Report, Error> {
    let period = usecases::reports::chosen_or_last(state, period.map(|p| p.0));
    usecases::reports::nyttoanalys_of(state, actor, period, regenerate).await
}

/// The stored report of `period` written in `format`.
async fn file_of(
    state: &AppState,
    actor: &Actor,
    period: Option<Period>,
    format: Format,
    lang: Language,
) -> Result<Rendered, Error> {
    let report = report_of(state, actor, period, false).await?;
    crate::reports::render(&report.report, format, lang)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reports")]
impl ReportsApi {
    /// The nyttoanalys of a period (admin): every service ranked and flagged, the
    /// nyttokalkyl, per förvaltning and per objektägare, movers and proposals
    #[oai(path = "/reports/nyttoanalys", method = "get")]
    async fn nyttoanalys(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        period: Query<Option<Period>>,
    ) -> ApiResult<Json<NyttoanalysDto>> {
        let report = report_of(&state, &auth.0, period.0, false).await?;
        Ok(Json(dto(&report.report, report.generated_at)))
    }

    /// Generates a period's nyttoanalys again from the figures stored now, replacing the
    /// stored one (admin)
    #[oai(path = "/reports/nyttoanalys/generate", method = "post")]
    async fn generate(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        period: Query<Option<Period>>,
    ) -> ApiResult<Json<NyttoanalysDto>> {
        let report = report_of(&state, &auth.0, period.0, true).await?;
        Ok(Json(dto(&report.report, report.generated_at)))
    }

    /// The nyttoanalys as one standalone, printable HTML page with its charts (admin)
    #[oai(path = "/reports/nyttoanalys.html", method = "get")]
    async fn html(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        period: Query<Option<Period>>,
        /// `sv` (default) or `en`.
        #[oai(validator(pattern = "^(sv|en)$"))]
        lang: Query<Option<String>>,
    ) -> ApiResult<Html<String>> {
        let lang = match lang.0.as_deref() {
            Some("en") => Language::En,
            _ => Language::Sv,
        };
        let page = file_of(&state, &auth.0, period.0, Format::Html, lang).await?;
        Ok(Html(
            String::from_utf8(page.bytes).map_err(Error::internal)?,
        ))
    }

    /// The ranked services as CSV for Swedish Excel: UTF-8 with BOM, `;`, decimal comma
    /// (admin)
    #[oai(path = "/reports/nyttoanalys.csv", method = "get")]
    async fn csv(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        period: Query<Option<Period>>,
    ) -> ApiResult<CsvFile> {
        let file = file_of(&state, &auth.0, period.0, Format::Csv, Language::Sv).await?;
        let disposition = file.disposition();
        Ok(CsvFile::Csv(Binary(file.bytes), disposition))
    }

    /// The nyttoanalys as an Excel workbook: an overview sheet, the groups, the
    /// proposals and one sheet per förvaltning (admin)
    #[oai(path = "/reports/nyttoanalys.xlsx", method = "get")]
    async fn xlsx(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        period: Query<Option<Period>>,
    ) -> ApiResult<XlsxFile> {
        let file = file_of(&state, &auth.0, period.0, Format::Xlsx, Language::Sv).await?;
        let disposition = file.disposition();
        Ok(XlsxFile::Xlsx(Binary(file.bytes), disposition))
    }
}
