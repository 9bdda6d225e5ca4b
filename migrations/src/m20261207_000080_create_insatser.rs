//! Insatser (SPEC "Insatser"): KF goals, the insatser with the services they touch and
//! the goals they serve, and their nyttokalkyl versions. A version is a row that a
//! decision freezes (`decided_at`); its benefits are one JSON document, since a version
//! is written whole, read whole and never queried by benefit.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
    Title,
    Description,
    ValidFrom,
    ValidTo,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Insatser {
    Table,
    Id,
    Name,
    Description,
    DepartmentId,
    OwnerId,
    Sponsor,
    Status,
    Urgency,
    Risk,
    DecidedOn,
    PlannedLiveOn,
    LiveOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InsatsServices {
    Table,
    InsatsId,
    ServiceId,
}

#[derive(DeriveIden)]
enum InsatsGoals {
    Table,
    InsatsId,
    GoalId,
}

#[derive(DeriveIden)]
enum NyttokalkylVersions {
    Table,
    Id,
    InsatsId,
    Version,
    CalculationYears,
    DiscountRate,
    InvestmentSek,
    AnnualRunningCostSek,
    Benefits,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Owners {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Goals::Table)
                    .col(pk_auto(Goals::Id))
                    .col(string(Goals::Title))
                    .col(text(Goals::Description).default(""))
                    .col(date(Goals::ValidFrom))
                    .col(date_null(Goals::ValidTo))
                    .col(timestamp_with_time_zone(Goals::CreatedAt))
                    .col(timestamp_with_time_zone(Goals::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Insatser::Table)
                    .col(pk_auto(Insatser::Id))
                    .col(string(Insatser::Name))
                    .col(text(Insatser::Description).default(""))
                    .col(integer_null(Insatser::DepartmentId))
                    .col(integer_null(Insatser::OwnerId))
                    .col(string(Insatser::Sponsor).default(""))
                    .col(string(Insatser::Status))
                    .col(small_integer_null(Insatser::Urgency))
                    .col(small_integer_null(Insatser::Risk))
                    .col(date_null(Insatser::DecidedOn))
                    .col(date_null(Insatser::PlannedLiveOn))
                    .col(date_null(Insatser::LiveOn))
                    .col(timestamp_with_time_zone(Insatser::CreatedAt))
                    .col(timestamp_with_time_zone(Insatser::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Insatser::Table, Insatser::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Insatser::Table, Insatser::OwnerId)
                            .to(Owners::Table, Owners::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_insatser_owner_id", Insatser::OwnerId),
            ("idx_insatser_status", Insatser::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .table(Insatser::Table)
                        .name(name)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(InsatsServices::Table)
                    .col(integer(InsatsServices::InsatsId))
                    .col(integer(InsatsServices::ServiceId))
                    .primary_key(
                        Index::create()
                            .col(InsatsServices::InsatsId)
                            .col(InsatsServices::ServiceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InsatsServices::Table, InsatsServices::InsatsId)
                            .to(Insatser::Table, Insatser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InsatsServices::Table, InsatsServices::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // A release of a service's round looks up the insatser touching it.
        manager
            .create_index(
                Index::create()
                    .table(InsatsServices::Table)
                    .name("idx_insats_services_service_id")
                    .col(InsatsServices::ServiceId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InsatsGoals::Table)
                    .col(integer(InsatsGoals::InsatsId))
                    .col(integer(InsatsGoals::GoalId))
                    .primary_key(
                        Index::create()
                            .col(InsatsGoals::InsatsId)
                            .col(InsatsGoals::GoalId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InsatsGoals::Table, InsatsGoals::InsatsId)
                            .to(Insatser::Table, Insatser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InsatsGoals::Table, InsatsGoals::GoalId)
                            .to(Goals::Table, Goals::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NyttokalkylVersions::Table)
                    .col(pk_auto(NyttokalkylVersions::Id))
                    .col(integer(NyttokalkylVersions::InsatsId))
                    .col(integer(NyttokalkylVersions::Version))
                    .col(integer(NyttokalkylVersions::CalculationYears))
                    .col(double(NyttokalkylVersions::DiscountRate))
                    .col(double(NyttokalkylVersions::InvestmentSek))
                    .col(double(NyttokalkylVersions::AnnualRunningCostSek))
                    .col(text(NyttokalkylVersions::Benefits))
                    .col(timestamp_with_time_zone(NyttokalkylVersions::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        NyttokalkylVersions::DecidedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NyttokalkylVersions::Table, NyttokalkylVersions::InsatsId)
                            .to(Insatser::Table, Insatser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .table(NyttokalkylVersions::Table)
                    .name("idx_nyttokalkyl_versions_insats_version")
                    .col(NyttokalkylVersions::InsatsId)
                    .col(NyttokalkylVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NyttokalkylVersions::Table.into_iden(),
            InsatsGoals::Table.into_iden(),
            InsatsServices::Table.into_iden(),
            Insatser::Table.into_iden(),
            Goals::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
