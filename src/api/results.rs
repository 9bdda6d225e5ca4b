//! Results: a service's series of rounds with every metric, the latest change and the
//! trend; an owner's and a förvaltning's services with their combined figures; a
//! round's comments. Below the anonymity threshold a figure says `too_few_answers` and
//! carries no number, not even its count.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi, ResponseContent,
    param::{Header, Path, Query},
    payload::{Binary, Json},
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{
    ApiTags,
    auth::BearerAuth,
    codes::{Language, Metric, RoundResults, RoundStatus},
    error::ApiResult,
    params::ChartFile,
    rendered::{RenderedJson, Renderings},
};
use crate::{
    charts::ChartFormat,
    domain::survey::{RoundResults as DomainRoundResults, RoundStatus as DomainRoundStatus},
    numbers::round_money,
    stats::{
        self,
        aggregate::SegmentKey,
        series::{Combined, Figure, RoundSeriesEntry, Trend},
    },
    usecases::{
        self, AppState,
        results::{Comments, GroupResults, ServiceResults},
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FigureStatus {
    Shown,
    /// Fewer answers than `survey.min_group_size`: no figure and no count.
    TooFewAnswers,
}

/// One metric's figures. Means come with their SD and 95 % t-interval; tidsvinst also
/// with its median; NPS (−100…100) with the shares of promoters and detractors.
#[derive(Debug, Object, Serialize)]
pub struct FigureDto {
    pub metric: Metric,
    pub status: FigureStatus,
    #[oai(nullable)]
    pub n: Option<i32>,
    #[oai(nullable)]
    pub mean: Option<f64>,
    #[oai(nullable)]
    pub sd: Option<f64>,
    #[oai(nullable)]
    pub ci_low: Option<f64>,
    #[oai(nullable)]
    pub ci_high: Option<f64>,
    #[oai(nullable)]
    pub median: Option<f64>,
    #[oai(nullable)]
    pub promoters_share: Option<f64>,
    #[oai(nullable)]
    pub detractors_share: Option<f64>,
}

impl FigureDto {
    fn new(metric: stats::Metric, figure: &Figure) -> Self {
        let withheld = Self {
            metric: metric.into(),
            status: FigureStatus::TooFewAnswers,
            n: None,
            mean: None,
            sd: None,
            ci_low: None,
            ci_high: None,
            median: None,
            promoters_share: None,
            detractors_share: None,
        };
        let Some(a) = figure.shown() else {
            return withheld;
        };
        let share = |count: Option<u64>| count.map(|c| c as f64 / a.n.max(1) as f64);
        Self {
            status: FigureStatus::Shown,
            n: Some(a.n as i32),
            mean: a.mean,
            sd: a.sd,
            ci_low: a.ci.map(|c| c.0),
            ci_high: a.ci.map(|c| c.1),
            median: if metric == stats::Metric::Tidsvinst {
                a.median
            } else {
                None
            },
            promoters_share: share(a.promoters),
            detractors_share: share(a.detractors),
            ..withheld
        }
    }
}

/// A share with its 95 % Wilson interval.
#[derive(Debug, Object, Serialize)]
pub struct RateDto {
    pub share: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// internal or external respondents.
    Kind,
    /// The respondents' förvaltning.
    Department,
    /// Answers through the round's open link (`value` is `open_link`), also counted
    /// under kind `external`. Anyone with the link may answer, once per browser: the
    /// group is not a set of people (see the README, "Open links").
    OpenLink,
}

/// A segment's figures; listed only for groups of at least the anonymity threshold.
#[derive(Debug, Object, Serialize)]
pub struct SegmentFiguresDto {
    pub segment: SegmentKind,
    /// `internal`/`external`, the förvaltning's name, or `open_link`.
    pub value: String,
    pub figures: Vec<FigureDto>,
}

#[derive(Debug, Object, Serialize)]
pub struct RoundResultDto {
    pub round_id: i32,
    pub period: String,
    pub status: RoundStatus,
    pub results: RoundResults,
    pub invited: i32,
    /// Invitations that reached the person (sent, not bounced).
    pub delivered: i32,
    pub answered: i32,
    /// answered ÷ delivered; `null` before anything was delivered.
    #[oai(nullable)]
    pub response_rate: Option<RateDto>,
    /// Empty while the round is open and when it released nothing.
    pub figures: Vec<FigureDto>,
    pub segments: Vec<SegmentFiguresDto>,
}

impl From<&RoundSeriesEntry> for RoundResultDto {
    fn from(entry: &RoundSeriesEntry) -> Self {
        let round = &entry.round;
        let results = match round.released {
            None => DomainRoundResults::Pending,
            Some(0) => DomainRoundResults::TooFewAnswers,
            Some(_) => DomainRoundResults::Released,
        };
        let figures = |figures: &std::collections::BTreeMap<stats::Metric, Figure>| {
            figures
                .iter()
                .map(|(metric, figure)| FigureDto::new(*metric, figure))
                .collect()
        };
        Self {
            round_id: round.round_id,
            period: round.period.clone(),
            status: if round.closed {
                DomainRoundStatus::Closed
            } else {
                DomainRoundStatus::Open
            }
            .into(),
            results: results.into(),
            invited: round.invited as i32,
            delivered: round.delivered as i32,
            answered: round.answered as i32,
            response_rate: entry.response_rate.map(|rate| RateDto {
                share: rate.share,
                ci_low: rate.ci.0,
                ci_high: rate.ci.1,
            }),
            figures: figures(&entry.figures),
            segments: entry
                .segments
                .iter()
                .filter_map(|(segment, shown)| {
                    let (segment, value) = match segment {
                        SegmentKey::All => return None,
                        SegmentKey::Kind(kind) => (SegmentKind::Kind, kind.as_str().to_owned()),
                        SegmentKey::Department(name) => (SegmentKind::Department, name.clone()),
                        SegmentKey::OpenLink => (SegmentKind::OpenLink, segment.to_stored()),
                    };
                    Some(SegmentFiguresDto {
                        segment,
                        value,
                        figures: figures(shown),
                    })
                })
                .collect(),
        }
    }
}

/// The latest released round against the one before (Welch's t-test).
#[derive(Debug, Object, Serialize)]
pub struct ChangeDto {
    pub from_round_id: i32,
    pub to_round_id: i32,
    /// Later mean − earlier mean.
    pub difference: f64,
    pub p_value: f64,
    /// p < 0.05.
    pub significant: bool,
}

#[derive(Debug, Object, Serialize)]
pub struct TrendDto {
    pub metric: Metric,
    #[oai(nullable)]
    pub change: Option<ChangeDto>,
    /// OLS slope in points per round over the last rounds shown (at least 3).
    #[oai(nullable)]
    pub slope_per_round: Option<f64>,
    pub rounds_in_slope: i32,
}

impl From<&Trend> for TrendDto {
    fn from(trend: &Trend) -> Self {
        Self {
            metric: trend.metric.into(),
            change: trend.change.map(|(from, to, change)| ChangeDto {
                from_round_id: from,
                to_round_id: to,
                difference: change.difference,
                p_value: change.p,
                significant: change.significant,
            }),
            slope_per_round: trend.slope_per_round,
            rounds_in_slope: trend.rounds_in_slope as i32,
        }
    }
}

/// Time saved, valued against the service's cost: mean minutes a week ÷ 60 × working
/// weeks (`survey.working_weeks`) × the service's users, at `survey.hourly_cost_sek`.
/// Time freed is redistribution (omfördelningsnytta: hours for other work), not money
/// that leaves a budget. The intervals follow from the 95 % interval of the mean minutes;
/// money is rounded to three significant digits and at least to thousands of kronor.
#[derive(Debug, Object, Serialize)]
pub struct NyttokalkylDto {
    /// The round the calculation rests on (the latest whose tidsvinst passes the
    /// threshold; it may be older than the latest closed round).
    pub round: String,
    pub minutes_per_week: f64,
    #[oai(nullable)]
    pub minutes_ci: Option<Vec<f64>>,
    pub working_weeks: u32,
    pub users: u32,
    pub hourly_cost_sek: f64,
    pub annual_hours: f64,
    pub value_sek: f64,
    /// `[low, high]`.
    #[oai(nullable)]
    pub value_ci_sek: Option<Vec<f64>>,
    pub annual_cost_sek: f64,
    /// value ÷ cost; `null` for a service without a cost.
    #[oai(nullable)]
    pub benefit_cost_ratio: Option<f64>,
    #[oai(nullable)]
    pub benefit_cost_ci: Option<Vec<f64>>,
}

#[derive(Debug, Object, Serialize)]
pub struct ServiceResultsDto {
    pub service_id: i32,
    pub service_name: String,
    /// Oldest first; open rounds show only their counts and response rate.
    pub rounds: Vec<RoundResultDto>,
    pub trends: Vec<TrendDto>,
    /// From the latest round whose tidsvinst passes the threshold; `null` without one.
    #[oai(nullable)]
    pub nyttokalkyl: Option<NyttokalkylDto>,
}

impl From<&ServiceResults> for ServiceResultsDto {
    fn from(results: &ServiceResults) -> Self {
        Self {
            service_id: results.service.id,
            service_name: results.service.details.name.clone(),
            rounds: results.rounds.iter().map(Into::into).collect(),
            trends: results.trends.iter().map(Into::into).collect(),
            nyttokalkyl: results.nyttokalkyl().map(|(round, k)| {
                let money = |(low, high): (f64, f64)| vec![round_money(low), round_money(high)];
                let two = |(low, high): (f64, f64)| vec![low, high];
                NyttokalkylDto {
                    round: round.to_owned(),
                    minutes_per_week: k.minutes_per_week,
                    minutes_ci: k.minutes_ci.map(two),
                    working_weeks: k.working_weeks,
                    users: k.users,
                    hourly_cost_sek: k.hourly_cost_sek,
                    annual_hours: k.annual_hours.round(),
                    value_sek: round_money(k.value_sek),
                    value_ci_sek: k.value_ci_sek.map(money),
                    annual_cost_sek: k.annual_cost_sek,
                    benefit_cost_ratio: k.benefit_cost_ratio,
                    benefit_cost_ci: k.benefit_cost_ci.map(two),
                }
            }),
        }
    }
}

/// Several services' latest figures combined, weighted by their answers.
#[derive(Debug, Object)]
pub struct CombinedDto {
    pub metric: Metric,
    pub status: FigureStatus,
    #[oai(nullable)]
    pub n: Option<i32>,
    #[oai(nullable)]
    pub mean: Option<f64>,
    /// Services with a figure for this metric.
    #[oai(nullable)]
    pub services: Option<i32>,
}

#[derive(Debug, Object)]
pub struct GroupResultsDto {
    pub combined: Vec<CombinedDto>,
    pub services: Vec<ServiceResultsDto>,
}

impl From<GroupResults> for GroupResultsDto {
    fn from(group: GroupResults) -> Self {
        Self {
            combined: group
                .combined
                .iter()
                .map(|(metric, combined)| match combined {
                    Combined::Shown { n, mean, services } => CombinedDto {
                        metric: (*metric).into(),
                        status: FigureStatus::Shown,
                        n: Some(*n as i32),
                        mean: Some(*mean),
                        services: Some(*services as i32),
                    },
                    Combined::TooFewAnswers => CombinedDto {
                        metric: (*metric).into(),
                        status: FigureStatus::TooFewAnswers,
                        n: None,
                        mean: None,
                        services: None,
                    },
                })
                .collect(),
            services: group.services.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum CommentsStatus {
    Shown,
    /// The round closed with fewer answers than the anonymity threshold.
    TooFewAnswers,
    /// The round is open: answers stay sealed until it closes.
    Pending,
}

/// A round's free-text answers, in random order.
#[derive(Debug, Object)]
pub struct CommentsDto {
    pub status: CommentsStatus,
    pub comments: Vec<String>,
}

/// A chart, as SVG (with `<title>` and `<desc>`) or PNG, 800 × 450.
#[derive(ResponseContent)]
pub enum ChartBody {
    #[oai(content_type = "image/svg+xml")]
    Svg(Binary<Vec<u8>>),
    #[oai(content_type = "image/png")]
    Png(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum ChartResponse {
    /// The chart; `ETag` changes when its data does.
    #[oai(status = 200)]
    Chart(
        ChartBody,
        #[oai(header = "ETag")] String,
        #[oai(header = "Cache-Control")] String,
    ),
    /// The copy named by `If-None-Match` is still current.
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String),
}

/// The chart with an `ETag` from its bytes, or 304 when the client's copy is current.
fn chart_reply(
    bytes: Vec<u8>,
    format: ChartFormat,
    if_none_match: Option<String>,
) -> ChartResponse {
    let digest = Sha256::digest(&bytes);
    let etag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    if if_none_match.as_deref() == Some(etag.as_str()) {
        return ChartResponse::NotModified(etag);
    }
    let body = match format {
        ChartFormat::Svg => ChartBody::Svg(Binary(bytes)),
        ChartFormat::Png => ChartBody::Png(Binary(bytes)),
    };
    // Private: results are for their owner; revalidate after five minutes.
    ChartResponse::Chart(body, etag, "private, max-age=300".into())
}

pub struct ResultsApi {
    /// Each service's results as JSON, rendered once per built results.
    rendered: Renderings<i32, ServiceResults, ServiceResultsDto>,
}

impl Default for ResultsApi {
    fn default() -> Self {
        Self {
            rendered: Renderings::new(5_000),
        }
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Results")]
impl ResultsApi {
    /// A service's results: every round, oldest first, with its figures per metric and
    /// segment, the latest change and the trend (its owner or an admin)
    #[oai(path = "/services/:id/results", method = "get")]
    async fn service(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<RenderedJson<ServiceResultsDto>> {
        let results = usecases::results::service_results(&state, &auth.0, id.0).await?;
        Ok(self
            .rendered
            .get_or_render(id.0, results, |results| results.into()))
    }

    /// An objektägare's services and their figures combined (the owner or an admin)
    #[oai(path = "/owners/:id/results", method = "get")]
    async fn owner(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<GroupResultsDto>> {
        let results = usecases::results::owner_results(
            &state,
            &auth.0,
            id.0,
            usecases::results::Breakdown::Segments,
        )
        .await?;
        Ok(Json(results.into()))
    }

    /// A förvaltning's services and their figures combined (admin)
    #[oai(path = "/departments/:id/results", method = "get")]
    async fn department(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<GroupResultsDto>> {
        let results = usecases::results::department_results(&state, &auth.0, id.0).await?;
        Ok(Json(results.into()))
    }

    /// A service's trend chart (its owner or an admin): `{metric}.svg` or `{metric}.png`,
    /// metric one of sus, umux_lite, nyttoindex, nps, tidsvinst, response_rate. Only
    /// rounds whose figure passes the anonymity threshold are points; a round with too
    /// few answers is a gap in the line
    #[oai(path = "/services/:id/charts/:file", method = "get")]
    async fn chart(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        file: Path<ChartFile>,
        /// The language of the chart's words (titles, axes, legend, `<desc>`); `sv`
        /// when left out.
        lang: Query<Option<Language>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<ChartResponse> {
        let lang: crate::domain::Language = lang.0.map(Into::into).unwrap_or_default();
        let ChartFile { metric, format } = file.0;
        let bytes =
            usecases::charts::service_chart(&state, &auth.0, id.0, metric, format, lang).await?;
        Ok(chart_reply(bytes, format, if_none_match.0))
    }

    /// An objektägare's services side by side, one trend of the metric each (the owner or
    /// an admin): `{metric}.svg` or `{metric}.png`
    #[oai(path = "/owners/:id/charts/:file", method = "get")]
    async fn owner_chart(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        file: Path<ChartFile>,
        /// The language of the chart's words (titles, axes, legend, `<desc>`); `sv`
        /// when left out.
        lang: Query<Option<Language>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<ChartResponse> {
        let lang: crate::domain::Language = lang.0.map(Into::into).unwrap_or_default();
        let ChartFile { metric, format } = file.0;
        let bytes =
            usecases::charts::owner_chart(&state, &auth.0, id.0, metric, format, lang).await?;
        Ok(chart_reply(bytes, format, if_none_match.0))
    }

    /// Kommunledningskontoret's overview (admin): every service by the nyttoindex and
    /// SUS of its latest closed round, sized by its users, as `overview.svg` or
    /// `overview.png`; a service whose latest round had too few answers is left out
    /// (never shown with an older figure), and the title says which period it shows
    #[oai(path = "/charts/:file", method = "get")]
    async fn overview_chart(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(validator(pattern = r"^overview\.(svg|png)$"))] file: Path<String>,
        /// The language of the chart's words (titles, axes, legend, `<desc>`); `sv`
        /// when left out.
        lang: Query<Option<Language>>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> ApiResult<ChartResponse> {
        let lang: crate::domain::Language = lang.0.map(Into::into).unwrap_or_default();
        let format = if file.0.ends_with(".png") {
            ChartFormat::Png
        } else {
            ChartFormat::Svg
        };
        let bytes = usecases::charts::overview_chart(&state, &auth.0, format, lang).await?;
        Ok(chart_reply(bytes, format, if_none_match.0))
    }

    /// A closed round's comments, in random order (the service's owner or an admin)
    #[oai(path = "/services/:id/rounds/:round_id/comments", method = "get")]
    async fn comments(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        round_id: Path<i32>,
    ) -> ApiResult<Json<CommentsDto>> {
        let comments = usecases::results::round_comments(&state, &auth.0, id.0, round_id.0).await?;
        let (status, comments) = match comments {
            Comments::Shown(comments) => (CommentsStatus::Shown, comments),
            Comments::TooFewAnswers => (CommentsStatus::TooFewAnswers, Vec::new()),
            Comments::Pending => (CommentsStatus::Pending, Vec::new()),
        };
        Ok(Json(CommentsDto { status, comments }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::types::ToJSON;

    fn figure(status: FigureStatus, n: Option<i32>) -> FigureDto {
        FigureDto {
            metric: Metric::Sus,
            status,
            n,
            mean: n.map(|_| 72.5),
            sd: n.map(|_| 12.25),
            ci_low: n.map(|_| 68.0),
            ci_high: None,
            median: n.map(|_| 1.0 / 3.0),
            promoters_share: None,
            detractors_share: n.map(|_| 0.1),
        }
    }

    /// The results are rendered with serde (`RenderedJson`); a client must get what
    /// poem-openapi's own `Json` would write, every field and `null` included.
    #[test]
    fn service_results_render_with_serde_as_poem_openapi_writes_them() {
        let dto = ServiceResultsDto {
            service_id: 7,
            service_name: "Ärendesystem \"Lex\"".into(),
            rounds: vec![RoundResultDto {
                round_id: 3,
                period: "2026-Q3".into(),
                status: RoundStatus::Closed,
                results: RoundResults::Released,
                invited: 40,
                delivered: 38,
                answered: 21,
                response_rate: Some(RateDto {
                    share: 21.0 / 38.0,
                    ci_low: 0.39,
                    ci_high: 0.7,
                }),
                figures: vec![
                    figure(FigureStatus::Shown, Some(21)),
                    figure(FigureStatus::TooFewAnswers, None),
                ],
                segments: vec![SegmentFiguresDto {
                    segment: SegmentKind::Department,
                    value: "Barn- och ungdomsförvaltningen".into(),
                    figures: vec![figure(FigureStatus::Shown, Some(9))],
                }],
            }],
            trends: vec![
                TrendDto {
                    metric: Metric::Tidsvinst,
                    change: Some(ChangeDto {
                        from_round_id: 2,
                        to_round_id: 3,
                        difference: -4.5,
                        p_value: 0.031,
                        significant: true,
                    }),
                    slope_per_round: None,
                    rounds_in_slope: 2,
                },
                TrendDto {
                    metric: Metric::Nps,
                    change: None,
                    slope_per_round: Some(-0.75),
                    rounds_in_slope: 3,
                },
            ],
            nyttokalkyl: Some(NyttokalkylDto {
                round: "2026-Q3".into(),
                minutes_per_week: -15.0,
                minutes_ci: Some(vec![-20.5, -9.5]),
                working_weeks: 40,
                users: 500,
                hourly_cost_sek: 450.0,
                annual_hours: -5_000.0,
                value_sek: -2_250_000.0,
                value_ci_sek: None,
                annual_cost_sek: 100_000.0,
                benefit_cost_ratio: Some(-22.5),
                benefit_cost_ci: None,
            }),
        };
        let poem = dto.to_json().expect("an object");
        let serde = serde_json::to_value(&dto).expect("serializes");
        assert_eq!(serde, poem);
        let without = ServiceResultsDto {
            nyttokalkyl: None,
            rounds: Vec::new(),
            ..dto
        };
        assert_eq!(
            serde_json::to_value(&without).expect("serializes"),
            without.to_json().expect("an object")
        );
    }
}
