//! The metrics a questionnaire can measure, by name. The name is a noun of the domain (a
//! benefit's indicator names one); how a response scores on it is `stats::scores`.

/// The metrics a questionnaire can measure (serialised by their names, as a stored
/// report keeps them).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// System Usability Scale, 0–100.
    Sus,
    /// UMUX-Lite raw score, 0–100 (SUS-equivalent: 0.65 × raw + 22.9).
    UmuxLite,
    /// Mean of the benefit items, mapped to 0–100.
    Nyttoindex,
    /// Net Promoter Score, −100…100 (a share, not a mean).
    Nps,
    /// Minutes a week gained (negative: lost).
    Tidsvinst,
}

impl Metric {
    pub const ALL: [Self; 5] = [
        Self::Sus,
        Self::UmuxLite,
        Self::Nyttoindex,
        Self::Nps,
        Self::Tidsvinst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sus => "sus",
            Self::UmuxLite => "umux_lite",
            Self::Nyttoindex => "nyttoindex",
            Self::Nps => "nps",
            Self::Tidsvinst => "tidsvinst",
        }
    }

    /// The values the metric can take (tidsvinst: a week has 10,080 minutes, gained or
    /// lost), so a target or baseline outside them is a typing error.
    pub fn range(self) -> (f64, f64) {
        match self {
            Self::Sus | Self::UmuxLite | Self::Nyttoindex => (0.0, 100.0),
            Self::Nps => (-100.0, 100.0),
            Self::Tidsvinst => (-10_080.0, 10_080.0),
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw)
            .ok_or_else(|| format!("`{raw}` is not a metric"))
    }
}
