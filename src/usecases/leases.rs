//! Running work under a job lease, which keeps a job to one run at a time across
//! instances. The lease is short and renewed while the work runs,
//! so a crashed instance blocks a job for at most [`LEASE_TTL`]; work whose lease was
//! lost (this process stalled past it and another run took over) is stopped, as a crash
//! would stop it, so two runs never go on side by side.

use std::time::Duration as StdDuration;

use chrono::Utc;
use sea_orm::DatabaseConnection;
use tokio::time::Instant;

use super::AppState;
use crate::{domain::Error, store::leases};

/// How long a lease outlives its last renewal: how long a crashed holder blocks a job.
pub const LEASE_TTL: StdDuration = StdDuration::from_secs(30);
/// Renewed three times per lifetime, so one slow or failed renewal loses nothing.
const RENEW_EVERY: StdDuration = StdDuration::from_secs(10);
/// A lease still held after a full lifetime is being renewed, by a live run that does
/// the job; waiting this long tells a crashed holder from a working one.
pub const WAIT_FOR_A_CRASHED_HOLDER: StdDuration = StdDuration::from_secs(35);
const ASK_AGAIN_EVERY: StdDuration = StdDuration::from_secs(1);

fn ttl() -> chrono::Duration {
    chrono::Duration::from_std(LEASE_TTL).expect("the lease fits in a chrono duration")
}

/// Runs `work` holding the lease `name`, waiting up to `wait` for it; `None` (and `work`
/// never started) when another run held it all that time. Leases are timed by the
/// system clock, not the state's: other instances compare them with theirs.
pub async fn run_leased<T>(
    state: &AppState,
    name: &str,
    wait: StdDuration,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<Option<T>, Error> {
    let db = &state.db;
    // Unique per run, so two runs in one process never renew each other's lease.
    let holder = format!("{}/{:08x}", state.instance_id, rand::random::<u32>());
    let give_up = Instant::now() + wait;
    loop {
        let now = Utc::now();
        if leases::try_acquire(db, name, &holder, now, now + ttl()).await? {
            break;
        }
        if Instant::now() >= give_up {
            return Ok(None);
        }
        tokio::time::sleep(ASK_AGAIN_EVERY).await;
    }
    let result = tokio::select! {
        result = work => result,
        lost = keep_renewed(db, name, &holder) => Err(lost),
    };
    // A release that fails leaves the lease to run out, which is safe, only slower.
    if let Err(error) = leases::release(db, name, &holder).await {
        tracing::warn!(lease = name, %error, "could not release the lease");
    }
    result.map(Some)
}

/// Renews the lease until it is lost, then says why.
async fn keep_renewed(db: &DatabaseConnection, name: &str, holder: &str) -> Error {
    let mut renewed_at = Instant::now();
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        match leases::renew(db, name, holder, Utc::now() + ttl()).await {
            Ok(true) => renewed_at = Instant::now(),
            Ok(false) => {
                return Error::bug(format!(
                    "the lease on {name} was taken over by another run; stopped"
                ));
            }
            Err(error) if renewed_at.elapsed() >= LEASE_TTL => {
                return Error::bug(format!(
                    "the lease on {name} ran out while it could not be renewed ({error}); stopped"
                ));
            }
            Err(error) => tracing::warn!(lease = name, %error, "could not renew the lease"),
        }
    }
}
