//! The nouns and rules of Nyttopuls, free of HTTP and SQL: values that can only be built
//! valid (parse, don't validate), who may do what, and the errors the product can report.

mod actor;
pub mod catalogue;
mod email;
mod error;
pub mod import;
mod period;
pub mod programme;
pub mod questionnaire;
pub mod reminders;
mod respondent;
mod schedule;
pub mod selection;
mod slug;
pub mod survey;
pub mod token;

pub use actor::{Actor, Role};
pub use catalogue::{Department, NewService, Owner, Service, ServiceFilter};
pub use email::Email;
pub use error::{Error, FieldProblem};
pub use period::PeriodKind;
pub use respondent::{Language, NewRespondent, Respondent, RespondentKind};
pub use schedule::CronSchedule;
pub use slug::Slug;
pub use survey::{
    Delivery, InvitationEvent, InvitationStatus, OutboxStatus, RoundStatus, SurveyEmailKind,
};

/// Page of a listing: 1-based page number and page size (bounded).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u64 = 500;

    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Self, Error> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(50);
        if page == 0 {
            return Err(Error::invalid("page", "must be 1 or more"));
        }
        if per_page == 0 || per_page > Self::MAX_PER_PAGE {
            return Err(Error::invalid(
                "per_page",
                format!("must be between 1 and {}", Self::MAX_PER_PAGE),
            ));
        }
        if (page - 1)
            .checked_mul(per_page)
            .is_none_or(|offset| offset > i64::MAX as u64)
        {
            return Err(Error::invalid("page", "is beyond the last possible page"));
        }
        Ok(Self { page, per_page })
    }
}

/// One page of results plus the total count across all pages.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}
