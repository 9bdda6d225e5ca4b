use super::*;
use crate::domain::Error;

/// The fields of every problem, in order.
fn fields(result: Result<Nyttokalkyl, Error>) -> Vec<String> {
    match result {
        Err(Error::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
        Err(other) => panic!("not invalid: {other}"),
        Ok(kalkyl) => panic!("accepted: {kalkyl:?}"),
    }
}

fn sek(description: &str, category: &str, value: f64) -> BenefitInput {
    BenefitInput {
        description: description.into(),
        category: category.into(),
        annual_value_sek: Some(value),
        ..BenefitInput::default()
    }
}

fn input(benefits: Vec<BenefitInput>) -> NyttokalkylInput {
    NyttokalkylInput {
        investment_sek: 1_000_000.0,
        annual_running_cost_sek: Some(50_000.0),
        benefits,
        ..NyttokalkylInput::default()
    }
}

fn indicator(service_id: i32, metric: &str, target: f64) -> IndicatorInput {
    IndicatorInput {
        service_id,
        metric: metric.into(),
        target,
        ..IndicatorInput::default()
    }
}

#[test]
fn defaults_fill_years_rate_running_cost_and_from_year() {
    let kalkyl = Nyttokalkyl::parse(
        NyttokalkylInput {
            investment_sek: 0.0,
            benefits: vec![sek("Färre utskick", "financial", 10_000.0)],
            ..NyttokalkylInput::default()
        },
        &[],
        0.03,
    )
    .unwrap();
    assert_eq!(
        (
            kalkyl.calculation_years,
            kalkyl.discount_rate,
            kalkyl.annual_running_cost_sek
        ),
        (5, 0.03, 0.0)
    );
    assert_eq!(kalkyl.benefits[0].from_year, 1);
    assert_eq!(kalkyl.benefits[0].value, BenefitValue::Sek(10_000.0));
}

#[test]
fn costs_rate_and_years_out_of_bounds_name_their_fields() {
    let wrong = NyttokalkylInput {
        calculation_years: Some(16),
        discount_rate: Some(0.21),
        investment_sek: -1.0,
        annual_running_cost_sek: Some(f64::NAN),
        benefits: vec![],
    };
    assert_eq!(
        fields(Nyttokalkyl::parse(wrong, &[], 0.03)),
        [
            "nyttokalkyl.calculation_years",
            "nyttokalkyl.discount_rate",
            "nyttokalkyl.investment_sek",
            "nyttokalkyl.annual_running_cost_sek",
        ]
    );
    // The ends are allowed: 1 and 15 years, 0 and 0.2.
    for (years, rate) in [(1, 0.0), (15, 0.2)] {
        let edge = NyttokalkylInput {
            calculation_years: Some(years),
            discount_rate: Some(rate),
            ..input(vec![])
        };
        assert!(
            Nyttokalkyl::parse(edge, &[], 0.03).is_ok(),
            "{years} {rate}"
        );
    }
    let none = NyttokalkylInput {
        calculation_years: Some(0),
        discount_rate: Some(-0.01),
        ..input(vec![])
    };
    assert_eq!(
        fields(Nyttokalkyl::parse(none, &[], 0.03)),
        ["nyttokalkyl.calculation_years", "nyttokalkyl.discount_rate"]
    );
}

#[test]
fn a_time_benefit_is_minutes_times_users_and_always_redistribution() {
    let time = BenefitInput {
        description: "Snabbare ärenden".into(),
        category: "redistribution".into(),
        minutes_per_week: Some(30.0),
        users: Some(200),
        ..BenefitInput::default()
    };
    let kalkyl = Nyttokalkyl::parse(input(vec![time.clone()]), &[], 0.03).unwrap();
    assert_eq!(
        kalkyl.benefits[0].value,
        BenefitValue::Time {
            minutes_per_week: 30.0,
            users: 200
        }
    );
    assert_eq!(kalkyl.benefits[0].measured_users(5_000), 200);
    let as_cash = BenefitInput {
        category: "financial".into(),
        ..time.clone()
    };
    let no_users = BenefitInput {
        users: None,
        ..time.clone()
    };
    let both = BenefitInput {
        annual_value_sek: Some(1.0),
        ..time.clone()
    };
    let week_and_more = BenefitInput {
        minutes_per_week: Some(10_081.0),
        ..time
    };
    assert_eq!(
        fields(Nyttokalkyl::parse(
            input(vec![as_cash, no_users, both, week_and_more]),
            &[],
            0.03
        )),
        [
            "nyttokalkyl.benefits[0].category",
            "nyttokalkyl.benefits[1].users",
            "nyttokalkyl.benefits[2].annual_value_sek",
            "nyttokalkyl.benefits[3].minutes_per_week",
        ]
    );
}

#[test]
fn an_unvalued_benefit_carries_no_sek() {
    let unvalued = BenefitInput {
        description: "Bättre arbetsmiljö".into(),
        category: "unvalued".into(),
        ..BenefitInput::default()
    };
    let kalkyl = Nyttokalkyl::parse(input(vec![unvalued]), &[], 0.03).unwrap();
    assert_eq!(kalkyl.benefits[0].value, BenefitValue::Unvalued);
    let priced = sek("Bättre arbetsmiljö", "unvalued", 5.0);
    assert_eq!(
        fields(Nyttokalkyl::parse(input(vec![priced]), &[], 0.03)),
        ["nyttokalkyl.benefits[0].annual_value_sek"]
    );
    let missing = BenefitInput {
        annual_value_sek: None,
        ..sek("Färre utskick", "financial", 0.0)
    };
    assert_eq!(
        fields(Nyttokalkyl::parse(input(vec![missing]), &[], 0.03)),
        ["nyttokalkyl.benefits[0].annual_value_sek"]
    );
}

#[test]
fn low_expected_and_high_stay_in_order() {
    let ranged = |low, high| BenefitInput {
        low_sek: low,
        high_sek: high,
        ..sek("Färre utskick", "financial", 100.0)
    };
    let fine = input(vec![
        ranged(Some(50.0), Some(150.0)),
        ranged(Some(100.0), Some(100.0)),
        ranged(None, Some(150.0)),
    ]);
    assert!(Nyttokalkyl::parse(fine, &[], 0.03).is_ok());
    let wrong = input(vec![
        ranged(Some(150.0), Some(50.0)),
        ranged(Some(120.0), None),
        ranged(None, Some(90.0)),
        ranged(Some(-1.0), None),
    ]);
    assert_eq!(
        fields(Nyttokalkyl::parse(wrong, &[], 0.03)),
        [
            "nyttokalkyl.benefits[0].low_sek",
            "nyttokalkyl.benefits[1].low_sek",
            "nyttokalkyl.benefits[2].high_sek",
            "nyttokalkyl.benefits[3].low_sek",
        ]
    );
}

#[test]
fn from_year_lies_within_the_calculation() {
    let at = |year| BenefitInput {
        from_year: Some(year),
        ..sek("Färre utskick", "financial", 100.0)
    };
    assert!(Nyttokalkyl::parse(input(vec![at(0), at(5)]), &[], 0.03).is_ok());
    assert_eq!(
        fields(Nyttokalkyl::parse(input(vec![at(6), at(-1)]), &[], 0.03)),
        [
            "nyttokalkyl.benefits[0].from_year",
            "nyttokalkyl.benefits[1].from_year"
        ]
    );
}

#[test]
fn an_indicator_measures_a_touched_service_towards_a_target_unlike_its_baseline() {
    let measured = |indicator| BenefitInput {
        indicator: Some(indicator),
        ..sek("Nöjdare användare", "redistribution", 100.0)
    };
    let with_baseline = IndicatorInput {
        baseline: Some(BaselineInput {
            value: 62.5,
            period: "2026-Q1".into(),
            n: 40,
        }),
        target_period: Some("2027-H1".into()),
        ..indicator(3, "sus", 70.0)
    };
    let kalkyl =
        Nyttokalkyl::parse(input(vec![measured(with_baseline.clone())]), &[3], 0.03).unwrap();
    let parsed = kalkyl.benefits[0].indicator.clone().unwrap();
    assert_eq!((parsed.metric, parsed.target), (Metric::Sus, 70.0));
    assert_eq!(parsed.baseline.unwrap().n, 40);

    let elsewhere = indicator(4, "sus", 70.0);
    let unknown_metric = indicator(3, "csat", 70.0);
    let off_scale = indicator(3, "sus", 101.0);
    let same_as_baseline = IndicatorInput {
        target: 62.5,
        ..with_baseline.clone()
    };
    let bad_baseline = IndicatorInput {
        baseline: Some(BaselineInput {
            value: -150.0,
            period: "Q1".into(),
            n: 0,
        }),
        target_period: Some("2026-Q5".into()),
        ..indicator(3, "nps", 10.0)
    };
    assert_eq!(
        fields(Nyttokalkyl::parse(
            input(vec![
                measured(elsewhere),
                measured(unknown_metric),
                measured(off_scale),
                measured(same_as_baseline),
                measured(bad_baseline),
            ]),
            &[3],
            0.03
        )),
        [
            "nyttokalkyl.benefits[0].indicator.service_id",
            "nyttokalkyl.benefits[1].indicator.metric",
            "nyttokalkyl.benefits[2].indicator.target",
            "nyttokalkyl.benefits[3].indicator.target",
            "nyttokalkyl.benefits[4].indicator.target_period",
            "nyttokalkyl.benefits[4].indicator.baseline.value",
            "nyttokalkyl.benefits[4].indicator.baseline.period",
            "nyttokalkyl.benefits[4].indicator.baseline.n",
        ]
    );
    // NPS runs from −100; tidsvinst may be any minutes within a week.
    let negative_nps = indicator(3, "nps", -20.0);
    let minutes = indicator(3, "tidsvinst", 45.0);
    assert!(
        Nyttokalkyl::parse(
            input(vec![measured(negative_nps), measured(minutes)]),
            &[3],
            0.03
        )
        .is_ok()
    );
}

#[test]
fn a_kalkyl_measuring_a_service_keeps_the_insats_touching_it() {
    let measured = BenefitInput {
        indicator: Some(indicator(3, "sus", 70.0)),
        ..sek("Nöjdare användare", "redistribution", 100.0)
    };
    let kalkyl = Nyttokalkyl::parse(input(vec![measured]), &[3, 4], 0.03).unwrap();
    assert!(kalkyl.measures_only(&[3]).is_ok());
    let Err(Error::Invalid(problems)) = kalkyl.measures_only(&[4]) else {
        panic!("accepted");
    };
    assert_eq!(problems[0].field, "service_ids");
}

#[test]
fn an_edit_replaces_a_draft_and_adds_a_version_after_a_decision() {
    assert_eq!(kalkyl_write(None), KalkylWrite::Add { version: 1 });
    assert_eq!(
        kalkyl_write(Some((1, false))),
        KalkylWrite::Replace { version: 1 }
    );
    assert_eq!(
        kalkyl_write(Some((1, true))),
        KalkylWrite::Add { version: 2 }
    );
    assert_eq!(
        kalkyl_write(Some((2, false))),
        KalkylWrite::Replace { version: 2 }
    );
}

#[test]
fn categories_read_back_from_their_names() {
    for category in BenefitCategory::ALL {
        assert_eq!(category.as_str().parse::<BenefitCategory>(), Ok(category));
    }
    assert!("cash".parse::<BenefitCategory>().is_err());
}

#[test]
fn money_is_kept_to_the_ore_and_capped_so_every_figure_stays_finite() {
    // 1 234,567 SEK is kept as 1 234,57; a fraction of an öre (5e-324) as 0, so NPV per
    // invested krona never divides by it.
    let kalkyl = Nyttokalkyl::parse(
        NyttokalkylInput {
            investment_sek: 5e-324,
            benefits: vec![sek("Färre utskick", "financial", 1_234.567)],
            ..NyttokalkylInput::default()
        },
        &[],
        0.03,
    )
    .unwrap();
    assert_eq!(kalkyl.investment_sek, 0.0);
    assert_eq!(kalkyl.benefits[0].value, BenefitValue::Sek(1_234.57));
    // A trillion SEK is the most; above it (and the largest double) is refused.
    let capped = NyttokalkylInput {
        investment_sek: 1e12,
        ..input(vec![sek("Färre utskick", "financial", 1e12 + 1.0)])
    };
    assert_eq!(
        fields(Nyttokalkyl::parse(capped, &[], 0.03)),
        ["nyttokalkyl.benefits[0].annual_value_sek"]
    );
    let huge = NyttokalkylInput {
        investment_sek: f64::MAX,
        ..input(vec![])
    };
    assert_eq!(
        fields(Nyttokalkyl::parse(huge, &[], 0.03)),
        ["nyttokalkyl.investment_sek"]
    );
}

#[test]
fn a_benefit_value_sets_exactly_the_fields_of_its_kind() {
    assert_eq!(
        BenefitValue::Sek(250_000.0).as_fields(),
        (Some(250_000.0), None, None)
    );
    let time = BenefitValue::Time {
        minutes_per_week: 15.0,
        users: 40,
    };
    assert_eq!(time.as_fields(), (None, Some(15.0), Some(40)));
    assert_eq!(BenefitValue::Unvalued.as_fields(), (None, None, None));
}
