//! Open links: a round may also take answers at `/o/{code}` from people on no list
//! (citizens and businesses using an e-service). One link per round. Responses record
//! whether they came through it, so results keep open-link answers a segment of their own.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OpenLinks {
    Table,
    RoundId,
    Code,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Responses {
    Table,
    OpenLink,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OpenLinks::Table)
                    .col(integer(OpenLinks::RoundId).primary_key())
                    .col(string_len_uniq(OpenLinks::Code, 64))
                    .col(timestamp_with_time_zone(OpenLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OpenLinks::Table, OpenLinks::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Responses::Table)
                    .add_column(boolean(Responses::OpenLink).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Responses::Table)
                    .drop_column(Responses::OpenLink)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OpenLinks::Table).to_owned())
            .await
    }
}
