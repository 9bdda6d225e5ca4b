//! What objektägare do about their results, in the nyttoanalys ("ni sa – vi gör"): each
//! service's actions, in the report's order of services, and how many services had
//! results this period but no action at all.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{LineStatus, ServiceLine};
use crate::domain::action::{Action, ActionStatus};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionsSection {
    /// Services with at least one action, in the report's order.
    pub services: Vec<ServiceActions>,
    /// Services with figures this period (`LineStatus::Shown`) and no action.
    pub results_without_action: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceActions {
    pub service_id: i32,
    pub name: String,
    pub actions: Vec<ActionLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionLine {
    pub title: String,
    pub status: ActionStatus,
    pub published: bool,
    pub done_on: Option<NaiveDate>,
}

/// The section for a report's `services` from every action of those services.
pub fn actions_section(services: &[ServiceLine], actions: &[Action]) -> ActionsSection {
    let of = |service_id: i32| -> Vec<ActionLine> {
        actions
            .iter()
            .filter(|a| a.details.service_id == service_id)
            .map(|a| ActionLine {
                title: a.details.title.clone(),
                status: a.details.status,
                published: a.details.published,
                done_on: a.details.done_on,
            })
            .collect()
    };
    let mut section = ActionsSection::default();
    for line in services {
        let lines = of(line.service_id);
        if lines.is_empty() {
            section.results_without_action += usize::from(line.status == LineStatus::Shown);
        } else {
            section.services.push(ServiceActions {
                service_id: line.service_id,
                name: line.name.clone(),
                actions: lines,
            });
        }
    }
    section
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::action::NewAction;

    #[test]
    fn actions_follow_the_reports_order_and_results_without_one_are_counted() {
        let report = super::super::sample_report();
        let shown: Vec<&ServiceLine> = report
            .services
            .iter()
            .filter(|l| l.status == LineStatus::Shown)
            .collect();
        assert!(shown.len() >= 2, "the sample has services with results");
        let now = chrono::Utc::now();
        let action = |service_id: i32, title: &str, status: ActionStatus| Action {
            id: 1,
            details: NewAction {
                service_id,
                round_id: None,
                item_key: None,
                title: title.into(),
                public_text: String::new(),
                status,
                due_on: None,
                done_on: None,
                published: true,
            },
            created_at: now,
            updated_at: now,
        };
        // Two actions on the second-ranked service, one on the first: the section lists
        // the first before the second, and every other shown service lacks an action.
        let actions = [
            action(shown[1].service_id, "Ny inloggning", ActionStatus::Done),
            action(shown[0].service_id, "Utbildning", ActionStatus::Planned),
            action(shown[1].service_id, "Färre fält", ActionStatus::InProgress),
        ];
        let section = actions_section(&report.services, &actions);
        let listed: Vec<(i32, usize)> = section
            .services
            .iter()
            .map(|s| (s.service_id, s.actions.len()))
            .collect();
        assert_eq!(listed, [(shown[0].service_id, 1), (shown[1].service_id, 2)]);
        assert_eq!(section.services[1].actions[1].title, "Färre fält");
        assert_eq!(section.results_without_action, shown.len() - 2);
    }
}
