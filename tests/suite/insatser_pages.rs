//! The insatser pages of the dashboard as their readers meet them: an objektägare's own
//! insatser with the planned kalkyl and what the surveys measured (figures by hand,
//! "för få svar" and no number for a small group), nothing of another owner's; an
//! insats's page with its chart and its decided kalkyl beside a later version;
//! Kommunledningskontoret's portfolio with every score component, the realisation table
//! and the reference class; and the status form (its token, its rule, its audit entry).

use chrono::NaiveDate;
use nyttopuls::{
    domain::{
        Actor,
        insats::{
            InsatsInput, InsatsStatus,
            nyttokalkyl::{BaselineInput, BenefitInput, IndicatorInput, NyttokalkylInput},
        },
    },
    usecases::{Clock, insatser as usecases, sign_in},
};
use reqwest::{StatusCode, header};

use crate::{
    common::TestApp,
    dashboard::{SIX_FORMS, spawn},
    mail_sink::MailSink,
    results::closed_round,
    survey_loop::COMPLETE_ANSWER,
};

fn day(raw: &str) -> NaiveDate {
    raw.parse().unwrap()
}

/// A dashboard session for `email` (an objektägare's or an admin's), opened through
/// the sign-in use cases rather than the mailbox: the cookie's secret.
pub(crate) async fn session_for(app: &TestApp, email: &str) -> String {
    let url = sign_in::link_for(&app.state, &Actor::cli(), email)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{email} has no account"));
    let token = url.rsplit('/').next().unwrap();
    sign_in::open_session(&app.state, token)
        .await
        .unwrap()
        .expect("a fresh link opens a session")
        .secret
}

pub(crate) async fn page_as(app: &TestApp, session: &str, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.url(path))
        .header(header::COOKIE, format!("np_session={session}"))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn post_form_as(
    app: &TestApp,
    session: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(app.url(path))
        .header(header::COOKIE, format!("np_session={session}"))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The insatser the pages show, made through the use cases.
pub(crate) struct Portfolio {
    pub live: i32,
    pub proposal: i32,
    /// The live insats's nyttoägare (owner of the `bygglov` service).
    pub owner_email: &'static str,
    /// The proposal's nyttoägare (owner of the `arkiv` service).
    pub other_owner_email: &'static str,
    pub admin_email: &'static str,
}

fn sus_indicator(service_id: i32, baseline: f64, target: f64) -> IndicatorInput {
    IndicatorInput {
        service_id,
        metric: "sus".into(),
        baseline: Some(BaselineInput {
            value: baseline,
            period: "2020-Q1".into(),
            n: 30,
        }),
        target,
        target_period: None,
    }
}

fn measured(
    description: &str,
    category: &str,
    sek: Option<f64>,
    indicator: IndicatorInput,
) -> BenefitInput {
    BenefitInput {
        description: description.into(),
        category: category.into(),
        annual_value_sek: sek,
        indicator: Some(indicator),
        ..BenefitInput::default()
    }
}

fn insats(name: &str, owner_id: Option<i32>, service_ids: Vec<i32>) -> InsatsInput {
    InsatsInput {
        name: name.into(),
        owner_id,
        service_ids,
        ..InsatsInput::default()
    }
}

/// Through assessment and decision to live on 1 January 2020 (every round since lies
/// after go-live), and on to `last`.
async fn take_live(app: &TestApp, id: i32, last: InsatsStatus) {
    for to in [
        InsatsStatus::Assessed,
        InsatsStatus::Decided,
        InsatsStatus::InProgress,
        InsatsStatus::Live,
        InsatsStatus::FollowedUp,
    ] {
        usecases::change_status(&app.state, &Actor::cli(), id, to, Some(day("2020-01-01")))
            .await
            .unwrap();
        if to == last {
            return;
        }
    }
}

/// A followed-up insats whose one benefit, SUS on `service_id`, went from `baseline`
/// towards `target`.
pub(crate) async fn followed_up(
    app: &TestApp,
    service_id: i32,
    name: &str,
    baseline: f64,
    target: f64,
) {
    let kalkyl = NyttokalkylInput {
        investment_sek: 100_000.0,
        benefits: vec![measured(
            "Bättre användbarhet",
            "unvalued",
            None,
            sus_indicator(service_id, baseline, target),
        )],
        ..NyttokalkylInput::default()
    };
    let saved = usecases::save_insats(
        &app.state,
        &Actor::cli(),
        None,
        insats(name, None, vec![service_id]),
        Some(kalkyl),
    )
    .await
    .unwrap();
    take_live(app, saved.insats.id, InsatsStatus::FollowedUp).await;
}

/// Two services with a closed round each, a live insats measured by both, a proposal of
/// another owner's, two followed-up insatser (a third makes a reference class) and a
/// Kommunledningskontoret account.
pub(crate) async fn portfolio() -> (TestApp, MailSink, Portfolio) {
    let (app, sink) = spawn(Clock::system(), |_| {}).await;
    // Bygglov: five answers scoring SUS 82.5 and tid 30, one SUS 50 and tid −30 (SUS mean
    // 77.0833, 95 % CI 63.1592–91.0074; tid mean 20, CI −5.7058–45.7058); 500 users.
    let (service, owner, _) = closed_round(&app, &sink, "bygglov", 8, &SIX_FORMS, true).await;
    // Arkiv: four answers, fewer than 5: the round released no figure.
    let (small, other_owner, _) =
        closed_round(&app, &sink, "arkiv", 5, &[COMPLETE_ANSWER; 4], true).await;
    let (service, small, owner, other_owner) = (
        service as i32,
        small as i32,
        owner as i32,
        other_owner as i32,
    );
    let admin = Actor::cli();
    sign_in::add_admin(&app.state, &admin, "klk@x.se", "Kommunledningskontoret")
        .await
        .unwrap();

    // N = 5, r = 0.03 (the defaults), 500 000 invested, no running cost; the one valued
    // benefit is 1 000 000 a year from year 1.
    let kalkyl = NyttokalkylInput {
        investment_sek: 500_000.0,
        benefits: vec![
            measured(
                "Nöjdare sökande",
                "unvalued",
                None,
                sus_indicator(service, 60.0, 80.0),
            ),
            measured(
                "Kortare handläggning",
                "redistribution",
                Some(1_000_000.0),
                IndicatorInput {
                    metric: "tidsvinst".into(),
                    target: 30.0,
                    ..sus_indicator(service, 0.0, 30.0)
                },
            ),
            measured(
                "Färre frågor till arkivet",
                "unvalued",
                None,
                sus_indicator(small, 60.0, 80.0),
            ),
        ],
        ..NyttokalkylInput::default()
    };
    let live = usecases::save_insats(
        &app.state,
        &admin,
        None,
        insats("Digital bygglovsansökan", Some(owner), vec![service, small]),
        Some(kalkyl),
    )
    .await
    .unwrap()
    .insats
    .id;
    take_live(&app, live, InsatsStatus::Live).await;

    // The proposal: N = 1, r = 0.05, 1000 invested, 100 a year, 1200 a year from year 1.
    let proposal_kalkyl = NyttokalkylInput {
        calculation_years: Some(1),
        discount_rate: Some(0.05),
        investment_sek: 1000.0,
        annual_running_cost_sek: Some(100.0),
        benefits: vec![BenefitInput {
            description: "Lägre licenskostnad".into(),
            category: "financial".into(),
            annual_value_sek: Some(1200.0),
            ..BenefitInput::default()
        }],
    };
    let proposal = usecases::save_insats(
        &app.state,
        &admin,
        None,
        insats("Ny arkivtjänst", Some(other_owner), vec![small]),
        Some(proposal_kalkyl),
    )
    .await
    .unwrap()
    .insats
    .id;

    // Followed up: shares (77.0833 − 60)/(80 − 60) = 0.854167 and (77.0833 − 70)/(80 − 70)
    // = 0.708333.
    followed_up(&app, service, "Tidigare insats A", 60.0, 80.0).await;
    followed_up(&app, service, "Tidigare insats B", 70.0, 80.0).await;
    (
        app,
        sink,
        Portfolio {
            live,
            proposal,
            owner_email: "agare.bygglov@x.se",
            other_owner_email: "agare.arkiv@x.se",
            admin_email: "klk@x.se",
        },
    )
}

/// The table row (`<tr>…</tr>`) of `page` that holds `text`.
fn row_with<'a>(page: &'a str, text: &str) -> &'a str {
    let at = page
        .find(text)
        .unwrap_or_else(|| panic!("no {text} in:\n{page}"));
    let start = page[..at].rfind("<tr>").expect("inside a row");
    let end = at + page[at..].find("</tr>").expect("a row's end");
    &page[start..end]
}

/// The cell of `row` whose phone label is `label`.
fn cell<'a>(row: &'a str, label: &str) -> &'a str {
    let marker = format!("data-label=\"{label}\">");
    let start = row
        .find(&marker)
        .unwrap_or_else(|| panic!("no {label} cell in {row}"))
        + marker.len();
    &row[start..start + row[start..].find("</td>").unwrap()]
}

#[tokio::test]
async fn an_objektagare_sees_their_insatser_planned_against_realised_by_hand() {
    let (app, _sink, shown) = portfolio().await;
    let session = session_for(&app, shown.owner_email).await;
    let (status, page) = page_as(&app, &session, "/dashboard/insatser").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Dina insatser") && page.contains("Digital bygglovsansökan"));
    // Another owner's proposal and the ownerless followed-up insatser are not theirs.
    assert!(!page.contains("Ny arkivtjänst"), "{page}");
    assert!(!page.contains("Tidigare insats"), "{page}");
    // NPV = −500 000 + 1 000 000 × (1 − 1.03⁻⁵)/0.03 = −500 000 + 4 579 707.19 =
    // 4 079 707; benefit/cost 4 579 707 / 500 000 = 9.16 → 9,2; paid back in year 1.
    assert!(page.contains("4\u{a0}079\u{a0}707\u{a0}kr"), "{page}");
    assert!(
        page.contains("<dd>9,2</dd>") && page.contains("år 1"),
        "{page}"
    );
    // The insats's share: (0.854167 + 0.666667)/2 = 0.760417 → 76 %.
    assert!(page.contains("<dd>76\u{a0}%</dd>"), "{page}");

    // SUS 77.0833 (CI 63.1592–91.0074) against the baseline value 60 and target 80:
    // the CI excludes 60, so progressing; share 17.0833/20 = 85 %.
    let sus = row_with(&page, "Nöjdare sökande");
    assert!(
        cell(sus, "Senaste omgången").contains("77,1</span> (95 % KI 63,2–91,0), n&nbsp;=&nbsp;6"),
        "{sus}"
    );
    assert_eq!(cell(sus, "Realiserad andel"), "85\u{a0}%");
    assert!(cell(sus, "Status").contains("På väg mot målet"), "{sus}");
    // Tid: mean 20 (CI −5.7058–45.7058 holds the baseline 0: no significant change),
    // share 20/30 = 67 %; realised 20/60 × 44 weeks × 500 users × 450 kr = 3 300 000
    // (one minute is 165 000: −941 460 to 7 541 460, rounded to three digits) against
    // the planned 1 000 000.
    let tid = row_with(&page, "Kortare handläggning");
    assert!(
        cell(tid, "Senaste omgången").contains("20,0</span> (95 % KI −5,7–45,7)"),
        "{tid}"
    );
    assert_eq!(cell(tid, "Realiserad andel"), "67\u{a0}%");
    assert_eq!(
        cell(tid, "Realiserat värde per år"),
        "3\u{a0}300\u{a0}tkr (95 % KI −941–7\u{a0}540\u{a0}tkr); planerat 1\u{a0}000\u{a0}tkr"
    );
    assert!(cell(tid, "Status").contains("Ingen säkerställd förändring"));
    // Four answers: the status says so, and no measured number stands anywhere in the row
    // but the plan's baseline (60,0 of 2020-Q1, n = 30) and target (80,0).
    let small = row_with(&page, "Färre frågor till arkivet");
    assert!(
        cell(small, "Senaste omgången").contains("För få svar"),
        "{small}"
    );
    assert!(
        !cell(small, "Senaste omgången").contains("n&nbsp;="),
        "{small}"
    );
    assert_eq!(cell(small, "Realiserad andel"), "–");
    assert!(cell(small, "Status").contains("För få svar"));
    for shown_elsewhere in ["77,1", "82,5", "85,0", "20,0"] {
        assert!(!small.contains(shown_elsewhere), "{small}");
    }

    // In English the same figures, written the English way.
    let (_, english) = page_as(&app, &session, "/dashboard/insatser?lang=en").await;
    assert!(english.contains("SEK\u{a0}4,079,707") && english.contains("Too few answers"));
}

#[tokio::test]
async fn an_objektagare_cannot_open_another_owners_insats_or_the_portfolio() {
    let (app, _sink, shown) = portfolio().await;
    let other = session_for(&app, shown.other_owner_email).await;
    let (status, page) =
        page_as(&app, &other, &format!("/dashboard/insatser/{}", shown.live)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        !page.contains("Digital bygglovsansökan") && !page.contains("4\u{a0}079"),
        "{page}"
    );
    let (status, own) = page_as(
        &app,
        &other,
        &format!("/dashboard/insatser/{}", shown.proposal),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "their own proposal: {own}");
    let (status, list) = page_as(&app, &other, "/dashboard/insatser").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Ny arkivtjänst") && !list.contains("Digital bygglovsansökan"));
    let (status, _) = page_as(&app, &other, "/dashboard/portfolio").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The header links the portfolio for Kommunledningskontoret only.
    assert!(list.contains(">Insatser</a>") && !list.contains(">Portfölj</a>"));
    let (status, _) = page_as(&app, &other, "/dashboard/insatser/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Not signed in: the sign-in page.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/dashboard/insatser"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_insats_page_has_its_chart_and_the_decided_kalkyl_beside_a_later_one() {
    let (app, _sink, shown) = portfolio().await;
    let session = session_for(&app, shown.owner_email).await;
    let path = format!("/dashboard/insatser/{}", shown.live);
    let (status, page) = page_as(&app, &session, &path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // One chart per benefit with something to draw, each with its words for a screen
    // reader: the SUS chart names baseline, target, go-live and the round by hand.
    for id in ["benefit-0", "benefit-1", "benefit-2"] {
        assert!(
            page.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")),
            "{id}"
        );
    }
    assert!(
        page.contains("Driftstart 2020-01-01"),
        "the go-live marker: {page}"
    );
    assert!(
        page.contains("utgångsläge 2020-Q1 60,0; mål 80,0; efter driftstart 2020-01-01:"),
        "{page}"
    );
    assert!(page.contains("77,1 (95\u{a0}% KI 63,2–91,0)"), "{page}");
    // The small group's chart says too few answers and carries no figure of that round.
    let desc_start = page.find("id=\"benefit-2-desc\">").unwrap();
    let desc = &page[desc_start..desc_start + page[desc_start..].find("</desc>").unwrap()];
    assert!(
        desc.contains("för få svar") && !desc.contains("77,1"),
        "{desc}"
    );
    // One decided version.
    assert!(page.contains("Version 1 (beslutad"), "{page}");
    assert!(!page.contains("(aktuell)"), "{page}");

    // An edit after the decision makes version 2: 600 000 invested lowers the NPV by
    // 100 000 to 3 979 707; the decided version stays beside it and is still measured.
    let mut input = insats("Digital bygglovsansökan", None, vec![]);
    let current = usecases::get_insats(&app.state, &Actor::cli(), shown.live)
        .await
        .unwrap();
    input.owner_id = current.insats.details.owner_id;
    input.service_ids = current.insats.details.service_ids.clone();
    let mut kalkyl = NyttokalkylInput {
        investment_sek: 600_000.0,
        ..NyttokalkylInput::default()
    };
    let (version, _) = current.current().unwrap();
    for benefit in &version.kalkyl.benefits {
        let indicator = benefit.indicator.as_ref().unwrap();
        let baseline = indicator.baseline.as_ref().unwrap();
        let metric = indicator.metric.as_str();
        kalkyl.benefits.push(measured(
            &benefit.description,
            benefit.category.as_str(),
            (metric == "tidsvinst").then_some(1_000_000.0),
            IndicatorInput {
                metric: metric.into(),
                ..sus_indicator(indicator.service_id, baseline.value, indicator.target)
            },
        ));
    }
    usecases::save_insats(
        &app.state,
        &Actor::cli(),
        Some(shown.live),
        input,
        Some(kalkyl),
    )
    .await
    .unwrap();
    let (_, page) = page_as(&app, &session, &path).await;
    assert!(
        page.contains("Version 1 (beslutad") && page.contains("Version 2 (aktuell)"),
        "{page}"
    );
    let npv = row_with(&page, "Nettonuvärde</th>");
    assert!(
        npv.contains("4\u{a0}079\u{a0}707\u{a0}kr") && npv.contains("3\u{a0}979\u{a0}707\u{a0}kr"),
        "{npv}"
    );
    assert!(page.contains("Mäts mot kalkylens version 1."), "{page}");
}

#[tokio::test]
async fn the_portfolio_shows_every_component_the_realisation_and_the_reference_class() {
    let (app, _sink, shown) = portfolio().await;
    let admin = session_for(&app, shown.admin_email).await;
    let (status, page) = page_as(&app, &admin, "/dashboard/portfolio").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // Two followed-up insatser: too few for a reference class.
    assert!(
        page.contains("För få uppföljda insatser med uppmätt andel (2; minst 3 behövs)"),
        "{page}"
    );
    // The proposal: NPV −1000 + 1100/1.05 = 47.62 → 48 kr; per invested krona 0.047619
    // → 0,05 × weight 1; no goal, urgency and risk not assessed (0 and 3 − 3 = 0).
    let ranked = row_with(&page, "Ny arkivtjänst");
    assert!(
        cell(ranked, "Nettonuvärde").contains("48\u{a0}kr"),
        "{ranked}"
    );
    assert!(
        cell(ranked, "Nettonuvärde per krona").contains("0,05 × 1 = 0,05"),
        "{ranked}"
    );
    assert!(cell(ranked, "KF-mål").contains("0 × 1 = 0"), "{ranked}");
    assert!(cell(ranked, "Risk").contains("–"), "not assessed: {ranked}");
    assert_eq!(cell(ranked, "Justerat nettonuvärde"), "–");
    // The realisation table: the live insats's benefits and the followed-up ones.
    let live = row_with(&page, "Nöjdare sökande");
    assert_eq!(cell(live, "Realiserad andel"), "85\u{a0}%");
    assert!(page.contains("Tidigare insats B"), "{page}");

    // A third followed-up insats, share (77.0833 − 0)/(100 − 0) = 0.770833: the median
    // of 0.708333, 0.770833 and 0.854167 is 77 %; the proposal's adjusted NPV is
    // 0.770833 × 1200/1.05 − (1000 + 100/1.05) = 880.95 − 1095.24 = −214.29 → −214 kr.
    let service = usecases::get_insats(&app.state, &Actor::cli(), shown.live)
        .await
        .unwrap()
        .insats
        .details
        .service_ids[0];
    followed_up(&app, service, "Tidigare insats C", 0.0, 100.0).await;
    let (_, page) = page_as(&app, &admin, "/dashboard/portfolio").await;
    assert!(
        page.contains("kommunens 3 uppföljda insatser: <span class=\"figure\">77\u{a0}%</span>"),
        "{page}"
    );
    let ranked = row_with(&page, "Ny arkivtjänst");
    assert_eq!(cell(ranked, "Justerat nettonuvärde"), "−214\u{a0}kr");
}

#[tokio::test]
async fn the_status_form_needs_its_token_follows_the_flow_and_is_audited() {
    let (app, _sink, shown) = portfolio().await;
    let owner = session_for(&app, shown.other_owner_email).await;
    let admin = session_for(&app, shown.admin_email).await;
    let path = format!("/dashboard/insatser/{}", shown.proposal);
    let action = format!("{path}/status");
    // The objektägare is offered no portfolio decision, and one posted anyway is refused.
    let (_, page) = page_as(&app, &owner, &path).await;
    assert!(!page.contains("name=\"status\""), "{page}");
    let owner_csrf = crate::dashboard::hidden(&page, "csrf");
    let (status, _) = post_form_as(
        &app,
        &owner,
        &action,
        &[("csrf", &owner_csrf), ("status", "assessed")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, page) = page_as(&app, &admin, &path).await;
    assert!(
        page.contains("<option value=\"assessed\">Bedömd</option>")
            && page.contains("<option value=\"rejected\">")
    );
    let csrf = crate::dashboard::hidden(&page, "csrf");
    // No token, or a date that is not one: nothing changes.
    let (status, _) = post_form_as(&app, &admin, &action, &[("status", "assessed")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = post_form_as(
        &app,
        &admin,
        &action,
        &[
            ("csrf", &csrf),
            ("status", "assessed"),
            ("on", "2026-13-01"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("on: `2026-13-01` is not a date"), "{body}");
    let (status, body) = post_form_as(
        &app,
        &admin,
        &action,
        &[("csrf", &csrf), ("status", "decided")],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a proposal is assessed before it is decided"
    );
    assert!(
        body.contains("status: cannot go from `proposal` to `decided`"),
        "{body}"
    );
    let audited = app
        .audit(&format!("entity=insats&entity_id={}", shown.proposal))
        .await;
    assert!(
        audited.iter().all(|e| e["action"] != "status"),
        "{audited:?}"
    );

    let (status, _) = post_form_as(
        &app,
        &admin,
        &action,
        &[("csrf", &csrf), ("status", "assessed"), ("on", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = page_as(&app, &admin, &path).await;
    assert!(page.contains("<dt>Status</dt><dd>Bedömd</dd>"), "{page}");
    let audited = app
        .audit(&format!("entity=insats&entity_id={}", shown.proposal))
        .await;
    assert_eq!(audited[0]["action"], "status", "{audited:?}");
    assert_eq!(audited[0]["summary"]["to"], "assessed", "{audited:?}");
    assert!(
        audited[0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("session:"),
        "{audited:?}"
    );
}
