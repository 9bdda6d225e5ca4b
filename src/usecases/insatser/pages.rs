//! What the dashboard's insatser pages show, one use case per page: the insatser a
//! reader may see, each with its plan and what the surveys measured after go-live; one
//! insats with its kalkyl versions and a chart per measured benefit; and
//! Kommunledningskontoret's portfolio (the ranking, the realisation of live insatser,
//! the reference class). Access is the insatser's own: an objektägare sees only the
//! insatser where they are nyttoägare.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;

use super::{
    InsatsDetail, get_insats,
    portfolio::{InsatsRealisation, Priorities, priorities, realisations_of},
    valuation,
};
use crate::{
    charts::{self, InlineChart},
    domain::{
        Actor, Error, Language, Owner, ServiceFilter,
        insats::{
            Goal, Insats, InsatsFilter, InsatsStatus, change_status,
            nyttokalkyl::{current_version, decided_version},
        },
    },
    stats::insatser::{KalkylFigures, kalkyl_figures},
    store::{self, insatser},
    usecases::AppState,
};

/// The kalkyl an insats is held to: the decided version, or the newest before a decision.
#[derive(Debug, Clone)]
pub struct PlannedKalkyl {
    pub version: u32,
    pub decided: bool,
    pub figures: KalkylFigures,
}

/// An insats as a list shows it: its plan and each measured benefit's realisation.
#[derive(Debug, Clone)]
pub struct InsatsLine {
    pub realisation: InsatsRealisation,
    pub planned: Option<PlannedKalkyl>,
}

impl InsatsLine {
    pub fn insats(&self) -> &Insats {
        &self.realisation.insats
    }
}

/// A list of insatser and the names their benefits' services go by.
#[derive(Debug, Clone)]
pub struct InsatserPage {
    pub lines: Vec<InsatsLine>,
    pub service_names: BTreeMap<i32, String>,
}

async fn service_names(db: &impl ConnectionTrait) -> Result<BTreeMap<i32, String>, Error> {
    Ok(
        store::catalogue::every_service(db, &ServiceFilter::default())
            .await?
            .into_iter()
            .map(|s| (s.id, s.details.name))
            .collect(),
    )
}

/// Each of `list` with the kalkyl it is held to and its realisation, in their order.
async fn lines_of(
    db: &impl ConnectionTrait,
    state: &AppState,
    list: Vec<Insats>,
) -> Result<Vec<InsatsLine>, Error> {
    let ids: Vec<i32> = list.iter().map(|i| i.id).collect();
    let versions = insatser::versions_of(db, &ids).await?;
    let valuation = valuation(state);
    Ok(realisations_of(db, state, list)
        .await?
        .into_iter()
        .map(|realisation| {
            let own: Vec<_> = versions
                .iter()
                .filter(|v| v.insats_id == realisation.insats.id)
                .cloned()
                .collect();
            let planned = decided_version(&own)
                .or(current_version(&own))
                .map(|v| PlannedKalkyl {
                    version: v.version,
                    decided: v.decided_at.is_some(),
                    figures: kalkyl_figures(&v.kalkyl, valuation),
                });
            InsatsLine {
                realisation,
                planned,
            }
        })
        .collect())
}

/// The insatser `actor` may see: an objektägare's own (where they are nyttoägare),
/// every one for Kommunledningskontoret; oldest first.
pub async fn insatser_page(state: &AppState, actor: &Actor) -> Result<InsatserPage, Error> {
    let db = &state.db;
    let filter = InsatsFilter {
        owner_id: actor.owner_scope(),
        ..InsatsFilter::default()
    };
    let list = insatser::list(db, &filter).await?;
    Ok(InsatserPage {
        lines: lines_of(db, state, list).await?,
        service_names: service_names(db).await?,
    })
}

/// One insats: every kalkyl version with its figures, the realisation of its measured
/// benefits with a chart each, the goals it serves and its nyttoägare.
#[derive(Debug, Clone)]
pub struct InsatsPage {
    pub detail: InsatsDetail,
    pub line: InsatsLine,
    pub goals: Vec<Goal>,
    pub owner: Option<Owner>,
    pub service_names: BTreeMap<i32, String>,
    /// By the benefit's index in the kalkyl; a benefit with nothing to draw has none.
    pub charts: BTreeMap<usize, InlineChart>,
    /// The statuses `actor` may move the insats to now (the flow's rule, asked in
    /// advance, so a form offers only what will be accepted).
    pub status_choices: Vec<InsatsStatus>,
}

pub async fn insats_page(
    state: &AppState,
    actor: &Actor,
    id: i32,
    lang: Language,
) -> Result<InsatsPage, Error> {
    let detail = get_insats(state, actor, id).await?;
    let db = &state.db;
    let line = lines_of(db, state, vec![detail.insats.clone()])
        .await?
        .pop()
        .ok_or_else(|| Error::bug("an insats's realisation went missing"))?;
    let goals = insatser::list_goals(db)
        .await?
        .into_iter()
        .filter(|g| detail.insats.details.goal_ids.contains(&g.id))
        .collect();
    let owner = match detail.insats.details.owner_id {
        Some(owner_id) => Some(store::catalogue::get_owner(db, owner_id).await?),
        None => None,
    };
    let service_names = service_names(db).await?;
    let mut charts = BTreeMap::new();
    for benefit in &line.realisation.benefits {
        let service = service_names
            .get(&benefit.service_id)
            .map_or("", String::as_str);
        let content = charts::realisation_of(
            &benefit.description,
            service,
            &benefit.realisation,
            detail.insats.live_on,
            lang,
        );
        if let Some(content) = content {
            let chart = charts::realisation_inline_chart(
                content,
                &format!("benefit-{}", benefit.index),
                lang,
            )
            .map_err(Error::internal)?;
            charts.insert(benefit.index, chart);
        }
    }
    let today = super::today(state.clock.now());
    let has_kalkyl = !detail.versions.is_empty();
    let status_choices = detail
        .insats
        .status
        .next()
        .iter()
        .copied()
        .filter(|to| change_status(actor, &detail.insats, *to, today, has_kalkyl).is_ok())
        .collect();
    Ok(InsatsPage {
        status_choices,
        detail,
        line,
        goals,
        owner,
        service_names,
        charts,
    })
}

/// Kommunledningskontoret's portfolio: the insatser awaiting a decision ranked, with the
/// reference class from the followed-up ones, and every live or followed-up insats's
/// realisation.
#[derive(Debug, Clone)]
pub struct PortfolioPage {
    pub priorities: Priorities,
    pub measured: Vec<InsatsLine>,
    pub service_names: BTreeMap<i32, String>,
}

pub async fn portfolio_page(state: &AppState, actor: &Actor) -> Result<PortfolioPage, Error> {
    let priorities = priorities(state, actor).await?;
    let db = &state.db;
    let live = insatser::list(
        db,
        &InsatsFilter {
            statuses: vec![InsatsStatus::Live, InsatsStatus::FollowedUp],
            ..InsatsFilter::default()
        },
    )
    .await?;
    Ok(PortfolioPage {
        priorities,
        measured: lines_of(db, state, live).await?,
        service_names: service_names(db).await?,
    })
}
