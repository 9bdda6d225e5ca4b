//! A round belongs to the period that contains its opening moment (Europe/Stockholm),
//! so running a programme twice in one period opens nothing new.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodKind {
    Month,
    #[default]
    Quarter,
    Half,
    Year,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Half => "half",
            Self::Year => "year",
        }
    }

    /// The period key containing `moment`, e.g. `2026-Q4`, `2026-11`, `2026-H2`, `2026`.
    pub fn key_at(self, moment: DateTime<Utc>) -> String {
        let local = moment.with_timezone(&Stockholm);
        let (year, month) = (local.year(), local.month());
        match self {
            Self::Month => format!("{year}-{month:02}"),
            Self::Quarter => format!("{year}-Q{}", (month - 1) / 3 + 1),
            Self::Half => format!("{year}-H{}", (month - 1) / 6 + 1),
            Self::Year => format!("{year}"),
        }
    }
}

impl FromStr for PeriodKind {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw {
            "month" => Ok(Self::Month),
            "quarter" => Ok(Self::Quarter),
            "half" => Ok(Self::Half),
            "year" => Ok(Self::Year),
            other => Err(format!(
                "`{other}` is not a period: use month, quarter, half or year"
            )),
        }
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The period a nyttoanalys covers: a quarter (`2026-Q4`, the default) or a year
/// (`2026`). A round belongs to it when the round opened within it (Stockholm time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReportPeriod {
    Quarter { year: i32, quarter: u32 },
    Year { year: i32 },
}

impl ReportPeriod {
    /// The quarter containing `moment`.
    pub fn quarter_of(moment: DateTime<Utc>) -> Self {
        let local = moment.with_timezone(&Stockholm);
        Self::Quarter {
            year: local.year(),
            quarter: (local.month() - 1) / 3 + 1,
        }
    }

    /// The last quarter that has ended at `moment`.
    pub fn last_ended_quarter(moment: DateTime<Utc>) -> Self {
        Self::quarter_of(moment).previous()
    }

    pub fn previous(self) -> Self {
        match self {
            Self::Quarter { year, quarter: 1 } => Self::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Self::Quarter { year, quarter } => Self::Quarter {
                year,
                quarter: quarter - 1,
            },
            Self::Year { year } => Self::Year { year: year - 1 },
        }
    }

    pub fn key(self) -> String {
        match self {
            Self::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            Self::Year { year } => format!("{year}"),
        }
    }

    /// From its first moment up to (not including) the first moment after it.
    pub fn range(self) -> (DateTime<Utc>, DateTime<Utc>) {
        let (year, first_month, months) = match self {
            Self::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1, 3),
            Self::Year { year } => (year, 1, 12),
        };
        let start = local_midnight(year, first_month);
        let end_month = first_month + months;
        let end = if end_month > 12 {
            local_midnight(year + 1, end_month - 12)
        } else {
            local_midnight(year, end_month)
        };
        (start, end)
    }

    /// The quarters and the years in which a round opened, each newest first: what a
    /// report can be asked for.
    pub fn with_rounds(openings: &[DateTime<Utc>]) -> (Vec<Self>, Vec<Self>) {
        let quarters: std::collections::BTreeSet<Self> = openings
            .iter()
            .map(|moment| Self::quarter_of(*moment))
            .collect();
        let years: std::collections::BTreeSet<Self> = quarters
            .iter()
            .map(|quarter| match quarter {
                Self::Quarter { year, .. } | Self::Year { year } => Self::Year { year: *year },
            })
            .collect();
        (
            quarters.into_iter().rev().collect(),
            years.into_iter().rev().collect(),
        )
    }

    /// Whether the period has ended at `moment`.
    pub fn has_ended(self, moment: DateTime<Utc>) -> bool {
        self.range().1 <= moment
    }
}

/// Midnight starting the first day of `month` in Stockholm, as UTC.
fn local_midnight(year: i32, month: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    Stockholm
        .with_ymd_and_hms(year, month, 1, 0, 0, 0)
        .earliest()
        .map_or_else(
            // Midnight on the first of a month is never skipped in Stockholm; keep the
            // UTC midnight if a rule change ever made it so.
            || {
                chrono::Utc
                    .with_ymd_and_hms(year, month, 1, 0, 0, 0)
                    .unwrap()
            },
            |local| local.with_timezone(&Utc),
        )
}

/// The first day of the period a key names, whatever its kind: `2026-11`, `2026-Q4`,
/// `2026-H2` or `2026` (years 2000–2199). `None` for anything else.
pub fn period_first_day(key: &str) -> Option<NaiveDate> {
    let (year, rest) = match key.split_once('-') {
        Some((year, rest)) => (year, Some(rest)),
        None => (key, None),
    };
    let year = year
        .parse::<i32>()
        .ok()
        .filter(|y| year.len() == 4 && (2000..=2199).contains(y))?;
    let single_digit = |text: &str, range: std::ops::RangeInclusive<u32>| {
        text.parse::<u32>()
            .ok()
            .filter(|n| text.len() == 1 && range.contains(n))
    };
    let month = match rest {
        None => 1,
        Some(rest) => {
            if let Some(quarter) = rest.strip_prefix('Q') {
                (single_digit(quarter, 1..=4)? - 1) * 3 + 1
            } else if let Some(half) = rest.strip_prefix('H') {
                (single_digit(half, 1..=2)? - 1) * 6 + 1
            } else {
                rest.parse::<u32>()
                    .ok()
                    .filter(|m| rest.len() == 2 && (1..=12).contains(m))?
            }
        }
    };
    NaiveDate::from_ymd_opt(year, month, 1)
}

impl FromStr for ReportPeriod {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let wrong = || {
            format!(
                "`{raw}` is not a period: write a quarter such as 2026-Q4, or a year such as 2026 (2000–2199)"
            )
        };
        let year_of = |text: &str| {
            text.parse::<i32>()
                .ok()
                .filter(|y| (2000..=2199).contains(y) && text.len() == 4)
                .ok_or_else(wrong)
        };
        match raw.trim().split_once("-Q") {
            Some((year, quarter)) => {
                let quarter = quarter
                    .parse::<u32>()
                    .ok()
                    .filter(|q| (1..=4).contains(q) && quarter.len() == 1)
                    .ok_or_else(wrong)?;
                Ok(Self::Quarter {
                    year: year_of(year)?,
                    quarter,
                })
            }
            None => Ok(Self::Year {
                year: year_of(raw.trim())?,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_stockholm_time() {
        // 23:30 UTC on 31 December is already 1 January in Stockholm.
        let new_year = "2026-12-31T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(PeriodKind::Quarter.key_at(new_year), "2027-Q1");
        let november = "2026-11-29T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(PeriodKind::Month.key_at(november), "2026-11");
        assert_eq!(PeriodKind::Quarter.key_at(november), "2026-Q4");
        assert_eq!(PeriodKind::Half.key_at(november), "2026-H2");
        assert_eq!(PeriodKind::Year.key_at(november), "2026");
    }

    #[test]
    fn report_periods_parse_and_span_their_stockholm_months() {
        let q4: ReportPeriod = "2026-Q4".parse().unwrap();
        assert_eq!(q4.key(), "2026-Q4");
        let (start, end) = q4.range();
        // CEST ends in October: 1 October is UTC+2, 1 January UTC+1.
        assert_eq!(start.to_rfc3339(), "2026-09-30T22:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-31T23:00:00+00:00");
        assert_eq!(q4.previous().key(), "2026-Q3");
        assert_eq!(
            "2027-Q1".parse::<ReportPeriod>().unwrap().previous().key(),
            "2026-Q4"
        );
        let year: ReportPeriod = "2026".parse().unwrap();
        assert_eq!(year.range().1, end);
        for wrong in [
            "2026-Q5", "2026-Q0", "26-Q1", "2026Q1", "Q4", "", "2026-Q44",
        ] {
            assert!(wrong.parse::<ReportPeriod>().is_err(), "{wrong}");
        }
        let at = |raw: &str| raw.parse::<DateTime<Utc>>().unwrap();
        // 31 December 23:30 UTC is already 1 January in Stockholm.
        let (quarters, years) = ReportPeriod::with_rounds(&[
            at("2025-12-31T23:30:00Z"),
            at("2025-05-02T08:00:00Z"),
            at("2025-05-20T08:00:00Z"),
        ]);
        let keys =
            |periods: Vec<ReportPeriod>| periods.into_iter().map(|p| p.key()).collect::<Vec<_>>();
        assert_eq!(keys(quarters), ["2026-Q1", "2025-Q2"]);
        assert_eq!(keys(years), ["2026", "2025"]);
        let november = "2026-11-29T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(ReportPeriod::last_ended_quarter(november).key(), "2026-Q3");
        assert!(!q4.has_ended(november) && q4.previous().has_ended(november));
    }

    #[test]
    fn every_kind_of_period_key_names_its_first_day() {
        let day = |y, m| NaiveDate::from_ymd_opt(y, m, 1);
        assert_eq!(period_first_day("2026-11"), day(2026, 11));
        assert_eq!(period_first_day("2026-Q4"), day(2026, 10));
        assert_eq!(period_first_day("2026-Q1"), day(2026, 1));
        assert_eq!(period_first_day("2026-H2"), day(2026, 7));
        assert_eq!(period_first_day("2026"), day(2026, 1));
        for key in [
            PeriodKind::Month,
            PeriodKind::Quarter,
            PeriodKind::Half,
            PeriodKind::Year,
        ]
        .map(|kind| kind.key_at("2026-11-29T10:00:00Z".parse().unwrap()))
        {
            assert!(period_first_day(&key).is_some(), "{key}");
        }
        for wrong in [
            "2026-13", "2026-1", "2026-Q5", "2026-H3", "2026-Q12", "26", "1999", "2026-", "Q4",
        ] {
            assert_eq!(period_first_day(wrong), None, "{wrong}");
        }
    }
}
