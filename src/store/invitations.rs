//! What a personal link leads to: the invitation behind a token, recording answers
//! (anonymously, batched for throughput), opting out, and what reminders read and claim.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    db_error,
    entity::{
        invitation, invitation_token, programme, respondent, respondent_service, round,
        sealed_answer, service,
    },
    outbox,
    rounds::Addressee,
};
use crate::domain::{
    Error, InvitationEvent, InvitationStatus, Language, RespondentKind, RoundStatus,
};

/// Everything the answer page needs about the link's invitation.
#[derive(Debug, Clone)]
pub struct InvitationContext {
    pub invitation_id: i64,
    pub status: InvitationStatus,
    pub round_id: i32,
    pub round_status: RoundStatus,
    pub closes_at: DateTime<Utc>,
    pub opens_at: DateTime<Utc>,
    /// The programme's answer window; an admin who closes a round early moves
    /// `closes_at` before `opens_at` + `open_days`.
    pub open_days: i32,
    pub questionnaire_id: i32,
    pub service_id: i32,
    pub service_name: String,
    pub respondent_id: i32,
    pub language: Language,
    pub department: Option<String>,
    pub kind: RespondentKind,
    /// The person opted out of every service.
    pub opted_out_all: bool,
    /// The person opted out of this service (also after answering this invitation).
    pub opted_out_of_service: bool,
}

impl InvitationContext {
    pub fn answered(&self) -> bool {
        self.status == InvitationStatus::Answered
    }

    /// The person opted out of this invitation's service (or of every service).
    pub fn opted_out(&self) -> bool {
        self.status == InvitationStatus::OptedOut || self.opted_out_all
    }

    /// Open, and its window has not ended (the close job may not have run yet).
    pub fn accepts_answers(&self, now: DateTime<Utc>) -> bool {
        self.round_status == RoundStatus::Open && now < self.closes_at
    }

    /// Closed by an admin before its window ended, rather than by the clock.
    pub fn closed_early(&self) -> bool {
        self.round_status == RoundStatus::Closed
            && self.closes_at < self.opens_at + Duration::days(i64::from(self.open_days))
    }
}

#[derive(Debug, FromQueryResult)]
struct LinkRow {
    token_hash: String,
    invitation_id: i64,
    invitation_status: invitation::Status,
    round_id: i32,
    round_status: round::Status,
    closes_at: DateTime<Utc>,
    opens_at: DateTime<Utc>,
    open_days: i32,
    questionnaire_id: i32,
    service_id: i32,
    service_name: String,
    respondent_id: i32,
    language: respondent::Language,
    department: Option<String>,
    kind: respondent::Kind,
    opted_out_all: bool,
    opted_out_of_service: Option<bool>,
}

/// The invitations behind personal links (by token hash), each with its round, service
/// and person: one joined query for a whole batch of links (the answer page's hot path).
/// Hashes that lead nowhere are absent from the map.
pub async fn by_token_hashes(
    db: &impl ConnectionTrait,
    token_hashes: &[String],
) -> Result<HashMap<String, InvitationContext>, Error> {
    let rows = invitation_token::Entity::find()
        .filter(invitation_token::Column::TokenHash.is_in(token_hashes.iter().cloned()))
        .select_only()
        .column_as(invitation_token::Column::TokenHash, "token_hash")
        .column_as(invitation::Column::Id, "invitation_id")
        .column_as(invitation::Column::Status, "invitation_status")
        .column_as(round::Column::Id, "round_id")
        .column_as(round::Column::Status, "round_status")
        .column_as(round::Column::ClosesAt, "closes_at")
        .column_as(round::Column::OpensAt, "opens_at")
        .column_as(programme::Column::OpenDays, "open_days")
        .column_as(round::Column::QuestionnaireId, "questionnaire_id")
        .column_as(round::Column::ServiceId, "service_id")
        .column_as(service::Column::Name, "service_name")
        .column_as(respondent::Column::Id, "respondent_id")
        .column_as(respondent::Column::Language, "language")
        .column_as(respondent::Column::Department, "department")
        .column_as(respondent::Column::Kind, "kind")
        .column_as(respondent::Column::OptedOutAll, "opted_out_all")
        .column_as(respondent_service::Column::OptedOut, "opted_out_of_service")
        .join(
            JoinType::InnerJoin,
            super::join_on::<invitation_token::Entity, invitation::Entity>(
                invitation_token::Column::InvitationId,
                invitation::Column::Id,
            ),
        )
        .join(
            JoinType::InnerJoin,
            super::join_on::<invitation::Entity, round::Entity>(
                invitation::Column::RoundId,
                round::Column::Id,
            ),
        )
        .join(
            JoinType::InnerJoin,
            super::join_on::<invitation::Entity, respondent::Entity>(
                invitation::Column::RespondentId,
                respondent::Column::Id,
            ),
        )
        .join(
            JoinType::InnerJoin,
            super::join_on::<round::Entity, service::Entity>(
                round::Column::ServiceId,
                service::Column::Id,
            ),
        )
        .join(
            JoinType::InnerJoin,
            super::join_on::<round::Entity, programme::Entity>(
                round::Column::ProgrammeId,
                programme::Column::Id,
            ),
        )
        .join(
            JoinType::LeftJoin,
            respondent::Entity::belongs_to(respondent_service::Entity)
                .from(respondent::Column::Id)
                .to(respondent_service::Column::RespondentId)
                .on_condition(|_, usage| {
                    Expr::col((usage, respondent_service::Column::ServiceId))
                        .equals((round::Entity, round::Column::ServiceId))
                        .into()
                })
                .into(),
        )
        .into_model::<LinkRow>()
        // Never `.one()` here: it adds `LIMIT ?`, which makes SQLite re-plan the cached
        // statement on every execution (it reads the bound limit when planning); on the
        // answer page's hot path that was about half the server's CPU per answer.
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|row| (row.token_hash.clone(), InvitationContext::from(row)))
        .collect())
}

impl From<LinkRow> for InvitationContext {
    fn from(row: LinkRow) -> Self {
        Self {
            invitation_id: row.invitation_id,
            status: row.invitation_status.into(),
            round_id: row.round_id,
            round_status: row.round_status.into(),
            closes_at: row.closes_at,
            opens_at: row.opens_at,
            open_days: row.open_days,
            questionnaire_id: row.questionnaire_id,
            service_id: row.service_id,
            service_name: row.service_name,
            respondent_id: row.respondent_id,
            language: row.language.into(),
            department: row.department,
            kind: row.kind.into(),
            opted_out_all: row.opted_out_all,
            // No row: the person no longer uses the service, and never opted out of it.
            opted_out_of_service: row.opted_out_of_service == Some(true),
        }
    }
}

/// One checked answer waiting to be stored, sealed for its round.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The sealed row's id: random, so it says nothing about the order of answering.
    pub id: i64,
    pub invitation_id: i64,
    pub round_id: i32,
    pub sealed: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionOutcome {
    Stored,
    AlreadyAnswered,
    RoundClosed,
}

/// Stores a batch of answers in one transaction (group commit). Each invitation moves
/// to `answered` only from a waiting state, so a second or simultaneous submission of
/// the same link stores nothing. The answer is stored sealed: a random id, its round and
/// the ciphertext, nothing that leads to the invitation or the person.
pub async fn record_answers(
    db: &DatabaseConnection,
    batch: &[Submission],
    now: DateTime<Utc>,
) -> Result<Vec<SubmissionOutcome>, Error> {
    let txn = super::begin_write(db).await?;
    let round_ids: Vec<i32> = batch.iter().map(|s| s.round_id).collect();
    let open_rounds: HashSet<i32> = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .filter(round::Column::Id.is_in(round_ids))
        .filter(round::Column::Status.eq(round::Status::Open))
        .filter(round::Column::ClosesAt.gt(now))
        .into_tuple::<i32>()
        .all(&txn)
        .await
        .map_err(db_error)?
        .into_iter()
        .collect();
    // One statement claims every invitation of the batch that still waits for an answer
    // and returns which it moved; a link submitted twice (in this batch or before) is
    // claimed once.
    let waiting = stored(InvitationStatus::moved_by(InvitationEvent::Answered));
    let open_invitations: Vec<i64> = batch
        .iter()
        .filter(|s| open_rounds.contains(&s.round_id))
        .map(|s| s.invitation_id)
        .collect();
    let mut claimed: HashSet<i64> = HashSet::with_capacity(open_invitations.len());
    for chunk in open_invitations.chunks(1_000) {
        let moved = invitation::Entity::update_many()
            .col_expr(
                invitation::Column::Status,
                invitation::Status::Answered.into(),
            )
            .filter(invitation::Column::Id.is_in(chunk.iter().copied()))
            .filter(invitation::Column::Status.is_in(waiting.clone()))
            .exec_with_returning(&txn)
            .await
            .map_err(db_error)?;
        claimed.extend(moved.into_iter().map(|row| row.id));
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut sealed = Vec::new();
    let mut answered_per_round: HashMap<i32, i32> = HashMap::new();
    for submission in batch {
        if !open_rounds.contains(&submission.round_id) {
            outcomes.push(SubmissionOutcome::RoundClosed);
            continue;
        }
        if !claimed.remove(&submission.invitation_id) {
            outcomes.push(SubmissionOutcome::AlreadyAnswered);
            continue;
        }
        outcomes.push(SubmissionOutcome::Stored);
        *answered_per_round.entry(submission.round_id).or_default() += 1;
        sealed.push(sealed_answer::ActiveModel {
            id: Set(submission.id),
            round_id: Set(submission.round_id),
            sealed: Set(submission.sealed.clone()),
        });
    }
    // Sealed rows are large (padded to the longest possible answer): a few hundred per
    // statement keeps each well under any parameter or packet limit.
    for chunk in sealed.chunks(200) {
        sealed_answer::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .map_err(db_error)?;
    }
    for (round_id, count) in answered_per_round {
        round::Entity::update_many()
            .col_expr(
                round::Column::Answered,
                Expr::col(round::Column::Answered).add(count),
            )
            .filter(round::Column::Id.eq(round_id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
    }
    txn.commit().await.map_err(db_error)?;
    Ok(outcomes)
}

fn stored(states: Vec<InvitationStatus>) -> Vec<invitation::Status> {
    states.into_iter().map(Into::into).collect()
}

/// Stops further invitations for one service (or, with `all_services`, every service)
/// of a person, and withdraws what is waiting for them there: invitations still awaiting
/// an answer become `opted_out`, and their unsent emails are deleted.
pub async fn opt_out(
    db: &impl ConnectionTrait,
    respondent_id: i32,
    service_id: i32,
    all_services: bool,
) -> Result<(), Error> {
    if all_services {
        respondent::Entity::update_many()
            .col_expr(respondent::Column::OptedOutAll, true.into())
            .filter(respondent::Column::Id.eq(respondent_id))
            .exec(db)
            .await
            .map_err(db_error)?;
    }
    respondent_service::Entity::update_many()
        .col_expr(respondent_service::Column::OptedOut, true.into())
        .filter(respondent_service::Column::RespondentId.eq(respondent_id))
        .filter(respondent_service::Column::ServiceId.eq(service_id))
        .exec(db)
        .await
        .map_err(db_error)?;
    let mut waiting = Query::select()
        .column(invitation::Column::Id)
        .from(invitation::Entity)
        .and_where(invitation::Column::RespondentId.eq(respondent_id))
        .and_where(
            invitation::Column::Status.is_in(stored(InvitationStatus::moved_by(
                InvitationEvent::OptedOut,
            ))),
        )
        .to_owned();
    if !all_services {
        waiting.and_where(
            invitation::Column::RoundId.in_subquery(
                Query::select()
                    .column(round::Column::Id)
                    .from(round::Entity)
                    .and_where(round::Column::ServiceId.eq(service_id))
                    .to_owned(),
            ),
        );
    }
    let withdrawn: Vec<i64> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::Id)
        .filter(invitation::Column::Id.in_subquery(waiting))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    for chunk in withdrawn.chunks(1_000) {
        invitation::Entity::update_many()
            .col_expr(
                invitation::Column::Status,
                invitation::Status::OptedOut.into(),
            )
            .filter(invitation::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await
            .map_err(db_error)?;
        outbox::delete_unsent_for_invitations(db, chunk).await?;
    }
    Ok(())
}

/// An open round as the reminder rule sees it.
#[derive(Debug, Clone)]
pub struct RoundReminders {
    pub round_id: i32,
    pub service_name: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Stored as JSON in the programme; a value that does not decode is an error.
    pub reminder_days: Vec<u32>,
    pub reminders_done: usize,
}

/// Open rounds (window not ended) with their programme's reminder offsets.
pub async fn open_rounds_for_reminders(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<RoundReminders>, Error> {
    type Row = (i32, String, DateTime<Utc>, DateTime<Utc>, String, i32);
    let rows: Vec<Row> = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .column(service::Column::Name)
        .column(round::Column::OpensAt)
        .column(round::Column::ClosesAt)
        .column(programme::Column::ReminderDays)
        .column(round::Column::RemindersDone)
        .join(
            JoinType::InnerJoin,
            super::join_on::<round::Entity, programme::Entity>(
                round::Column::ProgrammeId,
                programme::Column::Id,
            ),
        )
        .join(
            JoinType::InnerJoin,
            super::join_on::<round::Entity, service::Entity>(
                round::Column::ServiceId,
                service::Column::Id,
            ),
        )
        .filter(round::Column::Status.eq(round::Status::Open))
        .filter(round::Column::ClosesAt.gt(now))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    rows.into_iter()
        .map(
            |(round_id, service_name, opens_at, closes_at, days, done)| {
                let reminder_days: Vec<u32> = serde_json::from_str(&days).map_err(|e| {
                    Error::bug(format!(
                        "round {round_id}: reminder days `{days}` do not decode: {e}"
                    ))
                })?;
                Ok(RoundReminders {
                    round_id,
                    service_name,
                    opens_at,
                    closes_at,
                    reminder_days,
                    reminders_done: usize::try_from(done).map_err(|_| {
                        Error::bug(format!("round {round_id}: reminders_done is {done}"))
                    })?,
                })
            },
        )
        .collect()
}

/// Marks reminder steps up to `steps_done` as done, if nobody did since `seen` was read;
/// false when a concurrent run got there first.
pub async fn claim_reminder_steps(
    db: &impl ConnectionTrait,
    round_id: i32,
    seen: usize,
    steps_done: usize,
) -> Result<bool, Error> {
    let claimed = round::Entity::update_many()
        .col_expr(round::Column::RemindersDone, (steps_done as i32).into())
        .filter(round::Column::Id.eq(round_id))
        .filter(round::Column::RemindersDone.eq(seen as i32))
        .exec(db)
        .await
        .map_err(db_error)?
        .rows_affected;
    Ok(claimed == 1)
}

/// The invitations of a round still waiting for an answer after their email went out,
/// and where to write to each person.
pub async fn awaiting_reminder(
    db: &impl ConnectionTrait,
    round_id: i32,
) -> Result<Vec<(i64, Addressee)>, Error> {
    type Row = (i64, String, String, respondent::Language);
    let rows: Vec<Row> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::Id)
        .column(respondent::Column::Email)
        .column(respondent::Column::Name)
        .column(respondent::Column::Language)
        .join(
            JoinType::InnerJoin,
            super::join_on::<invitation::Entity, respondent::Entity>(
                invitation::Column::RespondentId,
                respondent::Column::Id,
            ),
        )
        .filter(invitation::Column::RoundId.eq(round_id))
        .filter(
            invitation::Column::Status
                .is_in(stored(InvitationStatus::moved_by(
                    InvitationEvent::ReminderSent,
                )))
                .or(invitation::Column::Status.eq(invitation::Status::Reminded)),
        )
        .filter(respondent::Column::OptedOutAll.eq(false))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|(id, email, name, language)| {
            (
                id,
                Addressee {
                    email,
                    name,
                    language: language.into(),
                },
            )
        })
        .collect())
}

/// Respondents who use no service any more leave the register (SPEC: personal data).
pub async fn purge_former_users(db: &impl ConnectionTrait) -> Result<u64, Error> {
    let users = Query::select()
        .column(respondent_service::Column::RespondentId)
        .from(respondent_service::Entity)
        .to_owned();
    let result = respondent::Entity::delete_many()
        .filter(respondent::Column::Id.not_in_subquery(users))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected)
}
