//! Dispatching the outbox (the `dispatch_outbox` job): claim due messages in batches, send them outside any transaction,
//! record each outcome. Transient failures back off exponentially up to
//! `mail.max_attempts`; a permanent refusal of the recipient marks the invitation
//! bounced. When the relay refuses us as a whole (auth, TLS, connection), the run stops:
//! what was sent is recorded, the rest of the batch is released untouched, and the run
//! fails with the reason. A message we cannot build (a report whose workbook or stored
//! analysis fails) is our fault, not the recipient's: it is logged at ERROR with its
//! outbox id, counted (`not_built`) and stays queued, retried with capped backoff until
//! the cause is fixed — never marked bounced or given up, so nothing is silently lost.

use std::{sync::Arc, time::Duration as StdDuration};

use chrono::Duration;
use lettre::message::Mailbox;
use tokio::task::JoinSet;

use super::{AppState, Counts};
use crate::{
    domain::{
        Delivery, EmailKind, Error,
        survey::{OutboxEmail, retry_at},
    },
    mail::{RelayFailure, SendError, build_survey_message, without_addresses},
    metrics::{Metrics, SendFailure},
    store::outbox::{self, ClaimedMessage},
};

/// How the error of a message that could not be built begins.
const NOT_BUILT: &str = "the message could not be built";

pub async fn dispatch_outbox(state: &AppState) -> Result<Counts, Error> {
    let settings = &state.settings.mail;
    let from: Mailbox = settings
        .from
        .parse()
        // Checked when the settings were loaded, so this is never the caller's fault.
        .map_err(|e| Error::bug(format!("mail.from passed the start-up check but: {e}")))?;
    let from = Arc::new(from);
    let mut counts = Counts::new();
    // Only messages due when the run began: a retry scheduled by this run waits for the
    // next one, so a failing server is not hammered in a loop.
    let run_started = state.clock.now();
    loop {
        let batch = super::in_transaction(&state.db, async |txn| {
            outbox::claim(
                txn,
                settings.batch_size,
                // As long as a job lease (`leases::LEASE_TTL`): a dispatcher restarted after a
                // crash finds the batch that was in flight free again once it may dispatch.
                Duration::seconds(30),
                run_started,
                state.clock.now(),
            )
            .await
        })
        .await?;
        if batch.is_empty() {
            break;
        }
        let reminders: Vec<i64> = batch
            .iter()
            .filter(|m| m.email.kind() == EmailKind::Reminder)
            .filter_map(|m| m.invitation_id)
            .collect();
        let awaiting = outbox::still_awaiting(&state.db, &reminders).await?;
        let started = std::time::Instant::now();
        let mut sending = JoinSet::new();
        let mut tally = Tally {
            outcomes: Vec::with_capacity(batch.len()),
            unsent: Vec::new(),
            refused: None,
        };
        for message in batch {
            let reminder_no_longer_needed = message.email.kind() == EmailKind::Reminder
                && message
                    .invitation_id
                    .is_some_and(|id| !awaiting.contains(&id));
            if reminder_no_longer_needed {
                tally.outcomes.push((message, Delivery::Withdrawn));
                continue;
            }
            while tally.refused.is_none() && sending.len() >= settings.concurrent_sends {
                if let Some(Ok(done)) = sending.join_next().await {
                    tally.record(done, &state.metrics);
                }
            }
            if tally.refused.is_some() {
                tally.unsent.push(message.id);
                continue;
            }
            let (mailer, from, state) = (state.mailer.clone(), from.clone(), state.clone());
            sending.spawn(async move {
                let delivery = deliver(&mailer, &from, &message, &state).await;
                (message, delivery)
            });
        }
        while let Some(done) = sending.join_next().await {
            if let Ok(done) = done {
                tally.record(done, &state.metrics);
            }
        }
        let Tally {
            outcomes,
            unsent,
            refused,
        } = tally;
        for (message, delivery) in &outcomes {
            let kind = message.email.kind();
            let failure = failure_class(delivery);
            if let (Some(SendFailure::NotBuilt), Delivery::Transient { error, .. }) =
                (failure, delivery)
            {
                tracing::error!(
                    outbox_id = message.id,
                    ?kind,
                    "{error}; the message stays queued and is retried"
                );
            }
            count_attempt(&state.metrics, kind, delivery);
            let key = match failure {
                None if matches!(delivery, Delivery::Sent) => "sent",
                None => "withdrawn",
                Some(SendFailure::GaveUp) => "failed",
                Some(class) => class.as_str(),
            };
            *counts.entry(key).or_default() += 1;
        }
        mark(state, &outcomes).await?;
        if let Some((kind, error)) = refused {
            outbox::release(&state.db, &unsent).await?;
            state.metrics.count_mail_failure(kind);
            return Err(Error::Unavailable(format!(
                "dispatch stopped: the mail relay refused us ({kind}): {error}; \
                 {} messages stay queued, nobody was marked",
                unsent.len()
            )));
        }
        if settings.send_rate_per_sec > 0 {
            let minimum = StdDuration::from_secs_f64(
                outcomes.len() as f64 / f64::from(settings.send_rate_per_sec),
            );
            if let Some(rest) = minimum.checked_sub(started.elapsed()) {
                tokio::time::sleep(rest).await;
            }
        }
    }
    Ok(counts)
}

/// What a batch's sends came to: the messages attempted, the ids going back unsent, and
/// the relay's first refusal (which stops the run).
struct Tally {
    outcomes: Vec<(ClaimedMessage, Delivery)>,
    unsent: Vec<i64>,
    refused: Option<(RelayFailure, String)>,
}

impl Tally {
    /// A message whose send the relay refused as a whole goes back unsent; the first such
    /// refusal stops the run.
    fn record(
        &mut self,
        (message, delivery): (ClaimedMessage, Result<Delivery, (RelayFailure, String)>),
        metrics: &Metrics,
    ) {
        match delivery {
            Ok(delivery) => self.outcomes.push((message, delivery)),
            Err((kind, error)) => {
                metrics.count_send_failure(message.email.kind(), SendFailure::RelayRefused);
                self.unsent.push(message.id);
                // The outbox id, not the recipient: this ends in the log.
                self.refused.get_or_insert_with(|| {
                    (
                        kind,
                        format!(
                            "outbox message {}: {}",
                            message.id,
                            without_addresses(&error)
                        ),
                    )
                });
            }
        }
    }
}

/// Why an attempt did not send its message; `None` when it was sent or withdrawn.
fn failure_class(delivery: &Delivery) -> Option<SendFailure> {
    match delivery {
        Delivery::Sent | Delivery::Withdrawn => None,
        Delivery::Transient { error, .. } if error.starts_with(NOT_BUILT) => {
            Some(SendFailure::NotBuilt)
        }
        Delivery::Transient {
            retry_at: Some(_), ..
        } => Some(SendFailure::RetryLater),
        Delivery::Transient { retry_at: None, .. } => Some(SendFailure::GaveUp),
        Delivery::Permanent { .. } => Some(SendFailure::Bounced),
    }
}

/// Counts one attempt into the metrics: sent, or failed by class (withdrawn: neither).
fn count_attempt(metrics: &Metrics, kind: EmailKind, delivery: &Delivery) {
    match failure_class(delivery) {
        Some(class) => metrics.count_send_failure(kind, class),
        None if matches!(delivery, Delivery::Sent) => metrics.count_sent(kind),
        None => {}
    }
}

async fn deliver(
    mailer: &crate::mail::Mailer,
    from: &Mailbox,
    message: &ClaimedMessage,
    state: &AppState,
) -> Result<Delivery, (RelayFailure, String)> {
    let built = match &message.email {
        OutboxEmail::Survey(email) => {
            build_survey_message(from, &message.recipient, email).map_err(Error::internal)
        }
        OutboxEmail::Report(email) => {
            super::reports::report_message(state, from, &message.recipient, email).await
        }
        OutboxEmail::Digest(email) => {
            super::reports::digest_message(state, from, &message.recipient, email).await
        }
        OutboxEmail::SignIn(email) => {
            // A link that no longer works is not worth an email (the person asks again).
            if email.link_expires_at <= state.clock.now() {
                return Ok(Delivery::Withdrawn);
            }
            crate::mail::sign_in_message(from, &message.recipient, email).map_err(Error::internal)
        }
    };
    let settings = &state.settings.mail;
    let built = match built {
        Ok(built) => built,
        Err(error) => {
            // Retried for as long as it fails: the backoff stops growing at the last
            // attempt's, and the message never becomes final (which would erase it).
            // At least a minute away, so this run does not pick it up again.
            let now = state.clock.now();
            let attempts = message.attempts.min(settings.max_attempts - 1);
            let earliest = now + Duration::minutes(1);
            let at = retry_at(
                attempts,
                settings.max_attempts,
                settings.retry_base_secs,
                now,
            )
            .map_or(earliest, |at| at.max(earliest));
            return Ok(Delivery::Transient {
                error: format!("{NOT_BUILT}: {error}"),
                retry_at: Some(at),
            });
        }
    };
    Ok(match mailer.send(built).await {
        Ok(()) => Delivery::Sent,
        Err(SendError::RelayRefused { kind, error }) => return Err((kind, error)),
        Err(SendError::Bounced(error)) => Delivery::Permanent { error },
        Err(SendError::RetryLater(error)) => {
            let retry_at = retry_at(
                message.attempts,
                settings.max_attempts,
                settings.retry_base_secs,
                state.clock.now(),
            );
            Delivery::Transient { error, retry_at }
        }
    })
}

/// Records the outcomes of sent messages, all in one transaction.
async fn mark(state: &AppState, outcomes: &[(ClaimedMessage, Delivery)]) -> Result<(), Error> {
    let now = state.clock.now();
    super::in_transaction(&state.db, async |txn| {
        outbox::mark(txn, outcomes, now).await
    })
    .await
}

/// Sends the message queued under `idempotency_key` now, rather than at the next run
/// (a sign-in link should arrive in seconds). What cannot go out now stays queued for
/// the dispatcher, with the same retries as every email.
pub async fn dispatch_now(state: &AppState, idempotency_key: &str) -> Result<(), Error> {
    let from: Mailbox = state
        .settings
        .mail
        .from
        .parse()
        .map_err(|e| Error::bug(format!("mail.from passed the start-up check but: {e}")))?;
    let claimed = super::in_transaction(&state.db, async |txn| {
        outbox::claim_by_key(
            txn,
            idempotency_key,
            Duration::seconds(30),
            state.clock.now(),
        )
        .await
    })
    .await?;
    for message in claimed {
        match deliver(&state.mailer, &from, &message, state).await {
            Ok(delivery) => {
                if !matches!(delivery, Delivery::Sent | Delivery::Withdrawn) {
                    tracing::warn!(
                        outbox_id = message.id,
                        "email not sent at once; the dispatcher tries again"
                    );
                }
                count_attempt(&state.metrics, message.email.kind(), &delivery);
                mark(state, &[(message, delivery)]).await?;
            }
            Err((kind, error)) => {
                outbox::release(&state.db, &[message.id]).await?;
                state.metrics.count_mail_failure(kind);
                state
                    .metrics
                    .count_send_failure(message.email.kind(), SendFailure::RelayRefused);
                tracing::warn!(
                    outbox_id = message.id,
                    "the mail relay refused us ({kind}): {}; the dispatcher tries again",
                    without_addresses(&error)
                );
            }
        }
    }
    Ok(())
}
