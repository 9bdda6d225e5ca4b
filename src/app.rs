//! The composition root: builds the application from settings — the database
//! (migrated), the mailer, the answer keys, the batching writers, the metrics registry,
//! the scheduler, the routes, and the server bound to its port, which it reports so
//! tests can start it on port 0. The only place that decides how the parts are made;
//! the use cases receive them finished in an [`AppState`].

use std::{sync::Arc, time::Duration};

use crate::{
    api,
    config::Settings,
    jobs::scheduler::Scheduler,
    mail::Mailer,
    store,
    usecases::{
        AnswerWriter, AppState, Clock, LinkLookup, QuestionnaireCache, answer_keys,
        open_links::OpenLinkLimit, sign_in::SignInLimits,
    },
    web,
};
use poem::{
    EndpointExt, Route, Server,
    listener::{Acceptor, Listener, TcpListener},
};

/// Why the application could not be put together.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Mail(String),
    #[error("{0}")]
    AnswerKey(String),
}

/// Connects to the database, brings its schema up to date, and builds what every
/// operation needs: what the server, the CLI commands and the demo work with.
pub async fn connect(settings: Settings, clock: Clock) -> Result<AppState, ConnectError> {
    let db = store::connect(&settings.database).await?;
    store::migrate(&db).await?;
    let mailer = Mailer::from_settings(&settings.mail).map_err(ConnectError::Mail)?;
    let answer_keys = answer_keys::load(&settings.survey, store::is_postgres(&db))
        .map_err(ConnectError::AnswerKey)?;
    answer_keys::check_sealed_rows_open(&db, &answer_keys)
        .await
        .map_err(ConnectError::AnswerKey)?;
    let metrics = Arc::<crate::metrics::Metrics>::default();
    Ok(AppState {
        answer_keys: Arc::new(answer_keys),
        figures: Arc::default(),
        sign_in_limits: Arc::new(SignInLimits::new(&settings.dashboard)),
        open_link_limit: Arc::new(OpenLinkLimit::new(
            settings.survey.open_link_answers_per_minute,
        )),
        answers: AnswerWriter::start(db.clone(), clock.clone(), metrics.clone()),
        links_lookup: LinkLookup::start(db.clone()),
        questionnaires: QuestionnaireCache::default(),
        settings: Arc::new(settings),
        db,
        clock,
        metrics,
        mailer,
        instance_id: instance_id(),
        programmes_changed: Arc::default(),
        rounds_closed: Arc::default(),
    })
}

/// Names this process in job leases: the host (a container's name) and the process id.
fn instance_id() -> String {
    format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "nyttopuls".into()),
        std::process::id()
    )
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Connect(#[from] ConnectError),
    /// No `source`: printed as one line, with the key to change when the port is taken.
    #[error("cannot listen on {address}: {reason}{}", bind_hint(reason))]
    Bind {
        address: String,
        reason: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Scheduler(#[from] crate::domain::Error),
}

fn bind_hint(reason: &std::io::Error) -> &'static str {
    match reason.kind() {
        std::io::ErrorKind::AddrInUse => {
            " (another program uses that port: set server.bind, or NYTTOPULS__SERVER__BIND, to a free address and port)"
        }
        std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::PermissionDenied => {
            " (change server.bind, or NYTTOPULS__SERVER__BIND)"
        }
        _ => "",
    }
}

pub fn routes(state: AppState) -> impl poem::Endpoint {
    let max_body = state.settings.server.max_body_bytes;
    let metrics = state.metrics.clone();
    let client_address =
        web::client_address::FindClientAddress::new(&state.settings.server.trusted_proxies);
    let api = api::routes(&state.settings.server.public_url, max_body);
    Route::new()
        .nest("/", api)
        .at("/healthz", web::ops::healthz)
        .at("/readyz", web::ops::readyz)
        .at("/metrics", web::ops::metrics)
        .nest(
            "/dashboard",
            web::dashboard::routes().with(web::limits::BodyLimit(16 * 1024)),
        )
        .nest(
            "/s",
            web::survey::routes().with(web::limits::BodyLimit(64 * 1024)),
        )
        .nest(
            "/o",
            web::open_link::routes().with(web::limits::BodyLimit(64 * 1024)),
        )
        .with(web::security_headers::SecurityHeaders)
        .with(client_address)
        .with(web::metrics::RecordMetrics(metrics))
        .data(state)
}

/// A server bound to its port, not yet serving.
pub struct Application {
    state: AppState,
    acceptor: poem::listener::TcpAcceptor,
    pub port: u16,
    /// The address actually served (port 0 in `server.bind` becomes the port given).
    pub local_addr: std::net::SocketAddr,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// Like [`Application::build`], on the given clock (tests set the time directly).
    /// Binds first (a taken port fails before any migration), then connects.
    pub async fn build_with_clock(
        mut settings: Settings,
        clock: Clock,
    ) -> Result<Self, StartError> {
        let address = settings.server.bind.clone();
        let acceptor = TcpListener::bind(address.clone())
            .into_acceptor()
            .await
            .map_err(|reason| StartError::Bind { address, reason })?;
        let local_addr = acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().copied())
            .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        settings.server.serving_at(local_addr);
        let state = connect(settings, clock).await?;
        Ok(Self {
            state,
            acceptor,
            port: local_addr.port(),
            local_addr,
        })
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets running requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), StartError> {
        // Starts the scheduler unless `scheduler.enabled` is false; it stops with the server.
        let _scheduler = if self.state.settings.scheduler.enabled {
            Some(Scheduler::start(self.state.clone()).await?)
        } else {
            None
        };
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(routes(self.state), shutdown, Some(Duration::from_secs(10)))
            .await
            .map_err(StartError::Serve)
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler can be installed");
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutting down");
}
