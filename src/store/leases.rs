//! Job leases: a scheduled job runs on one instance at a time. Taking a lease is one
//! atomic statement on both databases (insert if absent, else take over if expired);
//! the holder renews it while the job runs, so a crashed holder's lease soon runs out.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};

use super::{db_error, entity::job_lease};
use crate::domain::Error;

/// Takes the lease on `job` for `ttl` if nobody holds an unexpired one.
pub async fn try_acquire(
    db: &impl ConnectionTrait,
    job: &str,
    holder: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let inserted = job_lease::Entity::insert(job_lease::ActiveModel {
        job: Set(job.to_owned()),
        holder: Set(holder.to_owned()),
        leased_until: Set(now + ttl),
    })
    .on_conflict(
        OnConflict::column(job_lease::Column::Job)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map_err(db_error)?;
    if inserted == 1 {
        return Ok(true);
    }
    let taken = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::Holder, holder.into())
        .col_expr(job_lease::Column::LeasedUntil, (now + ttl).into())
        .filter(job_lease::Column::Job.eq(job))
        .filter(job_lease::Column::LeasedUntil.lt(now))
        .exec(db)
        .await
        .map_err(db_error)?
        .rows_affected;
    Ok(taken == 1)
}

/// Extends `holder`'s lease on `job`; false when the lease is no longer theirs.
pub async fn renew(
    db: &impl ConnectionTrait,
    job: &str,
    holder: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let renewed = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::LeasedUntil, (now + ttl).into())
        .filter(job_lease::Column::Job.eq(job))
        .filter(job_lease::Column::Holder.eq(holder))
        .exec(db)
        .await
        .map_err(db_error)?
        .rows_affected;
    Ok(renewed == 1)
}

pub async fn release(db: &impl ConnectionTrait, job: &str, holder: &str) -> Result<(), Error> {
    job_lease::Entity::delete_many()
        .filter(job_lease::Column::Job.eq(job))
        .filter(job_lease::Column::Holder.eq(holder))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(())
}
