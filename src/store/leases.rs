//! Job leases: a scheduled job runs on one instance at a time. Taking a lease is one
//! atomic statement on both databases (insert if absent, else take over if expired);
//! the holder renews it while the job runs, so a crashed holder's lease soon runs out.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{OnConflict, SimpleExpr},
};

use super::entity::job_lease;
use crate::domain::Error;

/// Gives `holder` the lease on `job` until `until` if nobody holds one unexpired at `now`.
pub async fn try_acquire(
    db: &impl ConnectionTrait,
    job: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, Error> {
    let inserted = job_lease::Entity::insert(job_lease::ActiveModel {
        job: Set(job.to_owned()),
        holder: Set(holder.to_owned()),
        leased_until: Set(until),
    })
    .on_conflict(
        OnConflict::column(job_lease::Column::Job)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        return Ok(true);
    }
    lease_where(
        db,
        job,
        holder,
        until,
        job_lease::Column::LeasedUntil.lt(now),
    )
    .await
}

/// Extends `holder`'s lease on `job` to `until`; false when the lease is no longer theirs.
pub async fn renew(
    db: &impl ConnectionTrait,
    job: &str,
    holder: &str,
    until: DateTime<Utc>,
) -> Result<bool, Error> {
    lease_where(db, job, holder, until, job_lease::Column::Holder.eq(holder)).await
}

/// Gives `holder` the lease on `job` until `until` where `condition` holds; whether it did.
async fn lease_where(
    db: &impl ConnectionTrait,
    job: &str,
    holder: &str,
    until: DateTime<Utc>,
    condition: SimpleExpr,
) -> Result<bool, Error> {
    let updated = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::Holder, holder.into())
        .col_expr(job_lease::Column::LeasedUntil, until.into())
        .filter(job_lease::Column::Job.eq(job))
        .filter(condition)
        .exec(db)
        .await?
        .rows_affected;
    Ok(updated == 1)
}

pub async fn release(db: &impl ConnectionTrait, job: &str, holder: &str) -> Result<(), Error> {
    job_lease::Entity::delete_many()
        .filter(job_lease::Column::Job.eq(job))
        .filter(job_lease::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}
