//! The nyttoanalys stored per period, as JSON: what every format is rendered from, so a
//! period's report reads the same until it is regenerated.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
    sea_query::OnConflict,
};

use super::{db_error, entity::report};
use crate::{domain::Error, stats::nyttoanalys::Nyttoanalys};

/// A stored report and when it was made and sent.
pub struct StoredReport {
    pub report: Nyttoanalys,
    pub generated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn get(db: &impl ConnectionTrait, period: &str) -> Result<Option<StoredReport>, Error> {
    let Some(row) = report::Entity::find_by_id(period)
        .one(db)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let report = serde_json::from_str(&row.content).map_err(|e| {
        Error::bug(format!(
            "the stored nyttoanalys of {period} does not decode: {e}"
        ))
    })?;
    Ok(Some(StoredReport {
        report,
        generated_at: row.generated_at,
        sent_at: row.sent_at,
    }))
}

/// Stores a period's report, replacing an earlier one (keeping when it was sent).
pub async fn save(
    db: &impl ConnectionTrait,
    report: &Nyttoanalys,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let content = serde_json::to_string(report).map_err(Error::internal)?;
    report::Entity::insert(report::ActiveModel {
        period: Set(report.period.clone()),
        content: Set(content),
        generated_at: Set(now),
        sent_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(report::Column::Period)
            .update_columns([report::Column::Content, report::Column::GeneratedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Marks a period's report as sent; false if it was already.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    period: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let updated = report::Entity::update_many()
        .col_expr(report::Column::SentAt, Expr::value(now))
        .filter(report::Column::Period.eq(period))
        .filter(report::Column::SentAt.is_null())
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(updated.rows_affected == 1)
}
