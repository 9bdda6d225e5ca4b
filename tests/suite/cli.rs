//! The `nyttopuls` command line, run as the built binary against a fresh SQLite file.

use std::{
    path::Path,
    process::{Command, Output},
};

use tempfile::TempDir;

/// `nyttopuls ARGS` with its own database and outbox in `dir`, run from `dir`.
fn nyttopuls(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let database = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        command.env_remove(name);
    }
    command
        .current_dir(dir)
        .args(args)
        .env("NYTTOPULS__DATABASE__URL", database)
        .env("NYTTOPULS__MAIL__OUTBOX_DIR", dir.join("outbox"))
        .env("NYTTOPULS__SCHEDULER__ENABLED", "false")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("the nyttopuls binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn migrate_creates_the_database_and_exits_0() {
    let dir = TempDir::new().unwrap();
    let output = nyttopuls(dir.path(), &["migrate"], &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(dir.path().join("cli.db").exists());
    // Migrating an up-to-date database is fine too.
    let again = nyttopuls(dir.path(), &["migrate"], &[]);
    assert!(again.status.success(), "{}", text(&again));
}

#[test]
fn token_create_prints_an_admin_token_once() {
    let dir = TempDir::new().unwrap();
    let output = nyttopuls(dir.path(), &["token", "create", "--role", "admin"], &[]);
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.trim();
    assert!(token.starts_with("np_"), "{stdout:?}");
    assert!(token.len() >= 3 + 22, "at least 128 random bits: {token:?}");
    assert_eq!(token.lines().count(), 1);

    let second = nyttopuls(dir.path(), &["token", "create", "--role", "admin"], &[]);
    let second = String::from_utf8(second.stdout).unwrap();
    assert_ne!(second.trim(), token, "every token is new");

    let database = std::fs::read(dir.path().join("cli.db")).unwrap();
    // np_{16 hex selector}_{secret}
    let secret = &token["np_".len() + 17..];
    assert!(secret.len() >= 22, "{token}");
    assert!(
        !database
            .windows(secret.len())
            .any(|w| w == secret.as_bytes()),
        "the token's secret is not stored in clear text"
    );
}

#[test]
fn an_owner_token_needs_an_owner_id() {
    let dir = TempDir::new().unwrap();
    let output = nyttopuls(dir.path(), &["token", "create", "--role", "owner"], &[]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(output.stdout.is_empty() || !String::from_utf8_lossy(&output.stdout).contains("np_"));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("owner-id"),
        "{}",
        text(&output)
    );

    let unknown = nyttopuls(
        dir.path(),
        &["token", "create", "--role", "owner", "--owner-id", "77"],
        &[],
    );
    assert!(!unknown.status.success(), "no owner 77: {}", text(&unknown));
    assert!(!String::from_utf8_lossy(&unknown.stdout).contains("np_"));
}

#[test]
fn importing_a_bad_file_exits_2_and_names_every_bad_line() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("personer.csv");
    std::fs::write(
        &file,
        "email;name;department;kind;language;services\n\
         ok@karlstad.se;Åsa Öberg;BoU;internal;sv;\n\
         inte-en-adress;Björn;BoU;internal;sv;\n\
         c@karlstad.se;Cia;BoU;robot;sv;\n\
         d@karlstad.se;Dan;BoU;internal;sv;finns-inte\n",
    )
    .unwrap();
    let output = nyttopuls(
        dir.path(),
        &["import", "respondents", file.to_str().unwrap()],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in ["line 3", "line 4", "line 5"] {
        assert!(
            stderr.contains(line),
            "{line} is not named:\n{}",
            text(&output)
        );
    }
    assert!(
        !stderr.contains("line 2,"),
        "the good row is not reported:\n{stderr}"
    );
}

#[test]
fn importing_a_good_file_reports_a_summary_and_a_dry_run_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("personer.csv");
    std::fs::write(
        &file,
        "\u{feff}email;name;department;kind;language;services\n\
         a@karlstad.se;Åsa Öberg;BoU;internal;sv;\n\
         b@karlstad.se;Björn Ängel;BoU;external;en;\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let dry = nyttopuls(
        dir.path(),
        &["import", "respondents", path, "--dry-run"],
        &[],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(stdout.contains("2 created"), "{}", text(&dry));

    let real = nyttopuls(dir.path(), &["import", "respondents", path], &[]);
    assert!(real.status.success(), "{}", text(&real));
    assert!(
        String::from_utf8_lossy(&real.stdout).contains("2 created"),
        "the dry run wrote nothing, so both are new: {}",
        text(&real)
    );
    let again = nyttopuls(dir.path(), &["import", "respondents", path], &[]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("2 unchanged"),
        "{}",
        text(&again)
    );
}

#[test]
fn a_bad_configuration_value_exits_2_naming_the_key() {
    let dir = TempDir::new().unwrap();
    let output = nyttopuls(
        dir.path(),
        &["migrate"],
        &[("NYTTOPULS__SURVEY__MIN_GROUP_SIZE", "2")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("survey.min_group_size"),
        "{}",
        text(&output)
    );
    assert!(!dir.path().join("cli.db").exists(), "nothing was started");

    let output = nyttopuls(
        dir.path(),
        &["migrate"],
        &[("NYTTOPULS__SERVER__BIND", "nowhere")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("server.bind"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_bad_config_file_value_names_the_key_too() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("nyttopuls.toml");
    std::fs::write(&file, "[survey]\nmin_group_size = 1\n").unwrap();
    let output = nyttopuls(
        dir.path(),
        &["--config", file.to_str().unwrap(), "migrate"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("survey.min_group_size"),
        "{}",
        text(&output)
    );
}

/// Reads `serve`'s log until it names its port.
fn port_from_log(
    stderr: impl std::io::Read,
) -> (u16, std::io::Lines<std::io::BufReader<impl std::io::Read>>) {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.expect("serve writes its log as text");
        if let Some(at) = line.find("port") {
            let digits: String = line[at + 4..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(port) = digits.parse() {
                return (port, lines);
            }
        }
    }
    panic!("serve ended without naming its port");
}

#[test]
fn serve_answers_and_shuts_down_gracefully_on_sigterm() {
    use std::io::{Read, Write};
    let dir = TempDir::new().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_nyttopuls"))
        .current_dir(dir.path())
        .arg("serve")
        .env("NYTTOPULS__DATABASE__URL", database)
        .env("NYTTOPULS__SERVER__BIND", "127.0.0.1:0")
        .env("NYTTOPULS__MAIL__OUTBOX_DIR", dir.path().join("outbox"))
        .env("NYTTOPULS__SCHEDULER__ENABLED", "false")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let (port, rest) = port_from_log(child.stderr.take().unwrap());
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || rest.for_each(drop));

    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("serve listens");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().ok();
            panic!("serve did not stop after SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "a graceful stop exits 0, not {status}");
}

#[test]
fn run_job_runs_a_job_once_and_names_the_jobs_when_the_name_is_wrong() {
    let dir = TempDir::new().unwrap();
    let ran = nyttopuls(dir.path(), &["run-job", "close_rounds"], &[]);
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran));
    assert!(
        String::from_utf8_lossy(&ran.stdout).contains("close_rounds: rounds_closed=0"),
        "{}",
        text(&ran)
    );

    let wrong = nyttopuls(dir.path(), &["run-job", "send_everything"], &[]);
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("send_everything") && stderr.contains("dispatch_outbox"),
        "{}",
        text(&wrong)
    );
}

/// The `error:` lines on stderr (log lines are timestamped and not counted).
fn error_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.starts_with("error"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_misspelt_choice_is_one_line_with_the_key_the_value_and_the_allowed_values() {
    let dir = TempDir::new().unwrap();
    let output = nyttopuls(
        dir.path(),
        &["migrate"],
        &[("NYTTOPULS__MAIL__TRANSPORT", "smpt")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    for part in [
        "mail.transport",
        "NYTTOPULS__MAIL__TRANSPORT",
        "smpt",
        "file, smtp",
    ] {
        assert!(stderr.contains(part), "{part} missing: {stderr}");
    }
    assert!(
        !stderr.contains("MailTransportKind") && !stderr.contains("variant"),
        "no Rust type names: {stderr}"
    );

    let file = dir.path().join("nyttopuls.toml");
    std::fs::write(
        &file,
        "[mail]\nsmtp_tls = \"ssl\"\nsmtp_port = \"twentyfive\"\n",
    )
    .unwrap();
    let output = nyttopuls(
        dir.path(),
        &["--config", file.to_str().unwrap(), "migrate"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let errors = error_lines(&output);
    assert_eq!(errors.len(), 1, "{}", text(&output));
    let line = &errors[0];
    let names_tls = line.contains("mail.smtp_tls") && line.contains("none, starttls, tls");
    let names_port = line.contains("mail.smtp_port") && line.contains("twentyfive");
    assert!(names_tls || names_port, "{line}");
}

#[test]
fn a_taken_port_is_said_once_with_the_key_to_change() {
    let dir = TempDir::new().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = nyttopuls(
        dir.path(),
        &["serve"],
        &[("NYTTOPULS__SERVER__BIND", &address)],
    );
    assert!(!output.status.success(), "{}", text(&output));
    let errors = error_lines(&output);
    assert_eq!(errors.len(), 1, "{}", text(&output));
    let line = &errors[0];
    assert!(line.contains(&address), "{line}");
    assert!(
        line.contains("server.bind") && line.contains("NYTTOPULS__SERVER__BIND"),
        "names the key to change: {line}"
    );
    assert_eq!(
        line.to_lowercase()
            .matches("address already in use")
            .count(),
        1,
        "said once: {line}"
    );
}

#[test]
fn serve_announces_the_address_it_serves_and_links_to_it() {
    use std::io::BufRead;
    let dir = TempDir::new().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_nyttopuls"))
        .current_dir(dir.path())
        .arg("serve")
        .env_remove("NYTTOPULS__SERVER__PUBLIC_URL")
        .env("NYTTOPULS__DATABASE__URL", database)
        .env("NYTTOPULS__SERVER__BIND", "127.0.0.1:0")
        .env("NYTTOPULS__MAIL__OUTBOX_DIR", dir.path().join("outbox"))
        .env("NYTTOPULS__SCHEDULER__ENABLED", "false")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().unwrap();
    let banner = std::io::BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.contains("serving on"));
    child.kill().ok();
    child.wait().ok();
    let banner = banner.expect("serve announces itself");
    let port: String = banner
        .split("http://127.0.0.1:")
        .nth(1)
        .expect("the served address")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_ne!(port, "0", "the real port, not 0: {banner}");
    assert_ne!(port, "8080", "{banner}");
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}/s/")),
        "emailed links use the served port when public_url is unset: {banner}"
    );
}

/// `nyttopuls ARGS -h` for ARGS and, recursively, every subcommand it lists.
fn help_pages(dir: &Path, args: Vec<String>, pages: &mut Vec<(Vec<String>, String)>) {
    let mut with_help: Vec<&str> = args.iter().map(String::as_str).collect();
    with_help.push("-h");
    let output = nyttopuls(dir, &with_help, &[]);
    assert!(output.status.success(), "{}", text(&output));
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    let subcommands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .map(|section| {
            section
                .lines()
                .skip(1)
                .take_while(|line| line.starts_with("  "))
                .filter_map(|line| line.split_whitespace().next())
                .filter(|name| *name != "help")
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    pages.push((args.clone(), help));
    for name in subcommands {
        let mut deeper = args.clone();
        deeper.push(name);
        help_pages(dir, deeper, pages);
    }
}

#[test]
fn help_describes_every_command_argument_and_option() {
    let dir = TempDir::new().unwrap();
    let mut pages = Vec::new();
    help_pages(dir.path(), Vec::new(), &mut pages);
    assert!(pages.len() >= 8, "found only {} help pages", pages.len());
    for (args, help) in &pages {
        // Entries are indented by two spaces; deeper lines continue a wrapped description.
        let entries = help
            .lines()
            .filter(|line| line.starts_with("  ") && !line[2..].starts_with(' '));
        for line in entries {
            let entry = line.trim_start();
            let described = entry
                .split_once("  ")
                .is_some_and(|(_, rest)| !rest.trim().is_empty());
            assert!(
                described,
                "`nyttopuls {} -h`: {line:?} has no description",
                args.join(" ")
            );
        }
    }
    let page_of = |wanted: &[&str]| {
        pages
            .iter()
            .find(|(args, _)| args.iter().map(String::as_str).eq(wanted.iter().copied()))
            .map(|(_, help)| help.clone())
            .unwrap_or_else(|| panic!("no help for {wanted:?}"))
    };
    let run_job = page_of(&["run-job"]);
    for job in [
        "open_rounds",
        "dispatch_outbox",
        "send_reminders",
        "close_rounds",
        "purge",
    ] {
        assert!(run_job.contains(job), "NAME lists {job}: {run_job}");
    }
    let create = page_of(&["token", "create"]);
    assert!(
        create.contains("admin") && create.contains("owner"),
        "{create}"
    );
}

fn stdout_of(output: &Output) -> String {
    assert!(output.status.success(), "{}", text(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn tokens_are_listed_without_secrets_and_revoked_by_id() {
    let dir = TempDir::new().unwrap();
    let forever = stdout_of(&nyttopuls(
        dir.path(),
        &["token", "create", "--role", "admin", "--label", "för evigt"],
        &[],
    ));
    let monthly = stdout_of(&nyttopuls(
        dir.path(),
        &[
            "token",
            "create",
            "--role",
            "admin",
            "--label",
            "integration",
            "--expires-in-days",
            "30",
        ],
        &[],
    ));

    let list = stdout_of(&nyttopuls(dir.path(), &["token", "list"], &[]));
    for token in [&forever, &monthly] {
        let secret = token.trim().rsplit('_').next().unwrap();
        assert!(!list.contains(secret), "a secret is listed:\n{list}");
    }
    let line = |label: &str| {
        list.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label} in\n{list}"))
            .split('\t')
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let in_30_days = (chrono::Utc::now() + chrono::Duration::days(30))
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive()
        .to_string();
    let integration = line("integration");
    assert_eq!(integration[1], "admin");
    assert_eq!(integration[5], "never", "not used yet");
    assert_eq!(integration[6], in_30_days);
    assert_eq!(line("för evigt")[6], "never");

    let revoked = nyttopuls(dir.path(), &["token", "revoke", &integration[0]], &[]);
    assert!(stdout_of(&revoked).contains("revoked"));
    let after = stdout_of(&nyttopuls(dir.path(), &["token", "list"], &[]));
    assert!(!after.contains("integration"), "{after}");
    assert!(after.contains("för evigt"), "{after}");

    let unknown = nyttopuls(dir.path(), &["token", "revoke", "9999"], &[]);
    assert_eq!(unknown.status.code(), Some(3), "{}", text(&unknown));
    let too_long = nyttopuls(
        dir.path(),
        &[
            "token",
            "create",
            "--role",
            "admin",
            "--expires-in-days",
            "0",
        ],
        &[],
    );
    assert_eq!(too_long.status.code(), Some(2), "{}", text(&too_long));
}
