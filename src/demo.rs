//! `nyttopuls demo`: a small, realistic municipality to look at — förvaltningar,
//! objektägare, IT services, users and a quarterly programme with its first round
//! opened and the invitations written to the file outbox. Only seeds an empty catalogue.

use crate::{
    domain::{
        Actor, Email, Error, NewRespondent, NewService, PageRequest, Role, ServiceFilter,
        programme::{NewProgramme, ProgrammeFields},
    },
    usecases::{self, AppState, catalogue, programmes, sign_in, tokens},
};

/// Kommunledningskontoret's dashboard address in the demo.
pub const ADMIN_EMAIL: &str = "nyttoanalys@karlstad.example";

const DEPARTMENTS: [&str; 3] = [
    "Barn- och ungdomsförvaltningen",
    "Vård- och omsorgsförvaltningen",
    "Kommunledningskontoret",
];

/// (name, slug, description, owner index, department index, users, annual cost SEK)
const SERVICES: [(&str, &str, &str, usize, usize, i64, i64); 6] = [
    (
        "Skolwebben",
        "skolwebben",
        "Lärplattform för grundskolan",
        0,
        0,
        1_800,
        1_200_000,
    ),
    (
        "Frånvarosystemet",
        "franvaro",
        "Frånvaroanmälan för vårdnadshavare",
        0,
        0,
        950,
        400_000,
    ),
    (
        "Procapita",
        "procapita",
        "Verksamhetssystem för vård och omsorg",
        1,
        1,
        1_400,
        3_100_000,
    ),
    (
        "Tidrapporten",
        "tidrapport",
        "Tidrapportering i hemtjänsten",
        1,
        1,
        700,
        650_000,
    ),
    (
        "Ekonomisystemet",
        "ekonomi",
        "Attest och uppföljning",
        2,
        2,
        420,
        2_300_000,
    ),
    (
        "Intranätet",
        "intranat",
        "Kommunens intranät",
        2,
        2,
        5_200,
        800_000,
    ),
];

const OWNERS: [(&str, &str); 3] = [
    ("Åsa Lindqvist", "asa.lindqvist@karlstad.example"),
    ("Göran Öberg", "goran.oberg@karlstad.example"),
    ("Märta Sjöström", "marta.sjostrom@karlstad.example"),
];

const FIRST_NAMES: [&str; 8] = [
    "Anna", "Björn", "Cecilia", "David", "Elin", "Fredrik", "Greta", "Hampus",
];
const LAST_NAMES: [&str; 5] = ["Andersson", "Bäckström", "Carlsson", "Dahlgren", "Ek"];

/// What the demo seeded, for the welcome text.
pub struct DemoData {
    pub admin_token: String,
    pub owner_token: String,
    /// One-time dashboard sign-in links (15 minutes) for the first owner and the admin.
    pub owner_sign_in: String,
    pub admin_sign_in: String,
    pub invitations: usize,
}

/// Seeds the demo municipality unless services exist already (then `None`).
pub async fn seed(state: &AppState) -> Result<Option<DemoData>, Error> {
    let actor = Actor::cli();
    let existing = catalogue::list_services(
        state,
        &actor,
        ServiceFilter::default(),
        PageRequest::new(None, None)?,
    )
    .await?;
    if existing.total > 0 {
        return Ok(None);
    }
    let mut department_ids = Vec::new();
    for name in DEPARTMENTS {
        department_ids.push(
            catalogue::save_department(state, &actor, None, name.into())
                .await?
                .id,
        );
    }
    let mut owner_ids = Vec::new();
    for (index, (name, email)) in OWNERS.iter().enumerate() {
        let email = Email::parse_field("email", email)?;
        let department = Some(department_ids[index]);
        owner_ids.push(
            catalogue::save_owner(state, &actor, None, (*name).into(), email, department)
                .await?
                .id,
        );
    }
    for (name, slug, description, owner, department, users, cost) in SERVICES {
        let service = NewService::parse(
            name,
            slug,
            Some(description.into()),
            Some(owner_ids[owner]),
            Some(department_ids[department]),
            Some(users),
            Some(cost),
            Some(true),
        )?;
        catalogue::save_service(state, &actor, None, service).await?;
    }
    for i in 0..40 {
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[i % LAST_NAMES.len()];
        let services: Vec<String> = [SERVICES[i % 6].1, SERVICES[(i + 2) % 6].1]
            .map(String::from)
            .into();
        let person = NewRespondent::parse_request(
            &format!(
                "{}.{}{i}@karlstad.example",
                first.to_lowercase(),
                last.to_lowercase().replace(['ä', 'å'], "a")
            ),
            &format!("{first} {last}"),
            Some(DEPARTMENTS[i % 3]),
            Some(if i % 7 == 0 { "external" } else { "internal" }),
            Some(if i % 5 == 0 { "en" } else { "sv" }),
            &services,
        )?;
        usecases::respondents::save_respondent(state, &actor, None, person).await?;
    }
    let quarterly = |questionnaire_id| {
        NewProgramme::parse(ProgrammeFields {
            name: "Kvartalsuppföljning",
            questionnaire_id,
            service_ids: None,
            schedule: "0 0 8 1 1,4,7,10 *",
            period: Some("quarter"),
            open_days: Some(21),
            reminder_days: Some(vec![7, 14]),
            sampling: None,
            active: Some(true),
        })
    };
    let programme = programmes::save_programme(state, &actor, None, None, quarterly).await?;
    let opened = crate::jobs::run_programme(state, &Actor::system(), programme.id).await?;
    let admin_token = tokens::create_token(state, &actor, Role::Admin, "demo admin", None).await?;
    let owner_token = tokens::create_token(
        state,
        &actor,
        Role::Owner {
            owner_id: owner_ids[0],
        },
        "demo owner",
        None,
    )
    .await?;
    sign_in::add_admin(state, &actor, ADMIN_EMAIL, "Kommunledningskontoret").await?;
    let actor = &actor;
    let link = |email: &'static str| async move {
        sign_in::link_for(state, actor, email)
            .await?
            .ok_or_else(|| Error::bug(format!("the demo account {email} cannot sign in")))
    };
    let owner_sign_in = link(OWNERS[0].1).await?;
    let admin_sign_in = link(ADMIN_EMAIL).await?;
    tracing::info!(at = %state.clock.now(), "demo data seeded");
    Ok(Some(DemoData {
        admin_token,
        owner_token,
        owner_sign_in,
        admin_sign_in,
        invitations: opened.invitations,
    }))
}
