//! Group commit for answers: one writer task stores every submission that queued while
//! the previous batch was written, in one transaction. One row per transaction would cap
//! SQLite at a few thousand answers a second; batches keep the answer page fast under load.
//! Also the cache of questionnaire versions, which never change once a round uses them.

use std::{collections::HashMap, sync::Arc};

use sea_orm::DatabaseConnection;
use tokio::sync::{RwLock, mpsc, oneshot};

use super::Clock;
use crate::{
    domain::{Error, questionnaire::Questionnaire},
    store::{
        self,
        invitations::{Submission, SubmissionOutcome},
    },
};

/// Submissions waiting for the next batch; a batch is whatever has queued while the
/// previous one was being written, up to this many.
const MAX_BATCH: usize = 512;

/// A failed batch fails every submission in it; the cause is logged once by the writer.
type Reply = oneshot::Sender<Result<SubmissionOutcome, ()>>;

/// Group commit for answers: one writer task stores many submissions per transaction.
#[derive(Clone)]
pub struct AnswerWriter {
    queue: mpsc::Sender<(Submission, Reply)>,
}

impl AnswerWriter {
    pub fn start(db: DatabaseConnection, clock: Clock) -> Self {
        let (queue, mut incoming) = mpsc::channel::<(Submission, Reply)>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = incoming.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match incoming.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (submissions, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                match store::invitations::record_answers(&db, &submissions, clock.now()).await {
                    Ok(outcomes) => {
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(outcome));
                        }
                    }
                    Err(error) => {
                        tracing::error!(error = %error.chain(), "storing a batch of answers failed");
                        for reply in replies {
                            let _ = reply.send(Err(()));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    pub async fn submit(&self, submission: Submission) -> Result<SubmissionOutcome, Error> {
        let (reply, outcome) = oneshot::channel();
        self.queue
            .send((submission, reply))
            .await
            .map_err(|_| Error::bug("the answer writer has stopped"))?;
        outcome
            .await
            .map_err(|_| Error::bug("the answer writer dropped a submission"))?
            .map_err(|()| Error::bug("the batch this answer was in could not be stored"))
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
