//! Schema migrations for Nyttopuls. One file per change, never edited once shipped;
//! migrations use plain sea-query statements, never the application's entity types.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_catalogue;
mod m20261129_000002_create_surveys;
mod m20261129_000003_seed_questionnaire_templates;
mod m20261129_000010_add_token_expiry;
mod m20261130_000020_seal_answers;
mod m20261130_000030_round_aggregates;
mod m20261201_000040_dashboard_sign_in;
mod m20261201_000050_figures_generation;
mod m20261201_000060_reports;
mod m20261204_000070_round_figures_version;
mod m20261207_000080_create_insatser;
mod m20261207_000090_create_actions;
mod m20261207_000100_create_open_links;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_catalogue::Migration),
            Box::new(m20261129_000002_create_surveys::Migration),
            Box::new(m20261129_000003_seed_questionnaire_templates::Migration),
            Box::new(m20261129_000010_add_token_expiry::Migration),
            Box::new(m20261130_000020_seal_answers::Migration),
            Box::new(m20261130_000030_round_aggregates::Migration),
            Box::new(m20261201_000040_dashboard_sign_in::Migration),
            Box::new(m20261201_000050_figures_generation::Migration),
            Box::new(m20261201_000060_reports::Migration),
            Box::new(m20261204_000070_round_figures_version::Migration),
            Box::new(m20261207_000080_create_insatser::Migration),
            Box::new(m20261207_000090_create_actions::Migration),
            Box::new(m20261207_000100_create_open_links::Migration),
        ]
    }
}
