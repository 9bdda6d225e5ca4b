//! The nyttoanalys as one standalone HTML page: its own styles inline, no script, no
//! outside resource, printable (tables do not break mid-row), accessible (captions,
//! header cells, the chart's title and description), Swedish.

use minijinja::{Environment, context};

use crate::{
    charts::{self, Chart, OverviewChart, ServicePoint},
    domain::{Error, Language},
    numbers,
    stats::nyttoanalys::{Flag, Nyttoanalys, ProposalRule},
};

fn templates() -> &'static Environment<'static> {
    static TEMPLATES: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template(
            "nyttoanalys.html",
            include_str!("templates/nyttoanalys.html"),
        )
        .expect("the report template is valid");
        env.add_filter("num", |value: f64, decimals: usize| {
            numbers::number(value, decimals, Language::Sv)
        });
        env.add_filter("pct", |share: f64| numbers::percent(share, Language::Sv));
        env
    })
}

/// The overview chart of the period: each service with SUS and nyttoindex this period.
pub fn overview_chart(report: &Nyttoanalys) -> Option<Chart> {
    let services: Vec<ServicePoint> = report
        .services
        .iter()
        .filter_map(|l| {
            Some(ServicePoint {
                name: l.name.clone(),
                sus: l.sus?.mean,
                nyttoindex: l.nyttoindex?.mean,
                users: l.users.max(0) as u32,
            })
        })
        .collect();
    if services.is_empty() {
        return None;
    }
    let described: Vec<String> = services
        .iter()
        .map(|s| {
            format!(
                "{}: SUS {:.0}, nyttoindex {:.0}",
                s.name, s.sus, s.nyttoindex
            )
        })
        .collect();
    Some(Chart::Overview(OverviewChart {
        title: format!("Användbarhet och nytta {}", report.period),
        description: format!("SUS mot nyttoindex per tjänst. {}.", described.join("; ")),
        services,
    }))
}

fn overview(report: &Nyttoanalys) -> Option<String> {
    let svg = charts::svg_with_id(&overview_chart(report)?, (800, 450), "overview").ok()?;
    Some(
        svg.find("<svg")
            .map_or(svg.clone(), |start| svg[start..].to_owned()),
    )
}

pub fn html(report: &Nyttoanalys) -> Result<String, Error> {
    let rules: Vec<(&str, &str, &str)> = ProposalRule::ALL
        .iter()
        .map(|rule| {
            (
                rule.text(Language::Sv),
                rule.applies_when(Language::Sv),
                rule.silent_when(Language::Sv),
            )
        })
        .collect();
    templates()
        .get_template("nyttoanalys.html")
        .and_then(|t| {
            t.render(context! {
                r => report,
                overview => overview(report).map(minijinja::Value::from_safe_string),
                rules,
                flag_names => Flag::ALL.iter().map(|f| (f.as_str(), f.swedish())).collect::<std::collections::BTreeMap<_, _>>(),
            })
        })
        .map_err(Error::internal)
}
