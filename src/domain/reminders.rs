//! Which reminder of a round is due. Reminder offsets are calendar days in
//! Europe/Stockholm after the opening day: `reminder_days = [7]` is sent by the first
//! `send_reminders` run on the 7th day after opening, whatever the hour the round opened.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Europe::Stockholm;

/// The reminder step to send now: the last offset (index into `offsets`, sorted
/// ascending) whose day has come and that is not yet done. Steps skipped while the
/// server was down are not sent one by one: the latest due step stands for them.
pub fn due_reminder_step(
    opens_at: DateTime<Utc>,
    offsets: &[u32],
    steps_done: usize,
    now: DateTime<Utc>,
) -> Option<usize> {
    let opening_day = opens_at.with_timezone(&Stockholm).date_naive();
    let today = now.with_timezone(&Stockholm).date_naive();
    offsets
        .iter()
        .enumerate()
        .skip(steps_done)
        .filter(|(_, days)| {
            opening_day
                .checked_add_days(Days::new(u64::from(**days)))
                .is_some_and(|due_day| due_day <= today)
        })
        .map(|(step, _)| step)
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_reminder_is_due_from_the_start_of_its_calendar_day_in_stockholm() {
        // Opened 2027-01-04 at 16:00 Stockholm (15:00 UTC).
        let opened = utc("2027-01-04T15:00:00Z");
        // Day 7 is 2027-01-11; its first run at 06:00 Stockholm, ten hours short of
        // 7 × 24 elapsed hours, sends it.
        assert_eq!(
            due_reminder_step(opened, &[7], 0, utc("2027-01-11T05:00:00Z")),
            Some(0)
        );
        // 23:30 Stockholm on 2027-01-10 is still day 6.
        assert_eq!(
            due_reminder_step(opened, &[7], 0, utc("2027-01-10T22:30:00Z")),
            None
        );
        // Midnight in Stockholm is 23:00 UTC the day before.
        assert_eq!(
            due_reminder_step(opened, &[7], 0, utc("2027-01-10T23:00:00Z")),
            Some(0)
        );
    }

    #[test]
    fn day_zero_is_the_next_run_and_done_steps_are_not_repeated() {
        let opened = utc("2027-01-04T07:00:00Z");
        assert_eq!(due_reminder_step(opened, &[0, 7], 0, opened), Some(0));
        assert_eq!(due_reminder_step(opened, &[0, 7], 1, opened), None);
        // Both due after a long outage: the latest stands for both.
        assert_eq!(
            due_reminder_step(opened, &[3, 7], 0, utc("2027-01-12T07:00:00Z")),
            Some(1)
        );
        assert_eq!(
            due_reminder_step(opened, &[3, 7], 2, utc("2027-01-12T07:00:00Z")),
            None
        );
    }

    #[test]
    fn the_day_counts_in_stockholm_across_the_spring_dst_change() {
        // Opened Saturday 2027-03-27 08:00 CET (07:00 UTC); day 2 is Monday 2027-03-29,
        // which starts at 22:00 UTC on Sunday (CEST).
        let opened = utc("2027-03-27T07:00:00Z");
        assert_eq!(
            due_reminder_step(opened, &[2], 0, utc("2027-03-28T21:59:00Z")),
            None
        );
        assert_eq!(
            due_reminder_step(opened, &[2], 0, utc("2027-03-28T22:00:00Z")),
            Some(0)
        );
    }
}
