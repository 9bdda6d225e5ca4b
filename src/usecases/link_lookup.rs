//! Personal links looked up in batches: one query for every link asked for while the
//! previous lookup ran (see [`super::batcher`]).

use sea_orm::DatabaseConnection;

use super::batcher::Batcher;
use crate::{
    domain::{Error, Language, token::SecretToken},
    store::{self, invitations::InvitationLink},
};

/// An outcome on a personal link, with the language of the person it was sent to: their
/// pages use it unless `?lang=` asks for another.
pub struct OnLink<T> {
    pub language: Language,
    pub outcome: T,
}

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
    async fn find(&self, token_hash: String) -> Result<Option<InvitationLink>, Error> {
        self.0.call(token_hash).await
    }

    /// `then`'s outcome on the invitation behind the link with `token` (looked up in a
    /// batch with other requests' links), in the language of its person; `None` when no
    /// link has the token.
    pub async fn on_link<T>(
        &self,
        token: &SecretToken,
        then: impl AsyncFnOnce(InvitationLink) -> Result<T, Error>,
    ) -> Result<Option<OnLink<T>>, Error> {
        let Some(link) = self.find(token.hash()).await? else {
            return Ok(None);
        };
        let language = link.language;
        Ok(Some(OnLink {
            language,
            outcome: then(link).await?,
        }))
    }
}
