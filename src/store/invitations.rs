//! What a personal link leads to: the invitation behind a token, recording an answer
//! (anonymously, batched for throughput), opting out, and queueing reminders.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Stockholm;
use rand::Rng;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{
    db_error,
    entity::{
        invitation, invitation_token, programme, respondent, respondent_service, response, round,
        service,
    },
    outbox::{self, NewOutboxMessage},
};
use crate::domain::{
    Error, Language,
    questionnaire::Answers,
    survey::{Links, RoundStatus, SurveyEmail, SurveyEmailKind, invitation_status},
    token::SurveyToken,
};

/// Everything the answer page needs about the link's invitation.
#[derive(Debug, Clone)]
pub struct InvitationContext {
    pub invitation_id: i64,
    pub status: String,
    pub round_id: i32,
    pub round_open: bool,
    pub closes_at: DateTime<Utc>,
    /// When the round would have closed by its programme's window (`opens_at` +
    /// `open_days`); an admin who closes a round early moves `closes_at` before it.
    pub planned_closes_at: DateTime<Utc>,
    pub questionnaire_id: i32,
    pub service_id: i32,
    pub service_name: String,
    pub respondent_id: i32,
    pub language: Language,
    pub department: Option<String>,
    pub kind: String,
    /// The person stopped every survey.
    pub opted_out_all: bool,
    /// The person stopped this service's surveys.
    pub opted_out_of_service: bool,
}

impl InvitationContext {
    pub fn answered(&self) -> bool {
        self.status == invitation_status::ANSWERED
    }

    /// Open, and its window has not ended (the close job may not have run yet).
    pub fn accepts_answers(&self, now: DateTime<Utc>) -> bool {
        self.round_open && now < self.closes_at
    }

    /// The person asked for no surveys about this service (or none at all).
    pub fn opted_out(&self) -> bool {
        self.status == invitation_status::OPTED_OUT
            || self.opted_out_all
            || self.opted_out_of_service
    }

    /// Closed by an admin before its window ended, rather than by the clock.
    pub fn closed_early(&self) -> bool {
        !self.round_open && self.closes_at < self.planned_closes_at
    }
}

pub async fn by_token(
    db: &impl ConnectionTrait,
    raw_token: &str,
) -> Result<Option<InvitationContext>, Error> {
    let Some(link) = invitation_token::Entity::find_by_id(SurveyToken::hash_of(raw_token))
        .one(db)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let Some(invitation) = invitation::Entity::find_by_id(link.invitation_id)
        .one(db)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let round = round::Entity::find_by_id(invitation.round_id)
        .one(db)
        .await
        .map_err(db_error)?;
    let person = respondent::Entity::find_by_id(invitation.respondent_id)
        .one(db)
        .await
        .map_err(db_error)?;
    let (Some(round), Some(person)) = (round, person) else {
        return Ok(None);
    };
    let service_name = service::Entity::find_by_id(round.service_id)
        .one(db)
        .await
        .map_err(db_error)?
        .map(|s| s.name)
        .unwrap_or_default();
    let open_days = programme::Entity::find_by_id(round.programme_id)
        .one(db)
        .await
        .map_err(db_error)?
        .map_or(0, |p| p.open_days);
    let opted_out_of_service =
        respondent_service::Entity::find_by_id((person.id, round.service_id))
            .one(db)
            .await
            .map_err(db_error)?
            .is_some_and(|usage| usage.opted_out);
    Ok(Some(InvitationContext {
        invitation_id: invitation.id,
        status: invitation.status,
        round_id: round.id,
        round_open: round.status == RoundStatus::Open.as_str(),
        closes_at: round.closes_at,
        planned_closes_at: round.opens_at + Duration::days(i64::from(open_days)),
        questionnaire_id: round.questionnaire_id,
        service_id: round.service_id,
        service_name,
        respondent_id: person.id,
        language: person.language.parse().unwrap_or_default(),
        department: person.department,
        kind: person.kind,
        opted_out_all: person.opted_out_all,
        opted_out_of_service,
    }))
}

/// One checked answer waiting to be stored.
#[derive(Debug, Clone)]
pub struct Submission {
    pub invitation_id: i64,
    pub round_id: i32,
    pub service_id: i32,
    pub department: Option<String>,
    pub kind: String,
    pub answers: Answers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionOutcome {
    Stored,
    AlreadyAnswered,
    RoundClosed,
}

/// Stores a batch of answers in one transaction (group commit). Each invitation moves
/// to `answered` only from a waiting state, so a second or simultaneous submission of
/// the same link stores nothing. The response row gets a random id and no link to the
/// invitation or the person.
pub async fn record_answers(
    db: &DatabaseConnection,
    batch: &[Submission],
    now: DateTime<Utc>,
) -> Result<Vec<SubmissionOutcome>, Error> {
    let txn = super::begin_write(db).await?;
    let round_ids: Vec<i32> = batch.iter().map(|s| s.round_id).collect();
    let open_rounds: std::collections::HashSet<i32> = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .filter(round::Column::Id.is_in(round_ids))
        .filter(round::Column::Status.eq(RoundStatus::Open.as_str()))
        .filter(round::Column::ClosesAt.gt(now))
        .into_tuple::<i32>()
        .all(&txn)
        .await
        .map_err(db_error)?
        .into_iter()
        .collect();
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut responses = Vec::new();
    let mut answered_per_round: HashMap<i32, i32> = HashMap::new();
    for submission in batch {
        if !open_rounds.contains(&submission.round_id) {
            outcomes.push(SubmissionOutcome::RoundClosed);
            continue;
        }
        let claimed = invitation::Entity::update_many()
            .col_expr(
                invitation::Column::Status,
                invitation_status::ANSWERED.into(),
            )
            .filter(invitation::Column::Id.eq(submission.invitation_id))
            .filter(invitation::Column::Status.is_in(invitation_status::AWAITING))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if claimed == 0 {
            outcomes.push(SubmissionOutcome::AlreadyAnswered);
            continue;
        }
        outcomes.push(SubmissionOutcome::Stored);
        *answered_per_round.entry(submission.round_id).or_default() += 1;
        responses.push(response::ActiveModel {
            id: Set(rand::rng().random_range(1..i64::MAX)),
            round_id: Set(submission.round_id),
            service_id: Set(submission.service_id),
            department: Set(submission.department.clone()),
            kind: Set(submission.kind.clone()),
            answers: Set(serde_json::to_string(&submission.answers).map_err(Error::internal)?),
        });
    }
    if !responses.is_empty() {
        response::Entity::insert_many(responses)
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

/// Stops further invitations for the link's service (or every service), and withdraws
/// this invitation from reminders unless it was already answered.
pub async fn opt_out(
    db: &DatabaseConnection,
    context: &InvitationContext,
    all_services: bool,
) -> Result<(), Error> {
    let txn = super::begin_write(db).await?;
    if all_services {
        respondent::Entity::update_many()
            .col_expr(respondent::Column::OptedOutAll, true.into())
            .filter(respondent::Column::Id.eq(context.respondent_id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
    }
    respondent_service::Entity::update_many()
        .col_expr(respondent_service::Column::OptedOut, true.into())
        .filter(respondent_service::Column::RespondentId.eq(context.respondent_id))
        .filter(respondent_service::Column::ServiceId.eq(context.service_id))
        .exec(&txn)
        .await
        .map_err(db_error)?;
    let mut withdrawn = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Status,
            invitation_status::OPTED_OUT.into(),
        )
        .filter(invitation::Column::Status.is_in(invitation_status::AWAITING));
    withdrawn = if all_services {
        withdrawn.filter(invitation::Column::RespondentId.eq(context.respondent_id))
    } else {
        withdrawn.filter(invitation::Column::Id.eq(context.invitation_id))
    };
    withdrawn.exec(&txn).await.map_err(db_error)?;
    txn.commit().await.map_err(db_error)
}

/// Queues the reminders that are due: for each open round and each reminder offset not
/// yet done whose day has come, one email to every invited person who has neither
/// answered nor opted out (nor bounced). Each reminder carries a fresh personal link,
/// since only hashes of earlier links are kept. Returns the number queued.
pub async fn queue_due_reminders(
    db: &DatabaseConnection,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let rounds = round::Entity::find()
        .filter(round::Column::Status.eq(RoundStatus::Open.as_str()))
        .filter(round::Column::ClosesAt.gt(now))
        .all(db)
        .await
        .map_err(db_error)?;
    let mut queued = 0;
    for round in rounds {
        let Some(programme) = programme::Entity::find_by_id(round.programme_id)
            .one(db)
            .await
            .map_err(db_error)?
        else {
            continue;
        };
        let offsets: Vec<i64> = serde_json::from_str(&programme.reminder_days).unwrap_or_default();
        let due = offsets
            .iter()
            .enumerate()
            .skip(usize::try_from(round.reminders_done).unwrap_or(0))
            .filter(|(_, days)| round.opens_at + Duration::days(**days) <= now)
            .map(|(index, _)| index)
            .next_back();
        let Some(last_due) = due else { continue };
        let txn = super::begin_write(db).await?;
        // Claim the step first: a concurrent run finds nothing left to do.
        let claimed = round::Entity::update_many()
            .col_expr(round::Column::RemindersDone, ((last_due + 1) as i32).into())
            .filter(round::Column::Id.eq(round.id))
            .filter(round::Column::RemindersDone.eq(round.reminders_done))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if claimed == 0 {
            continue;
        }
        queued += queue_round_reminders(&txn, &round, last_due, links, now).await?;
        txn.commit().await.map_err(db_error)?;
    }
    Ok(queued)
}

async fn queue_round_reminders(
    db: &impl ConnectionTrait,
    round: &round::Model,
    step: usize,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    type Row = (i64, String, String, String);
    let waiting: Vec<Row> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::Id)
        .column(respondent::Column::Email)
        .column(respondent::Column::Name)
        .column(respondent::Column::Language)
        .join(
            sea_orm::JoinType::InnerJoin,
            invitation::Entity::belongs_to(respondent::Entity)
                .from(invitation::Column::RespondentId)
                .to(respondent::Column::Id)
                .into(),
        )
        .filter(invitation::Column::RoundId.eq(round.id))
        .filter(
            invitation::Column::Status
                .is_in([invitation_status::SENT, invitation_status::REMINDED]),
        )
        .filter(respondent::Column::OptedOutAll.eq(false))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    let service_name = service::Entity::find_by_id(round.service_id)
        .one(db)
        .await
        .map_err(db_error)?
        .map(|s| s.name)
        .unwrap_or_default();
    let closes_on = round
        .closes_at
        .with_timezone(&Stockholm)
        .format("%Y-%m-%d")
        .to_string();
    let count = waiting.len();
    for chunk in waiting.chunks(1_000) {
        let mut tokens = Vec::with_capacity(chunk.len());
        let mut messages = Vec::with_capacity(chunk.len());
        for (invitation_id, email, name, language) in chunk {
            let token = SurveyToken::generate();
            tokens.push(invitation_token::ActiveModel {
                token_hash: Set(token.hash()),
                invitation_id: Set(*invitation_id),
            });
            messages.push(NewOutboxMessage {
                recipient: email.clone(),
                idempotency_key: format!("reminder:{invitation_id}:{step}"),
                invitation_id: Some(*invitation_id),
                email: SurveyEmail {
                    kind: SurveyEmailKind::Reminder,
                    language: language.parse().unwrap_or_default(),
                    respondent_name: name.clone(),
                    service_name: service_name.clone(),
                    link: links.answer(token.as_str()),
                    opt_out_link: links.opt_out(token.as_str()),
                    closes_on: closes_on.clone(),
                },
            });
        }
        invitation_token::Entity::insert_many(tokens)
            .exec_without_returning(db)
            .await
            .map_err(db_error)?;
        outbox::enqueue(db, messages, now).await?;
    }
    Ok(count)
}

/// Respondents who use no service any more leave the register (SPEC: personal data).
pub async fn purge_former_users(db: &impl ConnectionTrait) -> Result<u64, Error> {
    let users = sea_orm::sea_query::Query::select()
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
