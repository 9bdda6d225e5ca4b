//! Typed settings: `config/default.toml` (compiled in, so a bare binary runs), an
//! optional file, then `NYTTOPULS__SECTION__KEY` environment variables. Secrets come only
//! from the environment (or a `…_FILE` variable naming a file that holds them).

use std::{fmt, path::Path};

use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");
const ENV_PREFIX: &str = "NYTTOPULS";

/// One line each, naming the key (and its environment variable) and what is allowed;
/// no variant has a `source`, so a printed chain never repeats the cause.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings file cannot be read or is not valid TOML.
    #[error("configuration: {0}")]
    Load(String),
    #[error("configuration key `{key}` ({}): {problem}", env_name(key))]
    Invalid { key: &'static str, problem: String },
    /// A value of the wrong type or outside its allowed values, found while loading.
    #[error("configuration key `{key}` ({}): {problem}", env_name(key))]
    Value { key: String, problem: String },
    #[error("configuration: cannot read {path}: {reason}")]
    SecretFile {
        path: String,
        reason: std::io::Error,
    },
}

/// `mail.smtp_port` → `NYTTOPULS__MAIL__SMTP_PORT`.
fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}__{}", key.to_uppercase().replace('.', "__"))
}

impl From<config::ConfigError> for ConfigError {
    fn from(error: config::ConfigError) -> Self {
        match error {
            config::ConfigError::Type {
                unexpected,
                expected,
                key: Some(key),
                ..
            } => Self::Value {
                key,
                problem: format!("expected {expected}, got {unexpected}"),
            },
            config::ConfigError::At {
                error,
                key: Some(key),
                ..
            } => Self::Value {
                key,
                problem: error.to_string(),
            },
            config::ConfigError::NotFound(key) => Self::Value {
                key,
                problem: "is missing".into(),
            },
            other => Self::Load(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub mail: MailSettings,
    pub charts: ChartSettings,
    pub survey: SurveySettings,
    pub scheduler: SchedulerSettings,
    pub retention: RetentionSettings,
    pub report: ReportSettings,
    pub dashboard: DashboardSettings,
    pub insatser: InsatserSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
}

/// `/metrics` is served only to a scraper that presents this bearer token (it shows
/// when sign-ins and answers happen); not set: `/metrics` answers 404.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MetricsSettings {
    #[serde(default)]
    pub token: Option<Secret>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    /// Where people reach the server (emailed links, API docs). Not set (empty): the
    /// address actually served, `http://<bind address>`.
    #[serde(default)]
    pub public_url: String,
    /// What `public_url` was derived as when it was not set; it then follows the address
    /// actually served (a server bound to port 0 links to the port it got), unless
    /// `public_url` is changed after loading.
    #[serde(skip)]
    derived_public_url: Option<String>,
    pub max_body_bytes: usize,
    /// Reverse proxies (IP addresses or networks) whose `Forwarded`/`X-Forwarded-For`
    /// name the client; empty: the peer is the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

impl ServerSettings {
    /// True when `public_url` was not set and is derived from the bind address.
    pub fn public_url_follows_bind(&self) -> bool {
        self.derived_public_url.as_deref() == Some(self.public_url.as_str())
    }

    /// Called once the server is bound to `served`.
    pub fn serving_at(&mut self, served: std::net::SocketAddr) {
        if self.public_url_follows_bind() {
            self.public_url = Self::url_of(served);
            self.derived_public_url = Some(self.public_url.clone());
        }
    }

    /// `http://<address>`, with `localhost` for an address that means "every interface"
    /// (no link can point there).
    pub fn url_of(address: std::net::SocketAddr) -> String {
        if address.ip().is_unspecified() {
            format!("http://localhost:{}", address.port())
        } else {
            format!("http://{address}")
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: Secret,
    pub max_connections: u32,
    pub busy_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum MailTransportKind {
    File,
    Smtp,
}

impl TryFrom<String> for MailTransportKind {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        one_of(&value, &[("file", Self::File), ("smtp", Self::Smtp)])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

impl TryFrom<String> for SmtpTls {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        one_of(
            &value,
            &[
                ("none", Self::None),
                ("starttls", Self::Starttls),
                ("tls", Self::Tls),
            ],
        )
    }
}

/// The choice whose word `value` is. The error is said in place of serde's "enum X does
/// not have variant constructor y", which names a Rust type and not what to write.
fn one_of<T: Copy>(value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    match choices.iter().find(|(word, _)| *word == value) {
        Some(&(_, choice)) => Ok(choice),
        None => {
            let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
            Err(format!(
                "`{value}` is not allowed: use one of {}",
                words.join(", ")
            ))
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub transport: MailTransportKind,
    pub outbox_dir: String,
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    /// A PEM file with the CA (or CAs) that issued the relay's certificate, trusted in
    /// addition to the system's store: municipal relays often use an internal CA.
    #[serde(default)]
    pub smtp_ca_file: Option<String>,
    #[serde(default)]
    pub smtp_username: Option<Secret>,
    #[serde(default)]
    pub smtp_password: Option<Secret>,
    pub send_rate_per_sec: u32,
    pub concurrent_sends: usize,
    pub batch_size: u64,
    pub max_attempts: i32,
    pub retry_base_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChartSettings {
    pub dir: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SurveySettings {
    pub min_group_size: u32,
    pub min_days_between_invitations: u32,
    pub working_weeks: u32,
    pub hourly_cost_sek: f64,
    pub max_comment_chars: usize,
    /// The file of answer keys (created on first start on SQLite).
    pub answer_key_file: String,
    /// The answer keys themselves, base64, current first (overrides the file); from
    /// `NYTTOPULS__SURVEY__ANSWER_KEY`.
    #[serde(default)]
    pub answer_key: Option<Secret>,
    /// Answers one client (IP address, an IPv6 /64) may send through open links a
    /// minute, at most.
    pub open_link_answers_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerSettings {
    pub enabled: bool,
    pub open_rounds: String,
    pub dispatch_outbox: String,
    pub send_reminders: String,
    pub close_rounds: String,
    pub purge: String,
    pub render_charts: String,
    pub send_reports: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RetentionSettings {
    pub invitation_days: u32,
    pub audit_days: u32,
    pub outbox_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DashboardSettings {
    /// A session ends this many hours after sign-in.
    pub session_hours: u32,
    /// Sign-in links asked for one address per hour, at most.
    pub sign_in_per_address: u32,
    /// Sign-in links asked for from one client (IP address) per hour, at most.
    pub sign_in_per_client: u32,
}

/// The nyttokalkyl and prioritisation of insatser (SPEC "Insatser").
#[derive(Debug, Clone, Deserialize)]
pub struct InsatserSettings {
    /// The real discount rate of a nyttokalkyl that names none.
    pub discount_rate: f64,
    pub weights: PriorityWeights,
}

/// The weight of each prioritisation criterion.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PriorityWeights {
    pub npv_per_krona: f64,
    pub goals: f64,
    pub urgency: f64,
    pub risk: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportSettings {
    pub recipients: Vec<String>,
}

/// A value that must never appear in logs (database URL with password, SMTP password).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret]")
    }
}

impl Settings {
    /// Loads defaults, then `file` (if any), then the environment, and validates.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix(ENV_PREFIX)
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("report.recipients")
                    .with_list_parse_key("server.trusted_proxies")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()?;
        settings.with_secret_files()?.with_public_url()?.validated()
    }

    /// An unset `server.public_url` follows `server.bind`, so moving the server moves
    /// its links too.
    fn with_public_url(mut self) -> Result<Self, ConfigError> {
        let bind = self
            .server
            .bind
            .parse::<std::net::SocketAddr>()
            .map_err(|_| ConfigError::Invalid {
                key: "server.bind",
                problem: format!(
                    "`{}` is not allowed: use an address and port such as 127.0.0.1:8080",
                    self.server.bind
                ),
            })?;
        if self.server.public_url.trim().is_empty() {
            self.server.public_url = ServerSettings::url_of(bind);
            self.server.derived_public_url = Some(self.server.public_url.clone());
        }
        Ok(self)
    }

    /// `NYTTOPULS__MAIL__SMTP_PASSWORD_FILE=/run/secrets/smtp` style secrets.
    fn with_secret_files(mut self) -> Result<Self, ConfigError> {
        let read = |name: &str| -> Result<Option<Secret>, ConfigError> {
            match std::env::var(format!("{ENV_PREFIX}__{name}_FILE")) {
                Ok(path) => std::fs::read_to_string(&path)
                    .map(|value| Some(Secret::new(value.trim_end())))
                    .map_err(|reason| ConfigError::SecretFile { path, reason }),
                Err(_) => Ok(None),
            }
        };
        if let Some(url) = read("DATABASE__URL")? {
            self.database.url = url;
        }
        if let Some(user) = read("MAIL__SMTP_USERNAME")? {
            self.mail.smtp_username = Some(user);
        }
        if let Some(password) = read("MAIL__SMTP_PASSWORD")? {
            self.mail.smtp_password = Some(password);
        }
        if let Some(token) = read("METRICS__TOKEN")? {
            self.metrics.token = Some(token);
        }
        Ok(self)
    }

    fn validated(self) -> Result<Self, ConfigError> {
        let invalid = |key, problem: &str| ConfigError::Invalid {
            key,
            problem: problem.to_owned(),
        };
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
        {
            return Err(invalid(
                "server.public_url",
                &format!(
                    "`{}` is not allowed: it must start with http:// or https://",
                    self.server.public_url
                ),
            ));
        }
        let url = self.database.url.expose();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres")) {
            return Err(invalid(
                "database.url",
                "must start with sqlite: or postgres:// (the value is not shown: it may hold a password)",
            ));
        }
        for entry in &self.server.trusted_proxies {
            if let Err(problem) = crate::network::Network::parse(entry) {
                return Err(invalid("server.trusted_proxies", &problem));
            }
        }
        if self
            .metrics
            .token
            .as_ref()
            .is_some_and(|token| token.expose().trim().len() < 16)
        {
            return Err(invalid(
                "metrics.token",
                "must be at least 16 characters (e.g. the output of `openssl rand -hex 24`)",
            ));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        if self.survey.min_group_size < 3 {
            return Err(invalid(
                "survey.min_group_size",
                "must be at least 3: smaller groups could identify respondents",
            ));
        }
        if self.survey.working_weeks == 0 || self.survey.working_weeks > 53 {
            return Err(invalid("survey.working_weeks", "must be between 1 and 53"));
        }
        if !(self.survey.hourly_cost_sek.is_finite() && self.survey.hourly_cost_sek >= 0.0) {
            return Err(invalid("survey.hourly_cost_sek", "must be zero or more"));
        }
        if !(self.insatser.discount_rate.is_finite()
            && (0.0..=0.2).contains(&self.insatser.discount_rate))
        {
            return Err(invalid(
                "insatser.discount_rate",
                "must be between 0 and 0.2 (a real rate: 0.03 is 3 %)",
            ));
        }
        let weights = self.insatser.weights;
        let named_weights = [
            ("insatser.weights.npv_per_krona", weights.npv_per_krona),
            ("insatser.weights.goals", weights.goals),
            ("insatser.weights.urgency", weights.urgency),
            ("insatser.weights.risk", weights.risk),
        ];
        for (key, weight) in named_weights {
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(invalid(key, "must be zero or more"));
            }
        }
        if named_weights.iter().all(|(_, weight)| *weight == 0.0) {
            return Err(invalid(
                "insatser.weights",
                "at least one weight must be above 0, or every insats scores the same",
            ));
        }
        if !(1..=256).contains(&self.mail.concurrent_sends) {
            return Err(invalid(
                "mail.concurrent_sends",
                "must be between 1 and 256",
            ));
        }
        if !(1..=24 * 30).contains(&self.dashboard.session_hours) {
            return Err(invalid(
                "dashboard.session_hours",
                "must be between 1 and 720 (30 days)",
            ));
        }
        for (key, limit) in [
            (
                "dashboard.sign_in_per_address",
                self.dashboard.sign_in_per_address,
            ),
            (
                "dashboard.sign_in_per_client",
                self.dashboard.sign_in_per_client,
            ),
            (
                "survey.open_link_answers_per_minute",
                self.survey.open_link_answers_per_minute,
            ),
        ] {
            if limit == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        if self.mail.batch_size == 0 {
            return Err(invalid("mail.batch_size", "must be at least 1"));
        }
        if self.mail.max_attempts < 1 {
            return Err(invalid("mail.max_attempts", "must be at least 1"));
        }
        if self.mail.transport == MailTransportKind::Smtp
            && self.mail.smtp_tls == SmtpTls::None
            && self.mail.smtp_ca_file.is_some()
        {
            return Err(invalid(
                "mail.smtp_ca_file",
                "is set but mail.smtp_tls is \"none\": set smtp_tls to \"starttls\" or \"tls\"",
            ));
        }
        if let Err(problem) = self.mail.from.parse::<lettre::message::Mailbox>() {
            return Err(invalid(
                "mail.from",
                &format!(
                    "`{}` is not a mailbox ({problem}): write e.g. `Nyttopuls <nyttopuls@kommun.se>`",
                    self.mail.from
                ),
            ));
        }
        for (key, expression) in [
            ("scheduler.open_rounds", &self.scheduler.open_rounds),
            ("scheduler.dispatch_outbox", &self.scheduler.dispatch_outbox),
            ("scheduler.send_reminders", &self.scheduler.send_reminders),
            ("scheduler.close_rounds", &self.scheduler.close_rounds),
            ("scheduler.purge", &self.scheduler.purge),
            ("scheduler.render_charts", &self.scheduler.render_charts),
            ("scheduler.send_reports", &self.scheduler.send_reports),
        ] {
            if let Err(problem) = crate::domain::CronSchedule::parse(expression) {
                return Err(invalid(key, &problem.to_string()));
            }
        }
        Ok(self)
    }

    /// True when the public URL is https, so cookies get the Secure flag.
    pub fn behind_https(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }
}

/// Names every `NYTTOPULS__…` variable that matches no setting, so a typo is noticed.
pub fn unexpected_env_variables() -> Vec<String> {
    let known: config::Config = match config::Config::builder()
        .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
        .build()
    {
        Ok(known) => known,
        Err(_) => return Vec::new(),
    };
    let extra = [
        "server.public_url",
        "mail.smtp_ca_file",
        "mail.smtp_username",
        "mail.smtp_password",
        "mail.smtp_username_file",
        "mail.smtp_password_file",
        "database.url_file",
        "server.trusted_proxies",
        "metrics.token",
        "metrics.token_file",
    ];
    std::env::vars()
        .filter_map(|(name, _)| {
            let rest = name.strip_prefix(&format!("{ENV_PREFIX}__"))?;
            // Every `__` is a level: `INSATSER__WEIGHTS__GOALS` is `insatser.weights.goals`.
            let key = rest.to_lowercase().replace("__", ".");
            let known_key = known.get_string(&key).is_ok()
                || known.get_array(&key).is_ok()
                || extra.contains(&key.as_str());
            (!known_key).then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_of_an_every_interface_bind_point_at_localhost() {
        let url = |raw: &str| ServerSettings::url_of(raw.parse().unwrap());
        assert_eq!(url("127.0.0.1:8090"), "http://127.0.0.1:8090");
        assert_eq!(url("10.1.2.3:80"), "http://10.1.2.3:80");
        assert_eq!(url("[::1]:8080"), "http://[::1]:8080");
        assert_eq!(url("0.0.0.0:8080"), "http://localhost:8080");
        assert_eq!(url("[::]:8080"), "http://localhost:8080");
    }

    #[test]
    fn an_unset_public_url_follows_the_served_port_and_a_set_one_stays() {
        let served = "127.0.0.1:41234".parse().unwrap();
        let mut derived = ServerSettings {
            bind: "127.0.0.1:0".into(),
            public_url: "http://127.0.0.1:0".into(),
            derived_public_url: Some("http://127.0.0.1:0".into()),
            max_body_bytes: 1,
            trusted_proxies: Vec::new(),
        };
        derived.serving_at(served);
        assert_eq!(derived.public_url, "http://127.0.0.1:41234");
        assert!(derived.public_url_follows_bind());

        let mut set = derived.clone();
        set.public_url = "https://enkat.kommun.example".into();
        set.serving_at(served);
        assert_eq!(set.public_url, "https://enkat.kommun.example");
        assert!(!set.public_url_follows_bind());
    }

    #[test]
    fn a_misspelt_choice_lists_the_allowed_values() {
        assert_eq!(
            MailTransportKind::try_from("smpt".to_owned()),
            Err("`smpt` is not allowed: use one of file, smtp".to_owned())
        );
        assert_eq!(SmtpTls::try_from("tls".to_owned()), Ok(SmtpTls::Tls));
    }

    #[test]
    fn a_bad_value_names_the_key_and_its_environment_variable() {
        let error = ConfigError::Value {
            key: "mail.smtp_port".into(),
            problem: "expected an integer".into(),
        };
        assert_eq!(
            error.to_string(),
            "configuration key `mail.smtp_port` (NYTTOPULS__MAIL__SMTP_PORT): expected an integer"
        );
    }

    #[test]
    fn insatser_settings_default_to_three_percent_and_bad_ones_name_their_key() {
        let defaults = Settings::load(None).unwrap();
        assert_eq!(defaults.insatser.discount_rate, 0.03);
        assert_eq!(defaults.insatser.weights.goals, 1.0);
        let refused = |change: fn(&mut Settings)| {
            let mut settings = defaults.clone();
            change(&mut settings);
            match settings.validated() {
                Err(ConfigError::Invalid { key, .. }) => key,
                other => panic!("not refused: {other:?}"),
            }
        };
        assert_eq!(
            refused(|s| s.insatser.discount_rate = 0.25),
            "insatser.discount_rate"
        );
        assert_eq!(
            refused(|s| s.insatser.discount_rate = -0.01),
            "insatser.discount_rate"
        );
        assert_eq!(
            refused(|s| s.insatser.weights.risk = -1.0),
            "insatser.weights.risk"
        );
        assert_eq!(
            refused(|s| {
                s.insatser.weights = PriorityWeights {
                    npv_per_krona: 0.0,
                    goals: 0.0,
                    urgency: 0.0,
                    risk: 0.0,
                }
            }),
            "insatser.weights"
        );
    }
}
