//! What the nyttoanalys and an objektägare's digest say of insatser: the loading behind
//! `stats::nyttoanalys::insatser`, which decides what is shown. The realisation is
//! [`super::portfolio`]'s, read the same way the portfolio page reads it.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Europe::Stockholm;
use sea_orm::ConnectionTrait;

use super::{portfolio::InsatsRealisation, portfolio::realisations_of, valuation};
use crate::{
    domain::{
        Error, ReportPeriod, ServiceFilter,
        insats::{Insats, InsatsFilter, nyttokalkyl::decided_version},
    },
    stats::{
        insatser::{KalkylFigures, kalkyl_figures},
        nyttoanalys::insatser::{
            BenefitFacts, InsatsFacts, InsatserSection, RealisationLine, insatser_section,
            realisation_in_round as lines_of_round,
        },
    },
    store::{self, insatser},
    usecases::AppState,
};

/// The insatser with what the section reads of them: realisation, the decided kalkyl's
/// figures, and the names of owners and services.
struct Loaded {
    realisations: Vec<InsatsRealisation>,
    decided: BTreeMap<i32, (u32, KalkylFigures)>,
    owners: HashMap<i32, String>,
    services: HashMap<i32, String>,
}

impl Loaded {
    async fn of(
        db: &impl ConnectionTrait,
        state: &AppState,
        insatser_list: Vec<Insats>,
    ) -> Result<Self, Error> {
        let ids: Vec<i32> = insatser_list.iter().map(|i| i.id).collect();
        let versions = insatser::versions_of(db, &ids).await?;
        let valuation = valuation(state);
        let decided = ids
            .iter()
            .filter_map(|id| {
                let own: Vec<_> = versions
                    .iter()
                    .filter(|v| v.insats_id == *id)
                    .cloned()
                    .collect();
                let version = decided_version(&own)?;
                Some((
                    *id,
                    (version.version, kalkyl_figures(&version.kalkyl, valuation)),
                ))
            })
            .collect();
        let owners = store::catalogue::every_owner(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let services = store::catalogue::every_service(db, &ServiceFilter::default())
            .await?
            .into_iter()
            .map(|s| (s.id, s.details.name))
            .collect();
        Ok(Self {
            realisations: realisations_of(db, state, insatser_list).await?,
            decided,
            owners,
            services,
        })
    }

    fn facts(&self) -> Vec<InsatsFacts<'_>> {
        self.realisations
            .iter()
            .map(|r| InsatsFacts {
                insats: &r.insats,
                owner: r
                    .insats
                    .details
                    .owner_id
                    .and_then(|id| self.owners.get(&id))
                    .map(String::as_str),
                decided: self
                    .decided
                    .get(&r.insats.id)
                    .map(|(version, figures)| (*version, figures)),
                benefits: r
                    .benefits
                    .iter()
                    .map(|b| BenefitFacts {
                        description: &b.description,
                        service_id: b.service_id,
                        service: self.services.get(&b.service_id).map_or("", String::as_str),
                        realisation: &b.realisation,
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The nyttoanalys's Insatser section of `period`: the insatser decided in it, and the
/// realisation of those live or followed up.
pub(crate) async fn nyttoanalys_section(
    state: &AppState,
    period: ReportPeriod,
) -> Result<InsatserSection, Error> {
    let (start, end) = period.range();
    let (start, end) = (
        start.with_timezone(&Stockholm).date_naive(),
        end.with_timezone(&Stockholm).date_naive(),
    );
    let relevant: Vec<Insats> = insatser::list(&state.db, &InsatsFilter::default())
        .await?
        .into_iter()
        .filter(|i| i.status.is_live() || i.decided_on.is_some_and(|d| d >= start && d < end))
        .collect();
    let loaded = Loaded::of(&state.db, state, relevant).await?;
    Ok(insatser_section(start, end, &loaded.facts()))
}

/// What round `round_id` of service `service_id` measured of the live insatser of
/// objektägare `owner_id` (where they are nyttoägare): the lines their digest names.
pub(crate) async fn realisation_in_round(
    state: &AppState,
    owner_id: i32,
    service_id: i32,
    round_id: i32,
) -> Result<Vec<RealisationLine>, Error> {
    let theirs: Vec<Insats> = insatser::list(
        &state.db,
        &InsatsFilter {
            owner_id: Some(owner_id),
            service_id: Some(service_id),
            ..InsatsFilter::default()
        },
    )
    .await?
    .into_iter()
    .filter(|i| i.status.is_live())
    .collect();
    if theirs.is_empty() {
        return Ok(Vec::new());
    }
    let loaded = Loaded::of(&state.db, state, theirs).await?;
    Ok(loaded
        .facts()
        .iter()
        .flat_map(|facts| lines_of_round(facts, round_id))
        .filter(|line| line.service_id == service_id)
        .collect())
}
