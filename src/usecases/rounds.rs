//! Opening a programme's rounds (with the invitations and their emails in the same
//! transaction), closing rounds, and reading them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Stockholm;
use serde_json::json;

use super::{AppState, Counts, audit};
use crate::{
    domain::{
        Actor, Error, Page, PageRequest, Service,
        action::ActionNote,
        programme::{NewProgramme, Programme, RoundHistory},
        release::{Release, plan_release},
        sealing::SealedAnswer,
        selection::choose_invitees,
        survey::{EmailKind, Links, OutboxEmail, Round, RoundFilter, SurveyEmail, idempotency_key},
        token::SecretToken,
    },
    stats::{
        Metric,
        aggregate::{SegmentKey, round_aggregates},
        sampling::invitation_cap,
    },
    store::{self, outbox::NewOutboxMessage, rounds::Addressee},
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOutcome {
    pub rounds_opened: usize,
    pub invitations: usize,
}

/// Opens a programme's rounds for the current period now, whatever its schedule says
/// (an admin's "run now", or the programme's own timer). Running it again in the same
/// period opens nothing.
pub async fn open_programme_rounds(
    state: &AppState,
    actor: &Actor,
    programme_id: i32,
) -> Result<OpenOutcome, Error> {
    actor.require_admin()?;
    let programme = store::programmes::get(&state.db, programme_id).await?;
    if !programme.settings.active {
        return Err(Error::Conflict(format!(
            "programme {programme_id} is not active"
        )));
    }
    open_rounds(state, &programme, state.clock.now()).await
}

/// The `open_rounds` job: opens this period's rounds of every programme whose schedule
/// has fired in the current period (so a run missed while the server was down is
/// caught up).
pub async fn open_due_rounds(state: &AppState) -> Result<Counts, Error> {
    let now = state.clock.now();
    let mut counts = Counts::new();
    for programme in store::programmes::list(&state.db, true).await? {
        if is_due(&programme, now) {
            let outcome = open_rounds(state, &programme, now).await?;
            *counts.entry("rounds_opened").or_default() += outcome.rounds_opened as u64;
            *counts.entry("invitations").or_default() += outcome.invitations as u64;
        }
    }
    Ok(counts)
}

/// Due: the schedule fired since the programme was created, within the current period.
fn is_due(programme: &Programme, now: DateTime<Utc>) -> bool {
    let NewProgramme {
        schedule, period, ..
    } = &programme.settings;
    schedule
        .last_fire_between(programme.created_at, now)
        .is_some_and(|fired| period.key_at(fired) == period.key_at(now))
}

async fn open_rounds(
    state: &AppState,
    programme: &Programme,
    now: DateTime<Utc>,
) -> Result<OpenOutcome, Error> {
    let services = store::programmes::target_services(&state.db, programme).await?;
    let links = state.links();
    let min_days = state.settings.survey.min_days_between_invitations;
    let min_group_size = state.settings.survey.min_group_size as usize;
    let settings = &programme.settings;
    let period = settings.period.key_at(now);
    let closes_at = now + Duration::days(i64::from(settings.open_days));
    super::in_transaction(&state.db, async |txn| {
        let mut opened: Vec<(i32, Service)> = Vec::new();
        for service in services {
            let new_round = store::rounds::insert_if_absent(
                txn, programme, service.id, &period, now, closes_at,
            )
            .await?;
            if let Some(round_id) = new_round {
                opened.push((round_id, service));
            }
        }
        if opened.is_empty() {
            return Ok(OpenOutcome::default());
        }
        let service_ids: Vec<i32> = opened.iter().map(|(_, s)| s.id).collect();
        let (candidates, addressees) =
            store::rounds::invitation_candidates(txn, &service_ids).await?;
        let mut reachable: HashMap<i32, usize> = HashMap::new();
        for candidate in candidates.iter().filter(|c| !c.opted_out) {
            *reachable.entry(candidate.service_id).or_default() += 1;
        }
        let mut capacity = HashMap::new();
        for (_, service) in &opened {
            let history = service_history(txn, service.id).await?;
            let population = reachable.get(&service.id).copied().unwrap_or(0);
            if let Some(needed) =
                invitation_cap(settings.sampling, history, population, min_group_size)
            {
                capacity.insert(service.id, needed);
            }
        }
        let mut chosen = choose_invitees(&candidates, &capacity, now, min_days);
        let closes_on = local_day(closes_at);
        let mut total = 0;
        for (round_id, service) in &opened {
            let invitees = chosen.remove(&service.id).unwrap_or_default();
            total += invitees.len();
            let ids = store::rounds::insert_invitations(txn, *round_id, &invitees).await?;
            let invitations: BTreeMap<i64, &Addressee> = invitees
                .iter()
                .map(|person| (ids[person], &addressees[person]))
                .collect();
            let actions = super::actions::for_respondents(txn, service.id, false).await?;
            queue_survey_emails(
                txn,
                EmailKind::Invitation,
                0,
                (
                    &service.details.name,
                    &actions.iter().map(Into::into).collect::<Vec<_>>(),
                ),
                &closes_on,
                invitations,
                &links,
                now,
            )
            .await?;
            store::rounds::mark_invited(txn, service.id, &invitees, now).await?;
            store::rounds::set_invited(txn, *round_id, invitees.len()).await?;
        }
        audit::record(
            txn,
            &Actor::system(),
            now,
            "open",
            "programme",
            Some(programme.id.to_string()),
            json!({"period": period, "rounds": opened.len(), "invitations": total}),
        )
        .await?;
        Ok(OpenOutcome {
            rounds_opened: opened.len(),
            invitations: total,
        })
    })
    .await
}

/// The last closed round of a service with released answers: its response rate and
/// the SD of its SUS, from the figures stored when it closed.
async fn service_history(
    db: &impl sea_orm::ConnectionTrait,
    service_id: i32,
) -> Result<Option<RoundHistory>, Error> {
    let Some(round) = store::rounds::last_released(db, service_id).await? else {
        return Ok(None);
    };
    let sus_sd = store::results::aggregates_of(db, &[round.id], true)
        .await?
        .into_iter()
        .find(|(_, a)| a.metric == Metric::Sus && a.segment == SegmentKey::All)
        .and_then(|(_, a)| a.sd);
    Ok(sus_sd.map(|sd| RoundHistory {
        response_rate: f64::from(round.answered) / f64::from(round.invited.max(1)),
        sus_sd: sd,
    }))
}

/// `YYYY-MM-DD` of an instant in Stockholm, as emails name a day.
pub(super) fn local_day(at: DateTime<Utc>) -> String {
    at.with_timezone(&Stockholm).format("%Y-%m-%d").to_string()
}

/// Queues one survey email per invitation, each with a fresh personal link (only its
/// hash is stored) and the service's published actions; used for invitations and
/// reminders alike.
#[allow(clippy::too_many_arguments)] // one email's parts, all needed
pub(super) async fn queue_survey_emails(
    db: &impl sea_orm::ConnectionTrait,
    kind: EmailKind,
    reminder_step: usize,
    (service_name, actions): (&str, &[ActionNote]),
    closes_on: &str,
    invitations: BTreeMap<i64, &Addressee>,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut hashes = Vec::with_capacity(invitations.len());
    let mut messages = Vec::with_capacity(invitations.len());
    for (invitation_id, person) in invitations {
        let token = SecretToken::generate();
        hashes.push((token.hash(), invitation_id));
        messages.push(NewOutboxMessage {
            recipient: person.email.clone(),
            idempotency_key: idempotency_key(kind, invitation_id, reminder_step),
            invitation_id: Some(invitation_id),
            email: OutboxEmail::Survey(SurveyEmail {
                kind,
                language: person.language,
                respondent_name: person.name.clone(),
                service_name: service_name.to_owned(),
                link: links.answer(token.as_str()),
                opt_out_link: links.opt_out(token.as_str()),
                closes_on: closes_on.to_owned(),
                actions: actions.to_vec(),
            }),
        });
    }
    store::rounds::insert_link_hashes(db, hashes).await?;
    store::outbox::enqueue(db, messages, now).await
}

/// Closes one round now (admin) and releases its answers. Closing a closed round is
/// not an error.
pub async fn close_round(state: &AppState, actor: &Actor, id: i32) -> Result<Round, Error> {
    actor.require_admin()?;
    close_and_release(state, actor, id, Some(state.clock.now())).await?;
    store::rounds::get(&state.db, id).await
}

/// The `close_rounds` job: closes every round whose window has ended and releases its
/// answers, one round per transaction.
pub async fn close_due_rounds(state: &AppState) -> Result<Counts, Error> {
    let mut counts = Counts::from([("rounds_closed", 0)]);
    for id in store::rounds::due_to_close(&state.db, state.clock.now()).await? {
        if let Some(released) = close_and_release(state, &Actor::system(), id, None).await? {
            *counts.entry("rounds_closed").or_default() += 1;
            let key = if released == 0 {
                "rounds_with_too_few_answers"
            } else {
                "answers_released"
            };
            *counts.entry(key).or_default() += if released == 0 { 1 } else { released as u64 };
        }
    }
    Ok(counts)
}

/// Closes a round (early, at `early`, if that is before its end) and releases its
/// sealed answers, in one transaction: a crash releases all or nothing. The answers are
/// opened, shuffled, given fresh ids and segments coarsened to the anonymity threshold
/// (`domain::release`); with fewer answers than the threshold nothing is released. The
/// round's figures per metric and segment are computed from them in the same
/// transaction, with the count of delivered invitations for the response rate.
/// Returns how many were released, or `None` if the round was already closed.
async fn close_and_release(
    state: &AppState,
    actor: &Actor,
    id: i32,
    early: Option<DateTime<Utc>>,
) -> Result<Option<usize>, Error> {
    let now = state.clock.now();
    let min_group_size = state.settings.survey.min_group_size as usize;
    let released = super::in_transaction(&state.db, async |txn| {
        let round = store::rounds::get(txn, id).await?;
        let closes_at = early.map_or(round.closes_at, |at| at.min(round.closes_at));
        if !store::rounds::close(txn, id, closes_at).await? {
            return Ok(None);
        }
        let sealed = store::rounds::sealed_answers(txn, id).await?;
        let mut opened = Vec::with_capacity(sealed.len());
        for bytes in &sealed {
            let plaintext = state.answer_keys.open(id, bytes).map_err(|e| {
                Error::bug(format!("a sealed answer of round {id} does not open: {e}"))
            })?;
            let answer: SealedAnswer = serde_json::from_slice(&plaintext).map_err(|e| {
                Error::bug(format!(
                    "a sealed answer of round {id} does not decode: {e}"
                ))
            })?;
            opened.push(answer);
        }
        let released = match plan_release(opened, min_group_size, &mut rand::rng()) {
            Release::Answers(answers) => answers,
            Release::TooFewAnswers => Vec::new(),
        };
        store::rounds::release(txn, id, round.service_id, &released).await?;
        store::results::record_delivered(txn, id).await?;
        let questionnaire = state
            .questionnaires
            .get(&state.db, round.questionnaire_id)
            .await?;
        let aggregates = round_aggregates(
            &questionnaire.items,
            released.iter().map(|r| (&r.segment, &r.answers)),
        );
        store::results::replace_aggregates(txn, id, &aggregates).await?;
        audit::record(
            txn,
            actor,
            now,
            "close",
            "round",
            Some(id.to_string()),
            json!({
                "answered": round.answered,
                "invited": round.invited,
                "released": released.len(),
            }),
        )
        .await?;
        Ok(Some(released.len()))
    })
    .await?;
    if released.is_some() {
        super::empty_log(&state.db).await?;
        state.rounds_closed.notify_one();
    }
    Ok(released)
}

/// Rounds the actor may see: an objektägare only those of their own services.
pub async fn list_rounds(
    state: &AppState,
    actor: &Actor,
    mut filter: RoundFilter,
    page: PageRequest,
) -> Result<Page<Round>, Error> {
    filter.owner_id = actor.owner_scope();
    store::rounds::list(&state.db, &filter, page).await
}

pub async fn get_round(state: &AppState, actor: &Actor, id: i32) -> Result<Round, Error> {
    let round = store::rounds::get(&state.db, id).await?;
    let service = store::catalogue::get_service(&state.db, round.service_id).await?;
    if !actor.may_read_owned_by(service.details.owner_id) {
        return Err(Error::Forbidden(
            "an owner may read only their own services' rounds".into(),
        ));
    }
    Ok(round)
}
