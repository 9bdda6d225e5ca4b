//! Open links: a round's public code, and what a code leads to (its round's window,
//! questionnaire and service). Reads and writes only: whether a link takes an answer is
//! `domain::open_link`'s to say.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, sea_query::OnConflict,
};

use super::{
    InnerJoinOn,
    entity::{open_link, programme, round, service},
};
use crate::domain::{
    Error,
    answering::AnswerWindow,
    open_link::{OpenLink, OpenLinkCode},
};

/// Gives the round `code` as its open link, unless it has one already (the one kept
/// then is the first: two simultaneous requests end with the same link).
pub async fn insert_if_absent(
    db: &impl ConnectionTrait,
    round_id: i32,
    code: &OpenLinkCode,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    open_link::Entity::insert(open_link::ActiveModel {
        round_id: Set(round_id),
        code: Set(code.as_str().to_owned()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(open_link::Column::RoundId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The round's open link, if it has one.
pub async fn of_round(db: &impl ConnectionTrait, round_id: i32) -> Result<Option<OpenLink>, Error> {
    let found = open_link::Entity::find_by_id(round_id).one(db).await?;
    found
        .map(|row| {
            let code = OpenLinkCode::parse(&row.code).ok_or_else(|| {
                Error::bug(format!("round {round_id} has a malformed open-link code"))
            })?;
            Ok(OpenLink {
                round_id,
                code,
                created_at: row.created_at,
            })
        })
        .transpose()
}

/// Where an open link leads: its round, with what its answer page needs.
#[derive(Debug, Clone)]
pub struct OpenLinkTarget {
    pub round_id: i32,
    pub questionnaire_id: i32,
    pub service_id: i32,
    pub service_name: String,
    pub window: AnswerWindow,
    /// The programme's answer window in days.
    pub open_days: i32,
}

#[derive(Debug, FromQueryResult)]
struct TargetRow {
    round_id: i32,
    round_status: round::Status,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    open_days: i32,
    questionnaire_id: i32,
    service_id: i32,
    service_name: String,
}

/// The round behind an open link's code, if any.
pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &OpenLinkCode,
) -> Result<Option<OpenLinkTarget>, Error> {
    let rows = open_link::Entity::find()
        .filter(open_link::Column::Code.eq(code.as_str()))
        .select_only()
        .column_as(round::Column::Id, "round_id")
        .column_as(round::Column::Status, "round_status")
        .column_as(round::Column::OpensAt, "opens_at")
        .column_as(round::Column::ClosesAt, "closes_at")
        .column_as(programme::Column::OpenDays, "open_days")
        .column_as(round::Column::QuestionnaireId, "questionnaire_id")
        .column_as(round::Column::ServiceId, "service_id")
        .column_as(service::Column::Name, "service_name")
        .inner_join_on(open_link::Column::RoundId, round::Column::Id)
        .inner_join_on(round::Column::ServiceId, service::Column::Id)
        .inner_join_on(round::Column::ProgrammeId, programme::Column::Id)
        .into_model::<TargetRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().next().map(|row| OpenLinkTarget {
        round_id: row.round_id,
        questionnaire_id: row.questionnaire_id,
        service_id: row.service_id,
        service_name: row.service_name,
        window: AnswerWindow {
            status: row.round_status.into(),
            opens_at: row.opens_at,
            closes_at: row.closes_at,
        },
        open_days: row.open_days,
    }))
}
