//! The service catalogue and the people in it: departments (förvaltningar), owners
//! (objektägare), IT services, respondents and the services they use, accounts with API
//! tokens, and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum Owners {
    Table,
    Id,
    Name,
    Email,
    DepartmentId,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    Name,
    Slug,
    Description,
    OwnerId,
    DepartmentId,
    UsersCount,
    AnnualCostSek,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Respondents {
    Table,
    Id,
    Email,
    Name,
    Department,
    Kind,
    Language,
    OptedOutAll,
    LastInvitedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RespondentServices {
    Table,
    RespondentId,
    ServiceId,
    OptedOut,
    LastInvitedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Role,
    OwnerId,
    Email,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    AccountId,
    Selector,
    SecretHash,
    Label,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    Action,
    Entity,
    EntityId,
    Summary,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Departments::Table)
                    .col(pk_auto(Departments::Id))
                    .col(string_uniq(Departments::Name))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Owners::Table)
                    .col(pk_auto(Owners::Id))
                    .col(string(Owners::Name))
                    .col(string_uniq(Owners::Email))
                    .col(integer_null(Owners::DepartmentId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Owners::Table, Owners::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(pk_auto(Services::Id))
                    .col(string(Services::Name))
                    .col(string_uniq(Services::Slug))
                    .col(text(Services::Description).default(""))
                    .col(integer_null(Services::OwnerId))
                    .col(integer_null(Services::DepartmentId))
                    .col(integer(Services::UsersCount).default(0))
                    .col(big_integer(Services::AnnualCostSek).default(0))
                    .col(boolean(Services::Active).default(true))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Services::Table, Services::OwnerId)
                            .to(Owners::Table, Owners::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Services::Table, Services::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [Services::OwnerId, Services::DepartmentId] {
            manager
                .create_index(
                    Index::create()
                        .table(Services::Table)
                        .name(format!("idx_services_{}", column.to_string()))
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Respondents::Table)
                    .col(pk_auto(Respondents::Id))
                    .col(string_uniq(Respondents::Email))
                    .col(string(Respondents::Name))
                    .col(string_null(Respondents::Department))
                    .col(string(Respondents::Kind))
                    .col(string(Respondents::Language))
                    .col(boolean(Respondents::OptedOutAll).default(false))
                    .col(timestamp_with_time_zone_null(Respondents::LastInvitedAt))
                    .col(timestamp_with_time_zone(Respondents::CreatedAt))
                    .col(timestamp_with_time_zone(Respondents::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RespondentServices::Table)
                    .col(integer(RespondentServices::RespondentId))
                    .col(integer(RespondentServices::ServiceId))
                    .col(boolean(RespondentServices::OptedOut).default(false))
                    .col(timestamp_with_time_zone_null(
                        RespondentServices::LastInvitedAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(RespondentServices::RespondentId)
                            .col(RespondentServices::ServiceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RespondentServices::Table, RespondentServices::RespondentId)
                            .to(Respondents::Table, Respondents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RespondentServices::Table, RespondentServices::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .table(RespondentServices::Table)
                    .name("idx_respondent_services_service")
                    .col(RespondentServices::ServiceId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(pk_auto(Accounts::Id))
                    .col(string(Accounts::Role))
                    .col(integer_null(Accounts::OwnerId))
                    .col(string_null(Accounts::Email))
                    .col(string(Accounts::Name))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Accounts::Table, Accounts::OwnerId)
                            .to(Owners::Table, Owners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::AccountId))
                    .col(string_uniq(ApiTokens::Selector))
                    .col(string(ApiTokens::SecretHash))
                    .col(string(ApiTokens::Label))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string(AuditLog::Actor))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::Entity))
                    .col(string_null(AuditLog::EntityId))
                    .col(text(AuditLog::Summary))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .table(AuditLog::Table)
                    .name("idx_audit_log_entity_at")
                    .col(AuditLog::Entity)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .table(AuditLog::Table)
                    .name("idx_audit_log_at")
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Accounts::Table.into_iden(),
            RespondentServices::Table.into_iden(),
            Respondents::Table.into_iden(),
            Services::Table.into_iden(),
            Owners::Table.into_iden(),
            Departments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
