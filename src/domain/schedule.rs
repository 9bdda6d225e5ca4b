//! Cron schedules read as Europe/Stockholm wall-clock time. The one parser and the one
//! "when next" below serve validation, the timers and the catch-up check alike, so a
//! schedule means the same thing everywhere and keeps its local time across DST changes.

use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Europe::Stockholm;
use croner::{
    Cron,
    parser::{CronParser, Seconds},
};

/// A 6-field cron expression (seconds minutes hours day-of-month month day-of-week),
/// read in Europe/Stockholm time. Day of week: 0 or 7 = Sunday, 1 = Monday … 6 =
/// Saturday (or `MON`–`SUN`). When both day of month and day of week are restricted,
/// a day must match both (`0 0 8 1-7 * 1`: the first Monday of the month).
#[derive(Debug, Clone)]
pub struct CronSchedule {
    source: String,
    cron: Cron,
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
}

impl CronSchedule {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let source = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields = source.split(' ').filter(|f| !f.is_empty()).count();
        if fields != 6 {
            return Err(format!(
                "`{raw}` has {fields} fields; write 6 (seconds minutes hours day-of-month month day-of-week), e.g. `0 0 8 1 */3 *`"
            ));
        }
        // `@daily` and the like would pass the field count only by accident; say so plainly.
        if source.contains('@') {
            return Err(format!("`{raw}`: write the 6 fields, not an @ nickname"));
        }
        let cron = parser()
            .parse(&source)
            .map_err(|e| format!("`{raw}` is not a valid cron expression: {e}"))?;
        let schedule = Self { source, cron };
        // Without a year field a schedule repeats within 28 years, so whether it ever
        // fires does not depend on today: asking from a fixed date keeps this pure.
        if schedule.next_after(DateTime::UNIX_EPOCH).is_none() {
            return Err(format!("`{raw}` never fires"));
        }
        Ok(schedule)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first firing strictly after `after`, in whole seconds.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let after = after.trunc_subsecs(0).with_timezone(&Stockholm);
        self.cron
            .find_next_occurrence(&after, false)
            .ok()
            .map(|fire| fire.with_timezone(&Utc))
    }

    /// The longest gap between consecutive firings among the next `firings` after
    /// `from`: how long a healthy job may go without a run (a weekday job's weekend).
    pub fn longest_gap(&self, from: DateTime<Utc>, firings: usize) -> Option<chrono::Duration> {
        let mut previous = self.next_after(from)?;
        let mut longest = None;
        for _ in 1..firings {
            let next = self.next_after(previous)?;
            longest = longest.max(Some(next - previous));
            previous = next;
        }
        longest
    }

    /// The latest firing at or before `now`, if it came after `since`.
    pub fn last_fire_between(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let now = now.trunc_subsecs(0).with_timezone(&Stockholm);
        self.cron
            .find_previous_occurrence(&now, true)
            .ok()
            .map(|fire| fire.with_timezone(&Utc))
            .filter(|fire| *fire > since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(instant: &str) -> DateTime<Utc> {
        instant.parse().unwrap()
    }

    /// The next `n` firings after `from`, as UTC RFC 3339 strings.
    fn fires(schedule: &str, from: &str, n: usize) -> Vec<String> {
        let schedule = CronSchedule::parse(schedule).unwrap();
        let mut after = at(from);
        (0..n)
            .map(|_| {
                after = schedule.next_after(after).unwrap();
                after.to_rfc3339()
            })
            .collect()
    }

    #[test]
    fn needs_six_fields() {
        assert!(CronSchedule::parse("0 0 8 1 */3 *").is_ok());
        assert!(
            CronSchedule::parse("0 8 1 */3 *")
                .unwrap_err()
                .contains("5 fields")
        );
        assert!(CronSchedule::parse("0 0 25 * * *").is_err());
        assert!(CronSchedule::parse("@daily").is_err());
    }

    #[test]
    fn a_schedule_that_never_fires_is_refused() {
        let problem = CronSchedule::parse("0 0 8 30 2 *").unwrap_err();
        assert!(problem.contains("never fires"), "{problem}");
        // 29 February on a Monday is rare (2016, 2044), but it comes.
        assert!(CronSchedule::parse("0 0 8 29 2 1").is_ok());
    }

    #[test]
    fn eight_o_clock_stays_eight_o_clock_across_the_spring_change() {
        // Summer time starts 2027-03-28 at 02:00 (UTC+1 → UTC+2).
        assert_eq!(
            fires("0 0 8 * * *", "2027-03-26T12:00:00Z", 3),
            [
                "2027-03-27T07:00:00+00:00",
                "2027-03-28T06:00:00+00:00",
                "2027-03-29T06:00:00+00:00",
            ]
        );
    }

    #[test]
    fn eight_o_clock_stays_eight_o_clock_across_the_autumn_change() {
        // Summer time ends 2027-10-31 at 03:00 (UTC+2 → UTC+1).
        assert_eq!(
            fires("0 0 8 * * *", "2027-10-29T12:00:00Z", 3),
            [
                "2027-10-30T06:00:00+00:00",
                "2027-10-31T07:00:00+00:00",
                "2027-11-01T07:00:00+00:00",
            ]
        );
    }

    #[test]
    fn a_time_skipped_or_repeated_by_a_dst_change_fires_once() {
        // 02:30 does not exist on 2027-03-28: it fires when the clock reaches 03:00.
        assert_eq!(
            fires("0 30 2 * * *", "2027-03-27T12:00:00Z", 2),
            ["2027-03-28T01:00:00+00:00", "2027-03-29T00:30:00+00:00"]
        );
        // 02:30 happens twice on 2027-10-31: it fires at the first.
        assert_eq!(
            fires("0 30 2 * * *", "2027-10-30T12:00:00Z", 2),
            ["2027-10-31T00:30:00+00:00", "2027-11-01T01:30:00+00:00"]
        );
    }

    #[test]
    fn one_to_five_is_monday_to_friday() {
        // 2027-03-27 is a Saturday; the next weekdays are Monday 29th to Friday 2 April.
        let days: Vec<String> = fires("0 0 8 * * 1-5", "2027-03-27T00:00:00Z", 6)
            .iter()
            .map(|fire| fire[..10].to_owned())
            .collect();
        assert_eq!(
            days,
            [
                "2027-03-29",
                "2027-03-30",
                "2027-03-31",
                "2027-04-01",
                "2027-04-02",
                "2027-04-05"
            ]
        );
        assert_eq!(
            fires("0 0 8 * * MON-FRI", "2027-03-27T00:00:00Z", 6),
            fires("0 0 8 * * 1-5", "2027-03-27T00:00:00Z", 6)
        );
    }

    #[test]
    fn zero_and_seven_are_both_sunday() {
        let sunday = ["2027-03-28T06:00:00+00:00", "2027-04-04T06:00:00+00:00"];
        assert_eq!(fires("0 0 8 * * 0", "2027-03-22T00:00:00Z", 2), sunday);
        assert_eq!(fires("0 0 8 * * 7", "2027-03-22T00:00:00Z", 2), sunday);
        assert_eq!(fires("0 0 8 * * SUN", "2027-03-22T00:00:00Z", 2), sunday);
    }

    #[test]
    fn day_of_month_and_day_of_week_must_both_match() {
        // The first Monday of each month.
        assert_eq!(
            fires("0 0 8 1-7 * 1", "2027-03-01T12:00:00Z", 2),
            ["2027-04-05T06:00:00+00:00", "2027-05-03T06:00:00+00:00"]
        );
    }

    #[test]
    fn the_next_fire_is_strictly_later_even_within_the_firing_second() {
        let schedule = CronSchedule::parse("0 0 8 * * *").unwrap();
        let fire = at("2027-03-29T06:00:00Z");
        let just_after = fire + chrono::Duration::milliseconds(400);
        assert_eq!(
            schedule.next_after(just_after),
            Some(at("2027-03-30T06:00:00Z"))
        );
        assert_eq!(
            schedule.next_after(fire - chrono::Duration::milliseconds(400)),
            Some(fire)
        );
    }

    #[test]
    fn finds_the_last_fire_in_stockholm_time() {
        let schedule = CronSchedule::parse("0 0 8 1 * *").unwrap();
        let since = at("2026-10-15T00:00:00Z");
        let now = at("2026-11-29T00:00:00Z");
        let fire = schedule.last_fire_between(since, now).unwrap();
        assert_eq!(fire.to_rfc3339(), "2026-11-01T07:00:00+00:00");
        assert_eq!(
            schedule.last_fire_between(at("2026-11-02T00:00:00Z"), now),
            None
        );
    }

    #[test]
    fn the_longest_gap_covers_a_weekend_and_an_irregular_day() {
        // Weekdays at 08:00, seen from a Wednesday: Friday 08:00 to Monday 08:00 is
        // 3 days = 259 200 s, the longest gap among the next eight firings.
        let weekdays = CronSchedule::parse("0 0 8 * * 1-5").unwrap();
        let from = at("2026-12-09T12:00:00Z");
        assert_eq!(
            weekdays.longest_gap(from, 8).map(|gap| gap.num_seconds()),
            Some(259_200)
        );
        // 00:15 and 12:15: the gaps are 12 h each (43 200 s).
        let twice = CronSchedule::parse("0 15 0,12 * * *").unwrap();
        assert_eq!(
            twice.longest_gap(from, 8).map(|gap| gap.num_seconds()),
            Some(43_200)
        );
        // Every 30 s.
        let often = CronSchedule::parse("*/30 * * * * *").unwrap();
        assert_eq!(
            often.longest_gap(from, 8).map(|gap| gap.num_seconds()),
            Some(30)
        );
    }
}
