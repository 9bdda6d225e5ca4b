#![allow(dead_code)] // shared by tests and the bench; each uses part of it
//! A real SMTP server in the test process (mailin-embedded, blocking, on its own
//! thread) that keeps every message it accepts. Addresses starting with `bounce` are
//! refused with 550 (a permanent failure).

use std::{
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
};

use mailin_embedded::{Handler, Server, SslConfig, response};

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Clone, Default)]
struct Collector {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> mailin_embedded::Response {
        self.to.clear();
        self.data.clear();
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
        });
        response::OK
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

    fn serve(listener: TcpListener, port: u16) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Collector {
            received: received.clone(),
            ..Default::default()
        };
        let mut server = Server::new(handler);
        server
            .with_name("sink.test")
            .with_ssl(SslConfig::None)
            .expect("plain SMTP")
            .with_num_threads(64)
            .with_tcp_listener(listener);
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
