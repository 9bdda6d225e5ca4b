use sea_orm::entity::prelude::*;

pub use super::enums::{StoredLanguage as Language, StoredRespondentKind as Kind};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "respondents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
    pub name: String,
    pub department: Option<String>,
    pub kind: Kind,
    pub language: Language,
    pub opted_out_all: bool,
    pub last_invited_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
