//! An insats's nyttokalkyl as planned (SPEC "Insatser"): the years it covers, the
//! discount rate, its costs and its benefits, each benefit with an optional indicator
//! that the surveys measure after go-live. Only a kalkyl that can be computed is built:
//! every problem names its field as the API spells it. The figures are `stats::insatser`.

use chrono::{DateTime, Utc};

mod input;

pub use input::{BaselineInput, BenefitInput, IndicatorInput, NyttokalkylInput};

use crate::domain::Metric;

/// Years a kalkyl may span (Inera's model stops at 15; SPEC default 5).
pub const YEARS: std::ops::RangeInclusive<u32> = 1..=15;
pub const DEFAULT_YEARS: u32 = 5;
/// The highest real discount rate accepted (0.2: beyond any public-sector practice).
pub const MAX_DISCOUNT_RATE: f64 = 0.2;
/// The largest sum of money a kalkyl takes (a trillion SEK, beyond any municipality's
/// budget): every figure stays finite.
pub const MAX_SEK: f64 = 1e12;
/// Benefits a kalkyl may list: a kalkyl with more is not read by anyone.
pub const MAX_BENEFITS: usize = 30;
/// Minutes in a week: no time benefit per person can exceed it.
pub const MINUTES_A_WEEK: f64 = 10_080.0;

/// What kind of benefit, in Inera's and DIGG's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BenefitCategory {
    /// Finansiell: money that leaves a budget.
    Financial,
    /// Omfördelning: time freed, valued in SEK but not cash.
    Redistribution,
    /// Ej värderad: real but not given in SEK.
    Unvalued,
}

impl BenefitCategory {
    pub const ALL: [Self; 3] = [Self::Financial, Self::Redistribution, Self::Unvalued];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Financial => "financial",
            Self::Redistribution => "redistribution",
            Self::Unvalued => "unvalued",
        }
    }
}

impl std::str::FromStr for BenefitCategory {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == raw)
            .ok_or_else(|| {
                format!("`{raw}` is not a category: use financial, redistribution or unvalued")
            })
    }
}

/// How a benefit's yearly value is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BenefitValue {
    /// SEK a year.
    Sek(f64),
    /// Minutes a week saved per user, for this many users (valued with the hourly cost
    /// and working weeks the results use).
    Time { minutes_per_week: f64, users: u32 },
    /// No SEK: an unvalued benefit.
    Unvalued,
}

impl BenefitValue {
    /// As the plan's three fields (`annual_value_sek`, `minutes_per_week`, `users`),
    /// the one way the API and the store write it: at most one kind is set.
    pub fn as_fields(&self) -> (Option<f64>, Option<f64>, Option<u32>) {
        match *self {
            Self::Sek(sek) => (Some(sek), None, None),
            Self::Time {
                minutes_per_week,
                users,
            } => (None, Some(minutes_per_week), Some(users)),
            Self::Unvalued => (None, None, None),
        }
    }
}

/// A baseline given as a value (measured elsewhere, or before Nyttopuls).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub value: f64,
    pub period: String,
    pub n: u32,
}

/// How a benefit is measured after go-live.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub service_id: i32,
    pub metric: Metric,
    /// `None`: the service's last released round before go-live.
    pub baseline: Option<Baseline>,
    pub target: f64,
    pub target_period: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Benefit {
    pub description: String,
    pub category: BenefitCategory,
    pub value: BenefitValue,
    /// SEK a year at the pessimistic and optimistic end; `None`: the expected value.
    pub low_sek: Option<f64>,
    pub high_sek: Option<f64>,
    /// The first year (0…N) the benefit counts.
    pub from_year: u32,
    pub indicator: Option<Indicator>,
}

impl Benefit {
    /// Whose minutes a tidsvinst indicator multiplies when it is valued: the users the
    /// plan counted, or (a benefit planned in SEK) the service's users.
    pub fn measured_users(&self, service_users: u32) -> u32 {
        match self.value {
            BenefitValue::Time { users, .. } => users,
            _ => service_users,
        }
    }
}

/// A nyttokalkyl whose every field is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Nyttokalkyl {
    pub calculation_years: u32,
    /// Real rate, 0–0.2.
    pub discount_rate: f64,
    /// One-off, year 0.
    pub investment_sek: f64,
    /// Years 1…N.
    pub annual_running_cost_sek: f64,
    pub benefits: Vec<Benefit>,
}

/// One stored version of an insats's kalkyl: a decision freezes it.
#[derive(Debug, Clone, PartialEq)]
pub struct KalkylVersion {
    pub insats_id: i32,
    /// 1, 2, …
    pub version: u32,
    pub kalkyl: Nyttokalkyl,
    pub created_at: DateTime<Utc>,
    /// When the insats was decided on this version; such a version never changes.
    pub decided_at: Option<DateTime<Utc>>,
}

/// The newest of `versions`: what the insats plans now.
pub fn current_version(versions: &[KalkylVersion]) -> Option<&KalkylVersion> {
    versions.iter().max_by_key(|v| v.version)
}

/// The newest decided of `versions`: what the decision promised, which realisation is
/// measured against.
pub fn decided_version(versions: &[KalkylVersion]) -> Option<&KalkylVersion> {
    versions
        .iter()
        .filter(|v| v.decided_at.is_some())
        .max_by_key(|v| v.version)
}

/// Where an edited kalkyl goes: over a draft, or (the latest is decided) into a new
/// version, so the decided one stays readable beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KalkylWrite {
    Replace { version: u32 },
    Add { version: u32 },
}

/// `latest`: the newest version's number and whether it is decided.
pub fn kalkyl_write(latest: Option<(u32, bool)>) -> KalkylWrite {
    match latest {
        None => KalkylWrite::Add { version: 1 },
        Some((version, false)) => KalkylWrite::Replace { version },
        Some((version, true)) => KalkylWrite::Add {
            version: version + 1,
        },
    }
}

#[cfg(test)]
mod tests;
