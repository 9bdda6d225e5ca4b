//! One function per operation — open a programme's rounds, submit an answer, opt out,
//! import, dispatch, remind, close, purge, GDPR export and erasure, and the catalogue's
//! reads and writes. Each checks the caller's role, loads through `store`, decides
//! through `domain`/`stats` and writes through `store` in one transaction. The API, the
//! answer pages, the jobs and the CLI call these and nothing lower.

pub mod actions;
pub mod answer_keys;
mod answer_writer;
pub mod answers;
pub mod audit;
mod batcher;
pub mod catalogue;
pub mod charts;
mod clock;
pub mod dashboard;
pub mod demo;
pub mod dispatch;
pub mod insatser;
pub mod leases;
mod link_lookup;
pub mod open_links;
pub mod operations;
pub mod programmes;
pub mod reminders;
pub mod reports;
pub mod respondents;
pub mod results;
pub mod retention;
pub mod rounds;
pub mod sign_in;
pub mod tokens;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

pub use answer_writer::{AnswerWriter, QuestionnaireCache};
pub use clock::Clock;
pub use link_lookup::LinkLookup;

use crate::{
    config::Settings,
    domain::{Error, sealing::AnswerKeys, survey::Links},
    mail::Mailer,
    metrics::Metrics,
    store,
};

/// Everything an operation needs, handed to poem with `.data()` and to the jobs; no
/// global state, so every test builds its own. Put together once, by `app::connect`.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub mailer: Mailer,
    /// Names this process in job leases.
    pub instance_id: String,
    /// Signalled when a programme is created or changed, so its timer follows.
    pub programmes_changed: Arc<tokio::sync::Notify>,
    /// Signalled when a round has closed, so the scheduler renders the charts again.
    pub rounds_closed: Arc<tokio::sync::Notify>,
    /// Stores answers in batches (group commit).
    pub answers: AnswerWriter,
    /// Looks up personal links in batches (one query per batch).
    pub links_lookup: LinkLookup,
    /// Questionnaire versions never change once used, so they are cached.
    pub questionnaires: QuestionnaireCache,
    /// Seal answers until their round closes, and open them when it does.
    pub answer_keys: Arc<AnswerKeys>,
    /// Closed rounds' figures and services' built results, kept in memory while they
    /// are current.
    pub figures: Arc<results::ResultsMemory>,
    /// How often dashboard sign-in links may be asked for.
    pub sign_in_limits: Arc<sign_in::SignInLimits>,
    /// How many answers a client may send through open links a minute.
    pub open_link_limit: Arc<open_links::OpenLinkLimit>,
}

impl AppState {
    /// Builds the personal links of emails from `server.public_url`.
    pub fn links(&self) -> Links {
        Links::new(&self.settings.server.public_url)
    }
}

/// Counts of what an operation did, in numbers a person can check.
pub type Counts = std::collections::BTreeMap<&'static str, u64>;

/// Empties SQLite's write-ahead log after rows with personal data or answers were
/// deleted. Readers holding it up is not an error: SQLite's automatic checkpoints finish
/// the job, so it is only logged.
pub(crate) async fn empty_log(db: &DatabaseConnection) -> Result<(), Error> {
    if store::checkpoint(db).await? == store::Checkpoint::HeldUp {
        tracing::debug!("WAL checkpoint held up by readers; SQLite finishes it later");
    }
    Ok(())
}

/// Runs `work` inside one write transaction: committed if it succeeds, rolled back if not.
/// The only place a transaction begins: store functions run in the caller's. On SQLite it
/// takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that reads
/// first and writes later fails with SQLITE_BUSY when another writer committed in
/// between, whatever the busy timeout.
pub(crate) async fn in_transaction<T>(
    db: &DatabaseConnection,
    work: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> Result<T, Error>,
) -> Result<T, Error> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let value = work(&txn).await?;
    txn.commit().await?;
    Ok(value)
}
