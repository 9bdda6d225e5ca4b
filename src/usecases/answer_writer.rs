//! Group commit for answers: one writer task stores every submission that queued while
//! the previous batch was written, in one transaction. One row per transaction would cap
//! SQLite at a few thousand answers a second; batches keep the answer page fast under load.
//! Also the cache of questionnaire versions, which never change once a round uses them.

use std::{collections::HashMap, sync::Arc};

use sea_orm::DatabaseConnection;
use tokio::sync::RwLock;

use super::{Clock, batcher::Batcher};
use crate::{
    domain::{Error, questionnaire::Questionnaire},
    store::{
        self,
        invitations::{Submission, SubmissionOutcome},
    },
};

/// Submissions stored in one transaction, at most.
const MAX_BATCH: usize = 512;

/// Group commit for answers: one task stores every submission that queued while the
/// previous batch was written, in one transaction.
#[derive(Clone)]
pub struct AnswerWriter(Batcher<Submission, SubmissionOutcome>);

impl AnswerWriter {
    pub fn start(db: DatabaseConnection, clock: Clock) -> Self {
        Self(Batcher::start("storing answers", MAX_BATCH, move |batch| {
            let (db, now) = (db.clone(), clock.now());
            async move { store::invitations::record_answers(&db, &batch, now).await }
        }))
    }

    pub async fn submit(&self, submission: Submission) -> Result<SubmissionOutcome, Error> {
        self.0.call(submission).await
    }
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
