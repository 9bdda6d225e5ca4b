//! Builds the application from settings: database (migrated), routes, and the server
//! bound to its port, which it reports so tests can start it on port 0.

use std::{sync::Arc, time::Duration};

use poem::{
    EndpointExt, Route, Server,
    listener::{Acceptor, Listener, TcpListener},
};
use sea_orm::DatabaseConnection;

use crate::{api, config::Settings, jobs::scheduler::Scheduler, mail::Mailer, store, web};

/// Everything a request or job needs, handed to poem with `.data()`; no global state.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub metrics: Arc<web::metrics::Metrics>,
    pub mailer: Mailer,
    /// Names this process in job leases.
    pub instance_id: String,
    /// Signalled when a programme is created or changed, so its timer follows.
    pub programmes_changed: Arc<tokio::sync::Notify>,
    /// Stores answers in batches (group commit).
    pub answers: web::answer_writer::AnswerWriter,
    /// Questionnaire versions never change once used, so they are cached.
    pub questionnaires: web::answer_writer::QuestionnaireCache,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// No `source`: printed as one line, with the key to change when the port is taken.
    #[error("cannot listen on {address}: {reason}{}", bind_hint(reason))]
    Bind {
        address: String,
        reason: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Mail(String),
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

impl AppState {
    /// Connects to the database and brings its schema up to date.
    pub async fn connect(settings: Settings) -> Result<Self, StartError> {
        let db = store::connect(&settings.database).await?;
        store::migrate(&db).await?;
        let mailer = Mailer::from_settings(&settings.mail).map_err(StartError::Mail)?;
        Ok(Self {
            answers: web::answer_writer::AnswerWriter::start(db.clone()),
            questionnaires: web::answer_writer::QuestionnaireCache::default(),
            settings: Arc::new(settings),
            db,
            metrics: Arc::default(),
            mailer,
            instance_id: format!(
                "{}:{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "nyttopuls".into()),
                std::process::id()
            ),
            programmes_changed: Arc::default(),
        })
    }
}

pub fn routes(state: AppState) -> impl poem::Endpoint {
    let max_body = state.settings.server.max_body_bytes;
    let metrics = state.metrics.clone();
    let api = api::routes(&state.settings.server.public_url, max_body);
    Route::new()
        .nest("/", api)
        .at("/healthz", web::ops::healthz)
        .at("/readyz", web::ops::readyz)
        .at("/metrics", web::ops::metrics)
        .nest(
            "/s",
            web::survey::routes().with(web::limits::BodyLimit(64 * 1024)),
        )
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
    /// Binds first (a taken port fails before any migration), then connects.
    pub async fn build(mut settings: Settings) -> Result<Self, StartError> {
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
        if settings.server.public_url_from_bind {
            settings.server.public_url = crate::config::ServerSettings::url_of(local_addr);
        }
        let state = AppState::connect(settings).await?;
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
