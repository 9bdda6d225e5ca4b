//! Whether a personal link can take an answer: decided here and only here, from its
//! round's window and its invitation's state. The store reads the rows; the answer page,
//! the answer writer (again, inside its transaction) and the reminders ask these rules.

use chrono::{DateTime, Duration, Utc};

use super::{InvitationStatus, RoundStatus};

/// A round's answer window, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerWindow {
    pub status: RoundStatus,
    /// When the round was opened, on the clock of the instance that opened it.
    pub opens_at: DateTime<Utc>,
    /// When the window ends; an admin who closes a round early moves it forward.
    pub closes_at: DateTime<Utc>,
}

impl AnswerWindow {
    /// Open, and its window has not ended (the close job may not have run yet).
    ///
    /// `opens_at` is not compared: a round is created open at the moment it opens, so
    /// an open round has begun — and another instance whose clock is a little behind
    /// must still take its answers.
    pub fn accepts_answers(&self, now: DateTime<Utc>) -> bool {
        self.status == RoundStatus::Open && now < self.closes_at
    }

    /// Closed by an admin before its window of `open_days` ended, rather than by the clock.
    pub fn closed_early(&self, open_days: i32) -> bool {
        self.status == RoundStatus::Closed
            && self.closes_at < self.opens_at + Duration::days(i64::from(open_days))
    }
}

/// What a link leads to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStanding {
    Answered,
    /// The person opted out of the link's service, or of every service.
    OptedOut,
    /// The round no longer takes answers; `early` when an admin closed it before its time.
    Closed {
        early: bool,
    },
    /// Waiting for an answer.
    Open,
}

/// The invitation behind a link, as far as the answer rules look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkFacts {
    pub invitation: InvitationStatus,
    /// The person opted out of every service.
    pub opted_out_all: bool,
    pub window: AnswerWindow,
    /// The programme's answer window in days.
    pub open_days: i32,
}

impl LinkFacts {
    /// An answer is reported first (a person who answered and then opted out sees that
    /// they answered), then an opt-out, then a round that no longer takes answers.
    pub fn standing(&self, now: DateTime<Utc>) -> LinkStanding {
        if self.invitation == InvitationStatus::Answered {
            LinkStanding::Answered
        } else if self.invitation == InvitationStatus::OptedOut || self.opted_out_all {
            LinkStanding::OptedOut
        } else if !self.window.accepts_answers(now) {
            LinkStanding::Closed {
                early: self.window.closed_early(self.open_days),
            }
        } else {
            LinkStanding::Open
        }
    }
}

/// What an opt-out stops: the surveys of one service, or every survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOutScope {
    Service,
    AllServices,
}

/// How far the person behind a link has opted out already, seen from its service:
/// `opted_out_of_service` is the person's own flag for the service, which also holds
/// after this invitation was answered.
pub fn opted_out_already(
    invitation: InvitationStatus,
    opted_out_all: bool,
    opted_out_of_service: bool,
) -> Option<OptOutScope> {
    if opted_out_all {
        Some(OptOutScope::AllServices)
    } else if invitation == InvitationStatus::OptedOut || opted_out_of_service {
        Some(OptOutScope::Service)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// Opened 1 March, 14 days: closes 15 March at 08:00.
    fn window(status: RoundStatus) -> AnswerWindow {
        AnswerWindow {
            status,
            opens_at: at("2027-03-01T08:00:00Z"),
            closes_at: at("2027-03-15T08:00:00Z"),
        }
    }

    fn link(invitation: InvitationStatus, window: AnswerWindow) -> LinkFacts {
        LinkFacts {
            invitation,
            opted_out_all: false,
            window,
            open_days: 14,
        }
    }

    #[test]
    fn an_open_round_takes_answers_until_the_moment_it_closes() {
        let open = window(RoundStatus::Open);
        assert!(open.accepts_answers(at("2027-03-01T08:00:00Z")));
        assert!(open.accepts_answers(at("2027-03-15T07:59:59.999Z")));
        assert!(
            !open.accepts_answers(at("2027-03-15T08:00:00Z")),
            "at closes_at"
        );
        assert!(!open.accepts_answers(at("2027-04-01T00:00:00Z")));
    }

    #[test]
    fn an_open_round_takes_answers_on_a_clock_a_little_behind_the_one_that_opened_it() {
        let open = window(RoundStatus::Open);
        assert!(open.accepts_answers(at("2027-03-01T07:59:58Z")));
    }

    #[test]
    fn a_closed_round_takes_no_answers_even_inside_its_window() {
        let closed = window(RoundStatus::Closed);
        assert!(!closed.accepts_answers(at("2027-03-02T08:00:00Z")));
    }

    #[test]
    fn a_round_closed_before_its_window_ended_was_closed_early() {
        let early = AnswerWindow {
            closes_at: at("2027-03-05T10:00:00Z"),
            ..window(RoundStatus::Closed)
        };
        assert!(early.closed_early(14));
        assert!(
            !window(RoundStatus::Closed).closed_early(14),
            "closed on time"
        );
        // Still open in the database after its time: ran out, not closed early.
        let ran_out = AnswerWindow {
            status: RoundStatus::Open,
            ..early
        };
        assert!(!ran_out.closed_early(14));
    }

    #[test]
    fn a_link_answers_once_and_not_after_an_opt_out_or_the_close() {
        let now = at("2027-03-02T08:00:00Z");
        let open = window(RoundStatus::Open);
        for waiting in [
            InvitationStatus::Queued,
            InvitationStatus::Sent,
            InvitationStatus::Reminded,
            InvitationStatus::Bounced,
        ] {
            assert_eq!(link(waiting, open).standing(now), LinkStanding::Open);
        }
        assert_eq!(
            link(InvitationStatus::Answered, open).standing(now),
            LinkStanding::Answered
        );
        assert_eq!(
            link(InvitationStatus::OptedOut, open).standing(now),
            LinkStanding::OptedOut
        );
        let everything = LinkFacts {
            opted_out_all: true,
            ..link(InvitationStatus::Sent, open)
        };
        assert_eq!(everything.standing(now), LinkStanding::OptedOut);
        let answered_then_everything = LinkFacts {
            opted_out_all: true,
            ..link(InvitationStatus::Answered, open)
        };
        assert_eq!(
            answered_then_everything.standing(now),
            LinkStanding::Answered
        );
        assert_eq!(
            link(InvitationStatus::Sent, open).standing(open.closes_at),
            LinkStanding::Closed { early: false }
        );
        let closed_early = AnswerWindow {
            status: RoundStatus::Closed,
            closes_at: at("2027-03-02T07:00:00Z"),
            ..open
        };
        assert_eq!(
            link(InvitationStatus::Sent, closed_early).standing(now),
            LinkStanding::Closed { early: true }
        );
    }

    #[test]
    fn an_opt_out_of_everything_outranks_one_of_the_service() {
        use InvitationStatus::{Answered, OptedOut, Sent};
        assert_eq!(opted_out_already(Sent, false, false), None);
        assert_eq!(opted_out_already(Answered, false, false), None);
        assert_eq!(
            opted_out_already(OptedOut, false, false),
            Some(OptOutScope::Service)
        );
        assert_eq!(
            opted_out_already(Answered, false, true),
            Some(OptOutScope::Service)
        );
        assert_eq!(
            opted_out_already(OptedOut, true, true),
            Some(OptOutScope::AllServices)
        );
    }
}
