//! What a respondent does with their personal link: open it, answer once, read the
//! thank-you page, opt out. No login: the link's secret is the authority, and only its
//! hash is stored. Each function is one page's whole operation and returns what that page
//! shows, or `None` when no link has the token.

use std::{collections::BTreeMap, sync::Arc};

use chrono::{DateTime, Utc};

use super::{
    AppState,
    answer_writer::{Submission, Written},
};
use crate::{
    domain::{
        Error, RespondentKind,
        answering::{LinkStanding, OptOutScope, opted_out_already},
        questionnaire::{AnswerProblem, Questionnaire, check_answers},
        release::random_row_id,
        sealing::{self, SealedAnswer},
        token::SecretToken,
    },
    store::{self, invitations::InvitationLink},
};

pub use super::link_lookup::OnLink;

/// The form of a link waiting for its answer.
pub struct AnswerForm {
    pub service_name: String,
    pub questionnaire: Arc<Questionnaire>,
    pub max_comment_chars: usize,
}

/// What a link leads to now.
pub enum LinkState {
    Answered,
    OptedOut {
        service_name: String,
        scope: OptOutScope,
    },
    /// `early` when an admin closed the round before its time ran out.
    Closed {
        early: bool,
    },
    /// Waiting for an answer: the form to show.
    Open(AnswerForm),
}

/// The answer form, or what the link shows instead.
pub async fn open_link(
    state: &AppState,
    token: &SecretToken,
) -> Result<Option<OnLink<LinkState>>, Error> {
    state
        .links_lookup
        .on_link(token, async |link| link_state(state, &link).await)
        .await
}

/// What became of a submitted form.
pub enum Submitted {
    Stored,
    /// The form has problems; nothing was stored.
    Invalid {
        form: AnswerForm,
        problems: Vec<(String, AnswerProblem)>,
    },
    /// Nothing was stored: the link does not take an answer (or no longer: answered or
    /// closed while this one was on its way). Never `Open`.
    Refused(LinkState),
}

/// Checks a submitted form against the questionnaire, seals it for its round and stores
/// it (batched with other answers, one transaction per batch). A link answers once, even
/// under simultaneous submissions: the invitation moves to `answered` only from a
/// waiting state.
pub async fn submit_answer(
    state: &AppState,
    token: &SecretToken,
    form: &BTreeMap<String, String>,
) -> Result<Option<OnLink<Submitted>>, Error> {
    state
        .links_lookup
        .on_link(token, async |link| {
            let answer_form = match link_state(state, &link).await? {
                LinkState::Open(answer_form) => answer_form,
                other => return Ok(Submitted::Refused(other)),
            };
            let origin = Origin {
                invitation_id: Some(link.invitation_id),
                round_id: link.round_id,
                department: link.department,
                kind: link.kind,
            };
            let written = match store_answer(state, &answer_form, form, origin).await? {
                Ok(written) => written,
                Err(problems) => {
                    return Ok(Submitted::Invalid {
                        form: answer_form,
                        problems,
                    });
                }
            };
            Ok(match written {
                Written::Stored => Submitted::Stored,
                Written::AlreadyAnswered => Submitted::Refused(LinkState::Answered),
                // It was open when looked up a moment ago, so its time ran out (or an admin
                // closed it just now: the page does not tell these apart).
                Written::RoundClosed => Submitted::Refused(LinkState::Closed { early: false }),
            })
        })
        .await
}

/// Where an answer comes from, as far as it is sealed with it: an invitation (with its
/// person's förvaltning and kind), or the round's open link (none, kind external).
pub(super) struct Origin {
    pub invitation_id: Option<i64>,
    pub round_id: i32,
    pub department: Option<String>,
    pub kind: RespondentKind,
}

/// Checks a submitted form against the questionnaire, seals it for its round and hands
/// it to the answer writer (batched with other answers, one transaction per batch); the
/// form's problems when it has some, and then nothing is stored.
pub(super) async fn store_answer(
    state: &AppState,
    answer_form: &AnswerForm,
    form: &BTreeMap<String, String>,
    origin: Origin,
) -> Result<Result<Written, Vec<(String, AnswerProblem)>>, Error> {
    let questionnaire = &answer_form.questionnaire;
    let max_comment_chars = answer_form.max_comment_chars;
    let answers = match check_answers(&questionnaire.items, form, max_comment_chars) {
        Ok(answers) => answers,
        Err(problems) => return Ok(Err(problems)),
    };
    let plaintext = serde_json::to_vec(&SealedAnswer {
        department: origin.department,
        kind: origin.kind,
        answers,
        open_link: origin.invitation_id.is_none(),
    })
    .map_err(Error::internal)?;
    let padded_len = sealing::padded_len(&questionnaire.items, max_comment_chars);
    let submission = Submission {
        id: random_row_id(&mut rand::rng()),
        invitation_id: origin.invitation_id,
        round_id: origin.round_id,
        sealed: state
            .answer_keys
            .seal(origin.round_id, &plaintext, padded_len),
    };
    Ok(Ok(state.answers.submit(submission).await?))
}

impl AnswerForm {
    /// The form of a round's questionnaire (from the cache: versions never change).
    pub(super) async fn load(
        state: &AppState,
        service_name: String,
        questionnaire_id: i32,
    ) -> Result<Self, Error> {
        Ok(Self {
            service_name,
            questionnaire: state
                .questionnaires
                .get(&state.db, questionnaire_id)
                .await?,
            max_comment_chars: state.settings.survey.max_comment_chars,
        })
    }
}

/// The thank-you page, for a link that was answered.
pub enum AfterAnswer {
    Answered(ResultsDue),
    /// Not answered (yet): the form, or whatever the link shows instead.
    NotAnswered,
}

/// When the results of the answered round can be expected.
pub struct ResultsDue {
    pub service_name: String,
    pub closes_at: DateTime<Utc>,
    /// The round still takes answers.
    pub still_open: bool,
    /// Fewer answers than this and no result is shown.
    pub min_group_size: u32,
    /// What the service does about earlier answers ("ni sa – vi gör"), newest first.
    pub actions: Vec<crate::domain::action::Action>,
}

pub async fn after_answer(
    state: &AppState,
    token: &SecretToken,
) -> Result<Option<OnLink<AfterAnswer>>, Error> {
    state
        .links_lookup
        .on_link(token, async |link| {
            let now = state.clock.now();
            Ok(match link.facts.standing(now) {
                LinkStanding::Answered => AfterAnswer::Answered(ResultsDue {
                    actions: super::actions::for_respondents(&state.db, link.service_id, false)
                        .await?,
                    service_name: link.service_name,
                    closes_at: link.facts.window.closes_at,
                    still_open: link.facts.window.accepts_answers(now),
                    min_group_size: state.settings.survey.min_group_size,
                }),
                _ => AfterAnswer::NotAnswered,
            })
        })
        .await
}

/// The opt-out page's question: stop this service's surveys (or every survey), unless
/// the person has already.
pub struct OptOutOffer {
    pub service_name: String,
    pub already: Option<OptOutScope>,
}

pub async fn opt_out_offer(
    state: &AppState,
    token: &SecretToken,
) -> Result<Option<OnLink<OptOutOffer>>, Error> {
    state
        .links_lookup
        .on_link(token, async |link| {
            Ok(OptOutOffer {
                already: opted_out_already(
                    link.facts.invitation,
                    link.facts.opted_out_all,
                    link.opted_out_of_service,
                ),
                service_name: link.service_name,
            })
        })
        .await
}

/// Stops the link's service's surveys (or every survey) for the person, and withdraws
/// their waiting invitations and unsent emails there. Returns the service's name.
pub async fn opt_out(
    state: &AppState,
    token: &SecretToken,
    scope: OptOutScope,
) -> Result<Option<OnLink<String>>, Error> {
    state
        .links_lookup
        .on_link(token, async |link| {
            let all_services = scope == OptOutScope::AllServices;
            super::in_transaction(&state.db, async |txn| {
                let withdrawn = store::invitations::opt_out(
                    txn,
                    link.respondent_id,
                    link.service_id,
                    all_services,
                )
                .await?;
                store::outbox::delete_unsent_for_invitations(txn, &withdrawn).await
            })
            .await?;
            Ok(link.service_name)
        })
        .await
}

/// What the link leads to now, with the form (its questionnaire from the cache) if open.
async fn link_state(state: &AppState, link: &InvitationLink) -> Result<LinkState, Error> {
    Ok(match link.facts.standing(state.clock.now()) {
        LinkStanding::Answered => LinkState::Answered,
        LinkStanding::OptedOut => LinkState::OptedOut {
            service_name: link.service_name.clone(),
            scope: if link.facts.opted_out_all {
                OptOutScope::AllServices
            } else {
                OptOutScope::Service
            },
        },
        LinkStanding::Closed { early } => LinkState::Closed { early },
        LinkStanding::Open => LinkState::Open(
            AnswerForm::load(state, link.service_name.clone(), link.questionnaire_id).await?,
        ),
    })
}
