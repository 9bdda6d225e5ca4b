//! The demo's KF goals and insatser, made through the insatser use cases as the history
//! moves through its quarters: each insats is proposed, assessed and decided after a
//! round closes, goes live on the first day of a later quarter (so the round of that
//! quarter is the first after go-live and the one before it the baseline), and some are
//! followed up. The services were chosen for what their simulated users report: rising
//! ones (Lönesystemet, Schemaläggningen, HR-portalen, Hemtjänstplaneringen) realise their
//! benefit, a flat one (Frånvarosystemet) does not, a falling one (Skolplattformen) gets
//! worse, and a small one (Beslutsstödet) often has too few answers to say. Each target is
//! the figure the planner saw when proposing (the service's latest released round) plus
//! the insats's ambition, so the outcomes follow from the answers, not from set figures.
//!
//! The quarters are the full demo's (eight); a shorter history shifts them so they end
//! now, and leaves out an insats that would begin before it (or whose service it lacks).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Europe::Stockholm;

use crate::{
    domain::{
        Actor, Error, Metric, Role,
        insats::{
            InsatsInput, InsatsStatus, NewGoal,
            nyttokalkyl::{BenefitInput, IndicatorInput, NyttokalkylInput},
        },
    },
    usecases::{self, AppState, insatser},
};

/// The quarters the plans below are written for.
const FULL_QUARTERS: isize = 8;

/// When a step happens: at 08:00 on the first day of a quarter (before its round
/// opens), or after its round has closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    Start(usize),
    Close(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Proposed by Kommunledningskontoret, or by the objektägare (urgency and risk left
    /// to Kommunledningskontoret).
    Propose {
        by_owner: bool,
    },
    /// Urgency and risk set, then assessed.
    Assess,
    /// Decided and started.
    Decide,
    Live,
    FollowUp,
}

const KF_GOALS: [(&str, &str); 4] = [
    (
        "Digitalt först",
        "Fler ärenden ska kunna skötas digitalt från början till slut.",
    ),
    (
        "En effektiv förvaltning",
        "Mer av medarbetarnas tid ska gå till kärnuppdraget.",
    ),
    (
        "En attraktiv arbetsgivare",
        "Medarbetare ska ha verktyg som fungerar.",
    ),
    (
        "God service till invånare och företag",
        "Tjänsterna ska vara enkla och tillgängliga för alla.",
    ),
];

/// A benefit: SEK a year, or minutes a week for some users, or unvalued; `measured`:
/// the insats's indicator measures it.
struct BenefitPlan {
    description: &'static str,
    category: &'static str,
    sek: Option<f64>,
    minutes: Option<(f64, i64)>,
    measured: bool,
}

const fn sek(description: &'static str, sek: f64) -> BenefitPlan {
    BenefitPlan {
        description,
        category: "financial",
        sek: Some(sek),
        minutes: None,
        measured: false,
    }
}

const fn time(description: &'static str, minutes: f64, users: i64) -> BenefitPlan {
    BenefitPlan {
        description,
        category: "redistribution",
        sek: None,
        minutes: Some((minutes, users)),
        measured: false,
    }
}

/// The benefit the surveys measure (in the metric and ambition of its insats).
const fn measured(description: &'static str) -> BenefitPlan {
    BenefitPlan {
        description,
        category: "unvalued",
        sek: None,
        minutes: None,
        measured: true,
    }
}

struct Plan {
    name: &'static str,
    description: &'static str,
    service: &'static str,
    sponsor: &'static str,
    /// Indexes into `KF_GOALS`.
    goals: &'static [usize],
    /// SUS points above the figure the planner saw.
    ambition: f64,
    investment_sek: f64,
    running_sek: f64,
    benefits: &'static [BenefitPlan],
    /// (urgency, risk) as Kommunledningskontoret assesses them.
    assessment: (i64, i64),
    schedule: Schedule,
}

/// Every benefit is measured by SUS, the figure every demo round has.
const METRIC: Metric = Metric::Sus;

/// An insats's story, in the full demo's quarters.
#[derive(Debug, Clone, Copy)]
enum Schedule {
    /// Proposed, assessed and decided after the round of `decided` closed; live from the
    /// first day of `live`; followed up after the round of `followed_up` closed.
    Live {
        decided: usize,
        live: usize,
        followed_up: Option<usize>,
    },
    /// Proposed, then assessed and decided: under way, planned to go live
    /// `live_in_quarters` after now.
    Underway {
        proposed: usize,
        decided: usize,
        live_in_quarters: u32,
    },
    /// Waiting for a decision: proposed (by the objektägare or Kommunledningskontoret),
    /// perhaps assessed.
    Waiting {
        proposed: usize,
        by_owner: bool,
        assessed: Option<usize>,
    },
}

/// The table's short forms of the three stories, in `Schedule`'s field order.
const fn live(decided: usize, live: usize, followed_up: Option<usize>) -> Schedule {
    Schedule::Live {
        decided,
        live,
        followed_up,
    }
}

const fn underway(proposed: usize, decided: usize, live_in_quarters: u32) -> Schedule {
    Schedule::Underway {
        proposed,
        decided,
        live_in_quarters,
    }
}

const fn waiting(proposed: usize, by_owner: bool, assessed: Option<usize>) -> Schedule {
    Schedule::Waiting {
        proposed,
        by_owner,
        assessed,
    }
}

impl Schedule {
    fn steps(self) -> Vec<(When, Step)> {
        let decided = |q| [(Close(q), Assess), (Close(q), Decide)];
        let mut steps = Vec::new();
        match self {
            Self::Live {
                decided: q,
                live,
                followed_up,
            } => {
                steps.push((Close(q), Propose { by_owner: false }));
                steps.extend(decided(q));
                steps.push((Start(live), Live));
                steps.extend(followed_up.map(|f| (Close(f), FollowUp)));
            }
            Self::Underway {
                proposed,
                decided: q,
                ..
            } => {
                steps.push((Close(proposed), Propose { by_owner: false }));
                steps.extend(decided(q));
            }
            Self::Waiting {
                proposed,
                by_owner,
                assessed,
            } => {
                steps.push((Close(proposed), Propose { by_owner }));
                steps.extend(assessed.map(|a| (Close(a), Assess)));
            }
        }
        steps
    }

    fn live_in_quarters(self) -> Option<u32> {
        match self {
            Self::Underway {
                live_in_quarters, ..
            } => Some(live_in_quarters),
            _ => None,
        }
    }
}

use Step::{Assess, Decide, FollowUp, Live, Propose};
use When::{Close, Start};

const PLANS: [Plan; 11] = [
    Plan {
        name: "Självservice för lön och ledighet",
        description: "Medarbetare och chefer sköter ledighet, lönebesked och utlägg själva i Lönesystemet.",
        service: "Lönesystemet",
        sponsor: "HR-direktören",
        goals: &[1, 2],
        ambition: 10.0,
        investment_sek: 1_800_000.0,
        running_sek: 200_000.0,
        benefits: &[
            sek("Färre samtal och ärenden till lönekontoret", 450_000.0),
            time("Mindre tid för chefer att attestera", 10.0, 400),
            measured("Enklare att göra rätt i Lönesystemet"),
        ],
        assessment: (2, 1),
        schedule: live(0, 2, Some(6)),
    },
    Plan {
        name: "Mobil schemaläggning för vikarier",
        description: "Vikarier ser och bokar pass i mobilen; bemanningen slipper ringa runt.",
        service: "Schemaläggningen",
        sponsor: "Förvaltningschef, barn och unga",
        goals: &[0, 1],
        ambition: 9.0,
        investment_sek: 900_000.0,
        running_sek: 150_000.0,
        benefits: &[
            time("Färre timmar på bemanning", 20.0, 120),
            measured("Bättre överblick för vikarier och bemanning"),
        ],
        assessment: (2, 1),
        schedule: live(1, 3, Some(7)),
    },
    Plan {
        name: "Ny medarbetarwebb i HR-portalen",
        description: "En startsida per roll med det medarbetaren behöver, i stället för fem menyer.",
        service: "HR-portalen",
        sponsor: "HR-direktören",
        goals: &[2],
        ambition: 6.0,
        investment_sek: 600_000.0,
        running_sek: 80_000.0,
        benefits: &[
            sek("Avvecklat avtal för den gamla portalen", 250_000.0),
            measured("Lättare att hitta rätt"),
        ],
        assessment: (1, 0),
        schedule: live(2, 4, Some(7)),
    },
    Plan {
        name: "Ny inloggning och startsida i Skolplattformen",
        description: "Gemensam inloggning och en ny startsida för vårdnadshavare och lärare.",
        service: "Skolplattformen",
        sponsor: "Förvaltningschef, barn och unga",
        goals: &[0, 3],
        ambition: 8.0,
        investment_sek: 3_200_000.0,
        running_sek: 600_000.0,
        benefits: &[
            time("Mindre tid för lärare i plattformen", 10.0, 400),
            sek("Färre supportärenden", 300_000.0),
            measured("Enklare för vårdnadshavare och lärare"),
        ],
        assessment: (3, 2),
        schedule: live(2, 4, None),
    },
    Plan {
        name: "Ruttoptimering i hemtjänsten",
        description: "Dagens besök planeras automatiskt i den kortaste ordningen.",
        service: "Hemtjänstplaneringen",
        sponsor: "Förvaltningschef, vård och omsorg",
        goals: &[1],
        ambition: 4.0,
        investment_sek: 2_500_000.0,
        running_sek: 400_000.0,
        benefits: &[
            sek("Kortare körsträckor (drivmedel och leasing)", 900_000.0),
            time("Mer tid hos brukarna", 30.0, 300),
            measured("Planeringen blir enklare"),
        ],
        assessment: (2, 2),
        schedule: live(3, 5, None),
    },
    Plan {
        name: "Automatiska påminnelser i Frånvarosystemet",
        description: "Påminnelser om oanmäld frånvaro skickas automatiskt till vårdnadshavare.",
        service: "Frånvarosystemet",
        sponsor: "Förvaltningschef, barn och unga",
        goals: &[1, 3],
        ambition: 5.0,
        investment_sek: 300_000.0,
        running_sek: 50_000.0,
        benefits: &[
            time("Mindre tid för mentorer att ringa", 5.0, 150),
            measured("Enklare att följa frånvaron"),
        ],
        assessment: (1, 1),
        schedule: live(3, 5, None),
    },
    Plan {
        name: "Nya ledningsrapporter i Beslutsstödet",
        description: "Färdiga månadsrapporter för förvaltningsledningarna.",
        service: "Beslutsstödet",
        sponsor: "Ekonomidirektören",
        goals: &[1],
        ambition: 10.0,
        investment_sek: 400_000.0,
        running_sek: 60_000.0,
        benefits: &[
            time("Mindre tid att ta fram underlag", 30.0, 40),
            measured("Rapporterna går att använda direkt"),
        ],
        assessment: (1, 1),
        schedule: live(3, 5, None),
    },
    Plan {
        name: "Ny sökfunktion på intranätet",
        description: "Sök som hittar dokument, personer och rutiner i ett och samma fält.",
        service: "Intranätet",
        sponsor: "Kommunikationschefen",
        goals: &[0, 2],
        ambition: 8.0,
        investment_sek: 500_000.0,
        running_sek: 70_000.0,
        benefits: &[
            time("Mindre tid att leta", 3.0, 2_000),
            measured("Lättare att hitta"),
        ],
        assessment: (2, 1),
        schedule: underway(5, 6, 1),
    },
    Plan {
        name: "Automatisk gallring i E-arkivet",
        description: "Handlingar gallras automatiskt enligt dokumenthanteringsplanen.",
        service: "E-arkivet",
        sponsor: "Kommundirektören",
        goals: &[0, 1],
        ambition: 5.0,
        investment_sek: 700_000.0,
        running_sek: 90_000.0,
        benefits: &[
            sek("Mindre lagring", 220_000.0),
            time("Mindre manuell gallring", 15.0, 60),
            measured("Enklare arkivering"),
        ],
        assessment: (2, 1),
        schedule: underway(6, 7, 2),
    },
    Plan {
        name: "Ny kartmotor i Kartportalen",
        description: "Snabbare kartor med aktuella detaljplaner och ledningar.",
        service: "Kartportalen",
        sponsor: "Samhällsbyggnadschefen",
        goals: &[3],
        ambition: 8.0,
        investment_sek: 900_000.0,
        running_sek: 120_000.0,
        benefits: &[
            time("Mindre väntan på kartor", 10.0, 300),
            measured("Kartorna går att använda"),
        ],
        assessment: (2, 1),
        schedule: waiting(6, true, Some(7)),
    },
    Plan {
        name: "Digital bygglovsansökan med e-legitimation",
        description: "Sökande lämnar in och kompletterar ansökan digitalt, med e-legitimation.",
        service: "Bygglovshanteringen",
        sponsor: "Samhällsbyggnadschefen",
        goals: &[0, 3],
        ambition: 5.0,
        investment_sek: 1_200_000.0,
        running_sek: 150_000.0,
        benefits: &[
            time("Färre kompletteringar att handlägga", 60.0, 40),
            sek("Färre pappersutskick", 60_000.0),
            measured("Enklare handläggning"),
        ],
        assessment: (0, 0),
        schedule: waiting(7, true, None),
    },
];

/// A demo service as an insats names it.
#[derive(Debug, Clone, Copy)]
pub(super) struct DemoService {
    pub id: i32,
    pub owner_id: Option<i32>,
    pub department_id: Option<i32>,
}

/// The goals made and the insatser made so far.
pub(super) struct Portfolio {
    shift: isize,
    services: HashMap<&'static str, DemoService>,
    goals: Vec<i32>,
    made: HashMap<&'static str, i32>,
    /// The day after the history: what an insats not yet live plans from.
    now: NaiveDate,
}

impl Portfolio {
    /// Makes kommunfullmäktige's goals, in force from the first quarter's year.
    pub(super) async fn start(
        state: &AppState,
        quarters: usize,
        services: HashMap<&'static str, DemoService>,
        first_day: NaiveDate,
        now: NaiveDate,
    ) -> Result<Self, Error> {
        let mut goals = Vec::new();
        let from = NaiveDate::from_ymd_opt(first_day.year(), 1, 1).unwrap_or(first_day);
        for (title, description) in KF_GOALS {
            let goal = NewGoal::parse(title, Some(description.to_owned()), from, None)?;
            goals.push(
                insatser::save_goal(state, &Actor::cli(), None, goal)
                    .await?
                    .id,
            );
        }
        Ok(Self {
            shift: quarters as isize - FULL_QUARTERS,
            services,
            goals,
            made: HashMap::new(),
            now,
        })
    }

    pub(super) fn goals(&self) -> usize {
        self.goals.len()
    }

    pub(super) fn insatser(&self) -> usize {
        self.made.len()
    }

    /// The full demo's quarter for `when` in this history; `None` before it began.
    fn full(&self, when: When) -> Option<When> {
        let back = |q: usize| usize::try_from(q as isize - self.shift).ok();
        Some(match when {
            Start(q) => Start(back(q)?),
            Close(q) => Close(back(q)?),
        })
    }

    /// Takes every step due `when`.
    pub(super) async fn steps(&mut self, state: &AppState, when: When) -> Result<(), Error> {
        let Some(full) = self.full(when) else {
            return Ok(());
        };
        for plan in &PLANS {
            let Some(service) = self.services.get(plan.service).copied() else {
                continue;
            };
            // An insats whose proposal would come before the history began is left out.
            let steps = plan.schedule.steps();
            let first = steps.first().map(|(w, _)| match w {
                Start(q) | Close(q) => *q,
            });
            if first.is_some_and(|q| (q as isize) + self.shift < 0) {
                continue;
            }
            for (_, step) in steps.iter().filter(|(w, _)| *w == full) {
                self.take(state, plan, service, *step).await?;
            }
        }
        Ok(())
    }

    async fn take(
        &mut self,
        state: &AppState,
        plan: &Plan,
        service: DemoService,
        step: Step,
    ) -> Result<(), Error> {
        let admin = Actor::cli();
        if let Propose { by_owner } = step {
            let target = self.target(state, plan, service).await?;
            let actor = match (by_owner, service.owner_id) {
                (true, Some(owner_id)) => Actor {
                    account_id: None,
                    role: Role::Owner { owner_id },
                    label: format!("demo:owner:{owner_id}"),
                },
                _ => admin,
            };
            let saved = insatser::save_insats(
                state,
                &actor,
                None,
                self.input(plan, service, None),
                Some(kalkyl(plan, service, target)),
            )
            .await?;
            self.made.insert(plan.name, saved.insats.id);
            return Ok(());
        }
        let id =
            self.made.get(plan.name).copied().ok_or_else(|| {
                Error::bug(format!("the demo's insats {} was not made", plan.name))
            })?;
        let moves: &[InsatsStatus] = match step {
            Propose { .. } => &[],
            Assess => {
                let assessed = self.input(plan, service, Some(plan.assessment));
                insatser::save_insats(state, &admin, Some(id), assessed, None).await?;
                &[InsatsStatus::Assessed]
            }
            Decide => &[InsatsStatus::Decided, InsatsStatus::InProgress],
            Live => &[InsatsStatus::Live],
            FollowUp => &[InsatsStatus::FollowedUp],
        };
        for to in moves {
            insatser::change_status(state, &admin, id, *to, None).await?;
        }
        Ok(())
    }

    fn input(
        &self,
        plan: &Plan,
        service: DemoService,
        assessment: Option<(i64, i64)>,
    ) -> InsatsInput {
        InsatsInput {
            name: plan.name.into(),
            description: Some(plan.description.into()),
            department_id: service.department_id,
            owner_id: service.owner_id,
            sponsor: Some(plan.sponsor.into()),
            service_ids: vec![service.id],
            goal_ids: plan
                .goals
                .iter()
                .filter_map(|g| self.goals.get(*g).copied())
                .collect(),
            urgency: assessment.map(|a| a.0),
            risk: assessment.map(|a| a.1),
            planned_live_on: plan
                .schedule
                .live_in_quarters()
                .map(|q| quarter_after(self.now, q)),
        }
    }

    /// The figure the planner saw (the service's latest released round) plus the
    /// insats's ambition, in whole points.
    async fn target(
        &self,
        state: &AppState,
        plan: &Plan,
        service: DemoService,
    ) -> Result<f64, Error> {
        let results =
            usecases::results::service_results(state, &Actor::system(), service.id).await?;
        let seen = results
            .rounds
            .iter()
            .rev()
            .find_map(|entry| entry.shown(METRIC)?.mean);
        let (low, high) = METRIC.range();
        Ok(seen
            .map_or(70.0, |figure| (figure + plan.ambition).round())
            .clamp(low, high))
    }
}

/// The first day of the quarter `quarters` after the one `day` is in.
fn quarter_after(day: NaiveDate, quarters: u32) -> NaiveDate {
    let index = day.year() * 4 + (day.month0() / 3) as i32 + quarters as i32;
    NaiveDate::from_ymd_opt(index.div_euclid(4), index.rem_euclid(4) as u32 * 3 + 1, 1)
        .unwrap_or(day)
}

fn kalkyl(plan: &Plan, service: DemoService, target: f64) -> NyttokalkylInput {
    NyttokalkylInput {
        calculation_years: Some(5),
        discount_rate: None,
        investment_sek: plan.investment_sek,
        annual_running_cost_sek: Some(plan.running_sek),
        benefits: plan
            .benefits
            .iter()
            .map(|b| BenefitInput {
                description: b.description.into(),
                category: b.category.into(),
                annual_value_sek: b.sek,
                low_sek: b.sek.map(|v| v * 0.7),
                high_sek: b.sek.map(|v| v * 1.2),
                from_year: None,
                minutes_per_week: b.minutes.map(|m| m.0),
                users: b.minutes.map(|m| m.1),
                indicator: b.measured.then(|| IndicatorInput {
                    service_id: service.id,
                    metric: METRIC.as_str().into(),
                    baseline: None,
                    target,
                    target_period: None,
                }),
            })
            .collect(),
    }
}

/// Today in Stockholm, for the history's clock.
pub(super) fn local_day(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    at.with_timezone(&Stockholm).date_naive()
}
