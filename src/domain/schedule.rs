use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Stockholm;

/// A 6-field cron expression (seconds first), read in Europe/Stockholm time.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    source: String,
    schedule: cron::Schedule,
}

impl CronSchedule {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let source = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields = source.split(' ').count();
        if fields != 6 {
            return Err(format!(
                "`{raw}` has {fields} fields; write 6 (seconds minutes hours day-of-month month day-of-week), e.g. `0 0 8 1 */3 *`"
            ));
        }
        let schedule = cron::Schedule::from_str(&source)
            .map_err(|e| format!("`{raw}` is not a valid cron expression: {e}"))?;
        if schedule.upcoming(Stockholm).next().is_none() {
            return Err(format!("`{raw}` never fires"));
        }
        Ok(Self { source, schedule })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The latest firing at or before `now`, if any fired after `since`.
    pub fn last_fire_between(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let since = since.with_timezone(&Stockholm);
        self.schedule
            .after(&since)
            .take_while(|fire| fire.with_timezone(&Utc) <= now)
            .last()
            .map(|fire| fire.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_six_fields() {
        assert!(CronSchedule::parse("0 0 8 1 */3 *").is_ok());
        assert!(
            CronSchedule::parse("0 8 1 */3 *")
                .unwrap_err()
                .contains("5 fields")
        );
        assert!(CronSchedule::parse("0 0 25 * * *").is_err());
    }

    #[test]
    fn finds_the_last_fire_in_stockholm_time() {
        let schedule = CronSchedule::parse("0 0 8 1 * *").unwrap();
        let since = "2026-10-15T00:00:00Z".parse().unwrap();
        let now = "2026-11-29T00:00:00Z".parse().unwrap();
        let fire = schedule.last_fire_between(since, now).unwrap();
        assert_eq!(fire.to_rfc3339(), "2026-11-01T07:00:00+00:00");
    }
}
