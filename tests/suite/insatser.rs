//! Insatser and KF goals through their use cases, with the roles, checks and audit
//! entries the API will reach them through: Kommunledningskontoret keeps goals and every
//! insats, an objektägare only their own; bad input names its field and stores nothing;
//! a decision freezes the nyttokalkyl; proposals rank with every component; a live
//! insats is measured by its services' closed rounds (figures by hand). The store alone:
//! `insatser_store`.

use chrono::{DateTime, NaiveDate, Utc};
use nyttopuls::{
    domain::{
        Actor, Error, Role,
        insats::{
            InsatsFilter, InsatsInput, InsatsStatus, NewGoal,
            nyttokalkyl::{BaselineInput, BenefitInput, IndicatorInput, NyttokalkylInput},
        },
    },
    stats::insatser::RealisationStatus,
    usecases::insatser::{self as usecases, portfolio},
};

use crate::common::{TestApp, spawn_app};

pub(crate) fn day(raw: &str) -> NaiveDate {
    raw.parse().unwrap()
}

pub(crate) fn at(raw: &str) -> DateTime<Utc> {
    raw.parse().unwrap()
}

/// A new owner and two services, the first theirs: (owner, first, second).
pub(crate) async fn catalogue(app: &TestApp) -> (i32, i32, i32) {
    let owner = app.create_owner("Åsa Öberg", "asa@kommun.se", None).await;
    let e_tjanst = app.create_service("e-tjanst", Some(owner)).await;
    let arkiv = app.create_service("arkiv", None).await;
    (owner as i32, e_tjanst as i32, arkiv as i32)
}

fn owner_actor(owner_id: i32) -> Actor {
    Actor {
        account_id: None,
        role: Role::Owner { owner_id },
        label: format!("owner:{owner_id}"),
    }
}

fn input(owner_id: i32, service_ids: Vec<i32>) -> InsatsInput {
    InsatsInput {
        name: "Digital bygglovsansökan".into(),
        owner_id: Some(owner_id),
        service_ids,
        ..InsatsInput::default()
    }
}

/// N = 1, r = 0.05, investment 1000, running 100, 1200 a year from year 1 (the unit
/// test's one-year case: NPV 47.6190), the benefit measured by SUS on `service_id`.
fn kalkyl_input(service_id: i32) -> NyttokalkylInput {
    NyttokalkylInput {
        calculation_years: Some(1),
        discount_rate: Some(0.05),
        investment_sek: 1000.0,
        annual_running_cost_sek: Some(100.0),
        benefits: vec![BenefitInput {
            description: "Färre kompletteringar".into(),
            category: "financial".into(),
            annual_value_sek: Some(1200.0),
            indicator: Some(IndicatorInput {
                service_id,
                metric: "sus".into(),
                baseline: Some(BaselineInput {
                    value: 62.0,
                    period: "2026-Q2".into(),
                    n: 30,
                }),
                target: 70.0,
                target_period: None,
            }),
            ..BenefitInput::default()
        }],
    }
}

fn invalid_fields(result: Result<impl std::fmt::Debug, Error>) -> Vec<String> {
    match result {
        Err(Error::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
        other => panic!("not refused as invalid: {other:?}"),
    }
}

#[tokio::test]
async fn kommunledningskontoret_keeps_goals_and_an_objektagare_only_their_own_insatser() {
    let app = spawn_app().await;
    let (asa, e_tjanst, arkiv) = catalogue(&app).await;
    let bo = app.create_owner("Bo Berg", "bo@kommun.se", None).await as i32;
    let admin = Actor::cli();
    let (asa_actor, bo_actor) = (owner_actor(asa), owner_actor(bo));

    let goal = NewGoal::parse("Digitalt först", None, day("2026-01-01"), None).unwrap();
    assert!(matches!(
        usecases::save_goal(&app.state, &asa_actor, None, goal.clone()).await,
        Err(Error::Forbidden(_))
    ));
    let goal = usecases::save_goal(&app.state, &admin, None, goal)
        .await
        .unwrap();
    assert_eq!(
        usecases::list_goals(&app.state, &asa_actor)
            .await
            .unwrap()
            .len(),
        1
    );

    // Åsa proposes her own; she cannot give one to Bo, nor touch Bo's.
    let mut own = input(asa, vec![e_tjanst]);
    own.goal_ids = vec![goal.id];
    let mine = usecases::save_insats(&app.state, &asa_actor, None, own, None)
        .await
        .unwrap();
    assert_eq!(mine.insats.status, InsatsStatus::Proposal);
    assert_eq!(
        invalid_fields(
            usecases::save_insats(&app.state, &asa_actor, None, input(bo, vec![arkiv]), None).await
        ),
        ["owner_id"]
    );
    let bos = usecases::save_insats(&app.state, &admin, None, input(bo, vec![arkiv]), None)
        .await
        .unwrap();
    assert!(matches!(
        usecases::get_insats(&app.state, &asa_actor, bos.insats.id).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        usecases::save_insats(
            &app.state,
            &asa_actor,
            Some(bos.insats.id),
            input(asa, vec![]),
            None
        )
        .await,
        Err(Error::Forbidden(_))
    ));
    assert!(
        usecases::get_insats(&app.state, &bo_actor, bos.insats.id)
            .await
            .is_ok()
    );
    let listed = usecases::list_insatser(&app.state, &asa_actor, InsatsFilter::default())
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        [mine.insats.id]
    );
    let asking_for_bo = InsatsFilter {
        owner_id: Some(bo),
        ..InsatsFilter::default()
    };
    assert!(matches!(
        usecases::list_insatser(&app.state, &asa_actor, asking_for_bo).await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(
        usecases::list_insatser(&app.state, &admin, InsatsFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    // A goal served by an insats stays.
    assert!(matches!(
        usecases::delete_goal(&app.state, &admin, goal.id).await,
        Err(Error::Conflict(_))
    ));

    let audited = app.audit("entity=insats").await;
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert!(audited.iter().all(|e| e["action"] == "create"));
    assert_eq!(app.audit("entity=goal").await.len(), 1);
}

#[tokio::test]
async fn bad_input_names_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let (asa, e_tjanst, arkiv) = catalogue(&app).await;
    let admin = Actor::cli();
    let refused = |change: fn(&mut NyttokalkylInput)| {
        let mut kalkyl = kalkyl_input(e_tjanst);
        change(&mut kalkyl);
        kalkyl
    };
    let cases: Vec<(NyttokalkylInput, &str)> = vec![
        (
            refused(|k| k.annual_running_cost_sek = Some(-1.0)),
            "nyttokalkyl.annual_running_cost_sek",
        ),
        (
            refused(|k| k.discount_rate = Some(0.25)),
            "nyttokalkyl.discount_rate",
        ),
        (
            refused(|k| k.calculation_years = Some(16)),
            "nyttokalkyl.calculation_years",
        ),
        (
            refused(|k| {
                let indicator = k.benefits[0].indicator.as_mut().unwrap();
                indicator.target = 62.0;
            }),
            "nyttokalkyl.benefits[0].indicator.target",
        ),
        (
            refused(|k| k.benefits[0].indicator.as_mut().unwrap().service_id += 1),
            "nyttokalkyl.benefits[0].indicator.service_id",
        ),
    ];
    for (kalkyl, field) in cases {
        let result = usecases::save_insats(
            &app.state,
            &admin,
            None,
            input(asa, vec![e_tjanst]),
            Some(kalkyl),
        )
        .await;
        assert_eq!(invalid_fields(result), [field]);
    }
    // The insats's own fields and the kalkyl's are reported together; unknown ids too.
    let mut wrong = input(asa, vec![e_tjanst, 4242]);
    wrong.name = " ".into();
    wrong.goal_ids = vec![77];
    assert_eq!(
        invalid_fields(
            usecases::save_insats(
                &app.state,
                &admin,
                None,
                wrong,
                Some(refused(|k| k.investment_sek = -5.0))
            )
            .await
        ),
        ["name", "nyttokalkyl.investment_sek"]
    );
    assert_eq!(
        invalid_fields(
            usecases::save_insats(
                &app.state,
                &admin,
                None,
                InsatsInput {
                    goal_ids: vec![77],
                    ..input(asa, vec![e_tjanst, 4242])
                },
                None
            )
            .await
        ),
        ["service_ids", "goal_ids"]
    );
    assert!(
        usecases::list_insatser(&app.state, &admin, InsatsFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.audit("entity=insats").await.is_empty());

    // An insats measuring a service keeps touching it until its kalkyl stops measuring it.
    let saved = usecases::save_insats(
        &app.state,
        &admin,
        None,
        input(asa, vec![e_tjanst, arkiv]),
        Some(kalkyl_input(e_tjanst)),
    )
    .await
    .unwrap();
    assert_eq!(
        invalid_fields(
            usecases::save_insats(
                &app.state,
                &admin,
                Some(saved.insats.id),
                input(asa, vec![arkiv]),
                None
            )
            .await
        ),
        ["service_ids"]
    );
}

#[tokio::test]
async fn a_decision_freezes_the_kalkyl_and_a_later_edit_makes_a_new_version() {
    let app = spawn_app().await;
    let (asa, e_tjanst, _) = catalogue(&app).await;
    let admin = Actor::cli();
    let created = usecases::save_insats(&app.state, &admin, None, input(asa, vec![e_tjanst]), None)
        .await
        .unwrap();
    let id = created.insats.id;
    // No assessment without a nyttokalkyl.
    assert_eq!(
        invalid_fields(
            usecases::change_status(&app.state, &admin, id, InsatsStatus::Assessed, None).await
        ),
        ["nyttokalkyl"]
    );
    let mut first = kalkyl_input(e_tjanst);
    first.investment_sek = 2000.0;
    usecases::save_insats(
        &app.state,
        &admin,
        Some(id),
        input(asa, vec![e_tjanst]),
        Some(first),
    )
    .await
    .unwrap();
    // Before the decision an edit replaces the draft: still one version.
    let draft = usecases::save_insats(
        &app.state,
        &admin,
        Some(id),
        input(asa, vec![e_tjanst]),
        Some(kalkyl_input(e_tjanst)),
    )
    .await
    .unwrap();
    assert_eq!(draft.versions.len(), 1);
    // The figures are the unit test's one-year case: NPV −1000 + 1100/1.05 = 47.6190,
    // payback year 1.
    let figures = &draft.current().unwrap().1;
    assert!(
        (figures.npv_sek - 47.6190).abs() < 1e-3,
        "{}",
        figures.npv_sek
    );
    assert_eq!(figures.payback_year, Some(1));

    // An objektägare reports delivery, not decisions.
    assert!(matches!(
        usecases::change_status(
            &app.state,
            &owner_actor(asa),
            id,
            InsatsStatus::Assessed,
            None
        )
        .await,
        Err(Error::Forbidden(_))
    ));
    usecases::change_status(&app.state, &admin, id, InsatsStatus::Assessed, None)
        .await
        .unwrap();
    let decided = usecases::change_status(
        &app.state,
        &admin,
        id,
        InsatsStatus::Decided,
        Some(day("2026-12-10")),
    )
    .await
    .unwrap();
    assert_eq!(decided.insats.decided_on, Some(day("2026-12-10")));
    assert_eq!(decided.decided().unwrap().0.version, 1);

    let mut later = kalkyl_input(e_tjanst);
    later.annual_running_cost_sek = Some(300.0);
    let edited = usecases::save_insats(
        &app.state,
        &admin,
        Some(id),
        input(asa, vec![e_tjanst]),
        Some(later),
    )
    .await
    .unwrap();
    assert_eq!(edited.versions.len(), 2);
    let (decided_version, decided_figures) = edited.decided().unwrap();
    assert_eq!(decided_version.version, 1);
    assert_eq!(decided_version.kalkyl.annual_running_cost_sek, 100.0);
    assert!((decided_figures.npv_sek - 47.6190).abs() < 1e-3);
    let (current, current_figures) = edited.current().unwrap();
    assert_eq!((current.version, current.decided_at), (2, None));
    // −1000 + (1200 − 300)/1.05 = −1000 + 857.1429 = −142.8571.
    assert!((current_figures.npv_sek + 142.8571).abs() < 1e-3);

    // A refused move says where the insats may go.
    assert_eq!(
        invalid_fields(
            usecases::change_status(&app.state, &admin, id, InsatsStatus::Rejected, None).await
        ),
        ["status"]
    );
    let statuses: Vec<String> = app
        .audit(&format!("entity=insats&entity_id={id}"))
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    // Newest first: the edit, the decision, the assessment, two kalkyl saves, the creation.
    assert_eq!(
        statuses,
        ["update", "status", "status", "update", "update", "create"]
    );
}

#[tokio::test]
async fn proposals_rank_by_their_weighted_score_with_every_component() {
    let app = spawn_app().await;
    let (asa, e_tjanst, _) = catalogue(&app).await;
    let admin = Actor::cli();
    let goal = NewGoal::parse("Digitalt först", None, day("2026-01-01"), None).unwrap();
    let goal = usecases::save_goal(&app.state, &admin, None, goal)
        .await
        .unwrap();
    // A: the one-year kalkyl (NPV 47.6190 on 1000 invested: 0.0476190 a krona), one goal,
    // urgency 3, risk 1 (reversed 2). Default weights 1: 0.0476190 + 1 + 3 + 2 = 6.0476190.
    let mut a = input(asa, vec![e_tjanst]);
    a.goal_ids = vec![goal.id];
    a.urgency = Some(3);
    a.risk = Some(1);
    let a = usecases::save_insats(&app.state, &admin, None, a, Some(kalkyl_input(e_tjanst)))
        .await
        .unwrap();
    // B: no kalkyl, nothing assessed: every criterion counts 0.
    let b = usecases::save_insats(&app.state, &admin, None, input(asa, vec![]), None)
        .await
        .unwrap();
    // A decided insats is no longer ranked.
    let c = usecases::save_insats(
        &app.state,
        &admin,
        None,
        input(asa, vec![e_tjanst]),
        Some(kalkyl_input(e_tjanst)),
    )
    .await
    .unwrap();
    for to in [InsatsStatus::Assessed, InsatsStatus::Decided] {
        usecases::change_status(&app.state, &admin, c.insats.id, to, None)
            .await
            .unwrap();
    }
    assert!(matches!(
        portfolio::priorities(&app.state, &owner_actor(asa)).await,
        Err(Error::Forbidden(_))
    ));
    let priorities = portfolio::priorities(&app.state, &admin).await.unwrap();
    let ranked: Vec<i32> = priorities.ranked.iter().map(|r| r.insats.id).collect();
    assert_eq!(ranked, [a.insats.id, b.insats.id]);
    let first = &priorities.ranked[0].priority;
    assert!((first.score - 6.047_619).abs() < 1e-6, "{}", first.score);
    assert!((first.npv_per_krona.value.unwrap() - 0.047_619).abs() < 1e-6);
    assert_eq!(
        (first.goals.points, first.urgency.points, first.risk.points),
        (1.0, 3.0, 2.0)
    );
    let second = &priorities.ranked[1];
    assert_eq!(
        (second.priority.score, second.figures.is_none()),
        (0.0, true)
    );
    // No followed-up insats yet: no reference class, no adjusted NPV.
    assert_eq!(
        (priorities.reference.n, priorities.reference.median_share),
        (0, None)
    );
    assert_eq!(first.adjusted_npv_sek, None);

    // Before go-live every indicator is pending.
    let realised = portfolio::realisation(&app.state, &admin, c.insats.id)
        .await
        .unwrap();
    assert_eq!(realised.version, Some(1));
    assert_eq!(realised.benefits.len(), 1);
    assert_eq!(
        realised.benefits[0].realisation.status,
        RealisationStatus::Pending
    );
    assert_eq!(realised.realised_share, None);
}

#[tokio::test]
async fn a_live_insats_is_measured_by_its_services_closed_rounds_by_hand() {
    use crate::{
        results::closed_round,
        survey_loop::{COMPLETE_ANSWER, spawn_with_sink},
    };
    let (app, sink) = spawn_with_sink(|_| {}).await;
    // Five answers scoring SUS 82.5 and tid 30, one SUS 50 and tid −30 (the results
    // suite's round: SUS mean 77.0833 with 95 % CI 77.0833 ± 13.9241); 500 users.
    let forms = crate::dashboard::SIX_FORMS;
    let (service, owner, _) = closed_round(&app, &sink, "bygglov", 8, &forms, true).await;
    // Four answers: fewer than min_group_size 5, so the round released none.
    let (small, _, _) = closed_round(&app, &sink, "arkiv", 5, &[COMPLETE_ANSWER; 4], true).await;
    let (service, small, owner) = (service as i32, small as i32, owner as i32);
    let indicator = |service_id, metric: &str, baseline: f64, target: f64| IndicatorInput {
        service_id,
        metric: metric.into(),
        baseline: Some(BaselineInput {
            value: baseline,
            period: "2020-Q1".into(),
            n: 30,
        }),
        target,
        target_period: None,
    };
    let benefit = |category: &str, sek: Option<f64>, indicator| BenefitInput {
        description: "Nytta".into(),
        category: category.into(),
        annual_value_sek: sek,
        indicator: Some(indicator),
        ..BenefitInput::default()
    };
    let kalkyl = NyttokalkylInput {
        investment_sek: 500_000.0,
        benefits: vec![
            benefit("unvalued", None, indicator(service, "sus", 60.0, 80.0)),
            benefit(
                "redistribution",
                Some(1_000_000.0),
                indicator(service, "tidsvinst", 0.0, 30.0),
            ),
            benefit("unvalued", None, indicator(small, "sus", 60.0, 80.0)),
        ],
        ..NyttokalkylInput::default()
    };
    let admin = Actor::cli();
    let created = usecases::save_insats(
        &app.state,
        &admin,
        None,
        input(owner, vec![service, small]),
        Some(kalkyl),
    )
    .await
    .unwrap();
    let id = created.insats.id;
    for to in [
        InsatsStatus::Assessed,
        InsatsStatus::Decided,
        InsatsStatus::InProgress,
    ] {
        usecases::change_status(&app.state, &admin, id, to, Some(day("2020-01-01")))
            .await
            .unwrap();
    }
    // Live since 1 January 2020: every round since lies wholly after go-live.
    usecases::change_status(
        &app.state,
        &owner_actor(owner),
        id,
        InsatsStatus::Live,
        Some(day("2020-01-01")),
    )
    .await
    .unwrap();

    let realised = portfolio::realisation(&app.state, &owner_actor(owner), id)
        .await
        .unwrap();
    assert_eq!(realised.version, Some(1));
    let [sus, tid, too_few] = realised.benefits.as_slice() else {
        panic!("three measured benefits: {:?}", realised.benefits);
    };
    // SUS against the baseline value 60, target 80: the CI (63.1592, 91.0074) excludes
    // 60 and the mean is below 80: progressing; share (77.0833 − 60)/(80 − 60) = 0.854167.
    assert_eq!(sus.realisation.status, RealisationStatus::Progressing);
    let measured = sus.realisation.rounds[0].measured.unwrap();
    assert_eq!(measured.n, 6);
    assert!((measured.mean - 77.083_333).abs() < 1e-4);
    let (low, high) = measured.ci.unwrap();
    assert!(
        (low - 63.1592).abs() < 1e-3 && (high - 91.0074).abs() < 1e-3,
        "{low} {high}"
    );
    assert!((measured.realised_share.unwrap() - 0.854_167).abs() < 1e-5);
    assert_eq!(measured.realised_sek, None);
    // Tidsvinst 30 (×5) and −30: mean 20, s = √(3000/5) = 24.4949, se = 10, t(5) = 2.570582:
    // CI (−5.7058, 45.7058) holds the baseline 0: not realised; share 20/30 = 0.666667.
    // Realised SEK (planned in SEK, so the service's 500 users): 20/60 × 44 × 500 × 450 =
    // 3,300,000 against the planned 1,000,000; one minute is 165,000 SEK, so the interval
    // is −941,460 to 7,541,460.
    assert_eq!(tid.realisation.status, RealisationStatus::NotRealised);
    let measured = tid.realisation.rounds[0].measured.unwrap();
    assert!((measured.realised_share.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let sek = measured.realised_sek.unwrap();
    assert!(
        (sek.value_sek - 3_300_000.0).abs() < 1e-3,
        "{}",
        sek.value_sek
    );
    let (low, high) = sek.ci_sek.unwrap();
    assert!(
        (low + 941_460.0).abs() < 5.0 && (high - 7_541_460.0).abs() < 5.0,
        "{low} {high}"
    );
    assert_eq!(sek.planned_sek, Some(1_000_000.0));
    // Four answers: too few answers, and no number of any kind.
    assert_eq!(too_few.realisation.status, RealisationStatus::TooFewAnswers);
    assert_eq!(too_few.realisation.rounds.len(), 1);
    assert_eq!(too_few.realisation.rounds[0].measured, None);
    // The insats's share: (0.854167 + 0.666667)/2 = 0.760417.
    assert!((realised.realised_share.unwrap() - 0.760_417).abs() < 1e-5);
}
