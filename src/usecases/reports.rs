//! The nyttoanalys: generated for a period from every active service's closed rounds up
//! to the period's end (`stats::nyttoanalys`), stored, and read back in any format.
//! Regenerating a period replaces its stored report with the same figures, unless the
//! figures underneath changed (a recompute).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{AppState, results::Breakdown};
use crate::{
    domain::{Actor, Error, ReportPeriod, ServiceFilter},
    stats::nyttoanalys::{Costing, Nyttoanalys, ServiceHistory, nyttoanalys},
    store,
};

/// A period's report and when it was generated.
pub struct Report {
    pub report: Nyttoanalys,
    pub generated_at: DateTime<Utc>,
}

pub fn parse_period(raw: &str) -> Result<ReportPeriod, Error> {
    raw.parse::<ReportPeriod>()
        .map_err(|problem| Error::invalid("period", problem))
}

/// The report of `period` (admin): the stored one, or (`regenerate`, or none stored)
/// one generated now and stored.
pub async fn nyttoanalys_of(
    state: &AppState,
    actor: &Actor,
    period: ReportPeriod,
    regenerate: bool,
) -> Result<Report, Error> {
    actor.require_admin()?;
    let now = state.clock.now();
    if period.range().0 > now {
        return Err(Error::invalid(
            "period",
            format!(
                "{} has not begun: there is nothing to report yet",
                period.key()
            ),
        ));
    }
    if !regenerate && let Some(stored) = store::reports::get(&state.db, &period.key()).await? {
        return Ok(Report {
            report: stored.report,
            generated_at: stored.generated_at,
        });
    }
    let report = generate(state, period).await?;
    super::in_transaction(&state.db, async |txn| {
        store::reports::save(txn, &report, now).await?;
        store::audit::record(
            txn,
            actor,
            now,
            "generate",
            "report",
            Some(period.key()),
            json!({"services": report.totals.services, "flagged": report.totals.flagged}),
        )
        .await
    })
    .await?;
    Ok(Report {
        report,
        generated_at: now,
    })
}

/// The analysis of `period` from what is stored now.
pub async fn generate(state: &AppState, period: ReportPeriod) -> Result<Nyttoanalys, Error> {
    let (start, end) = period.range();
    let services = store::catalogue::every_service(
        &state.db,
        &ServiceFilter {
            active: Some(true),
            ..ServiceFilter::default()
        },
    )
    .await?;
    let owners: HashMap<i32, String> = store::catalogue::every_owner(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let departments: HashMap<i32, String> = store::catalogue::every_department(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let ids: Vec<i32> = services.iter().map(|s| s.id).collect();
    let opened: HashMap<i32, DateTime<Utc>> = store::rounds::of_services(&state.db, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r.opens_at))
        .collect();
    let results =
        super::results::series_of_many(state, services, Breakdown::WholeRounds, Some(end)).await?;
    let closed: Vec<Vec<_>> = results
        .iter()
        .map(|r| {
            r.rounds
                .iter()
                .filter(|e| e.round.closed)
                .cloned()
                .collect()
        })
        .collect();
    let histories: Vec<ServiceHistory> = results
        .iter()
        .zip(&closed)
        .map(|(r, rounds): (_, &Vec<_>)| {
            let service = &r.service;
            ServiceHistory {
                service_id: service.id,
                name: &service.name,
                owner: service
                    .owner_id
                    .and_then(|id| Some((id, owners.get(&id)?.as_str()))),
                department: service
                    .department_id
                    .and_then(|id| Some((id, departments.get(&id)?.as_str()))),
                users: service.users_count,
                annual_cost_sek: service.annual_cost_sek,
                rounds,
                trends: &r.trends,
                last_in_period: rounds
                    .last()
                    .and_then(|e| opened.get(&e.round.round_id))
                    .is_some_and(|at| *at >= start),
            }
        })
        .collect();
    let survey = &state.settings.survey;
    Ok(nyttoanalys(
        &period.key(),
        &histories,
        survey.min_group_size,
        Costing {
            working_weeks: survey.working_weeks,
            hourly_cost_sek: survey.hourly_cost_sek,
        },
    ))
}
