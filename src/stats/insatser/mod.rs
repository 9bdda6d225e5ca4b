//! The figures of an insats (SPEC "Insatser"), pure: the planned nyttokalkyl's cash flows
//! and what follows from them ([`kalkyl`]), the benefit realised after go-live as the
//! surveys measure it ([`realisation`]), and the ranking of insatser awaiting a decision
//! with the optimism correction learnt from the municipality's own followed-up insatser
//! ([`priority`]). Not the nyttokalkyl of a running service: that is
//! [`super::summary::nyttokalkyl`], whose time valuation the time benefits here reuse.

pub mod kalkyl;
pub mod priority;
pub mod realisation;

pub use kalkyl::{KalkylFigures, PricedBenefit, Sensitivity, YearFlow, kalkyl_figures};
pub use priority::{
    Candidate, Component, MIN_REFERENCE_CLASS, Priority, ReferenceClass, Weights, prioritise,
    reference_class,
};
pub use realisation::{
    BaselineFigure, IndicatorPlan, IndicatorRealisation, Measure, Measured, MeasuredRound,
    RealisationStatus, RealisedSek, RoundRealisation, insats_realised_share, measure_of,
    nps_summary, realise,
};
