//! The nouns and rules of Nyttopuls, free of HTTP and SQL: values that can only be built
//! valid (parse, don't validate), who may do what, and the errors the product can report.

/// What every text newtype built by a `parse` shares: read back from storage as written
/// (only parsed values ever are), borrowed as `&str`, shown as itself.
macro_rules! parsed_text {
    ($name:ident) => {
        impl $name {
            /// A value read back from storage, where only parsed values are ever written.
            pub fn from_stored(value: String) -> Self {
                Self(value)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub mod action;
mod actor;
pub mod answering;
pub mod audit;
pub mod catalogue;
mod email;
mod error;
pub mod import;
pub mod insats;
mod metric;
pub mod open_link;
mod period;
pub mod programme;
pub mod questionnaire;
pub mod release;
pub mod reminders;
mod respondent;
mod schedule;
pub mod sealing;
pub mod selection;
pub mod sign_in;
mod slug;
pub mod survey;
pub mod token;

pub use actor::{Actor, Role};
pub use catalogue::{Department, NewService, Owner, References, Service, ServiceFilter};
pub use email::Email;
pub use error::{Error, FieldProblem};
pub use metric::Metric;
pub use period::{PeriodKind, ReportPeriod, period_first_day};
pub use respondent::{
    EmailRecord, InvitationRecord, Language, NewRespondent, PersonalData, Respondent,
    RespondentFilter, RespondentKind,
};
pub use schedule::CronSchedule;
pub use slug::Slug;
pub use survey::{
    Delivery, EmailKind, InvitationEvent, InvitationStatus, OutboxStatus, RoundStatus,
};

/// Page of a listing: 1-based page number and page size (bounded).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u64 = 500;
    /// Far beyond any real listing, and small enough that the row offset always fits
    /// a database integer.
    pub const MAX_PAGE: u64 = 1_000_000_000;
    pub const DEFAULT_PER_PAGE: u64 = 50;

    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Self, Error> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(Self::DEFAULT_PER_PAGE);
        if page == 0 || page > Self::MAX_PAGE {
            return Err(Error::invalid(
                "page",
                format!("must be between 1 and {}", Self::MAX_PAGE),
            ));
        }
        if per_page == 0 || per_page > Self::MAX_PER_PAGE {
            return Err(Error::invalid(
                "per_page",
                format!("must be between 1 and {}", Self::MAX_PER_PAGE),
            ));
        }
        Ok(Self { page, per_page })
    }

    /// Rows to skip before this page.
    pub fn offset(self) -> u64 {
        (self.page - 1) * self.per_page
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

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, request: PageRequest) -> Self {
        Self {
            items,
            total,
            page: request.page,
            per_page: request.per_page,
        }
    }

    /// The requested page of a list that is always small enough to load whole
    /// (questionnaires, programmes).
    pub fn of_all(all: Vec<T>, request: PageRequest) -> Self {
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(request.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(request.per_page).unwrap_or(usize::MAX))
            .collect();
        Self::new(items, total, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_start_at_one_and_sizes_are_bounded() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(None, Some(0)).is_err());
        assert!(PageRequest::new(None, Some(501)).is_err());
        assert!(PageRequest::new(Some(PageRequest::MAX_PAGE + 1), None).is_err());
        let last = PageRequest::new(Some(PageRequest::MAX_PAGE), Some(500)).unwrap();
        assert!(i64::try_from(last.offset()).is_ok());
    }

    #[test]
    fn a_page_of_a_whole_list_counts_everything_and_keeps_its_slice() {
        let request = PageRequest::new(Some(2), Some(3)).unwrap();
        let page = Page::of_all((1..=7).collect(), request);
        assert_eq!((page.items, page.total), (vec![4, 5, 6], 7));
        let beyond = Page::of_all(vec![1, 2], request);
        assert_eq!((beyond.items, beyond.total), (vec![], 2));
    }
}
