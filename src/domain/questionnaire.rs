//! Questionnaires: an immutable, versioned list of items. An answer is checked against
//! the version the round uses; problems are reported per item so the page can show them.

use std::{collections::BTreeMap, str::FromStr};

use serde::{Deserialize, Serialize};

use super::{Error, FieldProblem, Language};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Likert5,
    Likert7,
    Nps,
    MinutesPerWeek,
    Text,
}

impl ItemKind {
    /// Inclusive bounds of a numeric item; `None` for free text.
    pub fn bounds(self) -> Option<(i64, i64)> {
        match self {
            Self::Likert5 => Some((1, 5)),
            Self::Likert7 => Some((1, 7)),
            Self::Nps => Some((0, 10)),
            // A 40-hour week either way: nobody gains or loses more than all of it.
            Self::MinutesPerWeek => Some((-2400, 2400)),
            Self::Text => None,
        }
    }

    /// Items answered by choosing one point on a scale (radio buttons).
    pub fn is_choice(self) -> bool {
        matches!(self, Self::Likert5 | Self::Likert7 | Self::Nps)
    }
}

impl FromStr for ItemKind {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| {
            format!(
                "`{raw}` is not an item kind: use likert5, likert7, nps, minutes_per_week or text"
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleTag {
    Sus,
    UmuxLite,
    Benefit,
    Nps,
    Time,
    Comment,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub key: String,
    pub kind: ItemKind,
    pub scale: ScaleTag,
    pub text_sv: String,
    pub text_en: String,
    #[serde(default = "default_required")]
    pub required: bool,
}

fn default_required() -> bool {
    true
}

impl Item {
    pub fn text(&self, language: Language) -> &str {
        match language {
            Language::Sv => &self.text_sv,
            Language::En => &self.text_en,
        }
    }
}

#[cfg(test)]
impl Item {
    /// An optional item without question texts: all that tests of scoring need.
    pub(crate) fn untitled(key: &str, kind: ItemKind, scale: ScaleTag) -> Self {
        Self {
            key: key.into(),
            kind,
            scale,
            text_sv: String::new(),
            text_en: String::new(),
            required: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Questionnaire {
    pub id: i32,
    pub name: String,
    pub version: i32,
    pub previous_version_id: Option<i32>,
    pub template_key: Option<String>,
    pub items: Vec<Item>,
    /// Used by a round: it can never change again; an edit makes a new version.
    pub frozen: bool,
}

/// Where an edit of a questionnaire is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revision {
    /// Over the version itself: no round has used it.
    InPlace,
    /// As the next version, pointing back at the edited one.
    NewVersion {
        version: i32,
        previous_version_id: i32,
    },
}

impl Questionnaire {
    /// A version a round has used never changes (its answers were given to exactly
    /// these questions): an edit of it becomes the next version.
    pub fn revision(&self) -> Revision {
        if self.frozen {
            Revision::NewVersion {
                version: self.version + 1,
                previous_version_id: self.id,
            }
        } else {
            Revision::InPlace
        }
    }
}

/// Checks a questionnaire's name and items (an admin's own or an edit).
pub fn validate_items(name: &str, items: &[Item]) -> Result<(), Error> {
    let mut problems = Vec::new();
    let mut push = |field: String, message: String| {
        problems.push(FieldProblem {
            line: None,
            field,
            message,
        })
    };
    if name.trim().is_empty() {
        push("name".into(), "must not be empty".into());
    }
    if items.is_empty() {
        push("items".into(), "must contain at least one item".into());
    }
    if items.len() > 100 {
        push("items".into(), "must contain at most 100 items".into());
    }
    let mut seen = std::collections::HashSet::new();
    for (index, item) in items.iter().enumerate() {
        let field = format!("items[{index}]");
        let valid_key = !item.key.is_empty()
            && item.key.len() <= 40
            && item
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_key {
            push(
                format!("{field}.key"),
                format!("`{}` is not a key: use a–z, 0–9 and _", item.key),
            );
        } else if !seen.insert(item.key.as_str()) {
            push(
                format!("{field}.key"),
                format!("`{}` is used twice", item.key),
            );
        }
        if item.text_sv.trim().is_empty() {
            push(format!("{field}.text_sv"), "must not be empty".into());
        }
        if item.text_en.trim().is_empty() {
            push(format!("{field}.text_en"), "must not be empty".into());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// One accepted answer value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Number(i64),
    Text(String),
}

/// A checked, complete answer: item key → value. Optional items left blank are absent.
pub type Answers = BTreeMap<String, AnswerValue>;

/// Why one item's answer was refused; the page words it in the respondent's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProblem {
    Missing,
    NotANumber,
    OutOfRange { min: i64, max: i64 },
    TooLong { max: usize },
}

/// The value of a "vet ej / inte aktuellt" choice: the item counts as answered but no
/// value is kept, so a response without every SUS item is left out of SUS (SPEC).
pub const DONT_KNOW: &str = "vet_ej";

/// Which way a minutes item's time goes, chosen beside the minutes so a phone keypad
/// without a minus key can still report time lost: `{key}_direction` in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeDirection {
    Saves,
    Costs,
    NoDifference,
}

impl TimeDirection {
    pub const ALL: [Self; 3] = [Self::Saves, Self::Costs, Self::NoDifference];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Saves => "saves",
            Self::Costs => "costs",
            Self::NoDifference => "no_difference",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == raw)
    }
}

/// The form field that carries a minutes item's direction.
pub fn direction_field(key: &str) -> String {
    format!("{key}_direction")
}

impl ScaleTag {
    /// Instruments where "vet ej / inte aktuellt" is an honest answer: SUS (the response
    /// is then left out of SUS, as for any missing item), the benefit items and the time
    /// item. UMUX-Lite and NPS are one- or two-question scores and keep a forced choice.
    pub fn allows_dont_know(self) -> bool {
        matches!(self, Self::Sus | Self::Benefit | Self::Time)
    }
}

/// Checks a submitted form against the items. On error the caller keeps the raw values
/// to show them again. A minutes item reads its direction (`saves`, `costs`,
/// `no_difference`) beside the minutes, which are then taken without sign; without a
/// direction the minutes are read signed, as API clients send them.
pub fn check_answers(
    items: &[Item],
    form: &BTreeMap<String, String>,
    max_comment_chars: usize,
) -> Result<Answers, Vec<(String, AnswerProblem)>> {
    let mut answers = Answers::new();
    let mut problems = Vec::new();
    let field = |key: &str| form.get(key).map(|v| v.trim()).unwrap_or_default();
    for item in items {
        let raw = field(&item.key);
        let direction = if item.kind == ItemKind::MinutesPerWeek {
            field(&direction_field(&item.key))
        } else {
            ""
        };
        if item.scale.allows_dont_know() && (raw == DONT_KNOW || direction == DONT_KNOW) {
            continue;
        }
        let direction = TimeDirection::parse(direction);
        if direction == Some(TimeDirection::NoDifference) {
            answers.insert(item.key.clone(), AnswerValue::Number(0));
            continue;
        }
        if raw.is_empty() {
            if item.required || direction.is_some() {
                problems.push((item.key.clone(), AnswerProblem::Missing));
            }
            continue;
        }
        match item.kind.bounds() {
            Some((min, max)) => match raw.parse::<i64>() {
                Ok(value) => {
                    let value = match direction {
                        Some(TimeDirection::Saves) => value.abs(),
                        Some(TimeDirection::Costs) => -value.abs(),
                        _ => value,
                    };
                    if (min..=max).contains(&value) {
                        answers.insert(item.key.clone(), AnswerValue::Number(value));
                    } else {
                        problems.push((item.key.clone(), AnswerProblem::OutOfRange { min, max }));
                    }
                }
                Err(_) => problems.push((item.key.clone(), AnswerProblem::NotANumber)),
            },
            None => {
                let text = clean_text(raw);
                if text.trim().is_empty() {
                    if item.required {
                        problems.push((item.key.clone(), AnswerProblem::Missing));
                    }
                } else if text.chars().count() > max_comment_chars {
                    problems.push((
                        item.key.clone(),
                        AnswerProblem::TooLong {
                            max: max_comment_chars,
                        },
                    ));
                } else {
                    answers.insert(item.key.clone(), AnswerValue::Text(text));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(problems)
    }
}

/// About how long the form takes, in whole minutes rounded up: 8 seconds a scale item
/// (the reading-and-choosing time reported for rating items), 30 seconds for the minutes
/// item (it asks for an estimate), 60 seconds for a comment. The page says this figure.
pub fn estimated_minutes(items: &[Item]) -> u32 {
    let seconds: u32 = items
        .iter()
        .map(|item| match item.kind {
            ItemKind::Likert5 | ItemKind::Likert7 | ItemKind::Nps => 8,
            ItemKind::MinutesPerWeek => 30,
            ItemKind::Text => 60,
        })
        .sum();
    seconds.div_ceil(60).max(1)
}

/// Free text as stored: line breaks as `\n`, no other control characters (they carry
/// nothing a reader sees, and keeping them out bounds an answer's sealed size).
fn clean_text(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_of_a_used_version_becomes_the_next_version() {
        let unused = Questionnaire {
            id: 5,
            name: "Egen".into(),
            version: 2,
            previous_version_id: Some(4),
            template_key: None,
            items: Vec::new(),
            frozen: false,
        };
        assert_eq!(unused.revision(), Revision::InPlace);
        let used = Questionnaire {
            frozen: true,
            ..unused
        };
        assert_eq!(
            used.revision(),
            Revision::NewVersion {
                version: 3,
                previous_version_id: 5
            }
        );
    }

    fn item(key: &str, kind: ItemKind, required: bool) -> Item {
        Item {
            key: key.into(),
            kind,
            scale: match key {
                "tid" => ScaleTag::Time,
                k if k.starts_with("sus") => ScaleTag::Sus,
                _ => ScaleTag::Other,
            },
            text_sv: "Fråga".into(),
            text_en: "Question".into(),
            required,
        }
    }

    #[test]
    fn accepts_in_range_values_and_skips_blank_optional_text() {
        let items = [
            item("sus1", ItemKind::Likert5, true),
            item("tid", ItemKind::MinutesPerWeek, true),
            item("kommentar", ItemKind::Text, false),
        ];
        let answers = check_answers(
            &items,
            &form(&[("sus1", "5"), ("tid", "-30"), ("kommentar", "  ")]),
            100,
        )
        .unwrap();
        assert_eq!(answers.get("sus1"), Some(&AnswerValue::Number(5)));
        assert_eq!(answers.get("tid"), Some(&AnswerValue::Number(-30)));
        assert!(!answers.contains_key("kommentar"));
    }

    #[test]
    fn text_keeps_line_breaks_as_newlines_and_drops_other_control_characters() {
        let items = [item("kommentar", ItemKind::Text, true)];
        let answers =
            check_answers(&items, &form(&[("kommentar", "Bra\r\nmen\u{7} seg")]), 100).unwrap();
        assert_eq!(
            answers["kommentar"],
            AnswerValue::Text("Bra\nmen seg".into())
        );
        let only_control = form(&[("kommentar", "\u{1b}")]);
        assert_eq!(
            check_answers(&items, &only_control, 100).unwrap_err(),
            vec![("kommentar".to_string(), AnswerProblem::Missing)]
        );
    }

    #[test]
    fn reports_each_problem_by_item_key() {
        let items = [
            item("sus1", ItemKind::Likert5, true),
            item("nps", ItemKind::Nps, true),
            item("tid", ItemKind::MinutesPerWeek, true),
            item("kommentar", ItemKind::Text, false),
        ];
        let long = "x".repeat(11);
        let form = form(&[("nps", "11"), ("tid", "lots"), ("kommentar", &long)]);
        let problems = check_answers(&items, &form, 10).unwrap_err();
        assert_eq!(
            problems,
            vec![
                ("sus1".to_string(), AnswerProblem::Missing),
                (
                    "nps".to_string(),
                    AnswerProblem::OutOfRange { min: 0, max: 10 }
                ),
                ("tid".to_string(), AnswerProblem::NotANumber),
                ("kommentar".to_string(), AnswerProblem::TooLong { max: 10 }),
            ]
        );
    }

    fn form(fields: &[(&str, &str)]) -> BTreeMap<String, String> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn time_lost_is_entered_as_a_direction_and_minutes_and_stored_negative() {
        let items = [item("tid", ItemKind::MinutesPerWeek, true)];
        let value = |fields: &[(&str, &str)]| check_answers(&items, &form(fields), 100);
        let number = |n| Ok(Answers::from([("tid".to_string(), AnswerValue::Number(n))]));
        assert_eq!(
            value(&[("tid_direction", "costs"), ("tid", "15")]),
            number(-15)
        );
        assert_eq!(
            value(&[("tid_direction", "costs"), ("tid", "-15")]),
            number(-15)
        );
        assert_eq!(
            value(&[("tid_direction", "saves"), ("tid", "30")]),
            number(30)
        );
        assert_eq!(value(&[("tid_direction", "no_difference")]), number(0));
        assert_eq!(
            value(&[("tid_direction", "no_difference"), ("tid", "40")]),
            number(0),
            "no difference wins over a stray number"
        );
        // Without a direction (the API, an old form) the minutes are read signed.
        assert_eq!(value(&[("tid", "-20")]), number(-20));
        assert_eq!(
            value(&[("tid_direction", "costs")]),
            Err(vec![("tid".to_string(), AnswerProblem::Missing)]),
            "a direction without minutes asks for the minutes"
        );
        assert_eq!(
            value(&[("tid_direction", "costs"), ("tid", "2401")]),
            Err(vec![(
                "tid".to_string(),
                AnswerProblem::OutOfRange {
                    min: -2400,
                    max: 2400
                }
            )])
        );
    }

    #[test]
    fn dont_know_is_an_answer_without_a_value_where_the_instrument_allows_it() {
        let items = [
            item("sus1", ItemKind::Likert5, true),
            item("tid", ItemKind::MinutesPerWeek, true),
            item("nps", ItemKind::Nps, true),
        ];
        let answers = check_answers(
            &items,
            &form(&[
                ("sus1", DONT_KNOW),
                ("tid_direction", DONT_KNOW),
                ("nps", "9"),
            ]),
            100,
        )
        .unwrap();
        assert_eq!(
            answers,
            Answers::from([("nps".to_string(), AnswerValue::Number(9))])
        );
        // NPS keeps a forced choice: "vet ej" there is no number.
        let problems = check_answers(
            &items,
            &form(&[("sus1", "3"), ("tid", "0"), ("nps", DONT_KNOW)]),
            100,
        )
        .unwrap_err();
        assert_eq!(
            problems,
            vec![("nps".to_string(), AnswerProblem::NotANumber)]
        );
    }

    #[test]
    fn the_standard_form_takes_about_four_minutes() {
        // 13 scale items × 8 s + 30 s for the minutes + 60 s for the comment = 194 s → 4.
        let mut items: Vec<Item> = (1..=13)
            .map(|i| item(&format!("sus{i}"), ItemKind::Likert5, true))
            .collect();
        items.push(item("tid", ItemKind::MinutesPerWeek, true));
        items.push(item("kommentar", ItemKind::Text, false));
        assert_eq!(estimated_minutes(&items), 4);
        assert_eq!(estimated_minutes(&items[..2]), 1);
    }
}
