//! Insatser kept in the database (SQLite or PostgreSQL): goals, insatser with their
//! services and goals, status changes, and nyttokalkyl versions that a decision freezes.
//! The store is called inside a transaction, as the use cases call it.

use nyttopuls::{
    domain::{
        Error, Metric,
        insats::{
            InsatsFilter, InsatsInput, InsatsStatus, NewGoal, NewInsats, StatusChange,
            nyttokalkyl::{
                Baseline, Benefit, BenefitCategory, BenefitValue, Indicator, KalkylWrite,
                Nyttokalkyl, current_version, decided_version,
            },
        },
    },
    store::insatser,
};
use sea_orm::TransactionTrait;

use crate::{
    common::spawn_app,
    insatser::{at, catalogue, day},
};

fn insats(owner_id: i32, service_ids: Vec<i32>, goal_ids: Vec<i32>) -> NewInsats {
    NewInsats::parse(InsatsInput {
        name: "Digital bygglovsansökan".into(),
        description: Some("E-tjänst i stället för blankett".into()),
        owner_id: Some(owner_id),
        sponsor: Some("Samhällsbyggnadsnämnden".into()),
        service_ids,
        goal_ids,
        urgency: Some(2),
        risk: Some(1),
        planned_live_on: Some(day("2027-03-01")),
        ..InsatsInput::default()
    })
    .unwrap()
}

/// One benefit of every kind: SEK with a range, time with an indicator against a
/// baseline value, unvalued with an indicator against the baseline round.
fn kalkyl(service_id: i32) -> Nyttokalkyl {
    Nyttokalkyl {
        calculation_years: 5,
        discount_rate: 0.035,
        investment_sek: 1_200_000.0,
        annual_running_cost_sek: 80_000.0,
        benefits: vec![
            Benefit {
                description: "Färre pappersutskick".into(),
                category: BenefitCategory::Financial,
                value: BenefitValue::Sek(150_000.0),
                low_sek: Some(100_000.0),
                high_sek: Some(200_000.0),
                from_year: 1,
                indicator: None,
            },
            Benefit {
                description: "Kortare handläggning".into(),
                category: BenefitCategory::Redistribution,
                value: BenefitValue::Time {
                    minutes_per_week: 20.5,
                    users: 40,
                },
                low_sek: None,
                high_sek: None,
                from_year: 2,
                indicator: Some(Indicator {
                    service_id,
                    metric: Metric::Tidsvinst,
                    baseline: Some(Baseline {
                        value: 0.0,
                        period: "2026-Q2".into(),
                        n: 31,
                    }),
                    target: 20.5,
                    target_period: Some("2027-H2".into()),
                }),
            },
            Benefit {
                description: "Nöjdare sökande".into(),
                category: BenefitCategory::Unvalued,
                value: BenefitValue::Unvalued,
                low_sek: None,
                high_sek: None,
                from_year: 1,
                indicator: Some(Indicator {
                    service_id,
                    metric: Metric::Sus,
                    baseline: None,
                    target: 75.0,
                    target_period: None,
                }),
            },
        ],
    }
}

#[tokio::test]
async fn goals_are_kept_listed_and_refused_once_unknown() {
    let app = spawn_app().await;
    let now = at("2026-12-01T09:00:00Z");
    let txn = app.db.begin().await.unwrap();
    let digital = NewGoal::parse("Digitalt först", None, day("2026-01-01"), None).unwrap();
    let saved = insatser::save_goal(&txn, None, &digital, now)
        .await
        .unwrap();
    let earlier = NewGoal::parse(
        "Hållbar förvaltning",
        Some("Mål 3 i budgeten".into()),
        day("2025-01-01"),
        Some(day("2028-12-31")),
    )
    .unwrap();
    let other = insatser::save_goal(&txn, None, &earlier, now)
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let listed = insatser::list_goals(&app.db).await.unwrap();
    let titles: Vec<&str> = listed.iter().map(|g| g.title.as_str()).collect();
    assert_eq!(titles, ["Hållbar förvaltning", "Digitalt först"]);
    assert_eq!(listed[0].valid_to, Some(day("2028-12-31")));

    let renamed = NewGoal::parse("Digitalt först 2.0", None, day("2026-01-01"), None).unwrap();
    let updated = insatser::save_goal(&app.db, Some(saved.id), &renamed, now)
        .await
        .unwrap();
    assert_eq!(
        (updated.id, updated.title.as_str()),
        (saved.id, "Digitalt först 2.0")
    );
    assert_eq!(
        insatser::get_goal(&app.db, saved.id).await.unwrap().title,
        "Digitalt först 2.0"
    );
    assert!(matches!(
        insatser::save_goal(&app.db, Some(9999), &renamed, now).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        insatser::unknown_goal_ids(&app.db, &[saved.id, 9999, other.id])
            .await
            .unwrap(),
        [9999]
    );
    insatser::delete_goal(&app.db, other.id).await.unwrap();
    assert!(matches!(
        insatser::get_goal(&app.db, other.id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_insats_keeps_its_services_goals_and_status() {
    let app = spawn_app().await;
    let (owner, e_tjanst, arkiv) = catalogue(&app).await;
    let now = at("2026-12-01T09:00:00Z");
    let goal = NewGoal::parse("Digitalt först", None, day("2026-01-01"), None).unwrap();
    let goal = insatser::save_goal(&app.db, None, &goal, now)
        .await
        .unwrap();
    assert_eq!(
        insatser::unknown_service_ids(&app.db, &[e_tjanst, 4242])
            .await
            .unwrap(),
        [4242]
    );

    let txn = app.db.begin().await.unwrap();
    let created = insatser::save(
        &txn,
        None,
        &insats(owner, vec![e_tjanst, arkiv], vec![goal.id]),
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(created.status, InsatsStatus::Proposal);
    assert_eq!(created.details.service_ids, [e_tjanst, arkiv]);
    assert_eq!(created.details.goal_ids, [goal.id]);
    assert_eq!(
        (created.details.urgency, created.details.risk),
        (Some(2), Some(1))
    );
    assert_eq!(created.details.planned_live_on, Some(day("2027-03-01")));
    assert_eq!(created.details.sponsor, "Samhällsbyggnadsnämnden");
    assert_eq!(
        insatser::insatser_serving_goal(&app.db, goal.id)
            .await
            .unwrap(),
        1
    );

    let later = at("2026-12-02T09:00:00Z");
    let narrowed = insatser::save(
        &app.db,
        Some(created.id),
        &insats(owner, vec![arkiv], vec![]),
        later,
    )
    .await
    .unwrap();
    assert_eq!(
        (narrowed.details.service_ids, narrowed.details.goal_ids),
        (vec![arkiv], vec![])
    );
    assert_eq!((narrowed.created_at, narrowed.updated_at), (now, later));
    assert_eq!(narrowed.status, InsatsStatus::Proposal);

    insatser::set_status(
        &app.db,
        created.id,
        &StatusChange {
            status: InsatsStatus::Live,
            decided_on: Some(day("2026-06-01")),
            live_on: Some(day("2026-11-15")),
            freezes_kalkyl: false,
        },
        later,
    )
    .await
    .unwrap();
    let live = insatser::get(&app.db, created.id).await.unwrap();
    assert_eq!(
        (live.status, live.decided_on, live.live_on),
        (
            InsatsStatus::Live,
            Some(day("2026-06-01")),
            Some(day("2026-11-15"))
        )
    );
    // Saving the fields again leaves the status and its dates as they are.
    let resaved = insatser::save(
        &app.db,
        Some(created.id),
        &insats(owner, vec![arkiv], vec![]),
        later,
    )
    .await
    .unwrap();
    assert_eq!(
        (resaved.status, resaved.live_on),
        (InsatsStatus::Live, Some(day("2026-11-15")))
    );

    let other = insatser::save(
        &app.db,
        None,
        &insats(owner, vec![e_tjanst], vec![goal.id]),
        now,
    )
    .await
    .unwrap();
    let ids = |list: Vec<nyttopuls::domain::insats::Insats>| {
        list.into_iter().map(|i| i.id).collect::<Vec<_>>()
    };
    let every = insatser::list(&app.db, &InsatsFilter::default())
        .await
        .unwrap();
    assert_eq!(ids(every), [created.id, other.id]);
    let live_only = InsatsFilter {
        statuses: vec![InsatsStatus::Live, InsatsStatus::FollowedUp],
        ..InsatsFilter::default()
    };
    assert_eq!(
        ids(insatser::list(&app.db, &live_only).await.unwrap()),
        [created.id]
    );
    let touching = InsatsFilter {
        service_id: Some(e_tjanst),
        ..InsatsFilter::default()
    };
    let touching = insatser::list(&app.db, &touching).await.unwrap();
    assert_eq!(touching.len(), 1);
    assert_eq!(
        (touching[0].id, touching[0].details.goal_ids.clone()),
        (other.id, vec![goal.id])
    );
    let nobodys = InsatsFilter {
        owner_id: Some(owner + 1),
        ..InsatsFilter::default()
    };
    assert!(insatser::list(&app.db, &nobodys).await.unwrap().is_empty());
    assert!(matches!(
        insatser::get(&app.db, 9999).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_decided_nyttokalkyl_version_stays_beside_later_ones() {
    let app = spawn_app().await;
    let (owner, e_tjanst, _) = catalogue(&app).await;
    let now = at("2026-12-01T09:00:00Z");
    let created = insatser::save(&app.db, None, &insats(owner, vec![e_tjanst], vec![]), now)
        .await
        .unwrap();
    assert_eq!(
        insatser::latest_version(&app.db, created.id).await.unwrap(),
        None
    );

    let first = kalkyl(e_tjanst);
    let txn = app.db.begin().await.unwrap();
    let written = insatser::write_version(
        &txn,
        created.id,
        KalkylWrite::Add { version: 1 },
        &first,
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(written.version, 1);

    // A draft is replaced in place.
    let mut draft = first.clone();
    draft.investment_sek = 1_000_000.0;
    insatser::write_version(
        &app.db,
        created.id,
        KalkylWrite::Replace { version: 1 },
        &draft,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        insatser::latest_version(&app.db, created.id).await.unwrap(),
        Some((1, false))
    );

    let decided_at = at("2026-12-03T10:00:00Z");
    assert!(
        insatser::decide_version(&app.db, created.id, 1, decided_at)
            .await
            .unwrap()
    );
    assert!(
        !insatser::decide_version(&app.db, created.id, 1, decided_at)
            .await
            .unwrap()
    );
    assert_eq!(
        insatser::latest_version(&app.db, created.id).await.unwrap(),
        Some((1, true))
    );
    // The decided version no longer changes; an edit becomes version 2.
    let mut edited = draft.clone();
    edited.calculation_years = 7;
    assert!(matches!(
        insatser::write_version(
            &app.db,
            created.id,
            KalkylWrite::Replace { version: 1 },
            &edited,
            now
        )
        .await,
        Err(Error::Conflict(_))
    ));
    insatser::write_version(
        &app.db,
        created.id,
        KalkylWrite::Add { version: 2 },
        &edited,
        decided_at,
    )
    .await
    .unwrap();
    assert!(matches!(
        insatser::write_version(
            &app.db,
            created.id,
            KalkylWrite::Add { version: 2 },
            &edited,
            now
        )
        .await,
        Err(Error::Conflict(_))
    ));

    let versions = insatser::versions_of(&app.db, &[created.id]).await.unwrap();
    assert_eq!(versions.len(), 2);
    let decided = decided_version(&versions).unwrap();
    assert_eq!((decided.version, decided.decided_at), (1, Some(decided_at)));
    // Every kind of benefit reads back as written, indicators and baselines with it.
    assert_eq!(decided.kalkyl, draft);
    let current = current_version(&versions).unwrap();
    assert_eq!((current.version, current.decided_at), (2, None));
    assert_eq!(current.kalkyl, edited);
    assert!(
        insatser::versions_of(&app.db, &[])
            .await
            .unwrap()
            .is_empty()
    );
}
