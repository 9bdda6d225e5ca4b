//! Personal links looked up in batches: one query for every link asked for while the
//! previous lookup ran (see [`super::batcher`]).

use sea_orm::DatabaseConnection;

use super::batcher::Batcher;
use crate::{
    domain::Error,
    store::{self, invitations::InvitationLink},
};

/// Links looked up together, at most; also bounds the query's parameter count.
const MAX_BATCH: usize = 256;

#[derive(Clone)]
pub struct LinkLookup(Batcher<String, Option<InvitationLink>>);

impl LinkLookup {
    pub fn start(db: DatabaseConnection) -> Self {
        Self(Batcher::start(
            "looking up links",
            MAX_BATCH,
            move |hashes: Vec<String>| {
                let db = db.clone();
                async move {
                    let found = store::invitations::by_token_hashes(&db, &hashes).await?;
                    // A hash asked for twice in one batch gets the same answer twice.
                    Ok(hashes.iter().map(|hash| found.get(hash).cloned()).collect())
                }
            },
        ))
    }

    /// The invitation behind the link with this token hash, if any.
    pub async fn find(&self, token_hash: String) -> Result<Option<InvitationLink>, Error> {
        self.0.call(token_hash).await
    }
}
