//! The actions on a service's page ("ni sa – vi gör"): the list with a form to change
//! each, and a form for a new one, once a round has released results. The forms carry
//! the session's CSRF token like every dashboard form; a problem is shown naming the
//! field, and nothing is saved.

use chrono::NaiveDate;
use minijinja::{Value, context};
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;

use super::{SignedIn, say, see_other};
use crate::{
    domain::{
        Error, FieldProblem, Language,
        action::{Action, ActionInput, ActionStatus, MAX_PUBLIC_TEXT_CHARS, MAX_TITLE_CHARS},
        sign_in::tokens_match,
    },
    numbers::long_date,
    usecases::{AppState, actions, results::ServiceResults},
    web::pages::lang_query,
    wording::action_status,
};

/// The values of one action's form (`action`: `None` for a new one).
fn form_values(results: &ServiceResults, action: Option<&Action>, lang: Language) -> Value {
    let status = action.map_or(ActionStatus::Planned, |a| a.details.status);
    let choices: Vec<ActionStatus> = match action {
        Some(_) => std::iter::once(status)
            .chain(status.next().iter().copied())
            .collect(),
        None => ActionStatus::ALL.to_vec(),
    };
    let statuses: Vec<Value> = choices
        .into_iter()
        .map(|s| {
            context! {
                value => s.as_str(),
                name => action_status(s, lang),
                selected => s == status,
            }
        })
        .collect();
    let round_id = action.and_then(|a| a.details.round_id);
    let rounds: Vec<Value> = results
        .rounds
        .iter()
        .rev()
        .filter(|e| e.round.closed)
        .map(|e| {
            context! {
                id => e.round.round_id,
                period => e.round.period,
                selected => Some(e.round.round_id) == round_id,
            }
        })
        .collect();
    let action_url = match action {
        Some(a) => format!("/dashboard/actions/{}{}", a.id, lang_query(lang)),
        None => format!("/dashboard/actions{}", lang_query(lang)),
    };
    context! {
        key => action.map_or_else(|| "new".to_owned(), |a| a.id.to_string()),
        action => action_url,
        service_id => results.service.id,
        // Empty, not `none`, in a new action's fields.
        title => action.map(|a| a.details.title.clone()).unwrap_or_default(),
        public_text => action.map(|a| a.details.public_text.clone()).unwrap_or_default(),
        due_on => action.and_then(|a| a.details.due_on).map(|d| d.to_string()).unwrap_or_default(),
        item_key => action.and_then(|a| a.details.item_key.clone()).unwrap_or_default(),
        published => action.is_some_and(|a| a.details.published),
        statuses,
        rounds,
        max_title => MAX_TITLE_CHARS,
        max_text => MAX_PUBLIC_TEXT_CHARS,
    }
}

/// The service page's actions section: shown once a round has released results.
pub(super) fn section(results: &ServiceResults, actions: &[Action], lang: Language) -> Value {
    let items: Vec<Value> = actions
        .iter()
        .map(|a| {
            let when = match (a.details.done_on, a.details.due_on) {
                (Some(done), _) => Some(long_date(done, lang)),
                (None, Some(due)) if a.details.status != ActionStatus::Cancelled => Some(say(
                    lang,
                    &format!("senast {}", long_date(due, lang)),
                    &format!("by {}", long_date(due, lang)),
                )),
                _ => None,
            };
            context! {
                title => a.details.title,
                status => action_status(a.details.status, lang),
                published => a.details.published,
                when,
                form => form_values(results, Some(a), lang),
            }
        })
        .collect();
    context! {
        released => results.rounds.iter().any(|e| e.has_results()),
        items,
        new => form_values(results, None, lang),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ActionForm {
    csrf: Option<String>,
    service_id: Option<String>,
    title: Option<String>,
    public_text: Option<String>,
    status: Option<String>,
    due_on: Option<String>,
    round_id: Option<String>,
    item_key: Option<String>,
    published: Option<String>,
}

/// An optional form value: absent or blank is `None`, else `parse` must take it.
fn optional<T>(
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Option<T>,
    problems: &mut Vec<FieldProblem>,
    expected: &str,
) -> Option<T> {
    let raw = raw.map(str::trim).filter(|raw| !raw.is_empty())?;
    let parsed = parse(raw);
    if parsed.is_none() {
        problems.push(FieldProblem::new(
            field,
            format!("`{raw}` is not {expected}"),
        ));
    }
    parsed
}

impl ActionForm {
    /// The form as the use case takes it; a value that is not even of its kind (a date,
    /// a number, a status) is a problem named by its field.
    fn parse(self) -> Result<ActionInput, Error> {
        let mut problems = Vec::new();
        let service_id = optional(
            "service_id",
            self.service_id.as_deref(),
            |raw| raw.parse::<i32>().ok(),
            &mut problems,
            "a service",
        );
        let round_id = optional(
            "round_id",
            self.round_id.as_deref(),
            |raw| raw.parse::<i32>().ok(),
            &mut problems,
            "a round",
        );
        let due_on = optional(
            "due_on",
            self.due_on.as_deref(),
            |raw| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok(),
            &mut problems,
            "a date (YYYY-MM-DD)",
        );
        let status = optional(
            "status",
            self.status.as_deref(),
            |raw| raw.parse::<ActionStatus>().ok(),
            &mut problems,
            "a status",
        );
        let Some(service_id) = service_id.filter(|_| problems.is_empty()) else {
            if problems.is_empty() {
                problems.push(FieldProblem::new("service_id", "is missing"));
            }
            return Err(Error::Invalid(problems));
        };
        Ok(ActionInput {
            service_id,
            round_id,
            item_key: self.item_key,
            title: self.title.unwrap_or_default(),
            public_text: self.public_text,
            status,
            due_on,
            // A checkbox left unticked is not sent at all.
            published: Some(self.published.is_some()),
        })
    }
}

async fn save(state: &AppState, signed: &SignedIn, id: Option<i32>, form: ActionForm) -> Response {
    if !tokens_match(&signed.csrf(), form.csrf.as_deref().unwrap_or_default()) {
        return super::stale_form(signed);
    }
    let lang = signed.lang;
    let saved = match form.parse() {
        Ok(input) => actions::save_action(state, &signed.actor, id, input).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(action) => see_other(&format!(
            "/dashboard/services/{}{}#actions",
            action.details.service_id,
            lang_query(lang)
        )),
        Err(Error::Invalid(problems)) => signed.message(
            StatusCode::BAD_REQUEST,
            &say(
                lang,
                "Åtgärden kunde inte sparas",
                "The action could not be saved",
            ),
            &problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ),
        Err(error) => signed.fail(error),
    }
}

#[handler]
pub(super) async fn create(
    state: Data<&AppState>,
    signed: SignedIn,
    Form(form): Form<ActionForm>,
) -> Response {
    save(&state, &signed, None, form).await
}

#[handler]
pub(super) async fn update(
    state: Data<&AppState>,
    Path(id): Path<i32>,
    signed: SignedIn,
    Form(form): Form<ActionForm>,
) -> Response {
    save(&state, &signed, Some(id), form).await
}
