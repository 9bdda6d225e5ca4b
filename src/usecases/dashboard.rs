//! What the owner dashboard's pages show, one use case per page: an objektägare's
//! services, Kommunledningskontoret's overview of every owner and service, and one
//! service's rounds, charts and comments. Every figure has passed the anonymity
//! threshold in `stats`; access is checked by the results use cases underneath.

use std::collections::BTreeMap;

use super::{
    AppState,
    charts::{self, InlineChart},
    results::{self, Breakdown, Comments, GroupResults, ServiceResults},
};
use crate::{
    domain::{Actor, Error, Language, Owner, ServiceFilter},
    store,
};

/// An objektägare's page: their services, each with its SUS trend as a sparkline.
pub struct OwnerPage {
    pub owner: Owner,
    pub group: GroupResults,
    /// By service id; services without a SUS figure have none.
    pub sparklines: BTreeMap<i32, InlineChart>,
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
        if let Some(sparkline) = charts::sus_sparkline(results, lang)? {
            sparklines.insert(results.service.id, sparkline);
        }
    }
    Ok(OwnerPage {
        owner,
        group,
        sparklines,
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
    let overview = charts::overview_inline_chart(&group.services, lang)?;
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
}

pub async fn service_page(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
    lang: Language,
) -> Result<ServicePage, Error> {
    let results = results::service_results(state, actor, service_id).await?;
    let owner = match results.service.owner_id {
        Some(id) => Some(store::catalogue::get_owner(&state.db, id).await?),
        None => None,
    };
    let charts = charts::service_inline_charts(&results, lang)?;
    let mut comments = Vec::new();
    for entry in results.rounds.iter().rev().filter(|e| e.round.closed) {
        let shown = results::round_comments(state, actor, service_id, entry.round.round_id).await?;
        comments.push((entry.round.period.clone(), shown));
    }
    Ok(ServicePage {
        results,
        owner,
        charts,
        comments,
    })
}
