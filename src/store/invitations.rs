//! What a personal link leads to: the invitation behind a token, recording answers
//! (anonymously; the answer writer batches them), opting out, and what reminders read and
//! claim. Reads and writes only: whether a link or a round takes an answer is
//! `domain::answering`'s to say.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    InnerJoinOn,
    entity::{
        invitation, invitation_token, programme, respondent, respondent_service, round,
        sealed_answer, service,
    },
    // A plain type shared with the invitations' first emails; no call.
    rounds::Addressee,
};
use crate::domain::{
    Error, InvitationEvent, InvitationStatus, Language, RespondentKind,
    answering::{AnswerWindow, LinkFacts},
};

/// The invitation behind a personal link, with its round, service and person.
#[derive(Debug, Clone)]
pub struct InvitationLink {
    pub invitation_id: i64,
    pub round_id: i32,
    pub questionnaire_id: i32,
    pub service_id: i32,
    pub service_name: String,
    pub respondent_id: i32,
    pub language: Language,
    pub department: Option<String>,
    pub kind: RespondentKind,
    /// The person opted out of this service (also after answering this invitation).
    pub opted_out_of_service: bool,
    pub facts: LinkFacts,
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
) -> Result<HashMap<String, InvitationLink>, Error> {
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
        .inner_join_on(
            invitation_token::Column::InvitationId,
            invitation::Column::Id,
        )
        .inner_join_on(invitation::Column::RoundId, round::Column::Id)
        .inner_join_on(invitation::Column::RespondentId, respondent::Column::Id)
        .inner_join_on(round::Column::ServiceId, service::Column::Id)
        .inner_join_on(round::Column::ProgrammeId, programme::Column::Id)
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
        .await?;
    Ok(rows.into_iter().map(InvitationLink::from_row).collect())
}

impl InvitationLink {
    fn from_row(row: LinkRow) -> (String, Self) {
        let link = Self {
            invitation_id: row.invitation_id,
            round_id: row.round_id,
            questionnaire_id: row.questionnaire_id,
            service_id: row.service_id,
            service_name: row.service_name,
            respondent_id: row.respondent_id,
            language: row.language.into(),
            department: row.department,
            kind: row.kind.into(),
            // No row: the person no longer uses the service, and never opted out of it.
            opted_out_of_service: row.opted_out_of_service == Some(true),
            facts: LinkFacts {
                invitation: row.invitation_status.into(),
                opted_out_all: row.opted_out_all,
                window: AnswerWindow {
                    status: row.round_status.into(),
                    opens_at: row.opens_at,
                    closes_at: row.closes_at,
                },
                open_days: row.open_days,
            },
        };
        (row.token_hash, link)
    }
}

/// The answer windows of these rounds (absent: no such round), read inside the answer
/// writer's transaction so that a round closed since its link was looked up is seen.
pub async fn answer_windows(
    db: &impl ConnectionTrait,
    round_ids: &[i32],
) -> Result<HashMap<i32, AnswerWindow>, Error> {
    let rows: Vec<(i32, round::Status, DateTime<Utc>, DateTime<Utc>)> = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .column(round::Column::Status)
        .column(round::Column::OpensAt)
        .column(round::Column::ClosesAt)
        .filter(round::Column::Id.is_in(round_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, status, opens_at, closes_at)| {
            let window = AnswerWindow {
                status: status.into(),
                opens_at,
                closes_at,
            };
            (id, window)
        })
        .collect())
}

/// Moves these invitations to `answered` if they still wait for an answer, in one
/// statement per thousand, and returns those it moved: a link submitted twice (in one
/// batch or before) is moved once, even under simultaneous writers.
pub async fn claim_for_answers(
    db: &impl ConnectionTrait,
    invitation_ids: &[i64],
) -> Result<HashSet<i64>, Error> {
    let waiting = stored(InvitationStatus::moved_by(InvitationEvent::Answered));
    let mut claimed = HashSet::with_capacity(invitation_ids.len());
    for chunk in invitation_ids.chunks(1_000) {
        let moved = invitation::Entity::update_many()
            .col_expr(
                invitation::Column::Status,
                invitation::Status::Answered.into(),
            )
            .filter(invitation::Column::Id.is_in(chunk.iter().copied()))
            .filter(invitation::Column::Status.is_in(waiting.clone()))
            .exec_with_returning(db)
            .await?;
        claimed.extend(moved.into_iter().map(|row| row.id));
    }
    Ok(claimed)
}

/// An answer as it is stored while its round is open: a random id, its round and the
/// ciphertext, nothing that leads to the invitation or the person.
#[derive(Debug, Clone)]
pub struct NewSealedAnswer {
    pub id: i64,
    pub round_id: i32,
    pub sealed: Vec<u8>,
}

/// Inserts sealed answers. They are large (padded to the longest possible answer): a
/// few hundred per statement keeps each well under any parameter or packet limit.
pub async fn insert_sealed_answers(
    db: &impl ConnectionTrait,
    answers: Vec<NewSealedAnswer>,
) -> Result<(), Error> {
    let mut rows = answers
        .into_iter()
        .map(|answer| sealed_answer::ActiveModel {
            id: Set(answer.id),
            round_id: Set(answer.round_id),
            sealed: Set(answer.sealed),
        });
    loop {
        let chunk: Vec<_> = rows.by_ref().take(200).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        sealed_answer::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
}

/// Adds `count` answers to a round's `answered` count.
pub async fn count_answers(
    db: &impl ConnectionTrait,
    round_id: i32,
    count: i32,
) -> Result<(), Error> {
    round::Entity::update_many()
        .col_expr(
            round::Column::Answered,
            Expr::col(round::Column::Answered).add(count),
        )
        .filter(round::Column::Id.eq(round_id))
        .exec(db)
        .await?;
    Ok(())
}

fn stored(states: Vec<InvitationStatus>) -> Vec<invitation::Status> {
    states.into_iter().map(Into::into).collect()
}

/// Stops further invitations for one service (or, with `all_services`, every service)
/// of a person, and withdraws the invitations still awaiting their answer there (they
/// become `opted_out`); returns those, whose unsent emails are to be deleted.
pub async fn opt_out(
    db: &impl ConnectionTrait,
    respondent_id: i32,
    service_id: i32,
    all_services: bool,
) -> Result<Vec<i64>, Error> {
    if all_services {
        respondent::Entity::update_many()
            .col_expr(respondent::Column::OptedOutAll, true.into())
            .filter(respondent::Column::Id.eq(respondent_id))
            .exec(db)
            .await?;
    }
    respondent_service::Entity::update_many()
        .col_expr(respondent_service::Column::OptedOut, true.into())
        .filter(respondent_service::Column::RespondentId.eq(respondent_id))
        .filter(respondent_service::Column::ServiceId.eq(service_id))
        .exec(db)
        .await?;
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
        .await?;
    for chunk in withdrawn.chunks(1_000) {
        invitation::Entity::update_many()
            .col_expr(
                invitation::Column::Status,
                invitation::Status::OptedOut.into(),
            )
            .filter(invitation::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(withdrawn)
}

/// An open round as the reminder rule sees it.
#[derive(Debug, Clone)]
pub struct RoundReminders {
    pub round_id: i32,
    pub service_name: String,
    pub window: AnswerWindow,
    /// Stored as JSON in the programme; a value that does not decode is an error.
    pub reminder_days: Vec<u32>,
    pub reminders_done: usize,
}

/// Rounds still open with their programme's reminder offsets; whether a round's window
/// has ended is for the caller to judge (`AnswerWindow::accepts_answers`).
pub async fn open_rounds_for_reminders(
    db: &impl ConnectionTrait,
) -> Result<Vec<RoundReminders>, Error> {
    type Row = (
        i32,
        String,
        round::Status,
        DateTime<Utc>,
        DateTime<Utc>,
        String,
        i32,
    );
    let rows: Vec<Row> = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .column(service::Column::Name)
        .column(round::Column::Status)
        .column(round::Column::OpensAt)
        .column(round::Column::ClosesAt)
        .column(programme::Column::ReminderDays)
        .column(round::Column::RemindersDone)
        .inner_join_on(round::Column::ProgrammeId, programme::Column::Id)
        .inner_join_on(round::Column::ServiceId, service::Column::Id)
        // Closed rounds pile up over the years and never get a reminder: this filter only
        // keeps them out of the read (and their reminder days out of the decoding).
        .filter(round::Column::Status.eq(round::Status::Open))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(
            |(round_id, service_name, status, opens_at, closes_at, days, done)| {
                let reminder_days: Vec<u32> = serde_json::from_str(&days).map_err(|e| {
                    Error::bug(format!(
                        "round {round_id}: reminder days `{days}` do not decode: {e}"
                    ))
                })?;
                Ok(RoundReminders {
                    round_id,
                    service_name,
                    window: AnswerWindow {
                        status: status.into(),
                        opens_at,
                        closes_at,
                    },
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
        .await?
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
        .inner_join_on(invitation::Column::RespondentId, respondent::Column::Id)
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
        .await?;
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
        .await?;
    Ok(result.rows_affected)
}
