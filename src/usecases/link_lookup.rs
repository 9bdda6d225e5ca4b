//! Batched lookup of personal links: one task looks up every link that was asked for
//! while the previous lookup ran, in one query. Under load that turns one database round
//! trip per answer into one per batch — with sqlx's SQLite driver each query is two
//! thread hand-offs, which cost more than the query itself.

use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

use crate::{
    domain::Error,
    store::{self, invitations::InvitationContext},
};

/// Links looked up together, at most; also bounds the query's parameter count.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Option<InvitationContext>, ()>>;

#[derive(Clone)]
pub struct LinkLookup {
    queue: mpsc::Sender<(String, Reply)>,
}

impl LinkLookup {
    pub fn start(db: DatabaseConnection) -> Self {
        let (queue, mut incoming) = mpsc::channel::<(String, Reply)>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = incoming.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match incoming.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let hashes: Vec<String> = batch.iter().map(|(hash, _)| hash.clone()).collect();
                match store::invitations::by_token_hashes(&db, &hashes).await {
                    Ok(found) => {
                        // A hash asked for twice in one batch gets the same answer twice.
                        for (hash, reply) in batch {
                            let _ = reply.send(Ok(found.get(&hash).cloned()));
                        }
                    }
                    Err(error) => {
                        tracing::error!(error = %error.chain(), "looking up a batch of links failed");
                        for (_, reply) in batch {
                            let _ = reply.send(Err(()));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    /// The invitation behind the link with this token hash, if any.
    pub async fn find(&self, token_hash: String) -> Result<Option<InvitationContext>, Error> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((token_hash, reply))
            .await
            .map_err(|_| Error::bug("the link lookup has stopped"))?;
        answer
            .await
            .map_err(|_| Error::bug("the link lookup dropped a request"))?
            .map_err(|()| Error::bug("the batch this link was in could not be looked up"))
    }
}
