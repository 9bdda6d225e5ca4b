use sea_orm::entity::prelude::*;

pub use super::enums::StoredRoundStatus as Status;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub service_id: i32,
    pub questionnaire_id: i32,
    pub period: String,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub status: Status,
    pub invited: i32,
    pub answered: i32,
    pub reminders_done: i32,
    pub released_answers: Option<i32>,
    pub delivered: Option<i32>,
    /// When the objektägare's digest of this round was queued.
    pub digest_queued_at: Option<DateTimeUtc>,
    /// Which stored figures the round has (the figures generation when they were last
    /// replaced); figures kept in memory are valid while it stands.
    pub figures_version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
