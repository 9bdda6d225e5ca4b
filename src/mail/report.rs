//! The nyttoanalys email of a period: a summary in Swedish with the overview chart
//! inline, the proposals per service, a link to the report page, and the workbook
//! attached.

use lettre::{Message, message::Mailbox};
use minijinja::context;

use super::message::{BuildError, FileAttachment, InlineImage, build_rich_message};
use crate::{
    domain::Language,
    numbers::{self, number},
    reports::{self, Format},
    stats::nyttoanalys::Nyttoanalys,
    wording,
};

/// The email of `report` to `recipient`; `public_url` is where Nyttopuls answers.
pub fn report_message(
    from: &Mailbox,
    recipient: &str,
    report: &Nyttoanalys,
    public_url: &str,
) -> Result<Message, BuildError> {
    let sv = Language::Sv;
    let period = report.period.clone();
    let image = reports::overview_chart(report)
        .map(|chart| crate::charts::png(&chart, (1200, 675)))
        .transpose()
        .map_err(|e| BuildError::Content(e.to_string()))?
        .map(|png| InlineImage {
            cid: "overview".into(),
            png,
        });
    let totals = &report.totals;
    let values = context! {
        period,
        services => totals.services,
        shown => totals.shown,
        flagged => totals.flagged,
        hours => number(numbers::round_money(totals.annual_hours * 1000.0) / 1000.0, 0, sv),
        value => numbers::kronor(totals.value_sek, sv),
        ratio => totals.benefit_cost_ratio.map_or_else(|| "–".to_owned(), |r| numbers::ratio(r, sv)),
        hourly_cost => number(report.hourly_cost_sek, 0, sv),
        working_weeks => report.working_weeks,
        lang => sv.as_str(),
        proposals => proposals_per_service(report),
        report_link => format!(
            "{}/dashboard/reports?period={period}",
            public_url.trim_end_matches('/')
        ),
        image => image.as_ref().map(|i| i.cid.clone()),
    };
    let workbook = reports::render(report, Format::Xlsx, sv)
        .map_err(|e| BuildError::Content(e.to_string()))?;
    let attachment = FileAttachment {
        name: workbook.file_name,
        content_type: workbook.content_type,
        bytes: workbook.bytes,
    };
    build_rich_message(
        from,
        recipient,
        &format!("Nyttoanalys {period}"),
        "report",
        values,
        image,
        Some(attachment),
    )
}

/// The proposals per service, in the report's order: service, owner, and each
/// proposal with the figure behind it.
fn proposals_per_service(report: &Nyttoanalys) -> Vec<minijinja::Value> {
    let sv = Language::Sv;
    let mut groups: Vec<(i32, String, Option<String>, Vec<minijinja::Value>)> = Vec::new();
    for p in &report.proposals {
        if groups.last().is_none_or(|g| g.0 != p.service_id) {
            groups.push((p.service_id, p.service.clone(), p.owner.clone(), Vec::new()));
        }
        if let Some(group) = groups.last_mut() {
            group.3.push(context! {
                text => wording::rule(p.rule, sv),
                figure => wording::evidence(&p.evidence, sv),
            });
        }
    }
    groups
        .into_iter()
        .map(|(_, service, owner, items)| context! { service, owner, items })
        .collect()
}
