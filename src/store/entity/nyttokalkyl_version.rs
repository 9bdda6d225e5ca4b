use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "nyttokalkyl_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub insats_id: i32,
    pub version: i32,
    pub calculation_years: i32,
    pub discount_rate: f64,
    pub investment_sek: f64,
    pub annual_running_cost_sek: f64,
    /// The benefits as JSON (`store::insatser`'s stored form).
    pub benefits: String,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
