//! The integration suite, one binary: each module is a capability tested through a real
//! server (a fresh SQLite file or PostgreSQL database per test), a real SMTP server in
//! the process, the real binary, or headless Chromium. One binary links once, which
//! keeps the release build of the tests short.

mod common;
mod mail_sink;

mod accessibility;
mod actions;
mod anonymity;
mod api_contract;
mod audit;
mod auth;
mod calendar;
mod catalogue;
mod charts;
mod cli;
mod dashboard;
mod demo;
mod insatser;
mod insatser_api;
mod insatser_pages;
mod insatser_report;
mod insatser_store;
mod mail_relay;
mod metrics;
mod open_links;
mod ops;
mod readers;
mod reports;
mod respondent_pages;
mod respondents;
mod results;
mod scheduler;
mod security;
mod server_process;
mod survey_loop;
mod tokens;
mod withdrawals;
