use super::*;

fn day(raw: &str) -> NaiveDate {
    raw.parse().unwrap()
}

fn owner(owner_id: i32) -> Actor {
    Actor {
        account_id: Some(owner_id),
        role: Role::Owner { owner_id },
        label: format!("owner {owner_id}"),
    }
}

fn insats(status: InsatsStatus, owner_id: Option<i32>) -> Insats {
    let now = "2026-01-01T00:00:00Z".parse().unwrap();
    Insats {
        id: 1,
        details: NewInsats {
            name: "E-arkiv".into(),
            description: String::new(),
            department_id: None,
            owner_id,
            sponsor: String::new(),
            service_ids: vec![],
            goal_ids: vec![],
            urgency: None,
            risk: None,
            planned_live_on: None,
        },
        status,
        decided_on: None,
        live_on: None,
        created_at: now,
        updated_at: now,
    }
}

fn field_of(error: Error) -> String {
    match error {
        Error::Invalid(problems) => problems[0].field.clone(),
        other => panic!("not invalid: {other}"),
    }
}

#[test]
fn the_status_flow_goes_one_step_at_a_time_and_rejects_only_undecided() {
    use InsatsStatus::*;
    let admin = Actor::cli();
    let on = day("2026-03-02");
    let walk = [Proposal, Assessed, Decided, InProgress, Live, FollowedUp];
    for pair in walk.windows(2) {
        let change = change_status(&admin, &insats(pair[0], None), pair[1], on, true);
        assert_eq!(change.unwrap().status, pair[1], "{:?}", pair);
    }
    for from in [Proposal, Assessed] {
        assert!(change_status(&admin, &insats(from, None), Rejected, on, true).is_ok());
    }
    for (from, to) in [
        (Proposal, Decided),
        (Decided, Rejected),
        (Live, Proposal),
        (Rejected, Proposal),
        (FollowedUp, Live),
        (Proposal, Proposal),
    ] {
        let refused = change_status(&admin, &insats(from, None), to, on, true).unwrap_err();
        assert_eq!(field_of(refused), "status", "{from:?} → {to:?}");
    }
}

#[test]
fn a_decision_sets_its_day_and_freezes_the_kalkyl_and_go_live_sets_live_on() {
    use InsatsStatus::*;
    let admin = Actor::cli();
    let decided = change_status(
        &admin,
        &insats(Assessed, None),
        Decided,
        day("2026-03-02"),
        true,
    )
    .unwrap();
    assert_eq!(
        decided,
        StatusChange {
            status: Decided,
            decided_on: Some(day("2026-03-02")),
            live_on: None,
            freezes_kalkyl: true,
        }
    );
    let mut started = insats(InProgress, None);
    started.decided_on = Some(day("2026-03-02"));
    let live = change_status(&admin, &started, Live, day("2026-09-01"), true).unwrap();
    assert_eq!(
        (live.decided_on, live.live_on, live.freezes_kalkyl),
        (Some(day("2026-03-02")), Some(day("2026-09-01")), false)
    );
}

#[test]
fn no_assessment_or_decision_without_a_nyttokalkyl() {
    use InsatsStatus::*;
    let on = day("2026-03-02");
    for (from, to) in [(Proposal, Assessed), (Assessed, Decided)] {
        let refused = change_status(&Actor::cli(), &insats(from, None), to, on, false);
        assert_eq!(field_of(refused.unwrap_err()), "nyttokalkyl");
    }
    assert!(change_status(&Actor::cli(), &insats(Proposal, None), Rejected, on, false).is_ok());
}

#[test]
fn an_objektagare_reports_delivery_of_their_own_insatser_only() {
    use InsatsStatus::*;
    let on = day("2026-03-02");
    let mine = owner(7);
    assert!(change_status(&mine, &insats(Decided, Some(7)), InProgress, on, true).is_ok());
    assert!(change_status(&mine, &insats(InProgress, Some(7)), Live, on, true).is_ok());
    for (from, to) in [
        (Proposal, Assessed),
        (Assessed, Decided),
        (Live, FollowedUp),
    ] {
        assert!(matches!(
            change_status(&mine, &insats(from, Some(7)), to, on, true),
            Err(Error::Forbidden(_))
        ));
    }
    assert!(matches!(
        change_status(&mine, &insats(Decided, Some(8)), InProgress, on, true),
        Err(Error::Forbidden(_))
    ));
}

fn input() -> InsatsInput {
    InsatsInput {
        name: " E-arkiv ".into(),
        owner_id: Some(7),
        service_ids: vec![3, 1, 3],
        goal_ids: vec![2, 2],
        urgency: Some(2),
        risk: Some(0),
        ..InsatsInput::default()
    }
}

#[test]
fn an_insats_is_checked_field_by_field() {
    let new = NewInsats::parse(input()).unwrap();
    assert_eq!(new.name, "E-arkiv");
    assert_eq!((new.service_ids, new.goal_ids), (vec![1, 3], vec![2]));
    assert_eq!((new.urgency, new.risk), (Some(2), Some(0)));
    let wrong = NewInsats::parse(InsatsInput {
        name: "  ".into(),
        urgency: Some(4),
        risk: Some(-1),
        ..input()
    });
    let Err(Error::Invalid(problems)) = wrong else {
        panic!("accepted");
    };
    let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "urgency", "risk"]);
}

#[test]
fn an_objektagare_saves_only_insatser_they_own_and_keeps_them_theirs() {
    let unassessed = NewInsats::parse(InsatsInput {
        urgency: None,
        risk: None,
        ..input()
    })
    .unwrap();
    let theirs = |owner_id| insats(InsatsStatus::Proposal, Some(owner_id));
    assert!(may_save(&owner(7), None, &unassessed).is_ok());
    assert!(may_save(&owner(7), Some(&theirs(7)), &unassessed).is_ok());
    assert!(matches!(
        may_save(&owner(7), Some(&theirs(8)), &unassessed),
        Err(Error::Forbidden(_))
    ));
    let given_away = NewInsats {
        owner_id: Some(8),
        ..unassessed.clone()
    };
    assert_eq!(
        field_of(may_save(&owner(7), Some(&theirs(7)), &given_away).unwrap_err()),
        "owner_id"
    );
    assert!(may_save(&Actor::cli(), Some(&theirs(8)), &given_away).is_ok());
}

#[test]
fn urgency_and_risk_are_kommunledningskontorets_to_assess() {
    // The input urgency 2, risk 0: an objektägare may not set them on a new insats,
    // nor change them once assessed; keeping them as assessed is fine.
    let ranked = NewInsats::parse(input()).unwrap();
    assert_eq!(
        field_of(may_save(&owner(7), None, &ranked).unwrap_err()),
        "urgency"
    );
    let mut assessed = insats(InsatsStatus::Assessed, Some(7));
    assessed.details.urgency = Some(2);
    assessed.details.risk = Some(1);
    assert_eq!(
        field_of(may_save(&owner(7), Some(&assessed), &ranked).unwrap_err()),
        "risk"
    );
    assessed.details.risk = Some(0);
    assert!(may_save(&owner(7), Some(&assessed), &ranked).is_ok());
    assert!(may_save(&Actor::cli(), None, &ranked).is_ok());
}

#[test]
fn a_goal_ends_no_earlier_than_it_starts() {
    let goal = NewGoal::parse(" Digital först ", None, day("2026-01-01"), None).unwrap();
    assert_eq!(goal.title, "Digital först");
    let backwards = NewGoal::parse(
        "Digital först",
        None,
        day("2026-01-01"),
        Some(day("2025-12-31")),
    );
    assert_eq!(field_of(backwards.unwrap_err()), "valid_to");
    assert_eq!(
        field_of(NewGoal::parse("", None, day("2026-01-01"), None).unwrap_err()),
        "title"
    );
}

#[test]
fn a_goal_in_use_is_not_deleted() {
    assert!(ensure_goal_unused(3, 0).is_ok());
    assert!(matches!(ensure_goal_unused(3, 2), Err(Error::Conflict(_))));
}

#[test]
fn statuses_read_back_from_their_names() {
    for status in InsatsStatus::ALL {
        assert_eq!(status.as_str().parse::<InsatsStatus>(), Ok(status));
    }
    assert!("done".parse::<InsatsStatus>().is_err());
    assert!(InsatsStatus::Assessed.awaits_decision());
    assert!(!InsatsStatus::Decided.awaits_decision());
    assert!(InsatsStatus::FollowedUp.is_live() && InsatsStatus::FollowedUp.is_decided());
    assert!(!InsatsStatus::Rejected.is_decided());
}
