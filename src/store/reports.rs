//! The nyttoanalys stored per period, as JSON: what every format is rendered from, so a
//! period's report reads the same until it is regenerated. It keeps codes and numbers
//! (flags, proposal rules and their evidence), never sentences, under a `format` number.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
    sea_query::OnConflict,
};

use super::entity::report;
use crate::{domain::Error, stats::nyttoanalys::Nyttoanalys};

/// The stored form: 3 adds the Insatser section (`insatser`) and the actions section
/// (`actions`); a format 2 report has neither and reads without them (no actions), and an
/// action stored before it carried its round, question and due date reads tied to none
/// (the fields were added without a new number: older versions skip them). 2 keeps codes only. Format 1 (stored without a `format`) also kept
/// each proposal's Swedish sentences (`text`, `figure`) beside the same codes, and named
/// a missing förvaltning or objektägare "(ingen)"; reading skips the sentences (the codes
/// say the same) and shows that name as it was, so a report stored then still reads.
const FORMAT: u64 = 3;

/// A stored report and when it was made and sent.
pub struct StoredReport {
    pub report: Nyttoanalys,
    pub generated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn get(db: &impl ConnectionTrait, period: &str) -> Result<Option<StoredReport>, Error> {
    let Some(row) = report::Entity::find_by_id(period).one(db).await? else {
        return Ok(None);
    };
    let report = decode(&row.content).map_err(|problem| {
        Error::bug(format!(
            "the stored nyttoanalys of {period} does not decode: {problem}"
        ))
    })?;
    Ok(Some(StoredReport {
        report,
        generated_at: row.generated_at,
        sent_at: row.sent_at,
    }))
}

/// Stores a period's report, replacing an earlier one (keeping when it was sent).
pub async fn save(
    db: &impl ConnectionTrait,
    report: &Nyttoanalys,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut content = serde_json::to_value(report).map_err(Error::internal)?;
    if let Some(fields) = content.as_object_mut() {
        fields.insert("format".into(), FORMAT.into());
    }
    let content = content.to_string();
    report::Entity::insert(report::ActiveModel {
        period: Set(report.period.clone()),
        content: Set(content),
        generated_at: Set(now),
        sent_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(report::Column::Period)
            .update_columns([report::Column::Content, report::Column::GeneratedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn decode(content: &str) -> Result<Nyttoanalys, String> {
    let mut value: serde_json::Value = serde_json::from_str(content).map_err(|e| e.to_string())?;
    let format = value
        .as_object_mut()
        .and_then(|fields| fields.remove("format"))
        .map_or(Some(1), |format| format.as_u64());
    match format {
        Some(1..=FORMAT) => serde_json::from_value(value).map_err(|e| e.to_string()),
        _ => Err(format!(
            "its format is not one this version reads (1 to {FORMAT}); generate it again"
        )),
    }
}

/// Marks a period's report as sent; false if it was already.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    period: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let updated = report::Entity::update_many()
        .col_expr(report::Column::SentAt, Expr::value(now))
        .filter(report::Column::Period.eq(period))
        .filter(report::Column::SentAt.is_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::nyttoanalys::{ProposalRule, sample_report};

    #[test]
    fn a_report_stored_with_sentences_reads_as_its_codes() {
        let report = sample_report();
        let mut current = serde_json::to_value(&report).unwrap();
        current["format"] = FORMAT.into();
        let read = decode(&current.to_string()).unwrap();
        assert_eq!(read.proposals, report.proposals);
        // Format 1: no `format`, each proposal with its Swedish sentences.
        let mut first = serde_json::to_value(&report).unwrap();
        for proposal in first["proposals"].as_array_mut().unwrap() {
            proposal["text"] = "Genomför en användbarhetsgranskning".into();
            proposal["figure"] = "SUS 60,0 (n = 10)".into();
        }
        assert_eq!(decode(&first.to_string()), Ok(read));
        assert!(
            report
                .proposals
                .iter()
                .any(|p| p.rule == ProposalRule::UsabilityReview)
        );
        let mut later = serde_json::to_value(&report).unwrap();
        later["format"] = (FORMAT + 1).into();
        assert!(
            decode(&later.to_string())
                .unwrap_err()
                .contains("generate it again")
        );
        assert!(decode("{}").is_err());
    }

    #[test]
    fn a_format_2_report_reads_without_an_insatser_section() {
        let mut report = sample_report();
        report.insatser = Some(Default::default());
        let mut current = serde_json::to_value(&report).unwrap();
        current["format"] = FORMAT.into();
        // The section reads back as stored (the rest is the test above's).
        assert_eq!(
            decode(&current.to_string()).unwrap().insatser,
            report.insatser
        );
        let mut second = serde_json::to_value(&report).unwrap();
        second.as_object_mut().unwrap().remove("insatser");
        second["format"] = 2.into();
        let read = decode(&second.to_string()).unwrap();
        assert_eq!(read.insatser, None);
        // Everything else still reads (serde_json's default float parsing may move a
        // figure's last bit, so the services are compared by what identifies them).
        let names = |r: &Nyttoanalys| -> Vec<(i32, String)> {
            r.services
                .iter()
                .map(|s| (s.service_id, s.name.clone()))
                .collect()
        };
        assert_eq!(names(&read), names(&report));
        assert_eq!(read.proposals, report.proposals);
    }

    #[test]
    fn an_action_stored_without_its_round_question_and_due_date_reads_tied_to_none() {
        use crate::{
            domain::action::ActionStatus,
            stats::nyttoanalys::{ActionLine, ServiceActions},
        };
        let mut report = sample_report();
        report.actions.services = vec![ServiceActions {
            service_id: 1,
            name: "Lön".into(),
            actions: vec![ActionLine {
                title: "Snabbare inloggning".into(),
                status: ActionStatus::Done,
                published: true,
                done_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
                round: Some("2026-Q4".into()),
                item_key: Some("sus3".into()),
                due_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            }],
        }];
        report.actions.results_without_action = 4;
        let mut stored = serde_json::to_value(&report).unwrap();
        stored["format"] = FORMAT.into();
        assert_eq!(decode(&stored.to_string()).unwrap().actions, report.actions);
        // As format 3 stored an action before the three fields were added.
        let line = &mut stored["actions"]["services"][0]["actions"][0];
        for field in ["round", "item_key", "due_on"] {
            line.as_object_mut().unwrap().remove(field);
        }
        let read = decode(&stored.to_string()).unwrap().actions;
        let action = &read.services[0].actions[0];
        assert_eq!(
            (&action.round, &action.item_key, action.due_on),
            (&None, &None, None)
        );
        assert_eq!(
            (action.title.as_str(), action.done_on),
            (
                "Snabbare inloggning",
                report.actions.services[0].actions[0].done_on
            )
        );
        assert_eq!(read.results_without_action, 4);
    }
}
