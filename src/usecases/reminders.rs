//! The `send_reminders` job: for each open round whose next reminder day has come
//! (`domain::reminders`), one email with a fresh personal link to everyone invited who
//! has neither answered, opted out nor bounced. `dispatch_outbox` sends them.

use std::collections::BTreeMap;

use super::{
    AppState, Counts,
    rounds::{local_day, queue_survey_emails},
};
use crate::{
    domain::{EmailKind, Error, reminders::due_reminder_step},
    store,
};

pub async fn queue_due_reminders(state: &AppState) -> Result<Counts, Error> {
    let now = state.clock.now();
    let links = state.links();
    let mut queued = 0;
    for round in store::invitations::open_rounds_for_reminders(&state.db).await? {
        if !round.window.accepts_answers(now) {
            continue;
        }
        let Some(step) = due_reminder_step(
            round.window.opens_at,
            &round.reminder_days,
            round.reminders_done,
            now,
        ) else {
            continue;
        };
        queued += super::in_transaction(&state.db, async |txn| {
            // Claim the step first: a concurrent run finds nothing left to do.
            if !store::invitations::claim_reminder_steps(
                txn,
                round.round_id,
                round.reminders_done,
                step + 1,
            )
            .await?
            {
                return Ok(0);
            }
            let waiting = store::invitations::awaiting_reminder(txn, round.round_id).await?;
            let count = waiting.len();
            queue_survey_emails(
                txn,
                EmailKind::Reminder,
                step,
                // A reminder repeats the invitation's question, not its news.
                (&round.service_name, &[]),
                &local_day(round.window.closes_at),
                waiting
                    .iter()
                    .map(|(id, person)| (*id, person))
                    .collect::<BTreeMap<_, _>>(),
                &links,
                now,
            )
            .await?;
            Ok(count as u64)
        })
        .await?;
    }
    Ok(Counts::from([("reminders_queued", queued)]))
}
