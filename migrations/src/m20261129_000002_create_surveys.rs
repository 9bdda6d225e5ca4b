//! The survey loop: questionnaires (immutable versions), programmes, rounds, invitations
//! with their hashed tokens, anonymous responses, the email outbox and the job ledger
//! that keeps scheduled jobs single-run across instances.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Questionnaires {
    Table,
    Id,
    Name,
    Version,
    PreviousVersionId,
    TemplateKey,
    Items,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
    Name,
    QuestionnaireId,
    AllServices,
    Schedule,
    Period,
    OpenDays,
    ReminderDays,
    Sampling,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProgrammeServices {
    Table,
    ProgrammeId,
    ServiceId,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    ProgrammeId,
    ServiceId,
    QuestionnaireId,
    Period,
    OpensAt,
    ClosesAt,
    Status,
    Invited,
    Answered,
    RemindersDone,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    RoundId,
    RespondentId,
    Status,
}

#[derive(DeriveIden)]
enum InvitationTokens {
    Table,
    TokenHash,
    InvitationId,
}

#[derive(DeriveIden)]
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
    Id,
    Recipient,
    Kind,
    Payload,
    IdempotencyKey,
    InvitationId,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Job,
    Holder,
    LeasedUntil,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Respondents {
    Table,
    Id,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    name: &str,
    columns: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.table(table).name(name);
    for column in columns {
        statement.col(column);
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Questionnaires::Table)
                    .col(pk_auto(Questionnaires::Id))
                    .col(string(Questionnaires::Name))
                    .col(integer(Questionnaires::Version).default(1))
                    .col(integer_null(Questionnaires::PreviousVersionId))
                    .col(string_null(Questionnaires::TemplateKey))
                    .col(text(Questionnaires::Items))
                    .col(timestamp_with_time_zone(Questionnaires::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Programmes::Table)
                    .col(pk_auto(Programmes::Id))
                    .col(string(Programmes::Name))
                    .col(integer(Programmes::QuestionnaireId))
                    .col(boolean(Programmes::AllServices).default(true))
                    .col(string(Programmes::Schedule))
                    .col(string(Programmes::Period))
                    .col(integer(Programmes::OpenDays))
                    .col(text(Programmes::ReminderDays))
                    .col(text(Programmes::Sampling))
                    .col(boolean(Programmes::Active).default(true))
                    .col(timestamp_with_time_zone(Programmes::CreatedAt))
                    .col(timestamp_with_time_zone(Programmes::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Programmes::Table, Programmes::QuestionnaireId),
                        (Questionnaires::Table, Questionnaires::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProgrammeServices::Table)
                    .col(integer(ProgrammeServices::ProgrammeId))
                    .col(integer(ProgrammeServices::ServiceId))
                    .primary_key(
                        Index::create()
                            .col(ProgrammeServices::ProgrammeId)
                            .col(ProgrammeServices::ServiceId),
                    )
                    .foreign_key(&mut fk(
                        (ProgrammeServices::Table, ProgrammeServices::ProgrammeId),
                        (Programmes::Table, Programmes::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (ProgrammeServices::Table, ProgrammeServices::ServiceId),
                        (Services::Table, Services::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .col(pk_auto(Rounds::Id))
                    .col(integer(Rounds::ProgrammeId))
                    .col(integer(Rounds::ServiceId))
                    .col(integer(Rounds::QuestionnaireId))
                    .col(string(Rounds::Period))
                    .col(timestamp_with_time_zone(Rounds::OpensAt))
                    .col(timestamp_with_time_zone(Rounds::ClosesAt))
                    .col(string(Rounds::Status))
                    .col(integer(Rounds::Invited).default(0))
                    .col(integer(Rounds::Answered).default(0))
                    .col(integer(Rounds::RemindersDone).default(0))
                    .foreign_key(&mut fk(
                        (Rounds::Table, Rounds::ProgrammeId),
                        (Programmes::Table, Programmes::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        (Rounds::Table, Rounds::ServiceId),
                        (Services::Table, Services::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        (Rounds::Table, Rounds::QuestionnaireId),
                        (Questionnaires::Table, Questionnaires::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Rounds::Table,
            "uq_rounds_programme_service_period",
            vec![
                Rounds::ProgrammeId.into_iden(),
                Rounds::ServiceId.into_iden(),
                Rounds::Period.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            Rounds::Table,
            "idx_rounds_status_closes_at",
            vec![Rounds::Status.into_iden(), Rounds::ClosesAt.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            Rounds::Table,
            "idx_rounds_service",
            vec![Rounds::ServiceId.into_iden()],
            false,
        )
        .await?;

        // No timestamps on purpose: an invitation records *that* it was answered, never
        // when, so an answer cannot be matched to a person by time.
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(big_pk_auto(Invitations::Id))
                    .col(integer(Invitations::RoundId))
                    .col(integer(Invitations::RespondentId))
                    .col(string(Invitations::Status))
                    .foreign_key(&mut fk(
                        (Invitations::Table, Invitations::RoundId),
                        (Rounds::Table, Rounds::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (Invitations::Table, Invitations::RespondentId),
                        (Respondents::Table, Respondents::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Invitations::Table,
            "uq_invitations_round_respondent",
            vec![
                Invitations::RoundId.into_iden(),
                Invitations::RespondentId.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            Invitations::Table,
            "idx_invitations_respondent",
            vec![Invitations::RespondentId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InvitationTokens::Table)
                    .col(string(InvitationTokens::TokenHash).primary_key())
                    .col(big_integer(InvitationTokens::InvitationId))
                    .foreign_key(&mut fk(
                        (InvitationTokens::Table, InvitationTokens::InvitationId),
                        (Invitations::Table, Invitations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            InvitationTokens::Table,
            "idx_invitation_tokens_invitation",
            vec![InvitationTokens::InvitationId.into_iden()],
            false,
        )
        .await?;

        // Anonymous by design: no reference to an invitation or a person, no time, and a
        // random (not sequential) id.
        manager
            .create_table(
                Table::create()
                    .table(Responses::Table)
                    .col(big_integer(Responses::Id).primary_key())
                    .col(integer(Responses::RoundId))
                    .col(integer(Responses::ServiceId))
                    .col(string_null(Responses::Department))
                    .col(string(Responses::Kind))
                    .col(text(Responses::Answers))
                    .foreign_key(&mut fk(
                        (Responses::Table, Responses::RoundId),
                        (Rounds::Table, Rounds::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Responses::Table,
            "idx_responses_round",
            vec![Responses::RoundId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            Responses::Table,
            "idx_responses_service",
            vec![Responses::ServiceId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string(Outbox::Recipient))
                    .col(string(Outbox::Kind))
                    .col(text_null(Outbox::Payload))
                    .col(string_uniq(Outbox::IdempotencyKey))
                    .col(big_integer_null(Outbox::InvitationId))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::LeaseUntil))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .foreign_key(&mut fk(
                        (Outbox::Table, Outbox::InvitationId),
                        (Invitations::Table, Invitations::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Outbox::Table,
            "idx_outbox_status_next_attempt",
            vec![
                Outbox::Status.into_iden(),
                Outbox::NextAttemptAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .col(string(JobLeases::Job).primary_key())
                    .col(string(JobLeases::Holder))
                    .col(timestamp_with_time_zone(JobLeases::LeasedUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobLeases::Table.into_iden(),
            Outbox::Table.into_iden(),
            Responses::Table.into_iden(),
            InvitationTokens::Table.into_iden(),
            Invitations::Table.into_iden(),
            Rounds::Table.into_iden(),
            ProgrammeServices::Table.into_iden(),
            Programmes::Table.into_iden(),
            Questionnaires::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
