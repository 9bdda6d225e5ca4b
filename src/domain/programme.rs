//! Survey programmes (enkätprogram): a questionnaire sent to the users of some services
//! on a schedule, with an open window, reminders and a sampling rule.

use serde::{Deserialize, Serialize};

use super::{CronSchedule, Error, FieldProblem, PeriodKind, catalogue::required_name};

/// Who of a service's users is invited in a round.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Sampling {
    /// Everyone who uses the service (and is not resting under the fatigue rule).
    Everyone,
    /// Only as many as needed for a SUS 95 % confidence interval of ± `half_width`
    /// points, given the service's last response rate and SD; everyone without history.
    Precision { half_width: f64 },
}

/// What the last closed round of a service tells about the next one (how many a round
/// invites under [`Sampling::Precision`] is worked out in `stats::sampling`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundHistory {
    pub response_rate: f64,
    pub sus_sd: f64,
}

#[derive(Debug, Clone)]
pub struct Programme {
    pub id: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// What it was last created or replaced with.
    pub settings: NewProgramme,
}

/// A programme as created or replaced: every field checked, all problems reported.
#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub name: String,
    pub questionnaire_id: i32,
    /// `None`: every active service.
    pub service_ids: Option<Vec<i32>>,
    pub schedule: CronSchedule,
    pub period: PeriodKind,
    pub open_days: u32,
    pub reminder_days: Vec<u32>,
    pub sampling: Sampling,
    pub active: bool,
}

pub struct ProgrammeFields<'a> {
    pub name: &'a str,
    pub questionnaire_id: i32,
    pub service_ids: Option<Vec<i32>>,
    pub schedule: &'a str,
    pub period: Option<&'a str>,
    pub open_days: Option<i64>,
    pub reminder_days: Option<Vec<i64>>,
    pub sampling: Option<Sampling>,
    pub active: Option<bool>,
}

impl NewProgramme {
    pub fn parse(fields: ProgrammeFields<'_>) -> Result<Self, Error> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String| {
            problems.push(FieldProblem {
                line: None,
                field: field.into(),
                message,
            })
        };
        let name = required_name("name", fields.name)
            .map_err(|_| problem("name", "must not be empty".into()))
            .ok();
        let schedule = CronSchedule::parse(fields.schedule)
            .map_err(|m| problem("schedule", m))
            .ok();
        let period = fields
            .period
            .map_or(Ok(PeriodKind::default()), str::parse)
            .map_err(|m| problem("period", m))
            .ok();
        let open_days = fields.open_days.unwrap_or(14);
        if !(1..=365).contains(&open_days) {
            problem("open_days", "must be between 1 and 365".into());
        }
        let mut reminder_days = fields.reminder_days.unwrap_or_else(|| vec![7]);
        reminder_days.sort_unstable();
        reminder_days.dedup();
        if reminder_days.iter().any(|&d| d < 0 || d >= open_days) {
            problem(
                "reminder_days",
                "each must be 0 or more and less than open_days".into(),
            );
        }
        if reminder_days.len() > 5 {
            problem("reminder_days", "at most 5 reminders".into());
        }
        let sampling = fields.sampling.unwrap_or(Sampling::Everyone);
        if let Sampling::Precision { half_width } = sampling
            && !(half_width.is_finite() && half_width > 0.0 && half_width <= 50.0)
        {
            problem(
                "sampling.half_width",
                "must be between 0 and 50 SUS points".into(),
            );
        }
        if let Some(ids) = &fields.service_ids
            && ids.is_empty()
        {
            problem(
                "service_ids",
                "must list at least one service, or be left out for all active services".into(),
            );
        }
        match (name, schedule, period) {
            (Some(name), Some(schedule), Some(period)) if problems.is_empty() => Ok(Self {
                name,
                questionnaire_id: fields.questionnaire_id,
                service_ids: fields.service_ids,
                schedule,
                period,
                open_days: open_days as u32,
                reminder_days: reminder_days.into_iter().map(|d| d as u32).collect(),
                sampling,
                active: fields.active.unwrap_or(true),
            }),
            _ => Err(Error::Invalid(problems)),
        }
    }
}

impl NewProgramme {
    /// A programme names a questionnaire and services that exist: `questionnaire_exists`
    /// and `existing_services` say which of those it names the store found. The first
    /// missing one is reported, as invalid input in the field that names it.
    pub fn check_references(
        &self,
        questionnaire_exists: bool,
        existing_services: &std::collections::HashSet<i32>,
    ) -> Result<(), Error> {
        if !questionnaire_exists {
            return Err(Error::not_found("questionnaire", self.questionnaire_id)
                .as_invalid_reference("questionnaire_id"));
        }
        match self
            .service_ids
            .iter()
            .flatten()
            .find(|id| !existing_services.contains(id))
        {
            Some(&missing) => {
                Err(Error::not_found("service", missing).as_invalid_reference("service_ids"))
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programme(service_ids: Option<Vec<i32>>) -> NewProgramme {
        NewProgramme {
            name: "Halvår".into(),
            questionnaire_id: 1,
            service_ids,
            schedule: CronSchedule::parse("0 0 7 1 1,7 *").unwrap(),
            period: PeriodKind::default(),
            open_days: 21,
            reminder_days: vec![10],
            sampling: Sampling::Everyone,
            active: true,
        }
    }

    #[test]
    fn a_programme_names_a_questionnaire_and_services_that_exist() {
        let existing = std::collections::HashSet::from([2, 3]);
        assert!(programme(None).check_references(true, &existing).is_ok());
        assert!(
            programme(Some(vec![3, 2]))
                .check_references(true, &existing)
                .is_ok()
        );
        assert_eq!(
            programme(None)
                .check_references(false, &existing)
                .unwrap_err()
                .to_string(),
            "questionnaire_id: questionnaire 1 does not exist"
        );
        assert_eq!(
            programme(Some(vec![2, 9, 8]))
                .check_references(true, &existing)
                .unwrap_err()
                .to_string(),
            "service_ids: service 9 does not exist"
        );
    }
}
