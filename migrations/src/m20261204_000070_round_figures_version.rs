//! Which stored figures a round has: set from the figures generation whenever the
//! round's figures are replaced (a release, a recompute). A server keeps each round's
//! figures in memory under this version, so a release of one round leaves every other
//! round's kept figures in place, and the read that checks them is the read of the
//! rounds that every results request makes anyway.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rounds {
    Table,
    FiguresVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .add_column(big_integer(Rounds::FiguresVersion).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .drop_column(Rounds::FiguresVersion)
                    .to_owned(),
            )
            .await
    }
}
