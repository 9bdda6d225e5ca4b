//! Pure scoring and statistics: no database, no HTTP. Definitions follow SPEC.md
//! ("Metrics"): per-response scores, summaries with their intervals, tests of change and
//! trend, and the sample size for a target precision.

pub mod aggregate;
pub mod insatser;
pub mod nyttoanalys;
pub mod sampling;
pub mod scores;
pub mod series;
pub mod summary;

pub use scores::{Metric, ResponseScores, score};
pub use summary::{
    Change, MeanSummary, Nps, Nyttokalkyl, Proportion, Valuation, nps, nyttokalkyl, ols_slope,
    proportion, summarize, welch,
};
