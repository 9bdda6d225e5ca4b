#![allow(dead_code)] // shared by tests and the bench; each uses part of it
//! A real SMTP server in the test process (mailin-embedded, blocking, on its own
//! thread) that keeps every message it accepts. Addresses starting with `bounce` are
//! refused with 550 (a permanent failure), and so are senders starting with `refused`. [`MailSink::start_relay`] starts one that, like
//! a municipal relay, wants STARTTLS (with a given certificate) and AUTH.

use std::{
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
};

use mailin_embedded::{AuthMechanism, Handler, Server, SslConfig, response};

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: Vec<u8>,
    /// The user the session authenticated as (only possible after STARTTLS).
    pub authenticated_as: Option<String>,
}

/// A relay that offers STARTTLS with this certificate and requires AUTH.
pub struct Relay {
    /// PEM files of the server's certificate chain and its private key.
    pub cert_path: String,
    pub key_path: String,
    pub mechanisms: Vec<AuthMechanism>,
    pub username: String,
    pub password: String,
}

#[derive(Clone, Default)]
struct Collector {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    /// Accepted username and password; `None` when the sink does not offer AUTH.
    credentials: Option<(String, String)>,
    authenticated_as: Option<String>,
    /// How many more messages the sink takes before it refuses every sender.
    senders_left: Option<Arc<Mutex<usize>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Collector {
    fn authenticate(&mut self, username: &str, password: &str) -> mailin_embedded::Response {
        match &self.credentials {
            Some((user, secret)) if user == username && secret == password => {
                self.authenticated_as = Some(username.to_owned());
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

impl Handler for Collector {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> mailin_embedded::Response {
        self.to.clear();
        self.data.clear();
        if from.trim_start_matches('<').starts_with("refused") {
            return response::NO_MAILBOX;
        }
        if let Some(left) = &self.senders_left {
            let mut left = left.lock().unwrap();
            if *left == 0 {
                return response::NO_MAILBOX;
            }
            *left -= 1;
        }
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        if to.trim_start_matches('<').starts_with("bounce") {
            return response::NO_MAILBOX;
        }
        self.to.push(to.trim_matches(['<', '>']).to_owned());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        self.received.lock().unwrap().push(ReceivedMail {
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
            authenticated_as: self.authenticated_as.clone(),
        });
        response::OK
    }

    fn auth_plain(
        &mut self,
        _authorization_id: &str,
        authentication_id: &str,
        password: &str,
    ) -> mailin_embedded::Response {
        self.authenticate(authentication_id, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> mailin_embedded::Response {
        self.authenticate(username, password)
    }
}

/// A running SMTP server and what it received.
pub struct MailSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl MailSink {
    /// Starts a server on a free port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let port = listener.local_addr().unwrap().port();
        Self::serve(listener, port)
    }

    /// A port where nothing listens yet; `start_on` it later ("the server comes back").
    pub fn reserve_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        listener.local_addr().unwrap().port()
    }

    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("reserved port is free");
        Self::serve(listener, port)
    }

    /// A relay on a free port: STARTTLS with the given certificate, then AUTH.
    pub fn start_relay(relay: Relay) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let port = listener.local_addr().unwrap().port();
        Self::serve_with(listener, port, Some(relay), None)
    }

    /// A server that takes `messages` messages, then refuses every sender (as a relay
    /// whose policy changes mid-run).
    pub fn start_refusing_senders_after(messages: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let port = listener.local_addr().unwrap().port();
        Self::serve_with(listener, port, None, Some(messages))
    }

    fn serve(listener: TcpListener, port: u16) -> Self {
        Self::serve_with(listener, port, None, None)
    }

    fn serve_with(
        listener: TcpListener,
        port: u16,
        relay: Option<Relay>,
        senders_left: Option<usize>,
    ) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Collector {
            received: received.clone(),
            senders_left: senders_left.map(|n| Arc::new(Mutex::new(n))),
            credentials: relay
                .as_ref()
                .map(|r| (r.username.clone(), r.password.clone())),
            ..Default::default()
        };
        let mut server = Server::new(handler);
        server.with_name("sink.test");
        match relay {
            None => {
                server.with_ssl(SslConfig::None).expect("plain SMTP");
            }
            Some(relay) => {
                // mailin builds its rustls config with the process-wide crypto provider;
                // installing it twice (several relays in one test binary) is harmless.
                let _ = rustls::crypto::ring::default_provider().install_default();
                server
                    .with_ssl(SslConfig::SelfSigned {
                        cert_path: relay.cert_path,
                        key_path: relay.key_path,
                    })
                    .expect("the certificate and key load");
                for mechanism in relay.mechanisms {
                    server.with_auth(mechanism);
                }
            }
        }
        server.with_num_threads(64).with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, received }
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}
