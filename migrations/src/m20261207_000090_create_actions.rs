//! Åtgärder ("ni sa – vi gör", SPEC "Closing the loop"): what an objektägare does about a
//! service after a release, optionally tied to a round and one item of its
//! questionnaire. Respondents see the published ones, so they are read by service.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Actions {
    Table,
    Id,
    ServiceId,
    RoundId,
    ItemKey,
    Title,
    PublicText,
    Status,
    DueOn,
    DoneOn,
    Published,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Actions::Table)
                    .col(pk_auto(Actions::Id))
                    .col(integer(Actions::ServiceId))
                    .col(integer_null(Actions::RoundId))
                    .col(string_null(Actions::ItemKey))
                    .col(string(Actions::Title))
                    .col(text(Actions::PublicText).default(""))
                    .col(string(Actions::Status))
                    .col(date_null(Actions::DueOn))
                    .col(date_null(Actions::DoneOn))
                    .col(boolean(Actions::Published).default(false))
                    .col(timestamp_with_time_zone(Actions::CreatedAt))
                    .col(timestamp_with_time_zone(Actions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Actions::Table, Actions::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Actions::Table, Actions::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // Every reader (the service page, the thank-you page, the invitations) asks by
        // service.
        manager
            .create_index(
                Index::create()
                    .table(Actions::Table)
                    .name("idx_actions_service_id")
                    .col(Actions::ServiceId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Actions::Table).to_owned())
            .await
    }
}
