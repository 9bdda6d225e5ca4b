//! Results: the figures computed once per closed round × metric × segment, the released
//! responses they are computed from (for `recompute`), and the comments.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;

use super::entity::{generation, invitation, response, round, round_aggregate};
use crate::{
    domain::{
        Error, InvitationStatus, RespondentKind,
        questionnaire::{AnswerValue, Answers},
        release::Segment,
    },
    stats::{
        Metric,
        aggregate::{Aggregate, SegmentKey},
    },
};

/// Replaces a round's figures, moves the figures generation and gives the round the new
/// generation as its figures version, so that the round's figures kept in memory
/// anywhere are read again (and no other round's).
pub async fn replace_aggregates(
    db: &impl ConnectionTrait,
    round_id: i32,
    aggregates: &[Aggregate],
) -> Result<(), Error> {
    generation::Entity::update_many()
        .col_expr(
            generation::Column::Value,
            sea_orm::sea_query::ExprTrait::add(
                sea_orm::sea_query::Expr::col(generation::Column::Value),
                1,
            ),
        )
        .filter(generation::Column::Name.eq(FIGURES))
        .exec(db)
        .await?;
    round::Entity::update_many()
        .col_expr(
            round::Column::FiguresVersion,
            sea_orm::sea_query::Expr::cust(format!(
                "(SELECT value FROM generations WHERE name = '{FIGURES}')"
            )),
        )
        .filter(round::Column::Id.eq(round_id))
        .exec(db)
        .await?;
    round_aggregate::Entity::delete_many()
        .filter(round_aggregate::Column::RoundId.eq(round_id))
        .exec(db)
        .await?;
    let rows = aggregates
        .iter()
        .map(|a| {
            Ok(round_aggregate::ActiveModel {
                round_id: Set(round_id),
                metric: Set(a.metric.as_str().to_owned()),
                segment: Set(a.segment.to_stored()),
                responses: Set(stored_count(a.responses, round_id)?),
                n: Set(stored_count(a.n, round_id)?),
                mean: Set(a.mean),
                sd: Set(a.sd),
                ci_low: Set(a.ci.map(|c| c.0)),
                ci_high: Set(a.ci.map(|c| c.1)),
                median: Set(a.median),
                promoters: Set(a.promoters.map(|p| stored_count(p, round_id)).transpose()?),
                detractors: Set(a
                    .detractors
                    .map(|d| stored_count(d, round_id))
                    .transpose()?),
            })
        })
        .collect::<Result<Vec<round_aggregate::ActiveModel>, Error>>()?;
    for chunk in rows.chunks(500) {
        round_aggregate::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

const FIGURES: &str = "figures";

/// A count as its column holds it; one too large for the column is a bug, not a
/// number to cut short.
fn stored_count<T: TryInto<i32> + Copy + std::fmt::Display>(
    count: T,
    round_id: i32,
) -> Result<i32, Error> {
    count
        .try_into()
        .map_err(|_| Error::bug(format!("round {round_id}: the count {count} does not fit")))
}

/// A count read back; a negative one is a bug, not a zero.
fn read_count<T: TryFrom<i32>>(count: i32, round_id: i32) -> Result<T, Error> {
    T::try_from(count)
        .map_err(|_| Error::bug(format!("round {round_id} has a stored count of {count}")))
}

/// The figures of these rounds, by round: every segment's, or (`whole_rounds_only`)
/// only those over all of a round's responses.
pub async fn aggregates_of(
    db: &impl ConnectionTrait,
    round_ids: &[i32],
    whole_rounds_only: bool,
) -> Result<Vec<(i32, Aggregate)>, Error> {
    let only = whole_rounds_only.then_some(&[SegmentKey::All][..]);
    aggregates_in(db, round_ids, only).await
}

/// The figures of these rounds, by round, over the segments in `only` (`None`: every
/// segment).
pub async fn aggregates_in(
    db: &impl ConnectionTrait,
    round_ids: &[i32],
    only: Option<&[SegmentKey]>,
) -> Result<Vec<(i32, Aggregate)>, Error> {
    let mut found = Vec::new();
    for chunk in round_ids.chunks(1_000) {
        let mut query = round_aggregate::Entity::find()
            .filter(round_aggregate::Column::RoundId.is_in(chunk.iter().copied()));
        if let Some(segments) = only {
            query = query.filter(
                round_aggregate::Column::Segment.is_in(segments.iter().map(SegmentKey::to_stored)),
            );
        }
        let rows = query.all(db).await?;
        for row in rows {
            let metric: Metric = row.metric.parse().map_err(|e: String| {
                Error::bug(format!("round {} has figures of {e}", row.round_id))
            })?;
            let segment = SegmentKey::from_stored(&row.segment).ok_or_else(|| {
                Error::bug(format!(
                    "round {} has figures for segment `{}`",
                    row.round_id, row.segment
                ))
            })?;
            found.push((
                row.round_id,
                Aggregate {
                    metric,
                    segment,
                    responses: read_count(row.responses, row.round_id)?,
                    n: read_count(row.n, row.round_id)?,
                    mean: row.mean,
                    sd: row.sd,
                    ci: row.ci_low.zip(row.ci_high),
                    median: row.median,
                    promoters: row
                        .promoters
                        .map(|p| read_count(p, row.round_id))
                        .transpose()?,
                    detractors: row
                        .detractors
                        .map(|d| read_count(d, row.round_id))
                        .transpose()?,
                },
            ));
        }
    }
    Ok(found)
}

/// A round's released responses with their segments, for recomputing its figures.
pub async fn released_responses(
    db: &impl ConnectionTrait,
    round_id: i32,
) -> Result<Vec<(Segment, Answers)>, Error> {
    let rows: Vec<(Option<String>, Option<String>, String, bool)> = response::Entity::find()
        .select_only()
        .column(response::Column::Department)
        .column(response::Column::Kind)
        .column(response::Column::Answers)
        .column(response::Column::OpenLink)
        .filter(response::Column::RoundId.eq(round_id))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(department, kind, json, open_link)| {
            let kind = kind
                .map(|k| k.parse::<RespondentKind>())
                .transpose()
                .map_err(|e| Error::bug(format!("a response of round {round_id}: {e}")))?;
            let answers: Answers = serde_json::from_str(&json)
                .map_err(|e| Error::bug(format!("a response of round {round_id}: {e}")))?;
            let segment = Segment {
                department,
                kind,
                open_link,
            };
            Ok((segment, answers))
        })
        .collect()
}

/// Closed rounds that released answers, oldest first.
pub async fn released_rounds(db: &impl ConnectionTrait) -> Result<Vec<(i32, i32)>, Error> {
    round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .column(round::Column::QuestionnaireId)
        .filter(round::Column::ReleasedAnswers.gt(0))
        .order_by_asc(round::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .map_err(Error::from)
}

/// The free-text answers of a round's released responses (items of `keys`), in the
/// stored (shuffled) order.
pub async fn comments(
    db: &impl ConnectionTrait,
    round_id: i32,
    keys: &[String],
) -> Result<Vec<String>, Error> {
    let mut comments = Vec::new();
    for (_, answers) in released_responses(db, round_id).await? {
        for key in keys {
            if let Some(AnswerValue::Text(text)) = answers.get(key) {
                comments.push(text.clone());
            }
        }
    }
    Ok(comments)
}

/// Invitations of a round whose email reached the person (sent, not bounced), counted
/// when the round closes: the response rate's denominator.
pub async fn record_delivered(db: &impl ConnectionTrait, round_id: i32) -> Result<(), Error> {
    let count = stored_count(delivered_now(db, round_id).await?, round_id)?;
    round::Entity::update_many()
        .col_expr(round::Column::Delivered, Some(count).into())
        .filter(round::Column::Id.eq(round_id))
        .exec(db)
        .await?;
    Ok(())
}

fn delivered_statuses() -> Vec<invitation::Status> {
    InvitationStatus::ALL
        .into_iter()
        .filter(|s| s.was_delivered())
        .map(invitation::Status::from)
        .collect()
}

/// Invitations of a round whose email reached the person (sent, not bounced), now.
pub async fn delivered_now(db: &impl ConnectionTrait, round_id: i32) -> Result<u64, Error> {
    invitation::Entity::find()
        .filter(invitation::Column::RoundId.eq(round_id))
        .filter(invitation::Column::Status.is_in(delivered_statuses()))
        .count(db)
        .await
        .map_err(Error::from)
}

/// [`delivered_now`] of several rounds in one query; a round with none is left out.
pub async fn delivered_now_of(
    db: &impl ConnectionTrait,
    round_ids: &[i32],
) -> Result<HashMap<i32, u64>, Error> {
    let mut found = HashMap::new();
    for chunk in round_ids.chunks(1_000) {
        let rows: Vec<(i32, i64)> = invitation::Entity::find()
            .select_only()
            .column(invitation::Column::RoundId)
            .column_as(invitation::Column::Id.count(), "delivered")
            .filter(invitation::Column::RoundId.is_in(chunk.iter().copied()))
            .filter(invitation::Column::Status.is_in(delivered_statuses()))
            .group_by(invitation::Column::RoundId)
            .into_tuple()
            .all(db)
            .await?;
        for (round_id, delivered) in rows {
            let delivered = u64::try_from(delivered).map_err(|_| {
                Error::bug(format!("round {round_id} counts {delivered} invitations"))
            })?;
            found.insert(round_id, delivered);
        }
    }
    Ok(found)
}
