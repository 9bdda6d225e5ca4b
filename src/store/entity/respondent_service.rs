use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "respondent_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub respondent_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub service_id: i32,
    pub opted_out: bool,
    pub last_invited_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::service::Entity",
        from = "Column::ServiceId",
        to = "super::service::Column::Id"
    )]
    Service,
    #[sea_orm(
        belongs_to = "super::respondent::Entity",
        from = "Column::RespondentId",
        to = "super::respondent::Column::Id"
    )]
    Respondent,
}

impl Related<super::respondent::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Respondent.def()
    }
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
