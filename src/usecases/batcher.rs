//! Batching for the answer page's hot path: one task takes every request that queued
//! while it handled the previous batch and handles them together. With sqlx's SQLite
//! driver each query is two thread hand-offs and each transaction a commit, so one
//! query (or transaction) per batch instead of per request keeps the page fast under
//! load. Used to store answers (group commit) and to look up personal links.

use tokio::sync::{mpsc, oneshot};

use crate::domain::Error;

/// A failed batch fails every request in it; the cause is logged once, by the task.
type Reply<Out> = oneshot::Sender<Result<Out, ()>>;

pub struct Batcher<In, Out> {
    queue: mpsc::Sender<(In, Reply<Out>)>,
    /// What a batch does, for messages: "storing answers", "looking up links".
    what: &'static str,
}

impl<In, Out> Clone for Batcher<In, Out> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            what: self.what,
        }
    }
}

impl<In: Send + 'static, Out: Send + 'static> Batcher<In, Out> {
    /// Starts the task. `handle` gets up to `max_batch` requests and returns one result
    /// per request, in the same order.
    pub fn start<F, Fut>(what: &'static str, max_batch: usize, mut handle: F) -> Self
    where
        F: FnMut(Vec<In>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<Out>, Error>> + Send,
    {
        let (queue, mut incoming) = mpsc::channel::<(In, Reply<Out>)>(4 * max_batch);
        tokio::spawn(async move {
            while let Some(first) = incoming.recv().await {
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match incoming.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (requests, replies): (Vec<In>, Vec<_>) = batch.into_iter().unzip();
                match handle(requests).await {
                    Ok(results) => {
                        for (reply, result) in replies.into_iter().zip(results) {
                            let _ = reply.send(Ok(result));
                        }
                    }
                    Err(error) => {
                        tracing::error!(error = %error.chain(), "{what} failed for a batch");
                        for reply in replies {
                            let _ = reply.send(Err(()));
                        }
                    }
                }
            }
        });
        Self { queue, what }
    }

    /// Queues `request` for the next batch and waits for its result.
    pub async fn call(&self, request: In) -> Result<Out, Error> {
        let what = self.what;
        let (reply, result) = oneshot::channel();
        self.queue
            .send((request, reply))
            .await
            .map_err(|_| Error::bug(format!("{what}: the task has stopped")))?;
        result
            .await
            .map_err(|_| Error::bug(format!("{what}: the task dropped a request")))?
            .map_err(|()| Error::bug(format!("{what} failed for the batch this request was in")))
    }
}
