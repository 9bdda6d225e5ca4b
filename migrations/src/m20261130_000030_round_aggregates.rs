//! Results computed once: each closed round's figures per metric and segment, written
//! when its answers are released (and rebuilt by `nyttopuls recompute`), so reading
//! results never rescans answers. Rounds also keep how many invitations were delivered
//! (sent, not bounced) at close, the denominator of the response rate, since
//! invitations are purged later.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoundAggregates {
    Table,
    RoundId,
    Metric,
    Segment,
    Responses,
    N,
    Mean,
    Sd,
    CiLow,
    CiHigh,
    Median,
    Promoters,
    Detractors,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    Delivered,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoundAggregates::Table)
                    .col(integer(RoundAggregates::RoundId))
                    .col(string(RoundAggregates::Metric))
                    .col(string(RoundAggregates::Segment))
                    .col(integer(RoundAggregates::Responses))
                    .col(integer(RoundAggregates::N))
                    .col(double_null(RoundAggregates::Mean))
                    .col(double_null(RoundAggregates::Sd))
                    .col(double_null(RoundAggregates::CiLow))
                    .col(double_null(RoundAggregates::CiHigh))
                    .col(double_null(RoundAggregates::Median))
                    .col(integer_null(RoundAggregates::Promoters))
                    .col(integer_null(RoundAggregates::Detractors))
                    .primary_key(
                        Index::create()
                            .col(RoundAggregates::RoundId)
                            .col(RoundAggregates::Metric)
                            .col(RoundAggregates::Segment),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoundAggregates::Table, RoundAggregates::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .add_column(integer_null(Rounds::Delivered))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoundAggregates::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .drop_column(Rounds::Delivered)
                    .to_owned(),
            )
            .await
    }
}
