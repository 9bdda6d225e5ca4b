//! Rounds: inserting (idempotent on programme × service × period), the invitations and
//! their links, listing, closing and purging. Which people are invited is decided in
//! `domain::selection`; this module only reads and writes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{OnConflict, Query},
};

use super::entity::{
    invitation, invitation_token, outbox_message, respondent, respondent_service, response, round,
    sealed_answer, service,
};
use crate::domain::{
    Error, InvitationStatus, Language, Page, PageRequest, RoundStatus,
    programme::Programme,
    release::ReleasedAnswer,
    sealing::KeyId,
    selection::Candidate,
    survey::{Round, RoundFilter},
};

/// Rows per multi-row statement: under SQLite's bound-parameter limit.
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
            status: row.status.into(),
            invited: row.invited,
            answered: row.answered,
            released_answers: row.released_answers,
            delivered: row.delivered,
            figures_version: row.figures_version,
        }
    }
}

/// Inserts the round of `programme` for service `service_id` in `period`, open from
/// `opens_at` to `closes_at`, unless that programme × service × period has one; returns
/// the new round's id, or `None` when it existed.
pub async fn insert_if_absent(
    db: &impl ConnectionTrait,
    programme: &Programme,
    service_id: i32,
    period: &str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Result<Option<i32>, Error> {
    let inserted = round::Entity::insert(round::ActiveModel {
        programme_id: Set(programme.id),
        service_id: Set(service_id),
        questionnaire_id: Set(programme.settings.questionnaire_id),
        period: Set(period.to_owned()),
        opens_at: Set(opens_at),
        closes_at: Set(closes_at),
        status: Set(RoundStatus::Open.into()),
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
    .exec_without_returning(db)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .filter(round::Column::ProgrammeId.eq(programme.id))
        .filter(round::Column::ServiceId.eq(service_id))
        .filter(round::Column::Period.eq(period))
        .into_tuple::<i32>()
        .one(db)
        .await?
        .ok_or_else(|| Error::bug("an inserted round could not be read back"))?;
    Ok(Some(id))
}

/// Where and how to write to a person.
#[derive(Debug, Clone)]
pub struct Addressee {
    pub email: String,
    pub name: String,
    pub language: Language,
}

/// Every user of `service_ids` with what the invitation rules need, plus their address.
pub async fn invitation_candidates(
    db: &impl ConnectionTrait,
    service_ids: &[i32],
) -> Result<(Vec<Candidate>, HashMap<i32, Addressee>), Error> {
    type Row = (
        i32,
        i32,
        Option<DateTime<Utc>>,
        bool,
        Option<DateTime<Utc>>,
        bool,
        String,
        String,
        respondent::Language,
    );
    let rows: Vec<Row> = respondent_service::Entity::find()
        .select_only()
        .column(respondent_service::Column::RespondentId)
        .column(respondent_service::Column::ServiceId)
        .column(respondent_service::Column::LastInvitedAt)
        .column(respondent_service::Column::OptedOut)
        .column(respondent::Column::LastInvitedAt)
        .column(respondent::Column::OptedOutAll)
        .column(respondent::Column::Email)
        .column(respondent::Column::Name)
        .column(respondent::Column::Language)
        .inner_join(respondent::Entity)
        .filter(respondent_service::Column::ServiceId.is_in(service_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut candidates = Vec::with_capacity(rows.len());
    let mut addressees = HashMap::new();
    for (respondent_id, service_id, for_service, opted_out, last, all_out, email, name, lang) in
        rows
    {
        candidates.push(Candidate {
            respondent_id,
            service_id,
            last_invited_at: last,
            last_invited_for_service: for_service,
            opted_out: opted_out || all_out,
        });
        addressees.entry(respondent_id).or_insert(Addressee {
            email,
            name,
            language: lang.into(),
        });
    }
    Ok((candidates, addressees))
}

/// Inserts a round's invitations (queued) and returns each person's invitation id.
pub async fn insert_invitations(
    db: &impl ConnectionTrait,
    round_id: i32,
    respondent_ids: &[i32],
) -> Result<HashMap<i32, i64>, Error> {
    for chunk in respondent_ids.chunks(CHUNK) {
        invitation::Entity::insert_many(chunk.iter().map(|&respondent_id| {
            invitation::ActiveModel {
                round_id: Set(round_id),
                respondent_id: Set(respondent_id),
                status: Set(InvitationStatus::Queued.into()),
                ..Default::default()
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(invitation::Entity::find()
        .select_only()
        .column(invitation::Column::RespondentId)
        .column(invitation::Column::Id)
        .filter(invitation::Column::RoundId.eq(round_id))
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Stores the hashes of personal links: (token hash, invitation id).
pub async fn insert_link_hashes(
    db: &impl ConnectionTrait,
    links: Vec<(String, i64)>,
) -> Result<(), Error> {
    for chunk in links.chunks(CHUNK) {
        invitation_token::Entity::insert_many(chunk.iter().map(|(hash, invitation_id)| {
            invitation_token::ActiveModel {
                token_hash: Set(hash.clone()),
                invitation_id: Set(*invitation_id),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Records that these people were invited about `service_id` at `now` (the fatigue
/// rule and the rotation read it).
pub async fn mark_invited(
    db: &impl ConnectionTrait,
    service_id: i32,
    respondent_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    for chunk in respondent_ids.chunks(CHUNK) {
        respondent::Entity::update_many()
            .col_expr(respondent::Column::LastInvitedAt, now.into())
            .filter(respondent::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
        respondent_service::Entity::update_many()
            .col_expr(respondent_service::Column::LastInvitedAt, now.into())
            .filter(respondent_service::Column::ServiceId.eq(service_id))
            .filter(respondent_service::Column::RespondentId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

pub async fn set_invited(
    db: &impl ConnectionTrait,
    round_id: i32,
    count: usize,
) -> Result<(), Error> {
    round::Entity::update_many()
        .col_expr(round::Column::Invited, (count as i32).into())
        .filter(round::Column::Id.eq(round_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A service's rounds, oldest first.
pub async fn of_service(db: &impl ConnectionTrait, service_id: i32) -> Result<Vec<Round>, Error> {
    let rows = round::Entity::find()
        .filter(round::Column::ServiceId.eq(service_id))
        .order_by_asc(round::Column::OpensAt)
        .order_by_asc(round::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The rounds of these services, each service's oldest first.
pub async fn of_services(
    db: &impl ConnectionTrait,
    service_ids: &[i32],
) -> Result<Vec<Round>, Error> {
    let mut found = Vec::new();
    for chunk in service_ids.chunks(1_000) {
        let rows = round::Entity::find()
            .filter(round::Column::ServiceId.is_in(chunk.iter().copied()))
            .order_by_asc(round::Column::OpensAt)
            .order_by_asc(round::Column::Id)
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(Round::from));
    }
    Ok(found)
}

/// Closed rounds whose objektägare's digest has not been queued, closed after `since`.
pub async fn closed_without_digest(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<Round>, Error> {
    let rows = round::Entity::find()
        .filter(round::Column::Status.eq(round::Status::Closed))
        .filter(round::Column::DigestQueuedAt.is_null())
        .filter(round::Column::ClosesAt.gt(since))
        .order_by_asc(round::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Notes that a round's digest was queued (or that it has nobody to go to).
pub async fn mark_digest_queued(
    db: &impl ConnectionTrait,
    round_id: i32,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    round::Entity::update_many()
        .col_expr(
            round::Column::DigestQueuedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(round::Column::Id.eq(round_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The last closed round of a service that released answers.
pub async fn last_released(
    db: &impl ConnectionTrait,
    service_id: i32,
) -> Result<Option<Round>, Error> {
    let last = round::Entity::find()
        .filter(round::Column::ServiceId.eq(service_id))
        .filter(round::Column::Status.eq(round::Status::Closed))
        .filter(round::Column::ReleasedAnswers.gt(0))
        .order_by_desc(round::Column::ClosesAt)
        .one(db)
        .await?;
    Ok(last.map(Into::into))
}

/// When each closed round opened (what periods a report can cover).
pub async fn closed_openings(db: &impl ConnectionTrait) -> Result<Vec<DateTime<Utc>>, Error> {
    round::Entity::find()
        .select_only()
        .column(round::Column::OpensAt)
        .filter(round::Column::Status.eq(round::Status::Closed))
        .distinct()
        .into_tuple()
        .all(db)
        .await
        .map_err(Error::from)
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
        condition = condition.add(round::Column::Status.eq(round::Status::from(status)));
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
    let query = round::Entity::find()
        .filter(condition)
        .order_by_desc(round::Column::Id);
    super::fetch_page(db, query, page).await
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Round, Error> {
    super::fetch_by_id::<round::Entity, _>(db, "round", id).await
}

/// Closes one open round as of `closes_at`; false if it was not open.
pub async fn close(
    db: &impl ConnectionTrait,
    id: i32,
    closes_at: DateTime<Utc>,
) -> Result<bool, Error> {
    let closed = round::Entity::update_many()
        .col_expr(round::Column::Status, round::Status::Closed.into())
        .col_expr(round::Column::ClosesAt, closes_at.into())
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(round::Status::Open))
        .exec(db)
        .await?;
    Ok(closed.rows_affected == 1)
}

/// Open rounds whose window has ended.
pub async fn due_to_close(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<i32>, Error> {
    round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .filter(round::Column::Status.eq(round::Status::Open))
        .filter(round::Column::ClosesAt.lte(now))
        .order_by_asc(round::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .map_err(Error::from)
}

/// A round's sealed answers, in no particular order.
pub async fn sealed_answers(
    db: &impl ConnectionTrait,
    round_id: i32,
) -> Result<Vec<Vec<u8>>, Error> {
    sealed_answer::Entity::find()
        .select_only()
        .column(sealed_answer::Column::Sealed)
        .filter(sealed_answer::Column::RoundId.eq(round_id))
        .into_tuple()
        .all(db)
        .await
        .map_err(Error::from)
}

/// The ids of the keys that sealed the answers still sealed (those of open rounds).
pub async fn sealed_key_ids(db: &impl ConnectionTrait) -> Result<Vec<KeyId>, Error> {
    let prefixes: Vec<Vec<u8>> = sealed_answer::Entity::find()
        .select_only()
        .expr(sea_orm::sea_query::Expr::cust("substr(sealed, 1, 4)"))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(prefixes
        .iter()
        .filter_map(|p| KeyId::of_sealed(p))
        .collect())
}

/// Releases a closed round's answers: inserts them into `responses` in the order and
/// with the ids given, deletes every sealed answer of the round and records how many
/// were released. Touches no invitation.
pub async fn release(
    db: &impl ConnectionTrait,
    round_id: i32,
    service_id: i32,
    released: &[ReleasedAnswer],
) -> Result<(), Error> {
    let mut rows = Vec::with_capacity(released.len());
    for answer in released {
        rows.push(response::ActiveModel {
            id: Set(answer.id),
            round_id: Set(round_id),
            service_id: Set(service_id),
            department: Set(answer.segment.department.clone()),
            kind: Set(answer.segment.kind.map(|k| k.as_str().to_owned())),
            answers: Set(serde_json::to_string(&answer.answers).map_err(Error::internal)?),
            open_link: Set(answer.segment.open_link),
        });
    }
    for chunk in rows.chunks(CHUNK) {
        response::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    sealed_answer::Entity::delete_many()
        .filter(sealed_answer::Column::RoundId.eq(round_id))
        .exec(db)
        .await?;
    round::Entity::update_many()
        .col_expr(
            round::Column::ReleasedAnswers,
            Some(i32::try_from(released.len()).map_err(|_| {
                Error::bug(format!(
                    "round {round_id} released more answers than a count holds"
                ))
            })?)
            .into(),
        )
        .filter(round::Column::Id.eq(round_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes invitations (and their token hashes) of rounds closed before `cutoff`, once
/// the outbox rows about them have let go of them; the rounds keep their counts.
pub async fn purge_invitations(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, Error> {
    let old_rounds = Query::select()
        .column(round::Column::Id)
        .from(round::Entity)
        .and_where(round::Column::Status.eq(round::Status::Closed))
        .and_where(round::Column::ClosesAt.lt(cutoff))
        .to_owned();
    let old_invitations = Query::select()
        .column(invitation::Column::Id)
        .from(invitation::Entity)
        .and_where(invitation::Column::RoundId.in_subquery(old_rounds.clone()))
        .to_owned();
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::InvitationId,
            Option::<i64>::None.into(),
        )
        .filter(outbox_message::Column::InvitationId.in_subquery(old_invitations.clone()))
        .exec(db)
        .await?;
    invitation_token::Entity::delete_many()
        .filter(invitation_token::Column::InvitationId.in_subquery(old_invitations))
        .exec(db)
        .await?;
    let result = invitation::Entity::delete_many()
        .filter(invitation::Column::RoundId.in_subquery(old_rounds))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// How many rounds are open, and how many answers wait sealed for their round to close
/// (the metrics' gauges).
pub async fn count_open_and_sealed(db: &impl ConnectionTrait) -> Result<(u64, u64), Error> {
    use sea_orm::PaginatorTrait;
    let open = round::Entity::find()
        .filter(round::Column::Status.eq(round::Status::Open))
        .count(db)
        .await?;
    let sealed = sealed_answer::Entity::find().count(db).await?;
    Ok((open, sealed))
}
