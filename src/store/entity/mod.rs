//! sea-orm entities, one per table; the rest of the crate sees domain types instead,
//! and domain errors: a sea-orm error converts through [`super::db_error`] (the `From`
//! impl beside it), so store queries end in `?`.

pub mod account;
pub mod action;
pub mod api_token;
pub mod audit_entry;
pub mod department;
pub mod enums;
pub mod generation;
pub mod goal;
pub mod insats;
pub mod insats_goal;
pub mod insats_service;
pub mod invitation;
pub mod invitation_token;
pub mod job_lease;
pub mod nyttokalkyl_version;
pub mod open_link;
pub mod outbox_message;
pub mod owner;
pub mod programme;
pub mod programme_service;
pub mod questionnaire;
pub mod report;
pub mod respondent;
pub mod respondent_service;
pub mod response;
pub mod round;
pub mod round_aggregate;
pub mod sealed_answer;
pub mod service;
pub mod session;
pub mod sign_in_link;
