use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "insatser")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub description: String,
    pub department_id: Option<i32>,
    pub owner_id: Option<i32>,
    pub sponsor: String,
    pub status: super::enums::StoredInsatsStatus,
    pub urgency: Option<i16>,
    pub risk: Option<i16>,
    pub decided_on: Option<Date>,
    pub planned_live_on: Option<Date>,
    pub live_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
