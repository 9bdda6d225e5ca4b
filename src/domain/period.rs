//! A round belongs to the period that contains its opening moment (Europe/Stockholm),
//! so running a programme twice in one period opens nothing new.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, Utc};
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
}
