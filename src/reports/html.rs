//! The nyttoanalys as one standalone HTML page: its own styles inline, no script, no
//! outside resource, accessible (captions, header cells, the chart's title and
//! description), in Swedish or English. It reads on a desk screen and a phone (wide
//! tables scroll inside their own box, never the page) and prints on A4 landscape.
//! Every figure is written here, in Rust, through `numbers`, so the page says what the
//! other formats say: money to three significant digits in thousands of kronor, each
//! tidsvinst-based value with its interval, ratios to two significant digits.

use minijinja::{Environment, context};
use serde::Serialize;

use crate::{
    charts::{self, Chart, OverviewChart, ServicePoint},
    domain::{Error, Language},
    numbers::{self, kronor, kronor_range, number, percent},
    stats::nyttoanalys::{
        GroupLine, InsatsRule, LineStatus, Nyttoanalys, ProposalRule, SUS_AVERAGE,
        SUS_UNACCEPTABLE, ServiceLine,
    },
    wording::{self, Words},
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
        env
    })
}

/// The page's words (`nyttoanalys.toml`, beside the template), in `lang`.
fn labels(lang: Language) -> std::collections::BTreeMap<&'static str, &'static str> {
    words().all(lang)
}

/// One of the page's words in Swedish, for the CSV and the workbook to say the same.
pub(super) fn word(key: &str) -> &'static str {
    debug_assert!(words().has(key), "{key}");
    words().get(key, Language::Sv)
}

fn words() -> &'static Words {
    static WORDS: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| Words::parse(include_str!("templates/nyttoanalys.toml")))
}

/// `value` to `digits` significant digits (hours, which rest on the same answers as
/// the money).
fn significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return 0.0;
    }
    let unit = 10f64
        .powi(value.abs().log10().floor() as i32 + 1 - digits)
        .max(1.0);
    (value / unit).round() * unit
}

fn interval(ci: Option<(f64, f64)>, decimals: usize, lang: Language) -> String {
    ci.map_or_else(String::new, |(low, high)| {
        format!(
            " ({}–{})",
            number(low, decimals, lang),
            number(high, decimals, lang)
        )
    })
}

fn ratio_interval(ci: Option<(f64, f64)>, lang: Language) -> String {
    ci.map_or_else(String::new, |(low, high)| {
        format!(
            " ({}–{})",
            numbers::ratio(low, lang),
            numbers::ratio(high, lang)
        )
    })
}

/// One row of the ranked table, every figure already written out.
#[derive(Serialize)]
struct Row {
    rank: String,
    name: String,
    owner: String,
    department: String,
    status: &'static str,
    /// "too_few_answers", "no_round" or "shown".
    kind: &'static str,
    answered: String,
    /// The response rate, under the answers.
    rate: String,
    sus: String,
    nyttoindex: String,
    umux: String,
    nps: String,
    change: String,
    flags: Vec<&'static str>,
}

fn answered(line: &ServiceLine, lang: Language) -> String {
    let of = if lang == Language::Sv { "av" } else { "of" };
    match (line.answered, line.invited) {
        (Some(answered), Some(invited)) => format!("{answered} {of} {invited}"),
        _ => "–".to_owned(),
    }
}

fn row(line: &ServiceLine, lang: Language, none: &str) -> Row {
    let score = |s: Option<crate::stats::nyttoanalys::Score>, decimals: usize| {
        s.map_or_else(|| "–".to_owned(), |s| number(s.mean, decimals, lang))
    };
    let change = line.sus_change.map_or_else(
        || "–".to_owned(),
        |c| {
            let verdict = if c.significant {
                wording::p_value(c.p, lang)
            } else {
                words().get("not_significant", lang).to_owned()
            };
            format!("{} ({verdict})", wording::signed(c.difference, lang))
        },
    );
    Row {
        rank: line.rank.map_or_else(|| "–".to_owned(), |r| r.to_string()),
        name: line.name.clone(),
        owner: line.owner.clone().unwrap_or_else(|| none.to_owned()),
        department: line.department.clone().unwrap_or_else(|| none.to_owned()),
        status: wording::line_status(line.status, lang),
        kind: match line.status {
            LineStatus::Shown => "shown",
            LineStatus::TooFewAnswers => "too_few_answers",
            LineStatus::NoRound => "no_round",
        },
        answered: answered(line, lang),
        rate: line
            .response_rate
            .map_or_else(String::new, |r| percent(r, lang)),
        sus: line.sus.map_or_else(
            || "–".to_owned(),
            |s| format!("{}{}", number(s.mean, 1, lang), interval(s.ci, 1, lang)),
        ),
        nyttoindex: score(line.nyttoindex, 1),
        umux: score(line.umux_lite, 1),
        nps: score(line.nps, 0),
        change,
        flags: line.flags.iter().map(|f| wording::flag(*f, lang)).collect(),
    }
}

/// One row of the open-link table: a service whose round's open-link answers were
/// enough for a segment of their own, each figure or "too few answers".
#[derive(Serialize)]
struct OpenLinkRow {
    name: String,
    round: String,
    sus: String,
    nyttoindex: String,
    minutes: String,
}

fn open_link_rows(report: &Nyttoanalys, lang: Language, too_few: &str) -> Vec<OpenLinkRow> {
    let shown = |score: Option<crate::stats::nyttoanalys::Score>| {
        score.map_or_else(
            || too_few.to_owned(),
            |s| format!("{}{}", number(s.mean, 1, lang), interval(s.ci, 1, lang)),
        )
    };
    report
        .services
        .iter()
        .filter_map(|line| {
            let open = line.open_link?;
            Some(OpenLinkRow {
                name: line.name.clone(),
                round: line.round.clone().unwrap_or_default(),
                sus: shown(open.sus),
                nyttoindex: shown(open.nyttoindex),
                minutes: shown(open.tidsvinst),
            })
        })
        .collect()
}

/// One row of the nyttokalkyl table.
#[derive(Serialize)]
struct KalkylRow {
    name: String,
    round: String,
    users: String,
    minutes: String,
    hours: String,
    value: String,
    cost: String,
    ratio: String,
}

fn kalkyl_rows(report: &Nyttoanalys, lang: Language) -> Vec<KalkylRow> {
    report
        .services
        .iter()
        .filter_map(|line| {
            let k = line.nyttokalkyl?;
            let value = match k.value_ci_sek {
                Some((low, high)) => {
                    format!(
                        "{} ({})",
                        kronor(k.value_sek, lang),
                        kronor_range(low, high, lang)
                    )
                }
                None => kronor(k.value_sek, lang),
            };
            Some(KalkylRow {
                name: line.name.clone(),
                round: line.round.clone().unwrap_or_default(),
                users: number(f64::from(k.users), 0, lang),
                minutes: format!(
                    "{}{}",
                    number(k.minutes_per_week, 1, lang),
                    interval(k.minutes_ci, 1, lang)
                ),
                hours: number(significant(k.annual_hours, 3), 0, lang),
                value,
                cost: kronor(k.annual_cost_sek, lang),
                ratio: k.benefit_cost_ratio.map_or_else(
                    || "–".to_owned(),
                    |r| {
                        format!(
                            "{}{}",
                            numbers::ratio(r, lang),
                            ratio_interval(k.benefit_cost_ci, lang)
                        )
                    },
                ),
            })
        })
        .collect()
}

#[derive(Serialize)]
struct GroupRow {
    name: String,
    services: usize,
    shown: usize,
    answers: usize,
    sus: String,
    nyttoindex: String,
    value: String,
    cost: String,
    flagged: usize,
}

fn group_rows(groups: &[GroupLine], lang: Language, too_few: &str) -> Vec<GroupRow> {
    let none = wording::no_group(lang);
    groups
        .iter()
        .map(|g| GroupRow {
            name: g.name.clone().unwrap_or_else(|| none.to_owned()),
            services: g.services,
            shown: g.services_shown,
            answers: g.answers,
            sus: g
                .sus
                .map_or_else(|| too_few.to_owned(), |s| number(s, 1, lang)),
            nyttoindex: g
                .nyttoindex
                .map_or_else(|| "–".to_owned(), |s| number(s, 1, lang)),
            value: kronor(g.value_sek, lang),
            cost: kronor(g.annual_cost_sek as f64, lang),
            flagged: g.flagged,
        })
        .collect()
}

/// The proposals of one service.
#[derive(Serialize)]
struct ServiceProposals {
    service: String,
    owner: Option<String>,
    items: Vec<(&'static str, String)>,
}

fn grouped_proposals(report: &Nyttoanalys, lang: Language) -> Vec<ServiceProposals> {
    let mut groups: Vec<ServiceProposals> = Vec::new();
    let mut last = None;
    for proposal in &report.proposals {
        if last != Some(proposal.service_id) {
            groups.push(ServiceProposals {
                service: proposal.service.clone(),
                owner: proposal.owner.clone(),
                items: Vec::new(),
            });
            last = Some(proposal.service_id);
        }
        if let Some(group) = groups.last_mut() {
            group.items.push((
                wording::rule(proposal.rule, lang),
                wording::evidence(&proposal.evidence, lang),
            ));
        }
    }
    groups
}

/// The Insatser section, every figure written out; `None` for a report stored before
/// it had one.
fn insatser_view(report: &Nyttoanalys, lang: Language) -> Option<minijinja::Value> {
    let section = report.insatser.as_ref()?;
    let none = wording::no_group(lang);
    let owner = |o: &Option<String>| o.clone().unwrap_or_else(|| none.to_owned());
    let dash = || "–".to_owned();
    let decided: Vec<minijinja::Value> = section
        .decided
        .iter()
        .map(|d| {
            let k = d.kalkyl;
            context! {
                name => d.name.insats.clone(),
                owner => owner(&d.name.owner),
                decided_on => d.decided_on.to_string(),
                version => k.map_or_else(dash, |k| k.version.to_string()),
                investment => k.map_or_else(dash, |k| kronor(k.investment_sek, lang)),
                npv => k.map_or_else(dash, |k| kronor(k.npv_sek, lang)),
                ratio => k.and_then(|k| k.benefit_cost_ratio).map_or_else(dash, |r| numbers::ratio(r, lang)),
                payback => k.and_then(|k| k.payback_year).map_or_else(dash, |y| y.to_string()),
            }
        })
        .collect();
    let realisation: Vec<minijinja::Value> = section
        .realisation
        .iter()
        .map(|l| {
            let decimals = if l.metric == crate::domain::Metric::Nps { 0 } else { 1 };
            context! {
                insats => l.name.insats.clone(),
                benefit => l.benefit.clone(),
                service => l.service.clone(),
                metric => wording::metric_name(l.metric, lang),
                round => l.round.clone(),
                status => wording::realisation_status(l.status, lang),
                plan => format!(
                    "{} → {}",
                    l.baseline.map_or_else(dash, |b| number(b, decimals, lang)),
                    number(l.target, decimals, lang)
                ),
                measured => l.measured.map(|m| format!(
                    "{}{}",
                    number(m.mean, decimals, lang),
                    interval(m.ci, decimals, lang)
                )),
                n => l.measured.map(|m| m.n),
                share => l.measured.and_then(|m| m.realised_share).map_or_else(dash, |s| percent(s, lang)),
            }
        })
        .collect();
    let proposals: Vec<minijinja::Value> = section
        .proposals
        .iter()
        .map(|p| {
            context! {
                insats => p.name.insats.clone(),
                owner => owner(&p.name.owner),
                action => wording::insats_rule(p.rule, lang),
                evidence => wording::not_realised_evidence(&p.evidence, lang),
            }
        })
        .collect();
    Some(context! { decided, realisation, proposals })
}

/// The overview chart of the period: each service with SUS and nyttoindex this period.
pub fn overview_chart(report: &Nyttoanalys) -> Option<Chart> {
    overview_chart_in(report, Language::Sv)
}

fn overview_chart_in(report: &Nyttoanalys, lang: Language) -> Option<Chart> {
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
                "{}: SUS {}, nyttoindex {}",
                s.name,
                number(s.sus, 0, lang),
                number(s.nyttoindex, 0, lang)
            )
        })
        .collect();
    let (title, description) = match lang {
        Language::Sv => (
            format!("Användbarhet och nytta {}", report.period),
            format!(
                "SUS mot nyttoindex per tjänst {}. {}.",
                report.period,
                described.join("; ")
            ),
        ),
        Language::En => (
            format!("Usability and benefit {}", report.period),
            format!(
                "SUS against nyttoindex per service {}. {}.",
                report.period,
                described.join("; ")
            ),
        ),
    };
    Some(Chart::Overview(OverviewChart {
        title,
        description,
        services,
    }))
}

fn overview(report: &Nyttoanalys, lang: Language) -> Option<String> {
    let svg =
        charts::svg_with_id(&overview_chart_in(report, lang)?, (800, 450), "overview").ok()?;
    Some(
        svg.find("<svg")
            .map_or(svg.clone(), |start| svg[start..].to_owned()),
    )
}

/// The report in Swedish.
pub fn html(report: &Nyttoanalys) -> Result<String, Error> {
    html_in(report, Language::Sv)
}

/// The report in `lang`.
pub fn html_in(report: &Nyttoanalys, lang: Language) -> Result<String, Error> {
    let t = labels(lang);
    let none = wording::no_group(lang);
    let rows: Vec<Row> = report.services.iter().map(|l| row(l, lang, none)).collect();
    // A column every row would leave empty is not shown.
    let has_umux = report.services.iter().any(|l| l.umux_lite.is_some());
    let has_nps = report.services.iter().any(|l| l.nps.is_some());
    // The cells between the owner and the flags: answers, SUS, nyttoindex, the optional
    // UMUX-Lite and NPS, the change. A withheld row spans them.
    let data_columns = 4 + usize::from(has_umux) + usize::from(has_nps);
    let rules: Vec<(&str, String, &str)> = ProposalRule::ALL
        .into_iter()
        .map(|rule| {
            (
                wording::rule(rule, lang),
                wording::rule_applies_when(rule, lang),
                wording::rule_silent_when(rule, lang),
            )
        })
        .collect();
    let insats_rules: Vec<(&str, &str, &str)> = InsatsRule::ALL
        .into_iter()
        .map(|rule| {
            (
                wording::insats_rule(rule, lang),
                wording::insats_rule_applies_when(rule, lang),
                wording::insats_rule_silent_when(rule, lang),
            )
        })
        .collect();
    let totals = &report.totals;
    templates()
        .get_template("nyttoanalys.html")
        .and_then(|template| {
            template.render(context! {
                lang => lang.as_str(),
                t,
                period => report.period.clone(),
                min_group_size => report.min_group_size,
                totals => context! {
                    services => totals.services,
                    shown => totals.shown,
                    too_few_answers => totals.too_few_answers,
                    no_round => totals.no_round,
                    flagged => totals.flagged,
                    hours => number(significant(totals.annual_hours, 3), 0, lang),
                    value => kronor(totals.value_sek, lang),
                    cost => kronor(totals.annual_cost_sek, lang),
                    ratio => totals.benefit_cost_ratio.map_or_else(|| "–".to_owned(), |r| numbers::ratio(r, lang)),
                },
                overview => overview(report, lang).map(minijinja::Value::from_safe_string),
                rows,
                has_umux,
                has_nps,
                data_columns,
                proposals => grouped_proposals(report, lang),
                movers => report.movers.iter().map(|m| context! {
                    name => m.name.clone(),
                    metric => wording::changed_metric(m.metric),
                    difference => wording::signed(m.difference, lang),
                    significant => m.significant,
                    p => number(m.p, 3, lang),
                }).collect::<Vec<_>>(),
                kalkyl => kalkyl_rows(report, lang),
                open_links => open_link_rows(report, lang, t["too_few"]),
                departments => group_rows(&report.departments, lang, t["too_few"]),
                owners => group_rows(&report.owners, lang, t["too_few"]),
                rules,
                insats_rules,
                insatser => insatser_view(report, lang),
                method => method(report, lang),
                actions => action_rows(report, lang),
            })
        })
        .map_err(Error::internal)
}

/// The actions section: each service's actions, one line each, and the count of
/// services with results but none.
fn action_rows(report: &Nyttoanalys, lang: Language) -> minijinja::Value {
    let services: Vec<minijinja::Value> = report
        .actions
        .services
        .iter()
        .map(|s| {
            let actions: Vec<minijinja::Value> = s
                .actions
                .iter()
                .map(|a| {
                    context! {
                        title => a.title,
                        status => wording::action_status(a.status, lang),
                        published => a.published,
                        done_on => a.done_on.map(|d| numbers::long_date(d, lang)),
                        due_on => a.due_on.map(|d| numbers::long_date(d, lang)),
                        round => a.round,
                        item => a.item_key,
                    }
                })
                .collect();
            context! { name => s.name, actions }
        })
        .collect();
    context! { services, without => report.actions.results_without_action }
}

/// The method section's points as plain text (the workbook's first sheet).
pub(crate) fn method_points(report: &Nyttoanalys, lang: Language) -> Vec<String> {
    method(report, lang)
        .into_iter()
        .map(|point| {
            point
                .replace("<strong>", "")
                .replace("</strong>", "")
                .replace("&lt;", "<")
        })
        .collect()
}

/// The method section's points (HTML): metrics, thresholds, assumptions, rounding.
fn method(report: &Nyttoanalys, lang: Language) -> Vec<String> {
    let weeks = report.working_weeks;
    let hourly = number(report.hourly_cost_sek, 0, lang);
    let min = report.min_group_size;
    let alpha = wording::significance_level(lang);
    let (sus_avg, sus_low) = (
        number(SUS_AVERAGE, 0, lang),
        number(SUS_UNACCEPTABLE, 0, lang),
    );
    match lang {
        Language::Sv => vec![
            format!("<strong>SUS</strong> (System Usability Scale): tio påståenden på en femgradig skala, 0–100. {sus_avg} är genomsnittet; under {sus_low} är inte godtagbart."),
            "<strong>UMUX-Lite</strong>: två påståenden på en sjugradig skala, 0–100.".to_owned(),
            "<strong>Nyttoindex</strong>: medelvärdet av nyttofrågorna (1–7), omräknat till 0–100; 67 motsvarar svaret 5 av 7 (användarna instämmer).".to_owned(),
            "<strong>NPS</strong>: andelen som rekommenderar (9–10) minus andelen kritiker (0–6), −100 till 100.".to_owned(),
            "<strong>Tidsvinst</strong>: vunna (eller förlorade) minuter per vecka enligt användarna.".to_owned(),
            format!("Medelvärden anges med 95 % konfidensintervall (Students t), andelar med Wilsons intervall. Förändringar prövas med Welchs t-test mot förra omgången med resultat; <strong>signifikant</strong> betyder p &lt; {alpha}."),
            "<strong>Svarsfrekvens</strong>: svar ÷ levererade inbjudningar.".to_owned(),
            format!("<strong>Anonymitet</strong>: svaren är anonyma. Inga siffror, punkter eller kommentarer visas för grupper med färre än {min} svar."),
            format!("<strong>Flaggor</strong>: SUS under {sus_low}; en signifikant nedgång med minst 5 poäng i SUS eller nyttoindex; svarsfrekvens under 20 %; nytta/kostnad under 1. En flagga anger siffran; ett förslag kräver också att intervallet bär det."),
            format!("<strong>Nyttokalkyl</strong>: tidsvinsten i minuter per vecka ÷ 60 × {weeks} arbetsveckor per år × tjänstens antal användare (tjänstekatalogen) = frigjorda timmar, värderade till {hourly} kr per timme, mot tjänstens årliga kostnad. Det är <strong>omfördelningsnytta</strong>: tid som kan läggas på annat arbete, inte pengar som lämnar en budget. Intervallet följer av tidsvinstens 95 %-konfidensintervall; övriga antaganden (veckor, timkostnad, användare) är inte osäkerhetsberäknade."),
            "<strong>Avrundning</strong>: belopp avrundas till tre värdesiffror och anges i tusental kronor (tkr), timmar till tre värdesiffror, nytta/kostnad till två värdesiffror – mer precision än så bär inte svaren.".to_owned(),
        ],
        Language::En => vec![
            format!("<strong>SUS</strong> (System Usability Scale): ten statements on a five-point scale, 0–100. {sus_avg} is the average; below {sus_low} is not acceptable."),
            "<strong>UMUX-Lite</strong>: two statements on a seven-point scale, 0–100.".to_owned(),
            "<strong>Nyttoindex</strong>: the mean of the benefit items (1–7), mapped to 0–100; 67 corresponds to an answer of 5 of 7 (the users agree).".to_owned(),
            "<strong>NPS</strong>: the share of promoters (9–10) minus the share of detractors (0–6), −100 to 100.".to_owned(),
            "<strong>Tidsvinst</strong> (time saved): minutes a week gained (or lost) according to the users.".to_owned(),
            format!("Means carry 95 % confidence intervals (Student's t), shares Wilson intervals. Changes are tested with Welch's t-test against the previous round with results; <strong>significant</strong> means p &lt; {alpha}."),
            "<strong>Response rate</strong>: answers ÷ delivered invitations.".to_owned(),
            format!("<strong>Anonymity</strong>: answers are anonymous. No figure, point or comment is shown for a group with fewer than {min} answers."),
            format!("<strong>Flags</strong>: SUS below {sus_low}; a significant drop of at least 5 points in SUS or nyttoindex; a response rate below 20 %; benefit/cost below 1. A flag states the figure; a proposal also needs the interval to support it."),
            format!("<strong>Nyttokalkyl</strong>: time saved in minutes a week ÷ 60 × {weeks} working weeks a year × the service's number of users (the service catalogue) = hours freed, valued at {hourly} SEK an hour, against the service's annual cost. This is <strong>redistribution benefit</strong> (omfördelningsnytta): time that can go to other work, not money leaving a budget. The interval follows from the 95 % confidence interval of the time saved; the other assumptions (weeks, hourly cost, users) carry no stated uncertainty."),
            "<strong>Rounding</strong>: money is rounded to three significant digits and shown in thousands of kronor (kSEK), hours to three significant digits, benefit/cost to two significant digits – the answers support no more precision.".to_owned(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::nyttoanalys::sample_report;

    /// Every table row of `html`: its cells, counting `colspan`.
    fn row_widths(html: &str) -> Vec<Vec<usize>> {
        html.split("<table")
            .skip(1)
            .map(|table| {
                let table = &table[..table.find("</table>").unwrap()];
                table
                    .split("<tr")
                    .skip(1)
                    .map(|row| {
                        let row = &row[..row.find("</tr>").unwrap()];
                        row.match_indices("<t")
                            .filter(|(i, _)| {
                                row[i + 2..].starts_with('d') || row[i + 2..].starts_with('h')
                            })
                            .map(|(i, _)| {
                                let cell = &row[i..];
                                let tag = &cell[..cell.find('>').unwrap()];
                                tag.split("colspan=\"")
                                    .nth(1)
                                    .and_then(|rest| rest.split('"').next())
                                    .map_or(1, |n| n.parse().unwrap())
                            })
                            .sum()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_row_of_every_table_has_as_many_cells_as_its_header() {
        for lang in [Language::Sv, Language::En] {
            let html = html_in(&sample_report(), lang).unwrap();
            let tables = row_widths(&html);
            assert!(tables.len() >= 4, "{}", tables.len());
            for widths in tables {
                let header = widths[0];
                assert!(widths.iter().all(|w| *w == header), "{lang:?}: {widths:?}");
            }
        }
    }

    #[test]
    fn the_report_rounds_money_and_shows_intervals_in_both_languages() {
        let sv = html_in(&sample_report(), Language::Sv).unwrap();
        assert!(sv.starts_with("<!DOCTYPE html>\n<html lang=\"sv\">"));
        // Lön: 30 min (SD 10, n 20: 25.32–34.68) × 44 / 60 × 1,000 users × 450 SEK =
        // 9,900,000 SEK (8,355,600–11,444,400, rounded 8,360,000–11,400,000), against
        // 100,000: 99 (84–114).
        assert!(
            sv.contains("9\u{a0}900\u{a0}tkr (8\u{a0}360–11\u{a0}400\u{a0}tkr)"),
            "{sv}"
        );
        assert!(sv.contains("99 (84–114)"), "{sv}");
        assert!(sv.contains("Omfördelningsnytta"));
        assert!(sv.contains("44 arbetsveckor") && sv.contains("450 kr per timme"));
        assert!(
            !sv.contains("9\u{a0}900\u{a0}000"),
            "no kronor to the krona"
        );
        let en = html_in(&sample_report(), Language::En).unwrap();
        assert!(en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(
            en.contains("9,900\u{a0}kSEK (8,360–11,400\u{a0}kSEK)"),
            "{en}"
        );
        assert!(en.contains("Redistribution benefit") && en.contains("Services ranked"));
        assert!(!en.contains("Tjänster i rangordning"));
    }

    /// With `NYTTOPULS_REPORT_SAMPLE_DIR` set, writes the sample report in both languages
    /// there, to look at in a browser (headless Chromium at 1280 and 390 px, print).
    #[test]
    fn the_sample_report_can_be_written_for_a_look() {
        let Ok(dir) = std::env::var("NYTTOPULS_REPORT_SAMPLE_DIR") else {
            return;
        };
        let mut report = sample_report();
        // Long names, as real ones are.
        report.services[1].name = "Geografiskt informationssystem för samhällsbyggnad".into();
        report.services[1].owner = Some("Anna-Karin Lindqvist Johansson".into());
        for lang in [Language::Sv, Language::En] {
            let path =
                std::path::Path::new(&dir).join(format!("nyttoanalys-{}.html", lang.as_str()));
            std::fs::write(path, html_in(&report, lang).unwrap()).unwrap();
        }
    }

    #[test]
    fn every_word_the_template_reads_is_in_its_words_file() {
        let template = include_str!("templates/nyttoanalys.html");
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut keys: Vec<&str> = template
            .match_indices("t.")
            .filter(|(at, _)| !template[..*at].ends_with(word))
            .filter_map(|(at, _)| template[at + 2..].split(|c| !word(c)).next())
            .collect();
        keys.extend(["too_few", "not_significant"]);
        for key in keys {
            assert!(words().has(key), "{key}");
        }
    }

    #[test]
    fn an_action_reads_with_its_due_date_round_and_question() {
        let report = super::super::closing_loop::tests::report_with_actions_and_open_links();
        let sv = html_in(&report, Language::Sv).unwrap();
        assert!(
            sv.contains("<li>=Färre fält i ansökan – planerad, klar senast den 31 mars 2027, omgång 2026-Q4, fråga sus3</li>"),
            "{sv}"
        );
        assert!(
            sv.contains("<li>Snabbare inloggning – klar den 1 december 2026 (publicerad)</li>"),
            "{sv}"
        );
        let en = html_in(&report, Language::En).unwrap();
        assert!(en.contains(", due by "), "{en}");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(7_333.33, 3), 7_330.0);
        assert_eq!(significant(28_600.0, 3), 28_600.0);
        assert_eq!(significant(12.4, 3), 12.0);
        assert_eq!(significant(-1_234.0, 3), -1_230.0);
    }
}
