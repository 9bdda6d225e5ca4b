//! The email outbox: every message is a row first, then sent. Dispatchers claim a batch
//! with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances never share a row),
//! send outside any transaction, then mark each row. A crash leaves the lease to expire:
//! at most the batch in flight is sent again.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{LockBehavior, LockType, OnConflict, SelectStatement},
};

use super::{
    db_error,
    entity::{invitation, outbox_message},
    is_postgres,
};
use crate::domain::{
    Error,
    survey::{SurveyEmail, SurveyEmailKind, invitation_status},
};

pub mod status {
    pub const PENDING: &str = "pending";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const BOUNCED: &str = "bounced";
    /// Not sent because it no longer applied (a reminder to someone who answered).
    pub const SKIPPED: &str = "skipped";
}

pub struct NewOutboxMessage {
    pub recipient: String,
    pub idempotency_key: String,
    pub invitation_id: Option<i64>,
    pub email: SurveyEmail,
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
            kind: Set(match message.email.kind {
                SurveyEmailKind::Invitation => "invitation".into(),
                SurveyEmailKind::Reminder => "reminder".into(),
            }),
            payload: Set(Some(
                serde_json::to_string(&message.email).map_err(Error::internal)?,
            )),
            idempotency_key: Set(message.idempotency_key),
            invitation_id: Set(message.invitation_id),
            status: Set(status::PENDING.into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        });
    }
    outbox_message::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(outbox_message::Column::IdempotencyKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// A claimed message ready to send.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: i64,
    pub recipient: String,
    pub attempts: i32,
    pub invitation_id: Option<i64>,
    pub email: Option<SurveyEmail>,
}

/// Claims up to `limit` messages due at `due_by` for `lease` (attempts counted on claim).
pub async fn claim(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
    due_by: DateTime<Utc>,
) -> Result<Vec<ClaimedMessage>, Error> {
    let now = Utc::now();
    let txn = super::begin_write(db).await?;
    let mut due = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::Id)
        .filter(outbox_message::Column::Status.eq(status::PENDING))
        .filter(outbox_message::Column::NextAttemptAt.lte(due_by))
        .filter(
            sea_orm::Condition::any()
                .add(outbox_message::Column::LeaseUntil.is_null())
                .add(outbox_message::Column::LeaseUntil.lt(now)),
        )
        .order_by_asc(outbox_message::Column::Id)
        .limit(limit);
    if is_postgres(&txn) {
        QuerySelect::query(&mut due).lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<i64> = due.into_tuple().all(&txn).await.map_err(db_error)?;
    if ids.is_empty() {
        txn.commit().await.map_err(db_error)?;
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
        .exec(&txn)
        .await
        .map_err(db_error)?;
    let rows = outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(ids))
        .all(&txn)
        .await
        .map_err(db_error)?;
    txn.commit().await.map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|row| ClaimedMessage {
            id: row.id,
            recipient: row.recipient,
            attempts: row.attempts,
            invitation_id: row.invitation_id,
            email: row.payload.and_then(|p| serde_json::from_str(&p).ok()),
        })
        .collect())
}

/// What became of one claimed message.
#[derive(Debug, Clone)]
pub enum Delivery {
    Sent,
    /// Not sent because it no longer applies.
    Skipped,
    /// Retry after `retry_at`, or give up (`None`).
    Transient {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    /// The server refused the address for good.
    Permanent {
        error: String,
    },
}

/// Records the outcomes of a sent batch in one transaction; the personal link in the
/// payload is erased from every row that is done with.
pub async fn mark(
    db: &DatabaseConnection,
    outcomes: &[(ClaimedMessage, Delivery)],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let txn = super::begin_write(db).await?;
    let ids_where = |wanted: fn(&Delivery) -> bool| -> Vec<i64> {
        outcomes
            .iter()
            .filter(|(_, d)| wanted(d))
            .map(|(m, _)| m.id)
            .collect()
    };
    let sent = ids_where(|d| matches!(d, Delivery::Sent));
    let skipped = ids_where(|d| matches!(d, Delivery::Skipped));
    for (ids, new_status) in [(sent, status::SENT), (skipped, status::SKIPPED)] {
        for chunk in ids.chunks(1_000) {
            outbox_message::Entity::update_many()
                .col_expr(outbox_message::Column::Status, new_status.into())
                .col_expr(
                    outbox_message::Column::Payload,
                    Option::<String>::None.into(),
                )
                .col_expr(
                    outbox_message::Column::LeaseUntil,
                    Option::<DateTime<Utc>>::None.into(),
                )
                .col_expr(outbox_message::Column::SentAt, Some(now).into())
                .filter(outbox_message::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await
                .map_err(db_error)?;
        }
    }
    // An invitation email that went out makes the invitation `sent`; a reminder makes it
    // `reminded`. Neither overrides answered, opted out or bounced.
    for (kind, from, to) in [
        (
            SurveyEmailKind::Invitation,
            invitation_status::QUEUED,
            invitation_status::SENT,
        ),
        (
            SurveyEmailKind::Reminder,
            invitation_status::SENT,
            invitation_status::REMINDED,
        ),
    ] {
        let invitations: Vec<i64> = outcomes
            .iter()
            .filter(|(m, d)| {
                matches!(d, Delivery::Sent) && m.email.as_ref().is_some_and(|e| e.kind == kind)
            })
            .filter_map(|(m, _)| m.invitation_id)
            .collect();
        for chunk in invitations.chunks(1_000) {
            invitation::Entity::update_many()
                .col_expr(invitation::Column::Status, to.into())
                .filter(invitation::Column::Id.is_in(chunk.to_vec()))
                .filter(invitation::Column::Status.eq(from))
                .exec(&txn)
                .await
                .map_err(db_error)?;
        }
    }
    for (message, delivery) in outcomes {
        match delivery {
            Delivery::Sent | Delivery::Skipped => {}
            Delivery::Transient { error, retry_at } => {
                let mut update = outbox_message::Entity::update_many()
                    .col_expr(
                        outbox_message::Column::LastError,
                        Some(error.clone()).into(),
                    )
                    .col_expr(
                        outbox_message::Column::LeaseUntil,
                        Option::<DateTime<Utc>>::None.into(),
                    );
                update = match retry_at {
                    Some(at) => {
                        update.col_expr(outbox_message::Column::NextAttemptAt, (*at).into())
                    }
                    None => update
                        .col_expr(outbox_message::Column::Status, status::FAILED.into())
                        .col_expr(
                            outbox_message::Column::Payload,
                            Option::<String>::None.into(),
                        ),
                };
                update
                    .filter(outbox_message::Column::Id.eq(message.id))
                    .exec(&txn)
                    .await
                    .map_err(db_error)?;
            }
            Delivery::Permanent { error } => {
                outbox_message::Entity::update_many()
                    .col_expr(outbox_message::Column::Status, status::BOUNCED.into())
                    .col_expr(
                        outbox_message::Column::LastError,
                        Some(error.clone()).into(),
                    )
                    .col_expr(
                        outbox_message::Column::Payload,
                        Option::<String>::None.into(),
                    )
                    .col_expr(
                        outbox_message::Column::LeaseUntil,
                        Option::<DateTime<Utc>>::None.into(),
                    )
                    .filter(outbox_message::Column::Id.eq(message.id))
                    .exec(&txn)
                    .await
                    .map_err(db_error)?;
                if let Some(invitation_id) = message.invitation_id {
                    invitation::Entity::update_many()
                        .col_expr(
                            invitation::Column::Status,
                            invitation_status::BOUNCED.into(),
                        )
                        .filter(invitation::Column::Id.eq(invitation_id))
                        .filter(invitation::Column::Status.is_in(invitation_status::AWAITING))
                        .exec(&txn)
                        .await
                        .map_err(db_error)?;
                }
            }
        }
    }
    txn.commit().await.map_err(db_error)
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
            .filter(outbox_message::Column::Status.eq(status::PENDING))
            .exec(db)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// Whether a reminder still applies: the person has neither answered nor opted out.
pub async fn still_awaiting(
    db: &impl ConnectionTrait,
    invitation_ids: &[i64],
) -> Result<std::collections::HashSet<i64>, Error> {
    let mut awaiting = std::collections::HashSet::new();
    for chunk in invitation_ids.chunks(1_000) {
        let ids: Vec<i64> = invitation::Entity::find()
            .select_only()
            .column(invitation::Column::Id)
            .filter(invitation::Column::Id.is_in(chunk.to_vec()))
            .filter(invitation::Column::Status.is_in(invitation_status::AWAITING))
            .into_tuple()
            .all(db)
            .await
            .map_err(db_error)?;
        awaiting.extend(ids);
    }
    Ok(awaiting)
}

/// Drops the link from outbox rows to invitations about to be purged.
pub async fn detach_invitations_of_rounds(
    db: &impl ConnectionTrait,
    rounds: SelectStatement,
) -> Result<(), Error> {
    let invitations = sea_orm::sea_query::Query::select()
        .column(invitation::Column::Id)
        .from(invitation::Entity)
        .and_where(invitation::Column::RoundId.in_subquery(rounds))
        .to_owned();
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::InvitationId,
            Option::<i64>::None.into(),
        )
        .filter(outbox_message::Column::InvitationId.in_subquery(invitations))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Counts by status, for tests and operations.
pub async fn count_by_status(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, Error> {
    outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::Status)
        .column_as(outbox_message::Column::Id.count(), "n")
        .group_by(outbox_message::Column::Status)
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)
}
