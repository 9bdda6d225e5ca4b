//! `nyttopuls demo`: a fictional municipality with two years of history, made through
//! the product's own code paths. Six förvaltningar, 40 IT services owned by 25
//! objektägare, 5,000 users; eight quarterly rounds in the past, each opened by the
//! programme (invitations into the file outbox under the fatigue rule), answered through
//! the answer use case by the people the invitations went to (services that improve,
//! decline or stay flat; response rates from 15 to 70 %), closed and released by
//! `close_rounds`, followed by digests and the nyttoanalys by `send_reports`; then the
//! charts, the report files, and one round open now. Along the way Kommunledningskontoret
//! sets kommunfullmäktige's goals and proposes, decides and follows up about ten insatser
//! (`insatser`), whose benefit the same rounds measure. A time machine (a manual clock)
//! moves through the quarters; the server afterwards runs on the real clock.
//!
//! The database is marked as the demo's: a second run serves what the first made, and
//! `--fresh` starts over; a database without the mark is never touched.

mod actions;
mod insatser;

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    sync::Arc,
};

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::{
    app::{self, ConnectError},
    config::Settings,
    domain::{
        Actor, Email, Error, NewService, PageRequest, ReportPeriod, Role, ServiceFilter,
        programme::{NewProgramme, ProgrammeFields},
        survey::SurveyEmail,
        token::SecretToken,
    },
    jobs::{self, JobName},
    reports::Format,
    usecases::{
        self, AppState, Clock,
        answers::Submitted,
        catalogue,
        demo::{DatabaseMaker, database_maker, invitations_waiting, mark_as_demo},
        programmes, sign_in, tokens,
    },
};

/// Kommunledningskontoret's dashboard address in the demo (it also gets the report).
pub const ADMIN_EMAIL: &str = "nyttoanalys@karlstad.example";

const DEPARTMENTS: [&str; 6] = [
    "Kommunledningskontoret",
    "Barn- och ungdomsförvaltningen",
    "Vård- och omsorgsförvaltningen",
    "Samhällsbyggnadsförvaltningen",
    "Kultur- och fritidsförvaltningen",
    "Arbetsmarknads- och socialförvaltningen",
];

const OWNERS: [&str; 25] = [
    "Åsa Lindqvist",
    "Göran Öberg",
    "Märta Sjöström",
    "Greta Bäckström",
    "Lars Nyström",
    "Karin Åberg",
    "Johan Ekström",
    "Eva Sundberg",
    "Anders Holmgren",
    "Maria Lundqvist",
    "Per Hägglund",
    "Lena Forsberg",
    "Mikael Strömberg",
    "Sofia Engström",
    "Henrik Dahlström",
    "Anna Wikström",
    "Fredrik Sandberg",
    "Ingrid Blomqvist",
    "Erik Söderström",
    "Helena Björk",
    "Magnus Lindgren",
    "Kristina Nordin",
    "Olof Hedlund",
    "Elin Ståhl",
    "Björn Ljung",
];

/// (name, förvaltning index, users, annual cost in SEK)
const SERVICES: [(&str, usize, i64, i64); 40] = [
    ("Lönesystemet", 0, 4_200, 2_400_000),
    ("Ekonomisystemet", 0, 650, 3_100_000),
    ("E-arkivet", 0, 300, 900_000),
    ("Diariet", 0, 420, 600_000),
    ("Intranätet", 0, 5_000, 700_000),
    ("Webbplatsen", 0, 120, 450_000),
    ("E-tjänsteplattformen", 0, 260, 1_200_000),
    ("Beslutsstödet", 0, 90, 350_000),
    ("Upphandlingssystemet", 0, 110, 800_000),
    ("HR-portalen", 0, 3_800, 1_000_000),
    ("Skolplattformen", 1, 2_600, 3_800_000),
    ("Frånvarosystemet", 1, 1_900, 500_000),
    ("Schemaläggningen", 1, 700, 650_000),
    ("Elevhälsojournalen", 1, 240, 420_000),
    ("Förskoleportalen", 1, 900, 380_000),
    ("Skolskjutsplaneraren", 1, 45, 150_000),
    ("Betygssystemet", 1, 1_100, 550_000),
    ("Journalsystemet", 2, 1_500, 4_200_000),
    ("Hemtjänstplaneringen", 2, 800, 1_500_000),
    ("Nyckelfri hemtjänst", 2, 600, 900_000),
    ("Läkemedelsmodulen", 2, 350, 700_000),
    ("Larmhanteringen", 2, 280, 1_100_000),
    ("Trygghetskameror", 2, 60, 300_000),
    ("Avvikelsesystemet", 2, 1_300, 250_000),
    ("Bygglovshanteringen", 3, 85, 1_300_000),
    ("Kartportalen", 3, 400, 350_000),
    ("GIS-verktyget", 3, 70, 600_000),
    ("Fastighetssystemet", 3, 150, 1_900_000),
    ("Felanmälan", 3, 900, 200_000),
    ("Driftövervakningen", 3, 40, 500_000),
    ("Bibliotekssystemet", 4, 160, 700_000),
    ("Bokningssystemet", 4, 220, 300_000),
    ("Föreningsregistret", 4, 50, 120_000),
    ("Kulturskoleportalen", 4, 90, 180_000),
    ("Försörjningsstödet", 5, 230, 1_600_000),
    ("Ärendehanteringen", 5, 480, 1_400_000),
    ("Arbetsmarknadsportalen", 5, 130, 400_000),
    ("Tolkbokningen", 5, 300, 90_000),
    ("Familjerättssystemet", 5, 60, 500_000),
    ("Boendeplaneringen", 5, 75, 260_000),
];

const FIRST_NAMES: [&str; 24] = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per", "Lena",
    "Mikael", "Emma", "Olof", "Ida", "Jonas", "Elin", "Björn", "Ulla", "Nils", "Åsa", "Göran",
    "Märta", "Sören",
];
const LAST_NAMES: [&str; 24] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Bäckström",
    "Åkesson",
    "Öberg",
    "Sjöström",
    "Lindqvist",
    "Ekström",
    "Nyström",
    "Hägglund",
    "Strömberg",
    "Dahlström",
    "Söderberg",
    "Ljung",
];

const COMMENTS: [&str; 12] = [
    "Fungerar bra för det mesta.",
    "Inloggningen tar för lång tid.",
    "Svårt att hitta rätt funktion i menyerna.",
    "Mycket bättre efter senaste uppdateringen!",
    "Systemet är långsamt på morgnarna.",
    "Saknar en mobilversion.",
    "Supporten är snabb och hjälpsam.",
    "Krånglig rapportfunktion.",
    "Sparar mycket tid jämfört med förr.",
    "Vi behöver mer utbildning i systemet.",
    "Ofta avbrott i kopplingen till andra system.",
    "Enkelt och tydligt.",
];

/// How big the demo is.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub services: usize,
    pub respondents: usize,
    /// Closed quarterly rounds before the open one.
    pub quarters: usize,
}

impl Size {
    pub const FULL: Self = Self {
        services: 40,
        respondents: 5_000,
        quarters: 8,
    };
    /// For tests: quick, yet every part runs.
    pub const SMALL: Self = Self {
        services: 6,
        respondents: 240,
        quarters: 3,
    };
}

/// What a person needs to look around, printed when the demo starts.
pub struct Welcome {
    pub admin_token: String,
    pub owner_name: String,
    pub owner_sign_in: String,
    pub admin_sign_in: String,
    pub open_survey_link: Option<String>,
    /// The open link of this quarter's round of one e-service: (service, page URL, QR
    /// code PNG URL).
    pub open_link: Option<(String, String, String)>,
    pub report_period: String,
    pub report_files: Vec<PathBuf>,
    /// What was made (for a new demo) or found (for one made before).
    pub summary: String,
}

/// Progress of the long steps: (step name, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database at {0} holds data that `nyttopuls demo` did not make; the demo never touches it (use `nyttopuls serve`, or point database.url at another file)"
    )]
    NotTheDemo(String),
    #[error("--fresh starts over only on the embedded SQLite database, not on {0}")]
    FreshNeedsSqlite(String),
    #[error("{0}")]
    Failed(#[from] Error),
    #[error("{0}")]
    Connect(#[from] ConnectError),
    #[error("cannot remove {0}: {1}")]
    Remove(String, std::io::Error),
}

/// The demo's emails (two years of simulated history, then this quarter's invitations
/// and any sign-in link) are for looking at, never for sending: they go to .eml files
/// under `mail.outbox_dir` whatever `mail.transport` says. Returns a notice when SMTP
/// was configured and is set aside.
pub fn keep_mail_local(settings: &mut Settings) -> Option<String> {
    let was_smtp = settings.mail.transport == crate::config::MailTransportKind::Smtp;
    settings.mail.transport = crate::config::MailTransportKind::File;
    was_smtp.then(|| {
        format!(
            "mail.transport is smtp, but the demo never sends: its emails are written to {}/",
            settings.mail.outbox_dir
        )
    })
}

/// The SQLite file of `settings`, if it is one.
fn sqlite_file(settings: &Settings) -> Option<PathBuf> {
    let url = settings.database.url.expose();
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(path.split('?').next()?))
}

/// Deletes the demo's database, outbox, charts and report files (`--fresh`), after
/// making sure the database is the demo's.
pub async fn start_over(settings: &Settings) -> Result<(), DemoError> {
    let Some(file) = sqlite_file(settings) else {
        return Err(DemoError::FreshNeedsSqlite(
            "a PostgreSQL database".to_owned(),
        ));
    };
    if file.exists() {
        let state = app::connect(settings.clone(), Clock::system()).await?;
        if database_maker(&state).await? == DatabaseMaker::Someone {
            return Err(DemoError::NotTheDemo(file.display().to_string()));
        }
        state.db.clone().close().await.ok();
    }
    let remove = |path: PathBuf, folder: bool| -> Result<(), DemoError> {
        let result = if folder {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match result {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(DemoError::Remove(path.display().to_string(), e))
            }
            _ => Ok(()),
        }
    };
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        remove(path.into(), false)?;
    }
    remove(PathBuf::from(&settings.mail.outbox_dir), true)?;
    remove(PathBuf::from(&settings.charts.dir), true)?;
    remove(PathBuf::from(REPORTS_DIR), true)?;
    Ok(())
}

const REPORTS_DIR: &str = "reports";

async fn catalogue_size(state: &AppState) -> Result<u64, Error> {
    let one = PageRequest::new(None, Some(1))?;
    let services =
        catalogue::list_services(state, &Actor::cli(), ServiceFilter::default(), one).await?;
    Ok(services.total)
}

/// Makes the demo (or finds the one made before) and returns what to print. `now` is
/// the real time; history is simulated before it.
pub async fn prepare(
    settings: &Settings,
    size: Size,
    progress: Progress<'_>,
) -> Result<Welcome, DemoError> {
    let mut seeding = settings.clone();
    seeding.scheduler.enabled = false;
    if seeding.report.recipients.is_empty() {
        seeding.report.recipients = vec![ADMIN_EMAIL.to_owned()];
    }
    let now = Utc::now();
    let first = quarter_start(now, size.quarters);
    let clock = Clock::manual(first);
    let state = app::connect(seeding, clock.clone()).await?;
    let maker = database_maker(&state).await?;
    if maker == DatabaseMaker::Someone {
        // The URL may hold a password: name only what follows the host.
        let url = settings.database.url.expose();
        let shown = url
            .rsplit('@')
            .next()
            .unwrap_or(url)
            .split('?')
            .next()
            .unwrap_or_default();
        return Err(DemoError::NotTheDemo(shown.to_owned()));
    }
    let existing = catalogue_size(&state).await?;
    let summary = if maker == DatabaseMaker::Nobody {
        mark_as_demo(&state).await?;
        seed(&state, &clock, size, now, progress).await?
    } else {
        format!("The demo made before is served again ({existing} IT services).")
    };
    clock.set(now);
    welcome(&state, summary).await.map_err(Into::into)
}

/// The first moment of the quarter `back` quarters before the one containing `now`,
/// plus eight hours (the programme's schedule runs at 08:00).
fn quarter_start(now: DateTime<Utc>, back: usize) -> DateTime<Utc> {
    let mut period = ReportPeriod::quarter_of(now);
    for _ in 0..back {
        period = period.previous();
    }
    period.range().0 + Duration::hours(8)
}

/// A service's character over time.
struct Profile {
    sus: f64,
    nytta: f64,
    minutes: f64,
    /// Points a quarter.
    trend: f64,
    response_rate: f64,
}

fn profile(index: usize, rng: &mut StdRng) -> Profile {
    let trend = match index % 3 {
        0 => 1.5,
        1 => -1.5,
        _ => 0.0,
    };
    Profile {
        sus: rng.random_range(48.0..80.0),
        nytta: rng.random_range(40.0..82.0),
        minutes: rng.random_range(-15.0..55.0),
        trend,
        response_rate: if index % 11 == 4 {
            0.15
        } else {
            rng.random_range(0.3..0.7)
        },
    }
}

/// An ASCII address part, as municipal addresses are: `Bäckström` → `backstrom`.
fn ascii(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' | 'á' | 'à' => 'a',
            'ö' | 'ó' => 'o',
            'é' | 'è' => 'e',
            'ü' => 'u',
            ' ' => '.',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect()
}

fn slug(name: &str) -> String {
    ascii(name).replace('.', "-")
}

fn owner_email(name: &str) -> String {
    format!("{}@karlstad.example", ascii(name))
}

async fn seed(
    state: &AppState,
    clock: &Clock,
    size: Size,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<String, DemoError> {
    let actor = Actor::cli();
    let mut rng = StdRng::seed_from_u64(2026);
    let mut departments = Vec::new();
    for name in DEPARTMENTS {
        departments.push(
            catalogue::save_department(state, &actor, None, name.into())
                .await?
                .id,
        );
    }
    let owner_count = OWNERS.len().min(size.services.max(1));
    let mut owners = Vec::new();
    for (index, name) in OWNERS.iter().take(owner_count).enumerate() {
        let email = Email::parse_field("email", &owner_email(name))?;
        let department = Some(departments[index % departments.len()]);
        owners.push(
            catalogue::save_owner(state, &actor, None, (*name).into(), email, department)
                .await?
                .id,
        );
    }
    // The small demo takes services from every förvaltning.
    let chosen: Vec<usize> = if size.services >= SERVICES.len() {
        (0..SERVICES.len()).collect()
    } else {
        (0..size.services)
            .map(|i| i * SERVICES.len() / size.services)
            .collect()
    };
    let mut profiles: HashMap<String, Profile> = HashMap::new();
    let mut slugs = Vec::new();
    let mut demo_services = HashMap::new();
    for (position, index) in chosen.iter().enumerate() {
        let (name, department, users, cost) = SERVICES[*index];
        let service = NewService::parse(
            name,
            &slug(name),
            Some(format!("{name} i {}", DEPARTMENTS[department])),
            Some(owners[position % owners.len()]),
            Some(departments[department]),
            Some(users),
            Some(cost),
            Some(true),
        )?;
        let saved = catalogue::save_service(state, &actor, None, service).await?;
        demo_services.insert(
            name,
            insatser::DemoService {
                id: saved.id,
                owner_id: saved.details.owner_id,
                department_id: saved.details.department_id,
            },
        );
        profiles.insert(name.to_owned(), profile(*index, &mut rng));
        slugs.push((slug(name), department, users));
    }
    import_users(state, &actor, size, &slugs, &mut rng, progress).await?;

    // No questionnaire named: the programme uses the standard template.
    let programme = programmes::save_programme(state, &actor, None, None, |questionnaire_id| {
        NewProgramme::parse(ProgrammeFields {
            name: "Kvartalsuppföljning",
            questionnaire_id,
            service_ids: None,
            schedule: "0 0 8 1 1,4,7,10 *",
            period: Some("quarter"),
            open_days: Some(21),
            reminder_days: Some(vec![10]),
            sampling: None,
            active: Some(true),
        })
    })
    .await?;

    let open_link = actions::OpenLinkPlan::choose(&demo_services, size.quarters);
    // The open link's visitors draw from their own generator, so the invited people's
    // answers (and the insatser's outcomes) are the same with or without them.
    let mut visitors = StdRng::seed_from_u64(16);
    let mut actions_made = 0;
    let mut portfolio = insatser::Portfolio::start(
        state,
        size.quarters,
        demo_services.clone(),
        insatser::local_day(quarter_start(now, size.quarters)),
        insatser::local_day(now),
    )
    .await?;
    let mut answered = 0;
    let mut invited = 0;
    for quarter in 0..size.quarters {
        progress("kvartal", quarter as u64, size.quarters as u64);
        clock.set(quarter_start(now, size.quarters - quarter));
        portfolio
            .steps(state, insatser::When::Start(quarter))
            .await?;
        let opened = jobs::run_programme(state, &Actor::system(), programme.id).await?;
        invited += opened.invitations;
        let links = invitations_waiting(state).await?;
        jobs::run(state, JobName::DispatchOutbox).await?;
        answered += answer(state, &links, &profiles, quarter, &mut rng).await?;
        if let Some(plan) = &open_link {
            let profile = &profiles[plan.name];
            let q = Some(quarter);
            plan.answer(state, profile, q, size.quarters, &mut visitors)
                .await?;
        }
        // The reminder after ten days, then the close after 21.
        clock.advance(Duration::days(10));
        jobs::run(state, JobName::SendReminders).await?;
        jobs::run(state, JobName::DispatchOutbox).await?;
        clock.advance(Duration::days(12));
        jobs::run(state, JobName::CloseRounds).await?;
        jobs::run(state, JobName::SendReports).await?;
        jobs::run(state, JobName::DispatchOutbox).await?;
        portfolio
            .steps(state, insatser::When::Close(quarter))
            .await?;
        actions_made +=
            actions::record_actions(state, &demo_services, quarter, size.quarters).await?;
    }
    progress("kvartal", size.quarters as u64, size.quarters as u64);
    // Now: the last quarter's report goes out, this quarter's round opens (its
    // invitations wait in the outbox for the server to send), the charts are drawn.
    clock.set(now);
    jobs::run(state, JobName::SendReports).await?;
    jobs::run(state, JobName::DispatchOutbox).await?;
    let opened = jobs::run_programme(state, &Actor::system(), programme.id).await?;
    invited += opened.invitations;
    if let Some(plan) = &open_link {
        let profile = &profiles[plan.name];
        plan.answer(state, profile, None, size.quarters, &mut visitors)
            .await?;
    }
    usecases::charts::render_charts(state, &|done, total| progress("diagram", done, total)).await?;
    Ok(format!(
        "Demo municipality made: {} förvaltningar, {} objektägare, {} IT services, {} users; \
         {} quarterly rounds of history ({invited} invitations, {answered} answers) and one \
         round open now; {} KF goals and {} insatser; {actions_made} åtgärder{}.",
        DEPARTMENTS.len(),
        owners.len(),
        chosen.len(),
        size.respondents,
        size.quarters,
        portfolio.goals(),
        portfolio.insatser(),
        open_link
            .as_ref()
            .map(|plan| format!("; an open link on {}", plan.name))
            .unwrap_or_default(),
    ))
}

/// The users, imported as a CSV file would be: each uses one to three services, most
/// of them in their own förvaltning.
async fn import_users(
    state: &AppState,
    actor: &Actor,
    size: Size,
    services: &[(String, usize, i64)],
    rng: &mut StdRng,
    progress: Progress<'_>,
) -> Result<(), Error> {
    let total_users: i64 = services.iter().map(|s| s.2).sum();
    let pick = |rng: &mut StdRng| {
        let mut at = rng.random_range(0..total_users.max(1));
        for service in services {
            if at < service.2 {
                return service;
            }
            at -= service.2;
        }
        &services[0]
    };
    let mut csv = String::from("email,name,department,kind,language,services\n");
    for i in 0..size.respondents {
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let main = pick(rng);
        let mut used = vec![main.0.clone()];
        for _ in 0..rng.random_range(0..3) {
            let other = pick(rng);
            if !used.contains(&other.0) {
                used.push(other.0.clone());
            }
        }
        let kind = if rng.random_bool(0.08) {
            "external"
        } else {
            "internal"
        };
        let language = if rng.random_bool(0.1) { "en" } else { "sv" };
        csv.push_str(&format!(
            "{}.{}{i}@karlstad.example,{first} {last},{},{kind},{language},{}\n",
            ascii(first),
            ascii(last),
            DEPARTMENTS[main.1],
            used.join("|")
        ));
    }
    let total = size.respondents as u64;
    usecases::respondents::import_respondents(state, actor, csv.as_bytes(), false, &|done| {
        progress("användare", done, total)
    })
    .await?;
    Ok(())
}

/// Answers the invitations in `links` as their recipients would: as many as the
/// service's response rate, scoring the service's level this quarter with each person's
/// own variation. Through the answer use case, many at once (as a crowd would).
async fn answer(
    state: &AppState,
    links: &[SurveyEmail],
    profiles: &HashMap<String, Profile>,
    quarter: usize,
    rng: &mut StdRng,
) -> Result<usize, Error> {
    let mut forms = Vec::new();
    for email in links {
        let Some(profile) = profiles.get(&email.service_name) else {
            continue;
        };
        if !rng.random_bool(profile.response_rate) {
            continue;
        }
        let form = form_of(profile, quarter, rng);
        let token = email.link.rsplit('/').next().unwrap_or_default().to_owned();
        forms.push((token, form));
    }
    let forms = Arc::new(forms);
    let mut tasks = tokio::task::JoinSet::new();
    let workers = 64;
    for worker in 0..workers {
        let (state, forms) = (state.clone(), forms.clone());
        tasks.spawn(async move {
            let mut stored = 0;
            for (token, form) in forms.iter().skip(worker).step_by(workers) {
                let Some(token) = SecretToken::parse(token) else {
                    continue;
                };
                if let Some(answered) =
                    usecases::answers::submit_answer(&state, &token, form).await?
                    && matches!(answered.outcome, Submitted::Stored)
                {
                    stored += 1;
                }
            }
            Ok::<usize, Error>(stored)
        });
    }
    let mut stored = 0;
    while let Some(done) = tasks.join_next().await {
        stored += done.map_err(|e| Error::bug(format!("an answering task failed: {e}")))??;
    }
    Ok(stored)
}

/// One person's answers about a service with `profile` in `quarter`: the service's level
/// then, with the person's own variation.
fn form_of(profile: &Profile, quarter: usize, rng: &mut StdRng) -> BTreeMap<String, String> {
    let shift = profile.trend * quarter as f64;
    let sus = (profile.sus + shift + rng.random_range(-18.0..18.0)).clamp(0.0, 100.0);
    let nytta = (profile.nytta + shift + rng.random_range(-20.0..20.0)).clamp(0.0, 100.0);
    let mut form = BTreeMap::new();
    for item in 1..=10 {
        let agreement = 1.0 + 4.0 * sus / 100.0 + rng.random_range(-0.8..0.8);
        let value = if item % 2 == 1 {
            agreement
        } else {
            6.0 - agreement
        };
        form.insert(
            format!("sus{item}"),
            (value.round() as i64).clamp(1, 5).to_string(),
        );
    }
    for item in 1..=3 {
        let value = 1.0 + 6.0 * nytta / 100.0 + rng.random_range(-1.0..1.0);
        form.insert(
            format!("nytta{item}"),
            (value.round() as i64).clamp(1, 7).to_string(),
        );
    }
    let minutes = profile.minutes + shift + rng.random_range(-20.0..20.0);
    form.insert("tid".into(), (minutes.round() as i64).to_string());
    if rng.random_bool(0.3) {
        form.insert(
            "kommentar".into(),
            COMMENTS[rng.random_range(0..COMMENTS.len())].to_owned(),
        );
    }
    form
}

/// A fresh admin token and sign-in links (made on every start), one open survey link,
/// and the last quarter's report written to files.
async fn welcome(state: &AppState, summary: String) -> Result<Welcome, Error> {
    let actor = Actor::cli();
    let admin_token =
        tokens::create_token(state, &actor, Role::Admin, "demo admin", Some(30)).await?;
    sign_in::add_admin(state, &actor, ADMIN_EMAIL, "Kommunledningskontoret").await?;
    let owner_name = OWNERS[0].to_owned();
    let signer = &actor;
    let link = |email: String| async move {
        sign_in::link_for(state, signer, &email)
            .await?
            .ok_or_else(|| Error::bug(format!("the demo account {email} cannot sign in")))
    };
    let owner_sign_in = link(owner_email(&owner_name)).await?;
    let admin_sign_in = link(ADMIN_EMAIL.to_owned()).await?;
    let open_survey_link = invitations_waiting(state)
        .await?
        .into_iter()
        .next()
        .map(|email| email.link);
    let open_link = actions::open_link_now(state)
        .await?
        .map(|(service, link)| (service, link.url, link.qr_png_url));
    let period = ReportPeriod::last_ended_quarter(state.clock.now());
    let report = usecases::reports::nyttoanalys_of(state, &actor, period, false)
        .await?
        .report;
    std::fs::create_dir_all(REPORTS_DIR).map_err(Error::internal)?;
    let mut report_files = Vec::new();
    for format in [Format::Html, Format::Csv, Format::Xlsx] {
        let rendered = crate::reports::render(&report, format, crate::domain::Language::Sv)?;
        let path = PathBuf::from(REPORTS_DIR).join(&rendered.file_name);
        std::fs::write(&path, rendered.bytes).map_err(Error::internal)?;
        report_files.push(path);
    }
    Ok(Welcome {
        admin_token,
        owner_name,
        owner_sign_in,
        admin_sign_in,
        open_survey_link,
        open_link,
        report_period: report.period,
        report_files,
        summary,
    })
}
