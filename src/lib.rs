//! Nyttopuls: regular, emailed usability and benefit surveys of a municipality's IT
//! services, aggregated per service, objektägare and förvaltning.

pub mod api;
pub mod app;
pub mod charts;
pub mod config;
pub mod demo;
pub mod domain;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod network;
pub mod numbers;
pub mod reports;
pub mod stats;
pub mod store;
pub mod usecases;
pub mod web;
pub mod wording;
