//! The email outbox: every message is a row first, then sent. Dispatchers claim a batch
//! with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances never share a row),
//! send with no database work open, then mark each row. A crash leaves the lease to
//! expire: at most the batch in flight is sent again.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{LockBehavior, LockType, OnConflict},
};

use super::{
    entity::{invitation, outbox_message, respondent},
    is_postgres,
};
use crate::domain::{
    Delivery, EmailKind, EmailRecord, Error, InvitationEvent, InvitationStatus, OutboxStatus,
    survey::{OutboxEmail, SurveyEmail},
};

pub struct NewOutboxMessage {
    pub recipient: String,
    pub idempotency_key: String,
    pub invitation_id: Option<i64>,
    pub email: OutboxEmail,
}

/// Queues messages; a message whose idempotency key is already queued is left alone.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    messages: Vec<NewOutboxMessage>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(messages.len());
    for message in messages {
        rows.push(outbox_message::ActiveModel {
            recipient: Set(message.recipient),
            kind: Set(message.email.kind().into()),
            payload: Set(Some(
                serde_json::to_string(&message.email).map_err(Error::internal)?,
            )),
            idempotency_key: Set(message.idempotency_key),
            invitation_id: Set(message.invitation_id),
            status: Set(OutboxStatus::Pending.into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(1_000) {
        outbox_message::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(outbox_message::Column::IdempotencyKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The survey emails waiting to be sent, with their personal links (the demo reads
/// them to answer as the recipients would).
pub async fn pending_survey_emails(db: &impl ConnectionTrait) -> Result<Vec<SurveyEmail>, Error> {
    let payloads: Vec<Option<String>> = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::Payload)
        .filter(outbox_message::Column::Status.eq(outbox_message::Status::Pending))
        .filter(outbox_message::Column::Kind.eq(outbox_message::Kind::Invitation))
        .into_tuple()
        .all(db)
        .await?;
    payloads
        .into_iter()
        .map(
            |payload| match payload.as_deref().map(serde_json::from_str) {
                Some(Ok(OutboxEmail::Survey(email))) => Ok(email),
                None => Err(Error::bug("a pending invitation has no payload")),
                Some(_) => Err(Error::bug(
                    "a pending invitation's payload is no survey email",
                )),
            },
        )
        .collect()
}

/// A claimed message ready to send.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: i64,
    pub recipient: String,
    pub attempts: i32,
    pub invitation_id: Option<i64>,
    pub email: OutboxEmail,
}

/// Claims up to `limit` messages due at `due_by` for `lease` (attempts counted on claim).
pub async fn claim(
    db: &impl ConnectionTrait,
    limit: u64,
    lease: Duration,
    due_by: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<ClaimedMessage>, Error> {
    claim_where(
        db,
        sea_orm::Condition::all().add(outbox_message::Column::NextAttemptAt.lte(due_by)),
        limit,
        lease,
        now,
    )
    .await
}

/// Claims the pending message queued under `idempotency_key`, if it is due now and
/// nobody holds it (the sign-in email, sent at once instead of at the next run).
pub async fn claim_by_key(
    db: &impl ConnectionTrait,
    idempotency_key: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<ClaimedMessage>, Error> {
    claim_where(
        db,
        sea_orm::Condition::all()
            .add(outbox_message::Column::IdempotencyKey.eq(idempotency_key))
            .add(outbox_message::Column::NextAttemptAt.lte(now)),
        1,
        lease,
        now,
    )
    .await
}

async fn claim_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::Condition,
    limit: u64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<ClaimedMessage>, Error> {
    let mut due = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::Id)
        .filter(outbox_message::Column::Status.eq(outbox_message::Status::Pending))
        .filter(condition)
        .filter(
            sea_orm::Condition::any()
                .add(outbox_message::Column::LeaseUntil.is_null())
                .add(outbox_message::Column::LeaseUntil.lt(now)),
        )
        .order_by_asc(outbox_message::Column::Id)
        .limit(limit);
    if is_postgres(db) {
        QuerySelect::query(&mut due).lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<i64> = due.into_tuple().all(db).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::LeaseUntil, (now + lease).into())
        .col_expr(
            outbox_message::Column::Attempts,
            sea_orm::sea_query::ExprTrait::add(
                sea_orm::sea_query::Expr::col(outbox_message::Column::Attempts),
                1,
            ),
        )
        .filter(outbox_message::Column::Id.is_in(ids.clone()))
        .exec(db)
        .await?;
    let rows = outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(ids))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            // A pending row always has its payload; one that is missing or does not
            // decode is our fault, never the recipient's (no bounce).
            let payload = row.payload.ok_or_else(|| {
                Error::bug(format!(
                    "outbox message {} is pending without a payload",
                    row.id
                ))
            })?;
            let email = serde_json::from_str(&payload).map_err(|e| {
                Error::bug(format!(
                    "outbox message {}: payload does not decode: {e}",
                    row.id
                ))
            })?;
            Ok(ClaimedMessage {
                id: row.id,
                recipient: row.recipient,
                attempts: row.attempts,
                invitation_id: row.invitation_id,
                email,
            })
        })
        .collect()
}

/// Records the outcomes of a sent batch: each message's new state
/// (the personal link in the payload is erased from every row that is done with; a
/// message that no longer applies is deleted) and what it means for its invitation,
/// applied only from the states the event moves on.
pub async fn mark(
    db: &impl ConnectionTrait,
    outcomes: &[(ClaimedMessage, Delivery)],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut sent = Vec::new();
    let mut withdrawn = Vec::new();
    let mut events: HashMap<InvitationEvent, Vec<i64>> = HashMap::new();
    for (message, delivery) in outcomes {
        if let (Some(invitation_id), Some(event)) = (
            message.invitation_id,
            delivery.invitation_event(message.email.kind()),
        ) {
            events.entry(event).or_default().push(invitation_id);
        }
        match delivery {
            Delivery::Sent => sent.push(message.id),
            Delivery::Withdrawn => withdrawn.push(message.id),
            // A failure: its error is kept; a retry waits for its time, anything else
            // (given up, bounced) is final and loses its personal link.
            Delivery::Transient { error, .. } | Delivery::Permanent { error } => {
                let mut update = outbox_message::Entity::update_many()
                    .col_expr(
                        outbox_message::Column::LastError,
                        Some(error.clone()).into(),
                    )
                    .col_expr(
                        outbox_message::Column::LeaseUntil,
                        Option::<DateTime<Utc>>::None.into(),
                    );
                if let Delivery::Transient {
                    retry_at: Some(at), ..
                } = delivery
                {
                    update = update.col_expr(outbox_message::Column::NextAttemptAt, (*at).into());
                }
                if let Some(status) = delivery.outbox_status().filter(|s| s.is_final()) {
                    update = update
                        .col_expr(
                            outbox_message::Column::Status,
                            outbox_message::Status::from(status).into(),
                        )
                        .col_expr(
                            outbox_message::Column::Payload,
                            Option::<String>::None.into(),
                        );
                }
                update
                    .filter(outbox_message::Column::Id.eq(message.id))
                    .exec(db)
                    .await?;
            }
        }
    }
    for chunk in sent.chunks(1_000) {
        outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::Status,
                outbox_message::Status::Sent.into(),
            )
            .col_expr(
                outbox_message::Column::Payload,
                Option::<String>::None.into(),
            )
            .col_expr(
                outbox_message::Column::LeaseUntil,
                Option::<DateTime<Utc>>::None.into(),
            )
            .col_expr(outbox_message::Column::SentAt, Some(now).into())
            .filter(outbox_message::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    for chunk in withdrawn.chunks(1_000) {
        outbox_message::Entity::delete_many()
            .filter(outbox_message::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    for (event, ids) in events {
        apply_invitation_event(db, event, &ids).await?;
    }
    Ok(())
}

/// Moves these invitations on by `event`, each from whichever state the event moves on
/// (one statement per target state; a finished invitation is left alone).
async fn apply_invitation_event(
    db: &impl ConnectionTrait,
    event: InvitationEvent,
    invitation_ids: &[i64],
) -> Result<(), Error> {
    let mut by_target: HashMap<InvitationStatus, Vec<invitation::Status>> = HashMap::new();
    for from in InvitationStatus::moved_by(event) {
        if let Some(to) = from.after(event) {
            by_target.entry(to).or_default().push(from.into());
        }
    }
    for (to, from) in by_target {
        for chunk in invitation_ids.chunks(1_000) {
            invitation::Entity::update_many()
                .col_expr(
                    invitation::Column::Status,
                    invitation::Status::from(to).into(),
                )
                .filter(invitation::Column::Id.is_in(chunk.iter().copied()))
                .filter(invitation::Column::Status.is_in(from.clone()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Hands claimed messages back untouched: the lease is dropped and the attempt the
/// claim counted is taken back, because the relay, not the message, failed.
pub async fn release(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), Error> {
    for chunk in ids.chunks(1_000) {
        outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::LeaseUntil,
                Option::<DateTime<Utc>>::None.into(),
            )
            .col_expr(
                outbox_message::Column::Attempts,
                sea_orm::sea_query::ExprTrait::sub(
                    sea_orm::sea_query::Expr::col(outbox_message::Column::Attempts),
                    1,
                ),
            )
            .filter(outbox_message::Column::Id.is_in(chunk.to_vec()))
            .filter(outbox_message::Column::Status.eq(outbox_message::Status::Pending))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Deletes the unsent emails of these invitations (withdrawn by an opt-out): they are
/// never sent, and no row is left naming the person.
pub async fn delete_unsent_for_invitations(
    db: &impl ConnectionTrait,
    invitation_ids: &[i64],
) -> Result<(), Error> {
    for chunk in invitation_ids.chunks(1_000) {
        outbox_message::Entity::delete_many()
            .filter(outbox_message::Column::InvitationId.is_in(chunk.iter().copied()))
            .filter(outbox_message::Column::Status.eq(outbox_message::Status::Pending))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Deletes the sign-in emails still queued to `recipient` (their links were withdrawn);
/// returns how many.
pub async fn delete_unsent_sign_in_to(
    db: &impl ConnectionTrait,
    recipient: &str,
) -> Result<u64, Error> {
    Ok(outbox_message::Entity::delete_many()
        .filter(outbox_message::Column::Recipient.eq(recipient))
        .filter(outbox_message::Column::Kind.eq(outbox_message::Kind::SignIn))
        .filter(outbox_message::Column::Status.eq(outbox_message::Status::Pending))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes messages queued before `cutoff` that are done with (sent, failed or
/// bounced): after `retention.outbox_days` nobody needs to know who was mailed.
pub async fn purge_finished(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, Error> {
    let result = outbox_message::Entity::delete_many()
        .filter(outbox_message::Column::Status.ne(outbox_message::Status::Pending))
        .filter(outbox_message::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes every email to a person, sent or not (erasure: before their row goes, which
/// the address is found by); returns how many.
pub async fn delete_of_person(db: &impl ConnectionTrait, respondent_id: i32) -> Result<u64, Error> {
    Ok(outbox_message::Entity::delete_many()
        .filter(of_person(respondent_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Every message to a person: to their address, or about one of their invitations.
fn of_person(respondent_id: i32) -> sea_orm::Condition {
    let invitations = sea_orm::sea_query::Query::select()
        .column(invitation::Column::Id)
        .from(invitation::Entity)
        .and_where(invitation::Column::RespondentId.eq(respondent_id))
        .to_owned();
    let email = sea_orm::sea_query::Query::select()
        .column(respondent::Column::Email)
        .from(respondent::Entity)
        .and_where(respondent::Column::Id.eq(respondent_id))
        .to_owned();
    sea_orm::Condition::any()
        .add(outbox_message::Column::InvitationId.in_subquery(invitations))
        .add(outbox_message::Column::Recipient.in_subquery(email))
}

/// The emails kept about a person (GDPR access), oldest first.
pub async fn kept_for_person(
    db: &impl ConnectionTrait,
    respondent_id: i32,
) -> Result<Vec<EmailRecord>, Error> {
    let rows = outbox_message::Entity::find()
        .filter(of_person(respondent_id))
        .order_by_asc(outbox_message::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| EmailRecord {
            kind: row.kind.into(),
            status: row.status.into(),
            created_at: row.created_at,
            sent_at: row.sent_at,
        })
        .collect())
}

/// Whether a reminder still applies: the person has neither answered nor opted out.
pub async fn still_awaiting(
    db: &impl ConnectionTrait,
    invitation_ids: &[i64],
) -> Result<std::collections::HashSet<i64>, Error> {
    let awaiting: Vec<invitation::Status> = InvitationStatus::ALL
        .into_iter()
        .filter(|s| s.awaits_answer())
        .map(Into::into)
        .collect();
    let mut still = std::collections::HashSet::new();
    for chunk in invitation_ids.chunks(1_000) {
        let ids: Vec<i64> = invitation::Entity::find()
            .select_only()
            .column(invitation::Column::Id)
            .filter(invitation::Column::Id.is_in(chunk.to_vec()))
            .filter(invitation::Column::Status.is_in(awaiting.clone()))
            .into_tuple()
            .all(db)
            .await?;
        still.extend(ids);
    }
    Ok(still)
}

/// Messages by status and kind, in one grouped query (the metrics' outbox depth).
pub async fn count_by_status_and_kind(
    db: &impl ConnectionTrait,
) -> Result<Vec<(OutboxStatus, EmailKind, u64)>, Error> {
    let counts: Vec<(outbox_message::Status, outbox_message::Kind, i64)> =
        outbox_message::Entity::find()
            .select_only()
            .column(outbox_message::Column::Status)
            .column(outbox_message::Column::Kind)
            .column_as(outbox_message::Column::Id.count(), "n")
            .group_by(outbox_message::Column::Status)
            .group_by(outbox_message::Column::Kind)
            .into_tuple()
            .all(db)
            .await?;
    Ok(counts
        .into_iter()
        .map(|(status, kind, n)| (status.into(), kind.into(), n.unsigned_abs()))
        .collect())
}
