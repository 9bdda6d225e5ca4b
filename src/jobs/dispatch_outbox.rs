//! `dispatch_outbox`: claim due messages in batches, send them outside any transaction,
//! record each outcome. Transient failures back off exponentially up to
//! `mail.max_attempts`; a permanent SMTP failure marks the invitation bounced.

use std::{sync::Arc, time::Duration as StdDuration};

use chrono::{Duration, Utc};
use lettre::message::Mailbox;
use tokio::task::JoinSet;

use super::Counts;
use crate::{
    app::AppState,
    domain::{Error, survey::SurveyEmailKind},
    mail::{SendError, build_survey_message},
    store::outbox::{self, ClaimedMessage, Delivery},
};

pub async fn dispatch_outbox(state: &AppState) -> Result<Counts, Error> {
    let settings = &state.settings.mail;
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| Error::invalid("mail.from", format!("{e}")))?;
    let from = Arc::new(from);
    let mut counts = Counts::new();
    // Only messages due when the run began: a retry scheduled by this run waits for the
    // next one, so a failing server is not hammered in a loop.
    let run_started = Utc::now();
    loop {
        let batch = outbox::claim(
            &state.db,
            settings.batch_size,
            // As long as the job's lease: a dispatcher restarted after a crash finds the
            // batch that was in flight free again once it may dispatch at all.
            super::lease::ttl(),
            run_started,
        )
        .await?;
        if batch.is_empty() {
            break;
        }
        let reminders: Vec<i64> = batch
            .iter()
            .filter(|m| {
                m.email
                    .as_ref()
                    .is_some_and(|e| e.kind == SurveyEmailKind::Reminder)
            })
            .filter_map(|m| m.invitation_id)
            .collect();
        let awaiting = outbox::still_awaiting(&state.db, &reminders).await?;
        let started = std::time::Instant::now();
        let mut sending = JoinSet::new();
        let mut outcomes = Vec::with_capacity(batch.len());
        for message in batch {
            let reminder_no_longer_needed = message
                .email
                .as_ref()
                .is_some_and(|e| e.kind == SurveyEmailKind::Reminder)
                && message
                    .invitation_id
                    .is_some_and(|id| !awaiting.contains(&id));
            if reminder_no_longer_needed {
                outcomes.push((message, Delivery::Skipped));
                continue;
            }
            while sending.len() >= settings.concurrent_sends {
                if let Some(Ok(done)) = sending.join_next().await {
                    outcomes.push(done);
                }
            }
            let (mailer, from, state) = (state.mailer.clone(), from.clone(), state.clone());
            sending.spawn(async move {
                let delivery = deliver(&mailer, &from, &message, &state).await;
                (message, delivery)
            });
        }
        while let Some(done) = sending.join_next().await {
            if let Ok(done) = done {
                outcomes.push(done);
            }
        }
        for (_, delivery) in &outcomes {
            let key = match delivery {
                Delivery::Sent => "sent",
                Delivery::Skipped => "skipped",
                Delivery::Transient {
                    retry_at: Some(_), ..
                } => "retry_later",
                Delivery::Transient { retry_at: None, .. } => "failed",
                Delivery::Permanent { .. } => "bounced",
            };
            *counts.entry(key).or_default() += 1;
        }
        outbox::mark(&state.db, &outcomes, Utc::now()).await?;
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

async fn deliver(
    mailer: &crate::mail::Mailer,
    from: &Mailbox,
    message: &ClaimedMessage,
    state: &AppState,
) -> Delivery {
    let Some(email) = &message.email else {
        return Delivery::Permanent {
            error: "the message has no content".into(),
        };
    };
    let built = match build_survey_message(from, &message.recipient, email) {
        Ok(built) => built,
        Err(error) => {
            return Delivery::Permanent {
                error: error.to_string(),
            };
        }
    };
    match mailer.send(built).await {
        Ok(()) => Delivery::Sent,
        Err(SendError::Permanent(error)) => Delivery::Permanent { error },
        Err(SendError::Transient(error)) => {
            let settings = &state.settings.mail;
            let retry_at = (message.attempts < settings.max_attempts).then(|| {
                let exponent = (message.attempts - 1).clamp(0, 16) as u32;
                Utc::now()
                    + Duration::seconds(settings.retry_base_secs.saturating_mul(1 << exponent))
            });
            Delivery::Transient { error, retry_at }
        }
    }
}
