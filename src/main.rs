//! The `nyttopuls` command line: parse arguments, call the library, map errors to exit
//! codes (2 bad input, 3 not found, 4 conflict, 1 anything else).

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use nyttopuls::{
    app::{self, Application, ConnectError, shutdown_signal},
    config::{Settings, unexpected_env_variables},
    domain::{
        Actor, Error, Language, PageRequest, Role, sign_in::link_lifetime, token::TokenSummary,
    },
    jobs::JobName,
    reports::Format,
    usecases::{AppState, Clock, answer_keys, sign_in, tokens},
};

#[derive(Parser)]
#[command(
    name = "nyttopuls",
    version,
    about = "Benefit evaluation of a municipality's IT services"
)]
struct Cli {
    /// Settings file layered over config/default.toml.
    #[arg(long, global = true, env = "NYTTOPULS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve HTTP until SIGTERM/SIGINT.
    Serve,
    /// Make a demo municipality with two years of history (or find the one made
    /// before), then serve it with the scheduler on.
    Demo {
        /// A small demo (6 services, 240 users, 3 quarters), for tests.
        #[arg(long)]
        small: bool,
        /// Delete the demo made before (database, outbox, charts, reports) and start
        /// over; refused for a database the demo did not make.
        #[arg(long)]
        fresh: bool,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Run a scheduled job once.
    RunJob {
        #[arg(value_name = "NAME", help = format!("The job to run: {}", job_list()))]
        name: String,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Rebuild every closed round's figures from its released answers (after a change
    /// to a metric's definition); running it again gives the same figures.
    Recompute,
    /// Draw every active service's charts into `charts.dir` now (what the
    /// `render_charts` job does); unchanged charts are not rewritten.
    RenderCharts,
    /// Write the nyttoanalys of a period to files (generating and storing it if needed).
    Report {
        /// `2026-Q4` (a quarter) or `2026` (a year); default: the last quarter that has
        /// ended.
        #[arg(long)]
        period: Option<String>,
        /// The formats to write; default: all four.
        #[arg(long = "format", value_enum)]
        formats: Vec<ReportFormat>,
        /// The folder to write `nyttoanalys-PERIOD.FORMAT` into (created if missing).
        #[arg(long, default_value = "reports")]
        dir: PathBuf,
        /// Generate the report again from the figures stored now.
        #[arg(long)]
        regenerate: bool,
    },
    /// Kommunledningskontoret's dashboard accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The key that seals answers until their round closes.
    AnswerKey {
        #[command(subcommand)]
        command: AnswerKeyCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Let EMAIL sign in to the dashboard as Kommunledningskontoret (sees every owner).
    Add {
        /// The address the sign-in link is sent to (lower case is kept).
        email: String,
        /// The name the dashboard greets and the audit log shows.
        #[arg(long)]
        name: String,
    },
    /// Print a one-time dashboard sign-in link for an objektägare's or an admin's
    /// address, instead of emailing it.
    #[command(about = format!(
        "Print a one-time dashboard sign-in link (valid {} minutes) for an objektägare's \
         or an admin's address, instead of emailing it",
        link_lifetime().num_minutes()
    ))]
    SignInLink {
        /// An objektägare's address (as in the owner record) or an admin account's.
        email: String,
    },
}

#[derive(Subcommand)]
enum AnswerKeyCommand {
    /// Print a fresh key (base64): the content of a key file, or the value of
    /// NYTTOPULS__SURVEY__ANSWER_KEY, to give every instance of a PostgreSQL set-up.
    New,
    /// Put a new current key at the top of `survey.answer_key_file`; the old keys stay
    /// below it to open the answers they sealed. Remove them once every round open now
    /// has closed. Copy the file to every instance and restart them.
    Rotate,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (only its hash is stored: copy it now).
    Create {
        /// What the token may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The owner record an owner token is bound to.
        #[arg(long, required_if_eq("role", "owner"))]
        owner_id: Option<i32>,
        /// A note on what the token is for.
        #[arg(long, default_value = "cli")]
        label: String,
        /// Days until the token stops working (1–3650); without it, it never expires.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// List the tokens that are not revoked: id, role, owner, label, created, last used
    /// (day), expiry. Secrets are never shown.
    List,
    /// Revoke a token now; requests with it then get 401.
    Revoke {
        /// The token's id, as shown by `token list`.
        id: i32,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// The analysis as JSON (the stored form).
    Json,
    /// One standalone, printable page.
    Html,
    /// The ranked services for Swedish Excel.
    Csv,
    /// A workbook: overview, groups, proposals, one sheet per förvaltning.
    Xlsx,
}

impl From<ReportFormat> for Format {
    fn from(format: ReportFormat) -> Self {
        match format {
            ReportFormat::Json => Self::Json,
            ReportFormat::Html => Self::Html,
            ReportFormat::Csv => Self::Csv,
            ReportFormat::Xlsx => Self::Xlsx,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    /// Kommunledningskontoret: everything.
    Admin,
    /// An objektägare: reads their own record and services (needs --owner-id).
    Owner,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Respondents from CSV: email,name,department,kind,language,services.
    Respondents {
        /// The CSV file: UTF-8, a header row, `,` or `;` between fields.
        file: PathBuf,
        /// Check the file and report what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The names `run-job` takes, from the job list itself.
fn job_list() -> String {
    JobName::ALL.map(JobName::as_str).join(", ")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,tokio_cron_scheduler=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into a redirected log file.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::from(exit_code(&error))
        }
    }
}

/// The error and its causes on one line, each said once: a message that already quotes
/// its cause (`database: …` around a driver error) is not followed by it again.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn exit_code(error: &anyhow::Error) -> u8 {
    if error
        .downcast_ref::<nyttopuls::config::ConfigError>()
        .is_some()
    {
        return 2;
    }
    if let Some(nyttopuls::demo::DemoError::Failed(inner)) =
        error.downcast_ref::<nyttopuls::demo::DemoError>()
    {
        return exit_code_of(inner);
    }
    if error
        .downcast_ref::<nyttopuls::demo::DemoError>()
        .is_some_and(|e| {
            matches!(
                e,
                nyttopuls::demo::DemoError::NotTheDemo(_)
                    | nyttopuls::demo::DemoError::FreshNeedsSqlite(_)
            )
        })
    {
        return 2;
    }
    match error.downcast_ref::<Error>() {
        Some(error) => exit_code_of(error),
        None => 1,
    }
}

fn exit_code_of(error: &Error) -> u8 {
    match error {
        Error::Invalid(_) => 2,
        Error::NotFound { .. } => 3,
        Error::Conflict(_) => 4,
        _ => 1,
    }
}

/// The start banner: the address actually served (port 0 resolved) and where links point.
fn announce(app: &Application) {
    let server = &app.state().settings.server;
    let base = server.public_url.trim_end_matches('/');
    tracing::info!(
        port = app.port,
        "serving on http://{} (emailed links: {base}/s/…, API docs: {base}/api/docs)",
        app.local_addr,
    );
    if server.public_url_follows_bind() && app.local_addr.ip().is_unspecified() {
        tracing::warn!(
            "server.public_url is not set, so emailed links point at {}: set server.public_url \
             (NYTTOPULS__SERVER__PUBLIC_URL) to the address people reach this server at",
            server.public_url
        );
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    for name in unexpected_env_variables() {
        tracing::warn!("environment variable {name} matches no setting and is ignored");
    }
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Demo { small, fresh } => demo(settings, small, fresh).await,
        Command::Migrate => migrate(settings).await,
        Command::Token {
            command:
                TokenCommand::Create {
                    role,
                    owner_id,
                    label,
                    expires_in_days,
                },
        } => create_token(settings, role, owner_id, &label, expires_in_days).await,
        Command::Token {
            command: TokenCommand::List,
        } => list_tokens(settings).await,
        Command::Token {
            command: TokenCommand::Revoke { id },
        } => revoke_token(settings, id).await,
        Command::RunJob { name } => run_job(settings, &name).await,
        Command::Import {
            command: ImportCommand::Respondents { file, dry_run },
        } => import_respondents(settings, &file, dry_run).await,
        Command::Recompute => recompute(settings).await,
        Command::RenderCharts => render_charts(settings).await,
        Command::Report {
            period,
            formats,
            dir,
            regenerate,
        } => write_report(settings, period.as_deref(), formats, &dir, regenerate).await,
        Command::Admin {
            command: AdminCommand::Add { email, name },
        } => add_admin(settings, &email, &name).await,
        Command::Admin {
            command: AdminCommand::SignInLink { email },
        } => print_sign_in_link(settings, email).await,
        Command::AnswerKey {
            command: AnswerKeyCommand::New,
        } => {
            println!("{}", answer_keys::new_key_line());
            Ok(())
        }
        Command::AnswerKey {
            command: AnswerKeyCommand::Rotate,
        } => rotate_answer_key(&settings),
    }
}

/// The application's state on the system clock, its database migrated: what every
/// command that reads or writes data works with.
async fn connect(settings: Settings) -> Result<AppState, ConnectError> {
    app::connect(settings, Clock::system()).await
}

/// A bar counting `unit` (rounds, services, respondents), with the time taken.
fn counting_bar(length: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {unit} {{elapsed}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Runs `work` with a counting bar that its progress (done, total) moves; the bar is
/// cleared before anything is printed.
async fn with_counting_bar<T>(
    unit: &str,
    work: impl AsyncFnOnce(&(dyn Fn(u64, u64) + Sync)) -> T,
) -> T {
    let bar = counting_bar(0, unit);
    let result = work(&|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    result
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    announce(&app);
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

async fn demo(mut settings: Settings, small: bool, fresh: bool) -> anyhow::Result<()> {
    if let Some(notice) = nyttopuls::demo::keep_mail_local(&mut settings) {
        tracing::warn!("{notice}");
    }
    if fresh {
        nyttopuls::demo::start_over(&settings).await?;
    }
    let size = if small {
        nyttopuls::demo::Size::SMALL
    } else {
        nyttopuls::demo::Size::FULL
    };
    let bars = indicatif::MultiProgress::new();
    let steps: std::sync::Mutex<std::collections::HashMap<String, ProgressBar>> =
        std::sync::Mutex::default();
    let progress = |step: &str, done: u64, total: u64| {
        let mut steps = steps.lock().unwrap_or_else(|e| e.into_inner());
        let bar = steps.entry(step.to_owned()).or_insert_with(|| {
            let bar = bars.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template("{msg:>10} {bar:40} {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(step.to_owned());
            bar
        });
        bar.set_length(total);
        bar.set_position(done);
    };
    // Bound first, so the links printed carry the port actually served.
    let app = Application::build(settings).await?;
    let welcome = nyttopuls::demo::prepare(&app.state().settings, size, &progress).await?;
    for bar in steps.lock().unwrap_or_else(|e| e.into_inner()).values() {
        bar.finish();
    }
    print_welcome(app.state(), &welcome);
    announce(&app);
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

/// What a person needs to look around the demo: sign-in links, a token, the report, an
/// open survey, where the emails and charts are.
fn print_welcome(state: &AppState, welcome: &nyttopuls::demo::Welcome) {
    let base = state.settings.server.public_url.trim_end_matches('/');
    let files: Vec<String> = welcome
        .report_files
        .iter()
        .map(|p| format!("  {}", p.display()))
        .collect();
    println!(
        "{summary}\n\n\
         Dashboard sign-in links (each works once, for {minutes} minutes; ask for more at {base}/dashboard/login):\n\
         \x20 {owner} (objektägare): {owner_link}\n\
         \x20 Kommunledningskontoret (admin): {admin_link}\n\n\
         Admin API token (30 days): {token}\n\
         Nyttoanalys {period}: {base}/dashboard/reports?period={period} (signed in as Kommunledningskontoret),\n\
         and as files:\n{files}\n\n\
         An open survey: {survey}\n\
         {open_link}\
         Emails (invitations, digests, reports): {outbox}/*.eml; charts: {charts}/\n\
         API docs: {base}/api/docs",
        summary = welcome.summary,
        minutes = link_lifetime().num_minutes(),
        owner = welcome.owner_name,
        owner_link = welcome.owner_sign_in,
        admin_link = welcome.admin_sign_in,
        token = welcome.admin_token,
        period = welcome.report_period,
        files = files.join("\n"),
        survey = welcome
            .open_survey_link
            .as_deref()
            .unwrap_or("(sent already: open an invitation in the outbox folder)"),
        open_link = welcome
            .open_link
            .as_ref()
            .map(|(service, url, qr)| {
                format!("An open link for anyone: {url} ({service}; QR code: {qr})\n")
            })
            .unwrap_or_default(),
        outbox = state.settings.mail.outbox_dir,
        charts = state.settings.charts.dir,
    );
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    connect(settings).await?;
    println!("database schema is up to date");
    Ok(())
}

async fn write_report(
    settings: Settings,
    period: Option<&str>,
    formats: Vec<ReportFormat>,
    dir: &Path,
    regenerate: bool,
) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    let period = nyttopuls::usecases::reports::period_or_last(&state, period)?;
    let report =
        nyttopuls::usecases::reports::nyttoanalys_of(&state, &Actor::cli(), period, regenerate)
            .await?
            .report;
    let formats: Vec<Format> = if formats.is_empty() {
        Format::ALL.to_vec()
    } else {
        formats.into_iter().map(Into::into).collect()
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for format in formats {
        let rendered = nyttopuls::reports::render(&report, format, Language::Sv)?;
        let path = dir.join(&rendered.file_name);
        std::fs::write(&path, rendered.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}

async fn add_admin(settings: Settings, email: &str, name: &str) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    let (id, created) = sign_in::add_admin(&state, &Actor::cli(), email, name).await?;
    if created {
        println!("admin account {id} added: {email} can sign in at /dashboard/login");
    } else {
        println!("{email} already has admin account {id}; nothing changed");
    }
    Ok(())
}

async fn print_sign_in_link(settings: Settings, email: String) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    match sign_in::link_for(&state, &Actor::cli(), &email).await? {
        Some(link) => {
            println!("{link}");
            Ok(())
        }
        None => Err(Error::NotFound {
            entity: "owner or admin account with address",
            id: email,
        }
        .into()),
    }
}

fn rotate_answer_key(settings: &Settings) -> anyhow::Result<()> {
    if settings.survey.answer_key.is_some() {
        return Err(Error::invalid(
            "NYTTOPULS__SURVEY__ANSWER_KEY",
            "the keys are set in the environment: put a key from `answer-key new` \
             in front of the others there",
        )
        .into());
    }
    let id = answer_keys::rotate(Path::new(&settings.survey.answer_key_file))
        .map_err(|e| Error::invalid("survey.answer_key_file", e))?;
    println!(
        "new answer key {id} is first in {}; restart every instance with this file",
        settings.survey.answer_key_file
    );
    Ok(())
}

async fn recompute(settings: Settings) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    let counts = with_counting_bar("rounds", async |progress| {
        nyttopuls::usecases::results::recompute(&state, &Actor::cli(), progress).await
    })
    .await?;
    println!(
        "recomputed {} rounds: {} figures",
        counts.get("rounds").copied().unwrap_or_default(),
        counts.get("figures").copied().unwrap_or_default()
    );
    Ok(())
}

async fn render_charts(settings: Settings) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    let counts = with_counting_bar("services", async |progress| {
        nyttopuls::usecases::charts::render_charts(&state, progress).await
    })
    .await?;
    println!(
        "charts in {}: {} written, {} unchanged",
        state.settings.charts.dir,
        counts.get("written").copied().unwrap_or_default(),
        counts.get("unchanged").copied().unwrap_or_default()
    );
    Ok(())
}

async fn run_job(settings: Settings, name: &str) -> anyhow::Result<()> {
    // The name is checked before the database is touched.
    let job: JobName = name.parse()?;
    let state = connect(settings).await?;
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("running {job}"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let report = nyttopuls::jobs::run(&state, job).await;
    spinner.finish_and_clear();
    let report = report?;
    if !report.ran {
        println!("{job}: another run holds the job right now; nothing done");
    } else {
        let counts: Vec<String> = report
            .counts
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!(
            "{job}: {}",
            if counts.is_empty() {
                "nothing to do".to_owned()
            } else {
                counts.join(" ")
            }
        );
    }
    Ok(())
}

async fn import_respondents(settings: Settings, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let state = connect(settings).await?;
    let bar = counting_bar(
        bytes.iter().filter(|&&b| b == b'\n').count() as u64,
        "respondents",
    );
    let result = nyttopuls::usecases::respondents::import_respondents(
        &state,
        &Actor::cli(),
        &bytes,
        dry_run,
        &|done| bar.set_position(done),
    )
    .await;
    bar.finish_and_clear();
    let summary = match result {
        Ok(summary) => summary,
        Err(Error::Invalid(problems)) => {
            for problem in &problems {
                eprintln!("{}: {problem}", file.display());
            }
            return Err(Error::Invalid(problems))
                .context("the file was rejected; nothing was imported");
        }
        Err(other) => return Err(other.into()),
    };
    println!(
        "{} rows: {} created, {} updated, {} unchanged{}",
        summary.rows,
        summary.created,
        summary.updated,
        summary.unchanged,
        if summary.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    Ok(())
}

async fn create_token(
    settings: Settings,
    role: RoleArg,
    owner_id: Option<i32>,
    label: &str,
    expires_in_days: Option<u32>,
) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    let role = match (role, owner_id) {
        (RoleArg::Admin, _) => Role::Admin,
        (RoleArg::Owner, Some(owner_id)) => Role::Owner { owner_id },
        (RoleArg::Owner, None) => {
            return Err(Error::invalid("--owner-id", "an owner token needs --owner-id").into());
        }
    };
    let token = tokens::create_token(&state, &Actor::cli(), role, label, expires_in_days).await?;
    println!("{token}");
    Ok(())
}

async fn list_tokens(settings: Settings) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    let mut request = PageRequest::new(None, Some(PageRequest::MAX_PER_PAGE))?;
    println!("id\trole\towner\tlabel\tcreated\tlast used\texpires");
    loop {
        let page = tokens::list_tokens(&state, &Actor::cli(), request).await?;
        let shown = request.offset() + page.items.len() as u64;
        for token in page.items {
            println!("{}", token_line(&token));
        }
        if shown >= page.total {
            break;
        }
        request.page += 1;
    }
    Ok(())
}

async fn revoke_token(settings: Settings, id: i32) -> anyhow::Result<()> {
    let state = connect(settings).await?;
    tokens::revoke_token(&state, &Actor::cli(), id).await?;
    println!("token {id} is revoked");
    Ok(())
}

/// One tab-separated line of `token list`; days (Europe/Stockholm), not times, are
/// enough to judge a token.
fn token_line(token: &TokenSummary) -> String {
    let (role, owner) = match token.role {
        Role::Admin => ("admin", "-".to_owned()),
        Role::Owner { owner_id } => ("owner", owner_id.to_string()),
    };
    let day = |at: chrono::DateTime<Utc>| {
        at.with_timezone(&chrono_tz::Europe::Stockholm)
            .date_naive()
            .to_string()
    };
    format!(
        "{}\t{role}\t{owner}\t{}\t{}\t{}\t{}",
        token.id,
        token.label,
        day(token.created_at),
        token
            .last_used_on
            .map_or_else(|| "never".to_owned(), |d| d.to_string()),
        token.expires_at.map_or_else(|| "never".to_owned(), day),
    )
}
