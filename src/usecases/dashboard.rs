//! What the owner dashboard's pages show, one use case per page: an objektägare's
//! services, Kommunledningskontoret's overview of every owner and service, and one
//! service's rounds, charts and comments. Every figure has passed the anonymity
//! threshold in `stats`; access is checked by the results use cases underneath.

use std::collections::BTreeMap;

use super::{
    AppState,
    reports::{self, Report},
    results::{self, Breakdown, Comments, GroupResults, ServiceResults},
};
use crate::{
    charts::{self, InlineChart},
    domain::{Actor, Error, Language, Owner, ReportPeriod, ServiceFilter},
    stats::nyttoanalys::Assessment,
    store,
};

/// An objektägare's page: their services, each with its SUS trend as a sparkline, and
/// what the nyttoanalys's rules say of each one's latest closed round.
pub struct OwnerPage {
    pub owner: Owner,
    pub group: GroupResults,
    /// By service id; services without a SUS figure have none.
    pub sparklines: BTreeMap<i32, InlineChart>,
    /// Services with a flag or a proposal, in the table's order.
    pub attention: Vec<Assessment>,
}

pub async fn owner_page(
    state: &AppState,
    actor: &Actor,
    owner_id: i32,
    lang: Language,
) -> Result<OwnerPage, Error> {
    let group = results::owner_results(state, actor, owner_id, Breakdown::WholeRounds).await?;
    let owner = store::catalogue::get_owner(&state.db, owner_id).await?;
    let mut sparklines = BTreeMap::new();
    for results in &group.services {
        if let Some(sparkline) =
            charts::sus_sparkline(results.for_charts(), lang).map_err(Error::internal)?
        {
            sparklines.insert(results.service.id, sparkline);
        }
    }
    let attention = results::assess_latest(state, (owner.id, &owner.name), &group.services);
    Ok(OwnerPage {
        owner,
        group,
        sparklines,
        attention,
    })
}

/// Kommunledningskontoret's first page: every owner, every active service and the
/// overview chart (SUS against nyttoindex).
pub struct AdminHome {
    pub owners: Vec<Owner>,
    pub group: GroupResults,
    pub overview: Option<InlineChart>,
}

pub async fn admin_home(
    state: &AppState,
    actor: &Actor,
    lang: Language,
) -> Result<AdminHome, Error> {
    actor.require_admin()?;
    let owners = store::catalogue::every_owner(&state.db).await?;
    let group = results::group_of(
        state,
        ServiceFilter {
            active: Some(true),
            ..ServiceFilter::default()
        },
        Breakdown::WholeRounds,
    )
    .await?;
    let overview =
        charts::overview_inline_chart(&group.for_charts(), lang).map_err(Error::internal)?;
    Ok(AdminHome {
        owners,
        group,
        overview,
    })
}

/// One service's page: its rounds, its charts, and each closed round's comments.
pub struct ServicePage {
    pub results: ServiceResults,
    pub owner: Option<Owner>,
    pub charts: Vec<InlineChart>,
    /// Newest round first.
    pub comments: Vec<(String, Comments)>,
    /// What the objektägare does about the results, newest first.
    pub actions: Vec<crate::domain::action::Action>,
}

pub async fn service_page(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
    lang: Language,
) -> Result<ServicePage, Error> {
    let results = results::service_results(state, actor, service_id).await?;
    let owner = match results.service.details.owner_id {
        Some(id) => Some(store::catalogue::get_owner(&state.db, id).await?),
        None => None,
    };
    let charts =
        charts::service_inline_charts(results.for_charts(), lang).map_err(Error::internal)?;
    let mut comments = Vec::new();
    for entry in results.rounds.iter().rev().filter(|e| e.round.closed) {
        let shown = results::round_comments(state, actor, service_id, entry.round.round_id).await?;
        comments.push((entry.round.period.clone(), shown));
    }
    let actions = super::actions::of_service(state, actor, service_id).await?;
    Ok(ServicePage {
        results: std::sync::Arc::unwrap_or_clone(results),
        owner,
        charts,
        comments,
        actions,
    })
}

/// Kommunledningskontoret's report page: the quarters and years that have closed rounds
/// (newest first) and the report of the chosen period (by default the newest quarter).
pub struct ReportPage {
    pub quarters: Vec<ReportPeriod>,
    pub years: Vec<ReportPeriod>,
    pub report: Option<(ReportPeriod, Report)>,
}

pub async fn report_page(
    state: &AppState,
    actor: &Actor,
    period: Option<ReportPeriod>,
) -> Result<ReportPage, Error> {
    actor.require_admin()?;
    let openings = store::rounds::closed_openings(&state.db).await?;
    let (quarters, years) = ReportPeriod::with_rounds(&openings);
    let report = match period.or_else(|| quarters.first().copied()) {
        Some(period) => Some((period, report_of(state, actor, period, false).await?)),
        None => None,
    };
    Ok(ReportPage {
        quarters,
        years,
        report,
    })
}

/// One period's report (stored, or generated now and stored; `regenerate` makes it
/// again from the figures stored now).
pub async fn report_of(
    state: &AppState,
    actor: &Actor,
    period: ReportPeriod,
    regenerate: bool,
) -> Result<Report, Error> {
    reports::nyttoanalys_of(state, actor, period, regenerate).await
}
