//! Kommunledningskontoret's report page: pick a quarter or a year that has rounds, read
//! the nyttoanalys (the standalone HTML), download it as CSV or XLSX, or generate it
//! again. The emailed report links here, so a signed-in admin reaches it in a browser.

use minijinja::context;
use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query},
};
use serde::Deserialize;

use super::{SignedIn, say, see_other};
use crate::{
    domain::{Error, Language, ReportPeriod, sign_in::tokens_match},
    numbers::{kronor, number},
    reports::Format,
    usecases::{AppState, dashboard},
    web::pages::{lang_query, page},
};

#[derive(Debug, Deserialize)]
pub(super) struct PeriodQuery {
    period: Option<String>,
}

/// A report file: `2026-Q3.html`, `2026.csv`, `2026-Q3.xlsx`.
fn parse_file(name: &str) -> Option<(ReportPeriod, Format)> {
    let (period, extension) = name.rsplit_once('.')?;
    let format = Format::from_extension(extension).filter(|f| *f != Format::Json)?;
    Some((period.parse().ok()?, format))
}

fn parse_period(raw: Option<&str>) -> Result<Option<ReportPeriod>, Error> {
    raw.filter(|raw| !raw.is_empty())
        .map(|raw| {
            raw.parse::<ReportPeriod>()
                .map_err(|problem| Error::invalid("period", problem))
        })
        .transpose()
}

fn period_name(period: ReportPeriod, lang: Language) -> String {
    match (period, lang) {
        (ReportPeriod::Quarter { year, quarter }, Language::Sv) => {
            format!("Kvartal {quarter} {year}")
        }
        (ReportPeriod::Quarter { year, quarter }, Language::En) => format!("Q{quarter} {year}"),
        (ReportPeriod::Year { year }, Language::Sv) => format!("Helår {year}"),
        (ReportPeriod::Year { year }, Language::En) => format!("Year {year}"),
    }
}

#[handler]
pub(super) async fn report_page(
    state: Data<&AppState>,
    Query(query): Query<PeriodQuery>,
    signed: SignedIn,
) -> Response {
    let lang = signed.lang;
    let period = match parse_period(query.period.as_deref()) {
        Ok(period) => period,
        Err(error) => return signed.fail(error),
    };
    let shown = match dashboard::report_page(&state, &signed.actor, period).await {
        Ok(shown) => shown,
        Err(error) => return signed.fail(error),
    };
    let option = |p: &ReportPeriod| {
        context! {
            key => p.key(),
            name => period_name(*p, lang),
            selected => shown.report.as_ref().is_some_and(|(chosen, _)| chosen == p),
        }
    };
    let report = shown.report.as_ref().map(|(period, report)| {
        let key = period.key();
        let totals = &report.report.totals;
        let file = |extension: &str| format!("/dashboard/reports/{key}.{extension}{}", lang_query(lang));
        context! {
            key,
            name => period_name(*period, lang),
            generated => report.generated_at.with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M").to_string(),
            services => totals.services,
            shown => totals.shown,
            too_few => totals.too_few_answers,
            no_round => totals.no_round,
            flagged => totals.flagged,
            proposals => report.report.proposals.len(),
            value => (totals.shown > 0).then(|| kronor(totals.value_sek, lang)),
            hours => number(totals.annual_hours, 0, lang),
            html => file("html"),
            csv => file("csv"),
            xlsx => file("xlsx"),
        }
    });
    page(
        "dashboard/reports.html",
        context! {
            lang => lang.as_str(),
            title => say(lang, "Nyttoanalys", "Benefit analysis (nyttoanalys)"),
            quarters => shown.quarters.iter().map(option).collect::<Vec<_>>(),
            years => shown.years.iter().map(option).collect::<Vec<_>>(),
            report,
            action => format!("/dashboard/reports{}", lang_query(lang)),
            regenerate_action => format!("/dashboard/reports/regenerate{}", lang_query(lang)),
            ..signed.context()
        },
        StatusCode::OK,
    )
}

/// The report of a period as a file, for a signed-in admin.
#[handler]
pub(super) async fn report_file(
    state: Data<&AppState>,
    Path(name): Path<String>,
    signed: SignedIn,
) -> Response {
    let Some((period, format)) = parse_file(&name) else {
        return signed.fail(Error::not_found("report", format!("`{name}`")));
    };
    let file = match dashboard::report_of(&state, &signed.actor, period, false)
        .await
        .and_then(|report| crate::reports::render(&report.report, format, Language::Sv))
    {
        Ok(file) => file,
        Err(error) => return signed.fail(error),
    };
    let disposition = file.disposition();
    file.bytes
        .with_content_type(file.content_type)
        .with_header(header::CACHE_CONTROL, "no-store")
        .with_header(header::CONTENT_DISPOSITION, disposition)
        .into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct RegenerateForm {
    csrf: Option<String>,
    period: Option<String>,
}

/// Generates a period's report again from the figures stored now.
#[handler]
pub(super) async fn regenerate(
    state: Data<&AppState>,
    signed: SignedIn,
    Form(form): Form<RegenerateForm>,
) -> Response {
    let lang = signed.lang;
    if !tokens_match(&signed.csrf(), form.csrf.as_deref().unwrap_or_default()) {
        return super::stale_form(&signed);
    }
    let period = match parse_period(form.period.as_deref()) {
        Ok(Some(period)) => period,
        Ok(None) => return signed.fail(Error::invalid("period", "choose a period")),
        Err(error) => return signed.fail(error),
    };
    match dashboard::report_of(&state, &signed.actor, period, true).await {
        Ok(_) => see_other(&format!(
            "/dashboard/reports{}&period={}",
            lang_query(lang),
            period.key()
        )),
        Err(error) => signed.fail(error),
    }
}
