//! Group commit for answers: one writer task stores every submission that queued while
//! the previous batch was written, in one transaction. One row per transaction would cap
//! SQLite at a few thousand answers a second; batches keep the answer page fast under load.
//! Also the cache of questionnaire versions, which never change once a round uses them.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::RwLock;

use super::{Clock, batcher::Batcher};
use crate::{
    domain::{Error, questionnaire::Questionnaire},
    metrics::Metrics,
    store::{self, invitations::NewSealedAnswer},
};

/// Submissions stored in one transaction, at most.
const MAX_BATCH: usize = 512;

/// One checked answer waiting to be stored, sealed for its round.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The sealed row's id: random, so it says nothing about the order of answering.
    pub id: i64,
    /// The invitation it answers; `None` for an answer through the round's open link,
    /// which claims no invitation and is not counted among the invitations answered.
    pub invitation_id: Option<i64>,
    pub round_id: i32,
    pub sealed: Vec<u8>,
}

/// What became of one submission in its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Stored,
    /// The link was answered before (or earlier in the same batch).
    AlreadyAnswered,
    /// The round stopped taking answers since its link was looked up.
    RoundClosed,
}

/// Group commit for answers: one task stores every submission that queued while the
/// previous batch was written, in one transaction.
#[derive(Clone)]
pub struct AnswerWriter(Batcher<Submission, Written>);

impl AnswerWriter {
    /// Counts what it stored into `metrics`: one atomic add per batch.
    pub fn start(db: DatabaseConnection, clock: Clock, metrics: Arc<Metrics>) -> Self {
        Self(Batcher::start("storing answers", MAX_BATCH, move |batch| {
            let (db, now, metrics) = (db.clone(), clock.now(), metrics.clone());
            async move {
                let written = store_batch(&db, batch, now).await?;
                let stored = written.iter().filter(|w| **w == Written::Stored).count();
                metrics.count_answers_stored(stored as u64);
                Ok(written)
            }
        }))
    }

    pub async fn submit(&self, submission: Submission) -> Result<Written, Error> {
        self.0.call(submission).await
    }
}

/// Stores a batch of answers in one transaction. The round's window is read again here
/// (a round may have closed since the link was looked up, and its answers released),
/// and each invitation moves to `answered` only from a waiting state, so a second or
/// simultaneous submission of the same link stores nothing. Per batch: one read of the
/// rounds, one claim per thousand, one insert per two hundred, one count per round.
async fn store_batch(
    db: &DatabaseConnection,
    batch: Vec<Submission>,
    now: DateTime<Utc>,
) -> Result<Vec<Written>, Error> {
    super::in_transaction(db, async move |txn| {
        let round_ids: Vec<i32> = batch
            .iter()
            .map(|s| s.round_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let windows = store::invitations::answer_windows(txn, &round_ids).await?;
        let takes_answers = |round_id: i32| {
            windows
                .get(&round_id)
                .is_some_and(|window| window.accepts_answers(now))
        };
        let open_invitations: Vec<i64> = batch
            .iter()
            .filter(|s| takes_answers(s.round_id))
            .filter_map(|s| s.invitation_id)
            .collect();
        let mut claimed = store::invitations::claim_for_answers(txn, &open_invitations).await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut sealed = Vec::with_capacity(claimed.len());
        let mut answered_per_round: HashMap<i32, i32> = HashMap::new();
        for submission in batch {
            if !takes_answers(submission.round_id) {
                outcomes.push(Written::RoundClosed);
            } else if submission
                .invitation_id
                .is_some_and(|id| !claimed.remove(&id))
            {
                outcomes.push(Written::AlreadyAnswered);
            } else {
                outcomes.push(Written::Stored);
                if submission.invitation_id.is_some() {
                    *answered_per_round.entry(submission.round_id).or_default() += 1;
                }
                sealed.push(NewSealedAnswer {
                    id: submission.id,
                    round_id: submission.round_id,
                    sealed: submission.sealed,
                });
            }
        }
        store::invitations::insert_sealed_answers(txn, sealed).await?;
        for (round_id, count) in answered_per_round {
            store::invitations::count_answers(txn, round_id, count).await?;
        }
        Ok(outcomes)
    })
    .await
}

/// Questionnaire versions used by rounds are frozen, so caching them is safe.
#[derive(Clone, Default)]
pub struct QuestionnaireCache(Arc<RwLock<HashMap<i32, Arc<Questionnaire>>>>);

impl QuestionnaireCache {
    pub async fn get(&self, db: &DatabaseConnection, id: i32) -> Result<Arc<Questionnaire>, Error> {
        if let Some(found) = self.0.read().await.get(&id) {
            return Ok(found.clone());
        }
        let loaded = Arc::new(store::questionnaires::get(db, id).await?);
        self.0.write().await.insert(id, loaded.clone());
        Ok(loaded)
    }
}
