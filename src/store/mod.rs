//! Persistence: sea-orm entities and the queries the domain needs, one module per
//! aggregate. Functions take `&impl ConnectionTrait`, so they run in whatever unit of
//! work the use case holds, and return domain types or plain rows. They read and write
//! only: no decision, no audit entry, no call into another module here.

pub mod accounts;
pub mod actions;
pub mod audit;
pub mod catalogue;
pub mod entity;
pub mod insatser;
pub mod invitations;
pub mod leases;
pub mod open_links;
pub mod outbox;
pub mod programmes;
pub mod questionnaires;
pub mod reports;
pub mod respondents;
pub mod results;
pub mod rounds;
pub mod sign_in;

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database,
    DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel, JoinType, PaginatorTrait,
    PrimaryKeyTrait, QueryFilter, QuerySelect, RuntimeErr, SqlErr,
};

use crate::{
    config::DatabaseSettings,
    domain::{Error, Page, PageRequest},
};

/// Opens the pool. SQLite gets WAL, `synchronous=NORMAL`, foreign keys and a busy
/// timeout on every pooled connection (a one-off PRAGMA would reach only one of them),
/// and its folder is created if missing.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.url.expose();
    if let Some(path) = sqlite_path(url) {
        create_private_file(std::path::Path::new(path))
            .map_err(|e| DbErr::Custom(format!("cannot create {path}: {e}")))?;
    }
    let busy_timeout = Duration::from_secs(settings.busy_timeout_secs);
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(busy_timeout)
                // Deleted rows are overwritten with zeros, not left in free pages.
                .pragma("secure_delete", "ON")
                .create_if_missing(true)
        });
    Database::connect(options).await
}

/// Creates the database file readable by its owner only (SQLite gives its `-wal` and
/// `-shm` files the same mode), in a folder only the owner can enter if it is new.
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(folder)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => tighten_existing(path),
        other => other.map(drop),
    }
}

/// A database made before (by another tool, an older version, a copy with the umask's
/// 0644) may be readable by every local user, and SQLite gives its `-wal` and `-shm`
/// the mode of the database file: say so and make all three the owner's alone.
fn tighten_existing(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        let mode = match std::fs::metadata(&file) {
            Ok(metadata) => metadata.permissions().mode() & 0o777,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %file.display(),
                "the database file had mode {mode:04o} (readable by others); made it 0600"
            );
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Readiness: the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// What a checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    /// The log is folded in and emptied (or there is none: PostgreSQL).
    Done,
    /// Readers held it up; SQLite's own automatic checkpoints finish it later.
    HeldUp,
}

/// Folds SQLite's write-ahead log into the database file and empties it, so rows just
/// deleted (their bytes zeroed by `secure_delete`) do not stay readable in the log.
/// Nothing to do on PostgreSQL.
pub async fn checkpoint(db: &impl ConnectionTrait) -> Result<Checkpoint, Error> {
    if is_postgres(db) {
        return Ok(Checkpoint::Done);
    }
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ))
        .await?
        .ok_or_else(|| Error::bug("PRAGMA wal_checkpoint returned no row"))?;
    let busy: i32 = row.try_get_by_index(0)?;
    Ok(if busy == 0 {
        Checkpoint::Done
    } else {
        Checkpoint::HeldUp
    })
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// Maps a database error: constraint violations become conflicts a user can act on,
/// everything else is internal (logged by the front end, not shown).
pub(crate) fn db_error(error: DbErr) -> Error {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            Error::Conflict("a record with the same unique value already exists".into())
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => foreign_key_conflict(),
        _ if is_sqlite_restrict_violation(&error) => foreign_key_conflict(),
        _ => Error::internal(error),
    }
}

fn foreign_key_conflict() -> Error {
    Error::Conflict(
        "the record is referenced by or refers to a record that does not allow this".into(),
    )
}

/// SQLite reports an `ON DELETE RESTRICT` foreign key with the extended code 1811
/// (SQLITE_CONSTRAINT_TRIGGER), which sea-orm's `sql_err` does not recognise (it knows
/// 787, the code of a deferred or NO ACTION key).
fn is_sqlite_restrict_violation(error: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx_error))
    | DbErr::Query(RuntimeErr::SqlxError(sqlx_error))) = error
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(database_error) = sqlx_error.as_ref() else {
        return false;
    };
    database_error.code().as_deref() == Some("1811")
        && database_error.message().contains("FOREIGN KEY")
}

/// So that store queries end in `?`.
impl From<DbErr> for Error {
    fn from(error: DbErr) -> Self {
        db_error(error)
    }
}

/// Open and idle connections of the pool, for the metrics.
pub fn pool_usage(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}

/// Whether `nyttopuls demo` made this database (so it may add to it or start it over).
pub async fn is_demo(db: &impl ConnectionTrait) -> Result<bool, Error> {
    Ok(entity::generation::Entity::find_by_id(DEMO)
        .one(db)
        .await?
        .is_some())
}

/// Marks this database as the demo's.
pub async fn mark_demo(db: &impl ConnectionTrait) -> Result<(), Error> {
    entity::generation::Entity::insert(entity::generation::ActiveModel {
        name: sea_orm::ActiveValue::Set(DEMO.into()),
        value: sea_orm::ActiveValue::Set(1),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(entity::generation::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

const DEMO: &str = "demo";

/// Whether the database holds anything someone made: a service, a person or an
/// account (a fresh database holds only what the migrations put there).
pub async fn holds_data(db: &impl ConnectionTrait) -> Result<bool, Error> {
    let services = entity::service::Entity::find().count(db).await?;
    let people = entity::respondent::Entity::find().count(db).await?;
    let accounts = entity::account::Entity::find().count(db).await?;
    Ok(services + people + accounts > 0)
}

/// One page of `query` (already filtered and ordered), with the total across pages.
pub(crate) async fn fetch_page<E, T>(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
    page: PageRequest,
) -> Result<Page<T>, Error>
where
    E: EntityTrait,
    E::Model: Sync,
    T: From<E::Model>,
{
    let total = query.clone().count(db).await?;
    let rows = query
        .offset((page.page - 1) * page.per_page)
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// What a link table holds for `row_id`, taken from its rows grouped by the row they
/// belong to: a row that no link row names has no links (an empty list or set), which is
/// what the table says, not a value left out.
pub(crate) fn take_links<C: Default>(
    grouped: &mut std::collections::HashMap<i32, C>,
    row_id: i32,
) -> C {
    grouped.remove(&row_id).unwrap_or_default()
}

/// Every row of `query` (already filtered and ordered).
pub(crate) async fn fetch_all<E, T>(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
) -> Result<Vec<T>, Error>
where
    E: EntityTrait,
    T: From<E::Model>,
{
    Ok(query
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The row with primary key `id`, or a not-found error naming `entity`.
pub(crate) async fn fetch_by_id<E, T>(
    db: &impl ConnectionTrait,
    entity: &'static str,
    id: i32,
) -> Result<T, Error>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i32>,
    T: From<E::Model>,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .map(Into::into)
        .ok_or_else(|| Error::not_found(entity, id))
}

/// Deletes the row with primary key `id`, or a not-found error naming `entity`.
pub(crate) async fn delete_by_id<E>(
    db: &impl ConnectionTrait,
    entity: &'static str,
    id: i32,
) -> Result<(), Error>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i32>,
{
    let deleted = E::delete_by_id(id).exec(db).await.map_err(db_error)?;
    if deleted.rows_affected == 0 {
        return Err(Error::not_found(entity, id));
    }
    Ok(())
}

/// Writes the fields `model` sets to the row whose `id_column` is `id`, or a not-found
/// error naming `entity`.
pub(crate) async fn update_by_id<A, C>(
    db: &impl ConnectionTrait,
    entity: &'static str,
    id_column: C,
    id: i32,
    model: A,
) -> Result<(), Error>
where
    A: ActiveModelTrait,
    C: ColumnTrait,
{
    let updated = A::Entity::update_many()
        .set(model)
        .filter(id_column.eq(id))
        .exec(db)
        .await
        .map_err(db_error)?;
    if updated.rows_affected == 0 {
        return Err(Error::not_found(entity, id));
    }
    Ok(())
}

/// Refuses a value of a unique column that a row other than `except` already has, with
/// a conflict that says which (`what`, e.g. "a service with slug `x`").
pub(crate) async fn ensure_unique<E, C>(
    db: &impl ConnectionTrait,
    column: C,
    value: &str,
    id_column: C,
    except: Option<i32>,
    what: impl FnOnce() -> String,
) -> Result<(), Error>
where
    E: EntityTrait<Column = C>,
    E::Model: Sync,
    C: ColumnTrait,
{
    let mut others = E::find().filter(column.eq(value));
    if let Some(id) = except {
        others = others.filter(id_column.ne(id));
    }
    let taken = others.count(db).await?;
    if taken > 0 {
        return Err(Error::Conflict(format!("{} already exists", what())));
    }
    Ok(())
}

/// Inserts `model` as a new row, or (`update`) writes it over the row its id names;
/// returns the row as it is now.
pub(crate) async fn insert_or_update<A, T>(
    db: &impl ConnectionTrait,
    model: A,
    update: bool,
) -> Result<T, Error>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    T: From<<A::Entity as EntityTrait>::Model>,
{
    let row = if update {
        model.update(db).await
    } else {
        model.insert(db).await
    };
    Ok(row?.into())
}

/// Inner joins on `from` = `to`, the two tables named by their columns (the entities
/// declare no relations, so a query says what it joins on where it joins).
pub(crate) trait InnerJoinOn: QuerySelect {
    fn inner_join_on<F, T>(self, from: F, to: T) -> Self
    where
        F: ColumnTrait,
        T: ColumnTrait,
        F::EntityName: EntityTrait<Column = F>,
        T::EntityName: EntityTrait<Column = T>,
    {
        let on = F::EntityName::belongs_to(T::EntityName::default())
            .from(from)
            .to(to);
        self.join(JoinType::InnerJoin, on.into())
    }
}

impl<Q: QuerySelect> InnerJoinOn for Q {}
