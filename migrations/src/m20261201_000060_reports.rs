//! The nyttoanalys stored per period (generated once, regenerated on request, sent to
//! Kommunledningskontoret once), and which closed rounds have had their objektägare's
//! digest queued.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reports {
    Table,
    Period,
    Content,
    GeneratedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    DigestQueuedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(string(Reports::Period).primary_key())
                    .col(text(Reports::Content))
                    .col(timestamp_with_time_zone(Reports::GeneratedAt))
                    .col(timestamp_with_time_zone_null(Reports::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .add_column(timestamp_with_time_zone_null(Rounds::DigestQueuedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .drop_column(Rounds::DigestQueuedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Reports::Table).to_owned())
            .await
    }
}
