//! The nyttoanalys: generated for a period from every active service's closed rounds up
//! to the period's end (`stats::nyttoanalys`), stored, and read back in any format.
//! Regenerating a period replaces its stored report with the same figures, unless the
//! figures underneath changed (a recompute).

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use lettre::{Message, message::Mailbox};
use serde_json::json;

use super::{AppState, Counts, results::Breakdown};
use crate::{
    domain::{
        Actor, Error, ReportPeriod, ServiceFilter,
        survey::{DigestEmail, OutboxEmail, ReportEmail},
    },
    mail,
    stats::{
        Valuation,
        nyttoanalys::{Nyttoanalys, ServiceHistory, nyttoanalys},
    },
    store::{self, outbox::NewOutboxMessage},
};

/// A period's report and when it was generated.
pub struct Report {
    pub report: Nyttoanalys,
    pub generated_at: DateTime<Utc>,
}

/// The period `raw` names (`2026-Q4` or `2026`), or the last quarter that has ended.
pub fn period_or_last(state: &AppState, raw: Option<&str>) -> Result<ReportPeriod, Error> {
    let chosen = raw
        .map(|raw| {
            raw.parse::<ReportPeriod>()
                .map_err(|problem| Error::invalid("period", problem))
        })
        .transpose()?;
    Ok(chosen_or_last(state, chosen))
}

/// `period`, or the last quarter that has ended.
pub fn chosen_or_last(state: &AppState, period: Option<ReportPeriod>) -> ReportPeriod {
    period.unwrap_or_else(|| ReportPeriod::last_ended_quarter(state.clock.now()))
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
    // Microseconds, as PostgreSQL keeps them: the time shown now is the time read back.
    let now = state.clock.now().trunc_subsecs(6);
    if period.range().0 > now {
        return Err(Error::not_found(
            "report",
            format!("for {} (the period has not begun)", period.key()),
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
        super::audit::record(
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
    let results = super::results::series_of_many(
        state,
        services,
        Breakdown::WholeRoundsAndOpenLinks,
        Some(end),
    )
    .await?;
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
                name: &service.details.name,
                owner: service
                    .details
                    .owner_id
                    .and_then(|id| Some((id, owners.get(&id)?.as_str()))),
                department: service
                    .details
                    .department_id
                    .and_then(|id| Some((id, departments.get(&id)?.as_str()))),
                users: service.details.users_count,
                annual_cost_sek: service.details.annual_cost_sek,
                rounds,
                trends: &r.trends,
                last_in_period: rounds.last().is_some_and(|e| e.round.opens_at >= start),
            }
        })
        .collect();
    let survey = &state.settings.survey;
    let mut report = nyttoanalys(
        &period.key(),
        &histories,
        survey.min_group_size,
        Valuation {
            working_weeks: survey.working_weeks,
            hourly_cost_sek: survey.hourly_cost_sek,
        },
    );
    report.insatser = Some(super::insatser::report::nyttoanalys_section(state, period).await?);
    report.actions = super::actions::report_section(&state.db, &report.services).await?;
    Ok(report)
}

/// The nyttoanalys email of a period, built when it is sent from its stored report.
pub async fn report_message(
    state: &AppState,
    from: &Mailbox,
    recipient: &str,
    email: &ReportEmail,
) -> Result<Message, Error> {
    let stored = store::reports::get(&state.db, &email.report_period)
        .await?
        .ok_or_else(|| Error::bug(format!("no stored report for {}", email.report_period)))?;
    mail::report_message(
        from,
        recipient,
        &stored.report,
        &state.settings.server.public_url,
    )
    .map_err(Error::internal)
}

/// An objektägare's digest of a closed round, built when it is sent from the service's
/// results and what the nyttoanalys's rules say of them.
pub async fn digest_message(
    state: &AppState,
    from: &Mailbox,
    recipient: &str,
    email: &DigestEmail,
) -> Result<Message, Error> {
    let round = store::rounds::get(&state.db, email.digest_round_id).await?;
    let results =
        super::results::service_results(state, &Actor::system(), round.service_id).await?;
    let entry = results
        .rounds
        .iter()
        .find(|e| e.round.round_id == round.id)
        .ok_or_else(|| Error::bug(format!("round {} is not in its service's series", round.id)))?;
    let attention = match results.service.details.owner_id {
        Some(owner_id) => super::results::assess_latest(
            state,
            (owner_id, &email.owner_name),
            std::slice::from_ref(&results),
        ),
        None => Vec::new(),
    };
    let insatser = match results.service.details.owner_id {
        Some(owner_id) => {
            super::insatser::report::realisation_in_round(
                state,
                owner_id,
                round.service_id,
                round.id,
            )
            .await?
        }
        None => Vec::new(),
    };
    let digest = mail::Digest {
        owner: &email.owner_name,
        insatser: &insatser,
        service: results.for_charts(),
        trends: &results.trends,
        round: entry,
        attention: &attention,
        min_group_size: state.settings.survey.min_group_size,
        remind_action: super::actions::owes_an_action(&state.db, &results).await?,
        link: format!(
            "{}/dashboard/services/{}",
            state.settings.server.public_url.trim_end_matches('/'),
            results.service.id
        ),
    };
    mail::digest_message(from, recipient, &digest).map_err(Error::internal)
}

/// Rounds closed this long ago or less get a digest (not older ones, e.g. when the
/// feature is first switched on).
const DIGEST_WITHIN_DAYS: i64 = 14;

/// The `send_reports` job: queues each objektägare's digest of every round of theirs
/// closed in the last two weeks that has none yet, and, once a quarter has ended, its
/// nyttoanalys to `report.recipients` (generated and stored first if needed). Through
/// the outbox, each with its own idempotency key and marked in the same transaction, so
/// nothing is sent twice or lost. A quarter with no round at all sends no nyttoanalys.
pub async fn send_reports(state: &AppState) -> Result<Counts, Error> {
    let now = state.clock.now();
    let mut digests = 0;
    let since = now - chrono::Duration::days(DIGEST_WITHIN_DAYS);
    for round in store::rounds::closed_without_digest(&state.db, since).await? {
        let service = store::catalogue::get_service(&state.db, round.service_id).await?;
        let owner = match service.details.owner_id {
            Some(id) => Some(store::catalogue::get_owner(&state.db, id).await?),
            None => None,
        };
        let queued = super::in_transaction(&state.db, async |txn| {
            store::rounds::mark_digest_queued(txn, round.id, now).await?;
            let Some(owner) = &owner else {
                return Ok(0);
            };
            store::outbox::enqueue(
                txn,
                vec![NewOutboxMessage {
                    recipient: owner.email.as_str().to_owned(),
                    idempotency_key: format!("digest:{}", round.id),
                    invitation_id: None,
                    email: OutboxEmail::Digest(DigestEmail {
                        digest_round_id: round.id,
                        owner_name: owner.name.clone(),
                    }),
                }],
                now,
            )
            .await?;
            Ok(1)
        })
        .await?;
        digests += queued;
    }
    let mut reports = 0;
    let recipients = &state.settings.report.recipients;
    if !recipients.is_empty() {
        let period = ReportPeriod::last_ended_quarter(now);
        let stored = store::reports::get(&state.db, &period.key()).await?;
        let unsent = match stored {
            Some(stored) if stored.sent_at.is_some() => None,
            Some(stored) => Some(stored.report),
            None => Some(
                nyttoanalys_of(state, &Actor::system(), period, false)
                    .await?
                    .report,
            ),
        };
        // A quarter in which no service had a round has nothing to analyse: no email
        // (an admin can still read its report on demand).
        let empty = unsent
            .as_ref()
            .is_some_and(|r| r.totals.no_round == r.totals.services);
        if empty {
            tracing::info!(
                period = %period.key(),
                "no round in the period: no nyttoanalys email"
            );
        }
        if unsent.is_some() && !empty {
            reports = super::in_transaction(&state.db, async |txn| {
                if !store::reports::mark_sent(txn, &period.key(), now).await? {
                    return Ok(0);
                }
                let messages: Vec<NewOutboxMessage> = recipients
                    .iter()
                    .map(|recipient| NewOutboxMessage {
                        recipient: recipient.clone(),
                        idempotency_key: format!("report:{}:{recipient}", period.key()),
                        invitation_id: None,
                        email: OutboxEmail::Report(ReportEmail {
                            report_period: period.key(),
                        }),
                    })
                    .collect();
                let count = messages.len() as u64;
                store::outbox::enqueue(txn, messages, now).await?;
                Ok(count)
            })
            .await?;
        }
    }
    Ok(Counts::from([
        ("digests_queued", digests),
        ("report_emails_queued", reports),
    ]))
}
