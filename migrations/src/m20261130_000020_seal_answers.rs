//! Answers sealed until their round closes. `sealed_answers` holds an open round's
//! answers as ciphertext (the round and the bytes, nothing else); closing the round
//! releases them into `responses` in one shuffled batch. A response's kind may now be
//! unknown (coarsened for anonymity), rounds record how many answers they released,
//! and reminders that are no longer needed are deleted rather than kept as "skipped".

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SealedAnswers {
    Table,
    Id,
    RoundId,
    Sealed,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    Status,
    Answered,
    ReleasedAnswers,
}

#[derive(DeriveIden, Clone, Copy)]
enum Responses {
    Table,
    Id,
    RoundId,
    ServiceId,
    Department,
    Kind,
    Answers,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Status,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing on SQLite too, on one connection: the table rebuild below must
    /// not be seen half done, nor run on a pooled connection that still sees the old
    /// table.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SealedAnswers::Table)
                    .col(big_integer(SealedAnswers::Id).primary_key())
                    .col(integer(SealedAnswers::RoundId))
                    .col(blob(SealedAnswers::Sealed))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SealedAnswers::Table, SealedAnswers::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .table(SealedAnswers::Table)
                    .name("idx_sealed_answers_round")
                    .col(SealedAnswers::RoundId)
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .add_column(integer_null(Rounds::ReleasedAnswers))
                    .to_owned(),
            )
            .await?;
        // Rounds closed before sealing released their answers as they came.
        manager
            .exec_stmt(
                Query::update()
                    .table(Rounds::Table)
                    .value(Rounds::ReleasedAnswers, Expr::col(Rounds::Answered))
                    .and_where(Expr::col(Rounds::Status).eq("closed"))
                    .to_owned(),
            )
            .await?;

        make_response_kind_nullable(manager).await?;

        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Outbox::Table)
                    .and_where(Expr::col(Outbox::Status).eq("skipped"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SealedAnswers::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .drop_column(Rounds::ReleasedAnswers)
                    .to_owned(),
            )
            .await
    }
}

/// PostgreSQL drops the constraint in place; SQLite cannot alter a column, so the
/// table is rebuilt with the same columns and copied over.
async fn make_response_kind_nullable(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return manager
            .alter_table(
                Table::alter()
                    .table(Responses::Table)
                    .modify_column(string_null(Responses::Kind))
                    .to_owned(),
            )
            .await;
    }
    let rebuilt = Alias::new("responses_rebuilt");
    manager
        .create_table(
            Table::create()
                .table(rebuilt.clone())
                .col(big_integer(Responses::Id).primary_key())
                .col(integer(Responses::RoundId))
                .col(integer(Responses::ServiceId))
                .col(string_null(Responses::Department))
                .col(string_null(Responses::Kind))
                .col(text(Responses::Answers))
                .foreign_key(
                    ForeignKey::create()
                        .from(rebuilt.clone(), Responses::RoundId)
                        .to(Rounds::Table, Rounds::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
    let columns = [
        Responses::Id,
        Responses::RoundId,
        Responses::ServiceId,
        Responses::Department,
        Responses::Kind,
        Responses::Answers,
    ];
    manager
        .exec_stmt(
            Query::insert()
                .into_table(rebuilt.clone())
                .columns(columns)
                .select_from(
                    Query::select()
                        .columns(columns)
                        .from(Responses::Table)
                        .to_owned(),
                )
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned(),
        )
        .await?;
    manager
        .drop_table(Table::drop().table(Responses::Table).to_owned())
        .await?;
    manager
        .rename_table(Table::rename().table(rebuilt, Responses::Table).to_owned())
        .await?;
    manager
        .create_index(
            Index::create()
                .table(Responses::Table)
                .name("idx_responses_round")
                .col(Responses::RoundId)
                .to_owned(),
        )
        .await
}
