//! What `nyttopuls demo` asks of the database beyond the product's own operations:
//! whose database it is (the demo adds to or starts over only a database it made), and
//! the invitations waiting in the outbox, whose links its simulated people follow.

use crate::{
    domain::{Error, survey::SurveyEmail},
    store,
};

use super::AppState;

/// Who made what a database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseMaker {
    /// Nothing yet beyond what the migrations put there.
    Nobody,
    /// `nyttopuls demo`.
    TheDemo,
    /// Someone else: the demo never touches it.
    Someone,
}

/// Whether the database is empty, the demo's, or someone else's.
pub async fn database_maker(state: &AppState) -> Result<DatabaseMaker, Error> {
    Ok(if store::is_demo(&state.db).await? {
        DatabaseMaker::TheDemo
    } else if store::holds_data(&state.db).await? {
        DatabaseMaker::Someone
    } else {
        DatabaseMaker::Nobody
    })
}

/// Marks the database as the demo's, before the demo makes anything in it.
pub async fn mark_as_demo(state: &AppState) -> Result<(), Error> {
    store::mark_demo(&state.db).await
}

/// The invitations waiting to be sent, with their personal links (the demo's mail goes
/// to files, so nobody else follows them).
pub async fn invitations_waiting(state: &AppState) -> Result<Vec<SurveyEmail>, Error> {
    store::outbox::pending_survey_emails(&state.db).await
}
