//! Nyttokalkyl versions: a row each, frozen by a decision (`decided_at`). A version's
//! benefits are one JSON document in this module's own stored form, so the domain types
//! stay free of it: a version is written whole, read whole and never queried by benefit.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        Error,
        insats::nyttokalkyl::{
            Baseline, Benefit, BenefitCategory, BenefitValue, Indicator, KalkylVersion,
            KalkylWrite, Nyttokalkyl,
        },
    },
    store::{db_error, entity::nyttokalkyl_version},
};

/// A benefit as stored in a version's JSON document.
#[derive(Debug, Serialize, Deserialize)]
struct StoredBenefit {
    description: String,
    category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    annual_value_sek: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    minutes_per_week: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    users: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    low_sek: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    high_sek: Option<f64>,
    from_year: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    indicator: Option<StoredIndicator>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredIndicator {
    service_id: i32,
    metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<StoredBaseline>,
    target: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_period: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredBaseline {
    value: f64,
    period: String,
    n: u32,
}

impl From<&Benefit> for StoredBenefit {
    fn from(benefit: &Benefit) -> Self {
        let (annual_value_sek, minutes_per_week, users) = benefit.value.as_fields();
        Self {
            description: benefit.description.clone(),
            category: benefit.category.as_str().into(),
            annual_value_sek,
            minutes_per_week,
            users,
            low_sek: benefit.low_sek,
            high_sek: benefit.high_sek,
            from_year: benefit.from_year,
            indicator: benefit.indicator.as_ref().map(|i| StoredIndicator {
                service_id: i.service_id,
                metric: i.metric.as_str().into(),
                baseline: i.baseline.as_ref().map(|b| StoredBaseline {
                    value: b.value,
                    period: b.period.clone(),
                    n: b.n,
                }),
                target: i.target,
                target_period: i.target_period.clone(),
            }),
        }
    }
}

impl TryFrom<StoredBenefit> for Benefit {
    type Error = String;

    fn try_from(stored: StoredBenefit) -> Result<Self, String> {
        let category: BenefitCategory = stored.category.parse()?;
        let value = match (
            stored.annual_value_sek,
            stored.minutes_per_week,
            stored.users,
        ) {
            (Some(sek), None, None) => BenefitValue::Sek(sek),
            (None, Some(minutes_per_week), Some(users)) => BenefitValue::Time {
                minutes_per_week,
                users,
            },
            (None, None, None) => BenefitValue::Unvalued,
            _ => return Err("a benefit with mixed value fields".into()),
        };
        let indicator = match stored.indicator {
            None => None,
            Some(i) => Some(Indicator {
                service_id: i.service_id,
                metric: i.metric.parse()?,
                baseline: i.baseline.map(|b| Baseline {
                    value: b.value,
                    period: b.period,
                    n: b.n,
                }),
                target: i.target,
                target_period: i.target_period,
            }),
        };
        Ok(Self {
            description: stored.description,
            category,
            value,
            low_sek: stored.low_sek,
            high_sek: stored.high_sek,
            from_year: stored.from_year,
            indicator,
        })
    }
}

fn version_of(row: nyttokalkyl_version::Model) -> Result<KalkylVersion, Error> {
    let corrupt = |cause: String| {
        Error::bug(format!(
            "nyttokalkyl version {} of insats {} does not decode: {cause}",
            row.version, row.insats_id
        ))
    };
    let stored: Vec<StoredBenefit> =
        serde_json::from_str(&row.benefits).map_err(|e| corrupt(e.to_string()))?;
    let benefits = stored
        .into_iter()
        .map(Benefit::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(corrupt)?;
    Ok(KalkylVersion {
        insats_id: row.insats_id,
        version: u32::try_from(row.version).map_err(|e| corrupt(e.to_string()))?,
        kalkyl: Nyttokalkyl {
            calculation_years: u32::try_from(row.calculation_years)
                .map_err(|e| corrupt(e.to_string()))?,
            discount_rate: row.discount_rate,
            investment_sek: row.investment_sek,
            annual_running_cost_sek: row.annual_running_cost_sek,
            benefits,
        },
        created_at: row.created_at,
        decided_at: row.decided_at,
    })
}

/// Every version of the insatser `insats_ids`, by insats and then version.
pub async fn versions_of(
    db: &impl ConnectionTrait,
    insats_ids: &[i32],
) -> Result<Vec<KalkylVersion>, Error> {
    nyttokalkyl_version::Entity::find()
        .filter(nyttokalkyl_version::Column::InsatsId.is_in(insats_ids.iter().copied()))
        .order_by_asc(nyttokalkyl_version::Column::InsatsId)
        .order_by_asc(nyttokalkyl_version::Column::Version)
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(version_of)
        .collect()
}

/// The newest version's number of insats `insats_id` and whether it is decided.
pub async fn latest_version(
    db: &impl ConnectionTrait,
    insats_id: i32,
) -> Result<Option<(u32, bool)>, Error> {
    let row: Option<(i32, Option<DateTime<Utc>>)> = nyttokalkyl_version::Entity::find()
        .select_only()
        .column(nyttokalkyl_version::Column::Version)
        .column(nyttokalkyl_version::Column::DecidedAt)
        .filter(nyttokalkyl_version::Column::InsatsId.eq(insats_id))
        .order_by_desc(nyttokalkyl_version::Column::Version)
        .into_tuple()
        .one(db)
        .await
        .map_err(db_error)?;
    Ok(row.map(|(version, decided_at)| (version as u32, decided_at.is_some())))
}

/// Writes `kalkyl` as insats `insats_id`'s version where `write` says (decided in
/// `domain::insats::nyttokalkyl::kalkyl_write`). A draft decided meanwhile is not
/// overwritten: a conflict.
pub async fn write_version(
    db: &impl ConnectionTrait,
    insats_id: i32,
    write: KalkylWrite,
    kalkyl: &Nyttokalkyl,
    now: DateTime<Utc>,
) -> Result<KalkylVersion, Error> {
    let stored: Vec<StoredBenefit> = kalkyl.benefits.iter().map(Into::into).collect();
    let benefits = serde_json::to_string(&stored).map_err(Error::internal)?;
    let version = match write {
        KalkylWrite::Replace { version } | KalkylWrite::Add { version } => version,
    };
    let model = nyttokalkyl_version::ActiveModel {
        id: NotSet,
        insats_id: Set(insats_id),
        version: Set(version as i32),
        calculation_years: Set(kalkyl.calculation_years as i32),
        discount_rate: Set(kalkyl.discount_rate),
        investment_sek: Set(kalkyl.investment_sek),
        annual_running_cost_sek: Set(kalkyl.annual_running_cost_sek),
        benefits: Set(benefits),
        created_at: Set(now),
        decided_at: NotSet,
    };
    match write {
        KalkylWrite::Add { .. } => {
            nyttokalkyl_version::Entity::insert(model)
                .exec_without_returning(db)
                .await
                .map_err(db_error)?;
        }
        KalkylWrite::Replace { version } => {
            let updated = nyttokalkyl_version::Entity::update_many()
                .set(model)
                .filter(undecided(insats_id, version))
                .exec(db)
                .await
                .map_err(db_error)?;
            if updated.rows_affected == 0 {
                return Err(Error::Conflict(format!(
                    "nyttokalkyl version {version} of insats {insats_id} is decided and no longer changes"
                )));
            }
        }
    }
    Ok(KalkylVersion {
        insats_id,
        version,
        kalkyl: kalkyl.clone(),
        created_at: now,
        decided_at: None,
    })
}

/// Version `version` of insats `insats_id`, while it is not decided (a decided version
/// no longer changes).
fn undecided(insats_id: i32, version: u32) -> Condition {
    Condition::all()
        .add(nyttokalkyl_version::Column::InsatsId.eq(insats_id))
        .add(nyttokalkyl_version::Column::Version.eq(version as i32))
        .add(nyttokalkyl_version::Column::DecidedAt.is_null())
}

/// Freezes version `version` of insats `insats_id` as decided at `now`; false if there
/// is no such undecided version.
pub async fn decide_version(
    db: &impl ConnectionTrait,
    insats_id: i32,
    version: u32,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let updated = nyttokalkyl_version::Entity::update_many()
        .col_expr(nyttokalkyl_version::Column::DecidedAt, Expr::value(now))
        .filter(undecided(insats_id, version))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(updated.rows_affected == 1)
}
