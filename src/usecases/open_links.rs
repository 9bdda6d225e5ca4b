//! Open links: a round's public answer page `/o/{code}` for users on no list, and its QR
//! code. The answer path is the personal link's (`answers::store_answer`: checked,
//! sealed, batched), with kind external and the open-link mark instead of an invitation.
//! What holds it to one answer per browser is the browser's cookie, which the web layer
//! reads and sets; a limit per client (its address) stops a script posting in a loop.

use std::{collections::BTreeMap, sync::Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{
    AppState,
    answer_writer::Written,
    answers::{AfterAnswer, AnswerForm, Origin, ResultsDue, store_answer},
    audit,
};
use crate::{
    charts::qr,
    domain::{
        Actor, Error, RespondentKind,
        answering::AnswerWindow,
        open_link::{OpenLink, OpenLinkCode, OpenLinkStanding, open_link_standing},
        questionnaire::AnswerProblem,
        sign_in::RateLimit,
    },
    store::{self, open_links::OpenLinkTarget},
};

/// How many answers each client may send through open links a minute, in this process.
pub struct OpenLinkLimit(Mutex<RateLimit>);

impl OpenLinkLimit {
    pub fn new(per_minute: u32) -> Self {
        Self(Mutex::new(RateLimit::new(per_minute, Duration::minutes(1))))
    }

    fn allow(&self, client: &str, now: DateTime<Utc>) -> bool {
        // A poisoned lock only means another request panicked mid-count: keep counting.
        let mut limit = self.0.lock().unwrap_or_else(|e| e.into_inner());
        limit.allow(client, now)
    }
}

/// A round's open link as its owner is given it.
pub struct OpenLinkAddresses {
    pub link: OpenLink,
    pub url: String,
    pub qr_svg_url: String,
    pub qr_png_url: String,
    /// Made by this call (a later call returns the same link).
    pub created: bool,
}

/// Gives an open round an open link, or returns the one it has: a round has one link,
/// so every poster and receipt printed for it stays valid. Admin, or the objektägare
/// of the round's service.
pub async fn create_open_link(
    state: &AppState,
    actor: &Actor,
    round_id: i32,
) -> Result<OpenLinkAddresses, Error> {
    let round = store::rounds::get(&state.db, round_id).await?;
    let service = store::catalogue::get_service(&state.db, round.service_id).await?;
    if !actor.may_read_owned_by(service.details.owner_id) {
        return Err(Error::Forbidden(
            "an owner may make open links only for their own services' rounds".into(),
        ));
    }
    let now = state.clock.now();
    let (link, created) = super::in_transaction(&state.db, async |txn| {
        if let Some(existing) = store::open_links::of_round(txn, round_id).await? {
            return Ok((existing, false));
        }
        // Read again inside the transaction: the round may have closed meanwhile.
        let current = store::rounds::get(txn, round_id).await?;
        let window = AnswerWindow {
            status: current.status,
            opens_at: current.opens_at,
            closes_at: current.closes_at,
        };
        if !window.accepts_answers(now) {
            return Err(Error::Conflict(format!(
                "round {round_id} is closed: an open link takes answers only while its round is open"
            )));
        }
        store::open_links::insert_if_absent(txn, round_id, &OpenLinkCode::generate(), now).await?;
        let link = store::open_links::of_round(txn, round_id)
            .await?
            .ok_or_else(|| Error::bug("an inserted open link could not be read back"))?;
        audit::record(
            txn,
            actor,
            now,
            "create",
            "open_link",
            Some(round_id.to_string()),
            json!({"service_id": round.service_id, "period": round.period}),
        )
        .await?;
        Ok((link, true))
    })
    .await?;
    let url = state.links().open(link.code.as_str());
    Ok(OpenLinkAddresses {
        qr_svg_url: format!("{url}/qr.svg"),
        qr_png_url: format!("{url}/qr.png"),
        url,
        link,
        created,
    })
}

/// What an open link shows a browser.
pub enum OpenLinkPage {
    Open(AnswerForm),
    /// This browser has answered already.
    AnsweredHere,
    Closed {
        early: bool,
    },
}

/// The open link's page for a browser that has (`answered_here`) or has not answered;
/// `None` when no round has the code.
pub async fn open_link_page(
    state: &AppState,
    code: &OpenLinkCode,
    answered_here: bool,
) -> Result<Option<OpenLinkPage>, Error> {
    let Some(target) = store::open_links::by_code(&state.db, code).await? else {
        return Ok(None);
    };
    page_of(state, target, answered_here).await.map(Some)
}

async fn page_of(
    state: &AppState,
    target: OpenLinkTarget,
    answered_here: bool,
) -> Result<OpenLinkPage, Error> {
    let now = state.clock.now();
    Ok(
        match open_link_standing(target.window, target.open_days, answered_here, now) {
            OpenLinkStanding::Open => OpenLinkPage::Open(
                AnswerForm::load(state, target.service_name, target.questionnaire_id).await?,
            ),
            OpenLinkStanding::AnsweredHere => OpenLinkPage::AnsweredHere,
            OpenLinkStanding::Closed { early } => OpenLinkPage::Closed { early },
        },
    )
}

/// What became of a form sent through an open link.
pub enum OpenSubmitted {
    /// Stored; the browser is to remember it until `closes_at`.
    Stored { closes_at: DateTime<Utc> },
    /// The form has problems; nothing was stored.
    Invalid {
        form: AnswerForm,
        problems: Vec<(String, AnswerProblem)>,
    },
    /// Nothing was stored: this browser answered already, or the round is closed.
    Refused(OpenLinkPage),
    /// The client sent more answers than `survey.open_link_answers_per_minute`; nothing
    /// was stored.
    TooMany,
}

/// Stores an answer through an open link, from `client` (its rate-limit key) in a
/// browser that has (`answered_here`) or has not answered before. Every form sent
/// counts against the client's limit, stored or not.
pub async fn submit_open_answer(
    state: &AppState,
    code: &OpenLinkCode,
    client: &str,
    answered_here: bool,
    form: &BTreeMap<String, String>,
) -> Result<Option<OpenSubmitted>, Error> {
    if !state.open_link_limit.allow(client, state.clock.now()) {
        return Ok(Some(OpenSubmitted::TooMany));
    }
    let Some(target) = store::open_links::by_code(&state.db, code).await? else {
        return Ok(None);
    };
    let (round_id, closes_at) = (target.round_id, target.window.closes_at);
    let answer_form = match page_of(state, target, answered_here).await? {
        OpenLinkPage::Open(answer_form) => answer_form,
        other => return Ok(Some(OpenSubmitted::Refused(other))),
    };
    let origin = Origin {
        invitation_id: None,
        round_id,
        department: None,
        kind: RespondentKind::External,
    };
    Ok(Some(
        match store_answer(state, &answer_form, form, origin).await? {
            Err(problems) => OpenSubmitted::Invalid {
                form: answer_form,
                problems,
            },
            Ok(Written::Stored) => OpenSubmitted::Stored { closes_at },
            // No invitation is claimed, so only the round's close refuses it here.
            Ok(Written::RoundClosed | Written::AlreadyAnswered) => {
                OpenSubmitted::Refused(OpenLinkPage::Closed { early: false })
            }
        },
    ))
}

/// The thank-you page of an open link, for a browser that answered there.
pub async fn after_open_answer(
    state: &AppState,
    code: &OpenLinkCode,
    answered_here: bool,
) -> Result<Option<AfterAnswer>, Error> {
    let Some(target) = store::open_links::by_code(&state.db, code).await? else {
        return Ok(None);
    };
    if !answered_here {
        return Ok(Some(AfterAnswer::NotAnswered));
    }
    Ok(Some(AfterAnswer::Answered(ResultsDue {
        actions: super::actions::for_respondents(&state.db, target.service_id, false).await?,
        service_name: target.service_name,
        closes_at: target.window.closes_at,
        still_open: target.window.accepts_answers(state.clock.now()),
        min_group_size: state.settings.survey.min_group_size,
    })))
}

/// A QR code's image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrFormat {
    Svg,
    Png,
}

/// The QR code of an open link (its full URL), as SVG text or PNG bytes; `None` when no
/// round has the code. Public like the link itself, so an e-service page can show it.
pub async fn open_link_qr(
    state: &AppState,
    code: &OpenLinkCode,
    format: QrFormat,
) -> Result<Option<Vec<u8>>, Error> {
    if store::open_links::by_code(&state.db, code).await?.is_none() {
        return Ok(None);
    }
    let url = state.links().open(code.as_str());
    let image = match format {
        QrFormat::Svg => qr::svg(&url).map(String::into_bytes),
        QrFormat::Png => qr::png(&url),
    };
    image.map(Some).map_err(|problem| {
        Error::bug(format!(
            "the QR code of an open link could not be drawn: {problem}"
        ))
    })
}
