//! The answer form as the respondent sees it: each questionnaire item as a view for
//! `answer.html` (scales with their end labels, hints, kept values, error messages in
//! the page's language) and the error summary that links to the first problem.

use std::collections::{BTreeMap, HashMap};

use minijinja::context;
use poem::{Response, http::StatusCode};
use serde::Serialize;

use super::pages::{lang_query, page};
use crate::{
    domain::{
        Language,
        open_link::OpenLinkCode,
        questionnaire::{
            AnswerProblem, DONT_KNOW, ItemKind, TimeDirection, direction_field, estimated_minutes,
        },
        token::SecretToken,
    },
    usecases::answers::AnswerForm,
};

#[derive(Serialize)]
struct ChoiceView {
    value: String,
    /// The meaning of a scale's first and last point.
    end: Option<&'static str>,
    checked: bool,
}

#[derive(Serialize)]
struct ItemView {
    key: String,
    kind: ItemKind,
    text: String,
    choices: Vec<ChoiceView>,
    low: String,
    high: String,
    low_label: i64,
    high_label: i64,
    value: String,
    /// "Vet ej / inte aktuellt" offered, and whether it was chosen.
    dont_know: Option<bool>,
    /// For a minutes item: saves / costs / no difference, as radio buttons.
    directions: Vec<DirectionView>,
    error: Option<String>,
}

#[derive(Serialize)]
struct DirectionView {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

fn direction_label(direction: TimeDirection, lang: Language) -> &'static str {
    match (direction, lang) {
        (TimeDirection::Saves, Language::Sv) => "Tjänsten sparar tid åt mig",
        (TimeDirection::Saves, Language::En) => "The service saves me time",
        (TimeDirection::Costs, Language::Sv) => "Tjänsten kostar mig tid",
        (TimeDirection::Costs, Language::En) => "The service costs me time",
        (TimeDirection::NoDifference, Language::Sv) => "Ingen skillnad",
        (TimeDirection::NoDifference, Language::En) => "No difference",
    }
}

#[derive(Serialize)]
struct ErrorView {
    anchor: String,
    text: String,
    message: String,
}

fn scale_ends(kind: ItemKind, lang: Language) -> (&'static str, &'static str) {
    match (kind, lang) {
        (ItemKind::Nps, Language::Sv) => ("Inte alls troligt", "Mycket troligt"),
        (ItemKind::Nps, Language::En) => ("Not at all likely", "Extremely likely"),
        (_, Language::Sv) => ("Instämmer inte alls", "Instämmer helt"),
        (_, Language::En) => ("Strongly disagree", "Strongly agree"),
    }
}

fn problem_text(problem: AnswerProblem, lang: Language) -> String {
    match (problem, lang) {
        (AnswerProblem::Missing, Language::Sv) => "Svara på frågan".into(),
        (AnswerProblem::Missing, Language::En) => "Answer the question".into(),
        (AnswerProblem::NotANumber, Language::Sv) => "Skriv ett heltal, till exempel 30".into(),
        (AnswerProblem::NotANumber, Language::En) => "Enter a whole number, e.g. 30".into(),
        (AnswerProblem::OutOfRange { min, max }, Language::Sv) => {
            format!("Ange ett värde från {min} till {max}")
        }
        (AnswerProblem::OutOfRange { min, max }, Language::En) => {
            format!("Enter a value from {min} to {max}")
        }
        (AnswerProblem::TooLong { max }, Language::Sv) => format!("Skriv högst {max} tecken"),
        (AnswerProblem::TooLong { max }, Language::En) => format!("Write at most {max} characters"),
    }
}

/// Where the form is sent, and the page that stops a person's surveys (a personal link
/// has one; an open link reaches nobody by name, so it has none and says what it
/// cannot promise instead).
pub(super) struct FormTarget {
    action: String,
    opt_out: Option<String>,
}

impl FormTarget {
    pub(super) fn personal(token: &SecretToken, lang: Language) -> Self {
        let lang_suffix = lang_query(lang);
        Self {
            action: format!("/s/{}{lang_suffix}", token.as_str()),
            opt_out: Some(format!("/s/{}/opt-out{lang_suffix}", token.as_str())),
        }
    }

    pub(super) fn open(code: &OpenLinkCode, lang: Language) -> Self {
        Self {
            action: format!("/o/{}{}", code.as_str(), lang_query(lang)),
            opt_out: None,
        }
    }
}

/// The form as a visitor first sees it: nothing filled in, nothing to correct.
pub(super) fn blank_form(target: &FormTarget, form: &AnswerForm, lang: Language) -> Response {
    answer_form(target, form, lang, &BTreeMap::new(), &[])
}

pub(super) fn answer_form(
    target: &FormTarget,
    form: &AnswerForm,
    lang: Language,
    values: &BTreeMap<String, String>,
    problems: &[(String, AnswerProblem)],
) -> Response {
    let problem_of: HashMap<&str, AnswerProblem> =
        problems.iter().map(|(k, p)| (k.as_str(), *p)).collect();
    // The same word as the intro of answer.html and the built-in questionnaire.
    let optional = if lang == Language::En {
        " (optional)"
    } else {
        " (frivilligt)"
    };
    let items: Vec<ItemView> = form
        .questionnaire
        .items
        .iter()
        .map(|item| {
            let value = values.get(&item.key).cloned().unwrap_or_default();
            let (low_text, high_text) = scale_ends(item.kind, lang);
            let (low, high) = item.kind.bounds().unwrap_or((0, 0));
            let choices = if item.kind.is_choice() {
                (low..=high)
                    .map(|v| ChoiceView {
                        value: v.to_string(),
                        end: if v == low {
                            Some(low_text)
                        } else if v == high {
                            Some(high_text)
                        } else {
                            None
                        },
                        checked: value == v.to_string(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let mut text = item.text(lang).to_owned();
            let marked = ["frivillig", "optional"]
                .iter()
                .any(|word| text.to_lowercase().contains(word));
            if !item.required && !marked {
                text.push_str(optional);
            }
            let direction = values
                .get(&direction_field(&item.key))
                .map(String::as_str)
                .unwrap_or_default();
            let directions = if item.kind == ItemKind::MinutesPerWeek {
                TimeDirection::ALL
                    .into_iter()
                    .map(|d| DirectionView {
                        value: d.as_str(),
                        label: direction_label(d, lang),
                        checked: direction == d.as_str(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let dont_know = item
                .scale
                .allows_dont_know()
                .then(|| value == DONT_KNOW || direction == DONT_KNOW);
            ItemView {
                key: item.key.clone(),
                kind: item.kind,
                text,
                choices,
                low: low_text.into(),
                high: high_text.into(),
                low_label: low,
                high_label: high,
                value,
                dont_know,
                directions,
                error: problem_of
                    .get(item.key.as_str())
                    .map(|p| problem_text(*p, lang)),
            }
        })
        .collect();
    let errors: Vec<ErrorView> = items
        .iter()
        .filter_map(|item| {
            item.error.as_ref().map(|message| ErrorView {
                anchor: if !item.choices.is_empty() {
                    format!("{}-{}", item.key, item.low_label)
                } else if let Some(first) = item
                    .directions
                    .first()
                    .filter(|_| !values.contains_key(&direction_field(&item.key)))
                {
                    format!("{}-{}", item.key, first.value)
                } else {
                    format!("{}-input", item.key)
                },
                text: item.text.clone(),
                message: message.clone(),
            })
        })
        .collect();
    let title = if lang == Language::En {
        format!("What do you think of {}?", form.service_name)
    } else {
        format!("Vad tycker du om {}?", form.service_name)
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page(
        "answer.html",
        context! {
            lang => lang.as_str(),
            title => if problems.is_empty() { title } else if lang == Language::En { format!("Error: {title}") } else { format!("Fel: {title}") },
            items,
            errors,
            action => target.action,
            opt_out => target.opt_out,
            max_comment => form.max_comment_chars,
            minutes => estimated_minutes(&form.questionnaire.items),
            dont_know_value => DONT_KNOW,
        },
        status,
    )
}
