//! Rounds: opening (idempotent on programme × service × period, with invitations and
//! their emails written in the same transaction), listing and closing.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Stockholm;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{OnConflict, Query},
};
use serde_json::json;

use super::{
    audit, db_error,
    entity::{
        invitation, invitation_token, respondent, respondent_service, response, round, service,
    },
    outbox::{self, NewOutboxMessage},
    programmes,
};
use crate::domain::{
    Actor, Error, Language, Page, PageRequest, Service,
    programme::{Programme, RoundHistory},
    survey::{
        Links, Round, RoundFilter, RoundStatus, SurveyEmail, SurveyEmailKind, invitation_status,
    },
    token::SurveyToken,
};

const CHUNK: usize = 1_000;

impl From<round::Model> for Round {
    fn from(row: round::Model) -> Self {
        Self {
            id: row.id,
            programme_id: row.programme_id,
            service_id: row.service_id,
            questionnaire_id: row.questionnaire_id,
            period: row.period,
            opens_at: row.opens_at,
            closes_at: row.closes_at,
            status: row.status,
            invited: row.invited,
            answered: row.answered,
        }
    }
}

/// Rules applied when a round opens.
#[derive(Debug, Clone)]
pub struct OpeningRules {
    pub min_days_between_invitations: u32,
    pub links: Links,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOutcome {
    pub rounds_opened: usize,
    pub invitations: usize,
}

/// Opens this period's rounds of `programme` for every target service that has none
/// yet, and queues the invitations. Running it again in the same period changes nothing.
pub async fn open_for_programme(
    db: &DatabaseConnection,
    programme: &Programme,
    now: DateTime<Utc>,
    rules: &OpeningRules,
) -> Result<OpenOutcome, Error> {
    let period = programme.period.key_at(now);
    let services = programmes::target_services(db, programme).await?;
    let txn = super::begin_write(db).await?;
    let closes_at = now + Duration::days(i64::from(programme.open_days));
    let mut opened: Vec<(i32, Service)> = Vec::new();
    for service in services {
        let inserted = round::Entity::insert(round::ActiveModel {
            programme_id: Set(programme.id),
            service_id: Set(service.id),
            questionnaire_id: Set(programme.questionnaire_id),
            period: Set(period.clone()),
            opens_at: Set(now),
            closes_at: Set(closes_at),
            status: Set(RoundStatus::Open.as_str().into()),
            invited: Set(0),
            answered: Set(0),
            reminders_done: Set(0),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                round::Column::ProgrammeId,
                round::Column::ServiceId,
                round::Column::Period,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db_error)?;
        if inserted == 1 {
            let round_id = round::Entity::find()
                .filter(round::Column::ProgrammeId.eq(programme.id))
                .filter(round::Column::ServiceId.eq(service.id))
                .filter(round::Column::Period.eq(period.clone()))
                .one(&txn)
                .await
                .map_err(db_error)?
                .ok_or_else(|| Error::internal("opened round vanished"))?
                .id;
            opened.push((round_id, service));
        }
    }
    if opened.is_empty() {
        txn.commit().await.map_err(db_error)?;
        return Ok(OpenOutcome::default());
    }

    let mut chosen = choose_invitees(&txn, &opened, now, rules).await?;
    for (round_id, service) in &opened {
        if let Some(needed) = programme
            .sampling
            .invitations_needed(history(&txn, service.id).await?)
            && let Some(invitees) = chosen.get_mut(round_id)
        {
            // Keep those invited longest ago for this service (fair rotation).
            invitees
                .sort_by_key(|invitee| (invitee.last_invited_for_service, invitee.respondent_id));
            invitees.truncate(needed);
        }
    }
    let closes_on = closes_at
        .with_timezone(&Stockholm)
        .format("%Y-%m-%d")
        .to_string();
    let mut total = 0;
    for (round_id, service) in &opened {
        let invitees = chosen.remove(round_id).unwrap_or_default();
        total += invitees.len();
        invite(&txn, *round_id, service, &invitees, now, &closes_on, rules).await?;
    }
    audit::record(
        &txn,
        &Actor::system(),
        "open",
        "programme",
        Some(programme.id.to_string()),
        json!({"period": period, "rounds": opened.len(), "invitations": total}),
    )
    .await?;
    txn.commit().await.map_err(db_error)?;
    Ok(OpenOutcome {
        rounds_opened: opened.len(),
        invitations: total,
    })
}

#[derive(Debug, Clone)]
struct Invitee {
    respondent_id: i32,
    email: String,
    name: String,
    language: Language,
    last_invited_for_service: Option<DateTime<Utc>>,
}

/// Applies the fatigue rule: each person who uses one or more of the opened services
/// and has not been invited within `min_days_between_invitations` gets one invitation,
/// for the service they were invited for longest ago.
async fn choose_invitees(
    db: &impl ConnectionTrait,
    opened: &[(i32, Service)],
    now: DateTime<Utc>,
    rules: &OpeningRules,
) -> Result<HashMap<i32, Vec<Invitee>>, Error> {
    let round_of_service: HashMap<i32, i32> =
        opened.iter().map(|(round, s)| (s.id, *round)).collect();
    let rested_since = now - Duration::days(i64::from(rules.min_days_between_invitations));
    type Candidate = (i32, i32, Option<DateTime<Utc>>, String, String, String);
    let rows: Vec<Candidate> = respondent_service::Entity::find()
        .select_only()
        .column(respondent_service::Column::RespondentId)
        .column(respondent_service::Column::ServiceId)
        .column(respondent_service::Column::LastInvitedAt)
        .column(respondent::Column::Email)
        .column(respondent::Column::Name)
        .column(respondent::Column::Language)
        .inner_join(respondent::Entity)
        .filter(respondent_service::Column::ServiceId.is_in(round_of_service.keys().copied()))
        .filter(respondent_service::Column::OptedOut.eq(false))
        .filter(respondent::Column::OptedOutAll.eq(false))
        .filter(
            Condition::any()
                .add(respondent::Column::LastInvitedAt.is_null())
                .add(respondent::Column::LastInvitedAt.lte(rested_since)),
        )
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    let mut best: BTreeMap<i32, (i32, Invitee)> = BTreeMap::new();
    for (respondent_id, service_id, last_for_service, email, name, language) in rows {
        let candidate = Invitee {
            respondent_id,
            email,
            name,
            language: language.parse().unwrap_or_default(),
            last_invited_for_service: last_for_service,
        };
        let better = match best.get(&respondent_id) {
            None => true,
            // None (never invited for that service) sorts first.
            Some((current_service, current)) => {
                (last_for_service, service_id)
                    < (current.last_invited_for_service, *current_service)
            }
        };
        if better {
            best.insert(respondent_id, (service_id, candidate));
        }
    }
    let mut by_round: HashMap<i32, Vec<Invitee>> = HashMap::new();
    for (service_id, invitee) in best.into_values() {
        by_round
            .entry(round_of_service[&service_id])
            .or_default()
            .push(invitee);
    }
    Ok(by_round)
}

async fn invite(
    db: &impl ConnectionTrait,
    round_id: i32,
    service: &Service,
    invitees: &[Invitee],
    now: DateTime<Utc>,
    closes_on: &str,
    rules: &OpeningRules,
) -> Result<(), Error> {
    for chunk in invitees.chunks(CHUNK) {
        invitation::Entity::insert_many(chunk.iter().map(|invitee| invitation::ActiveModel {
            round_id: Set(round_id),
            respondent_id: Set(invitee.respondent_id),
            status: Set(invitation_status::QUEUED.into()),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await
        .map_err(db_error)?;
    }
    let ids: HashMap<i32, i64> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::RespondentId)
        .column(invitation::Column::Id)
        .filter(invitation::Column::RoundId.eq(round_id))
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .collect();
    for chunk in invitees.chunks(CHUNK) {
        let mut tokens = Vec::with_capacity(chunk.len());
        let mut messages = Vec::with_capacity(chunk.len());
        for invitee in chunk {
            let invitation_id = ids[&invitee.respondent_id];
            let token = SurveyToken::generate();
            tokens.push(invitation_token::ActiveModel {
                token_hash: Set(token.hash()),
                invitation_id: Set(invitation_id),
            });
            messages.push(NewOutboxMessage {
                recipient: invitee.email.clone(),
                idempotency_key: format!("invitation:{invitation_id}"),
                invitation_id: Some(invitation_id),
                email: SurveyEmail {
                    kind: SurveyEmailKind::Invitation,
                    language: invitee.language,
                    respondent_name: invitee.name.clone(),
                    service_name: service.name.clone(),
                    link: rules.links.answer(token.as_str()),
                    opt_out_link: rules.links.opt_out(token.as_str()),
                    closes_on: closes_on.to_owned(),
                },
            });
        }
        invitation_token::Entity::insert_many(tokens)
            .exec_without_returning(db)
            .await
            .map_err(db_error)?;
        outbox::enqueue(db, messages, now).await?;
        let respondent_ids: Vec<i32> = chunk.iter().map(|i| i.respondent_id).collect();
        respondent::Entity::update_many()
            .col_expr(respondent::Column::LastInvitedAt, now.into())
            .filter(respondent::Column::Id.is_in(respondent_ids.clone()))
            .exec(db)
            .await
            .map_err(db_error)?;
        respondent_service::Entity::update_many()
            .col_expr(respondent_service::Column::LastInvitedAt, now.into())
            .filter(respondent_service::Column::ServiceId.eq(service.id))
            .filter(respondent_service::Column::RespondentId.is_in(respondent_ids))
            .exec(db)
            .await
            .map_err(db_error)?;
    }
    round::Entity::update_many()
        .col_expr(round::Column::Invited, (invitees.len() as i32).into())
        .filter(round::Column::Id.eq(round_id))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// The last closed round of a service with answers: its response rate and SUS SD.
pub async fn history(
    db: &impl ConnectionTrait,
    service_id: i32,
) -> Result<Option<RoundHistory>, Error> {
    let Some(last) = round::Entity::find()
        .filter(round::Column::ServiceId.eq(service_id))
        .filter(round::Column::Status.eq(RoundStatus::Closed.as_str()))
        .filter(round::Column::Answered.gt(0))
        .order_by_desc(round::Column::ClosesAt)
        .one(db)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let answers: Vec<String> = response::Entity::find()
        .select_only()
        .column(response::Column::Answers)
        .filter(response::Column::RoundId.eq(last.id))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    let scores: Vec<f64> = answers
        .iter()
        .filter_map(|json| serde_json::from_str::<BTreeMap<String, serde_json::Value>>(json).ok())
        .filter_map(|answers| {
            crate::stats::sus_score(|key| answers.get(key).and_then(|v| v.as_i64()))
        })
        .collect();
    let Some(sd) = crate::stats::standard_deviation(&scores) else {
        return Ok(None);
    };
    let delivered = f64::from(last.invited.max(1));
    Ok(Some(RoundHistory {
        response_rate: f64::from(last.answered) / delivered,
        sus_sd: sd,
    }))
}

/// One page of rounds, newest first. An owner filter keeps the rounds of that owner's
/// services, in SQL, so paging and the total stay right.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &RoundFilter,
    page: PageRequest,
) -> Result<Page<Round>, Error> {
    let mut condition = Condition::all();
    if let Some(service_id) = filter.service_id {
        condition = condition.add(round::Column::ServiceId.eq(service_id));
    }
    if let Some(programme_id) = filter.programme_id {
        condition = condition.add(round::Column::ProgrammeId.eq(programme_id));
    }
    if let Some(status) = filter.status {
        condition = condition.add(round::Column::Status.eq(status.as_str()));
    }
    if let Some(owner_id) = filter.owner_id {
        condition = condition.add(
            round::Column::ServiceId.in_subquery(
                Query::select()
                    .column(service::Column::Id)
                    .from(service::Entity)
                    .and_where(service::Column::OwnerId.eq(owner_id))
                    .to_owned(),
            ),
        );
    }
    let query = round::Entity::find().filter(condition);
    let total = query.clone().count(db).await.map_err(db_error)?;
    let rows = query
        .order_by_desc(round::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(Page::new(
        rows.into_iter().map(Into::into).collect(),
        total,
        page,
    ))
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Round, Error> {
    round::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(db_error)?
        .map(Into::into)
        .ok_or_else(|| Error::not_found("round", id))
}

/// Closes one round now (admin). Closing a closed round is not an error.
pub async fn close(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Round, Error> {
    let txn = super::begin_write(db).await?;
    let current = get(&txn, id).await?;
    if current.status == RoundStatus::Open.as_str() {
        round::Entity::update_many()
            .col_expr(round::Column::Status, RoundStatus::Closed.as_str().into())
            .col_expr(round::Column::ClosesAt, now.min(current.closes_at).into())
            .filter(round::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        audit::record(
            &txn,
            actor,
            "close",
            "round",
            Some(id.to_string()),
            json!({"answered": current.answered, "invited": current.invited}),
        )
        .await?;
    }
    let saved = get(&txn, id).await?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved)
}

/// Closes every open round whose window has ended; returns how many.
pub async fn close_due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, Error> {
    let result = round::Entity::update_many()
        .col_expr(round::Column::Status, RoundStatus::Closed.as_str().into())
        .filter(round::Column::Status.eq(RoundStatus::Open.as_str()))
        .filter(round::Column::ClosesAt.lte(now))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected)
}

/// Deletes invitations (and, by cascade, their token hashes) of rounds closed before
/// `cutoff`; the rounds keep their counts.
pub async fn purge_invitations(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, Error> {
    let old_rounds = Query::select()
        .column(round::Column::Id)
        .from(round::Entity)
        .and_where(round::Column::Status.eq(RoundStatus::Closed.as_str()))
        .and_where(round::Column::ClosesAt.lt(cutoff))
        .to_owned();
    let old_invitations = Query::select()
        .column(invitation::Column::Id)
        .from(invitation::Entity)
        .and_where(invitation::Column::RoundId.in_subquery(old_rounds.clone()))
        .to_owned();
    invitation_token::Entity::delete_many()
        .filter(invitation_token::Column::InvitationId.in_subquery(old_invitations))
        .exec(db)
        .await
        .map_err(db_error)?;
    outbox::detach_invitations_of_rounds(db, old_rounds.clone()).await?;
    let result = invitation::Entity::delete_many()
        .filter(invitation::Column::RoundId.in_subquery(old_rounds))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected)
}
