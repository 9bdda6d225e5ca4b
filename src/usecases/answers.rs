//! What a respondent does with their personal link: open it, answer once, opt out.
//! No login: the link's secret is the authority, and only its hash is stored.

use std::{collections::BTreeMap, sync::Arc};

use super::AppState;
pub use crate::store::invitations::InvitationContext;
use crate::{
    domain::{
        Error,
        questionnaire::{AnswerProblem, Questionnaire, check_answers},
        release::random_row_id,
        sealing::{self, SealedAnswer},
        token::SecretToken,
    },
    store::{
        self,
        invitations::{Submission, SubmissionOutcome},
    },
};

/// What a link leads to now.
pub enum LinkState {
    /// No such link (never issued, or purged after its round).
    Unknown,
    Answered(InvitationContext),
    OptedOut(InvitationContext),
    Closed(InvitationContext),
    /// Waiting for an answer: the form to show.
    Open(InvitationContext, Arc<Questionnaire>),
}

/// Looks up the invitation behind a link (one query) and what may be done with it.
pub async fn open_link(state: &AppState, token: &str) -> Result<LinkState, Error> {
    let Some(link) = state.links_lookup.find(SecretToken::hash_of(token)).await? else {
        return Ok(LinkState::Unknown);
    };
    Ok(if link.answered() {
        LinkState::Answered(link)
    } else if link.opted_out() {
        LinkState::OptedOut(link)
    } else if !link.accepts_answers(state.clock.now()) {
        LinkState::Closed(link)
    } else {
        let questionnaire = state
            .questionnaires
            .get(&state.db, link.questionnaire_id)
            .await?;
        LinkState::Open(link, questionnaire)
    })
}

/// What became of a submitted form.
pub enum SubmitOutcome {
    Stored,
    /// The form has problems; nothing was stored.
    Invalid(Vec<(String, AnswerProblem)>),
    AlreadyAnswered,
    RoundClosed,
}

/// Checks a submitted form against the questionnaire, seals it for its round and stores
/// it (batched with other answers, one transaction per batch). A link answers once, even under simultaneous
/// submissions: the invitation moves to `answered` only from a waiting state.
pub async fn submit_answer(
    state: &AppState,
    link: &InvitationContext,
    questionnaire: &Questionnaire,
    form: &BTreeMap<String, String>,
) -> Result<SubmitOutcome, Error> {
    let answers = match check_answers(
        &questionnaire.items,
        form,
        state.settings.survey.max_comment_chars,
    ) {
        Ok(answers) => answers,
        Err(problems) => return Ok(SubmitOutcome::Invalid(problems)),
    };
    let plaintext = serde_json::to_vec(&SealedAnswer {
        department: link.department.clone(),
        kind: link.kind,
        answers,
    })
    .map_err(Error::internal)?;
    let padded_len = sealing::padded_len(
        &questionnaire.items,
        state.settings.survey.max_comment_chars,
    );
    let submission = Submission {
        id: random_row_id(&mut rand::rng()),
        invitation_id: link.invitation_id,
        round_id: link.round_id,
        sealed: state
            .answer_keys
            .seal(link.round_id, &plaintext, padded_len),
    };
    Ok(match state.answers.submit(submission).await? {
        SubmissionOutcome::Stored => SubmitOutcome::Stored,
        SubmissionOutcome::AlreadyAnswered => SubmitOutcome::AlreadyAnswered,
        SubmissionOutcome::RoundClosed => SubmitOutcome::RoundClosed,
    })
}

/// Stops the link's service's surveys (or, with `all_services`, every survey) for the
/// person, and withdraws their waiting invitations and unsent emails there.
pub async fn opt_out(
    state: &AppState,
    link: &InvitationContext,
    all_services: bool,
) -> Result<(), Error> {
    super::in_transaction(&state.db, async |txn| {
        store::invitations::opt_out(txn, link.respondent_id, link.service_id, all_services).await
    })
    .await
}
