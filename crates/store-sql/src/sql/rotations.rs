//! SQLite's refresh-token rotations, taken together. SQLite has one writer, and handing each
//! rotation to it on its own costs more in thread wake-ups than in the write itself; so every
//! rotation is queued to one task, which takes all that wait (up to `MOST`) in one statement
//! and answers each. A rotation that finds the queue empty waits for nothing but its own write.
//! The task, not the request, runs the write: a client that goes away mid-write cannot leave
//! the others without their answers.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::sync::Arc;

use sqlx::{AnyPool, Row, query};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::sessions::{end_if_reused, live, rotated};
use super::{SqlResult, sql};
use gatehouse_core::error::{StoreError, StoreResult};
use gatehouse_core::model::Millis;
use gatehouse_core::store::{Rotation, RotationOutcome};
use gatehouse_core::types::DomainId;

/// The most rotations in one statement (six parameters each).
const MOST: usize = 128;

/// A rotation waiting for the writer, with where its answer goes.
struct Queued {
    domain_id: DomainId,
    presented_hash: String,
    new_hash: String,
    now: Millis,
    idle_until: Millis,
    grace_ms: i64,
    answer: oneshot::Sender<StoreResult<RotationOutcome>>,
}

impl Queued {
    fn rotation(&self) -> Rotation<'_> {
        Rotation {
            domain_id: self.domain_id,
            presented_hash: &self.presented_hash,
            new_hash: &self.new_hash,
            now: self.now,
            idle_until: self.idle_until,
            grace_ms: self.grace_ms,
        }
    }
}

/// The queue to the rotation task, started by the first rotation.
pub(crate) struct Rotations {
    queue: mpsc::Sender<Queued>,
}

impl Rotations {
    /// Starts the task on `pool`; it writes while holding `write_gate`, as every SQLite writer.
    pub(crate) fn start(pool: AnyPool, write_gate: Arc<Mutex<()>>) -> Self {
        let (queue, waiting) = mpsc::channel(4 * MOST);
        tokio::spawn(run(pool, write_gate, waiting));
        Self { queue }
    }

    pub(crate) async fn rotate(&self, r: &Rotation<'_>) -> StoreResult<RotationOutcome> {
        let (answer, answered) = oneshot::channel();
        let queued = Queued {
            domain_id: r.domain_id,
            presented_hash: r.presented_hash.to_string(),
            new_hash: r.new_hash.to_string(),
            now: r.now,
            idle_until: r.idle_until,
            grace_ms: r.grace_ms,
            answer,
        };
        self.queue.send(queued).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Other(anyhow::anyhow!("the rotation writer has stopped"))
}

async fn run(pool: AnyPool, write_gate: Arc<Mutex<()>>, mut waiting: mpsc::Receiver<Queued>) {
    // A token presented twice in one batch would be claimed once, arbitrarily: the second
    // waits for the next batch, so that it sees the first one's rotation as a sequence would.
    let mut held_over: Option<Queued> = None;
    loop {
        let first = match held_over.take() {
            Some(queued) => queued,
            None => match waiting.recv().await {
                Some(queued) => queued,
                None => return,
            },
        };
        let mut presented = HashSet::from([first.presented_hash.clone()]);
        let mut batch = vec![first];
        while batch.len() < MOST {
            let Ok(next) = waiting.try_recv() else { break };
            if !presented.insert(next.presented_hash.clone()) {
                held_over = Some(next);
                break;
            }
            batch.push(next);
        }
        let _turn = write_gate.lock().await;
        write(&pool, batch).await;
    }
}

/// Claims every token of the batch in one statement, then looks at the unclaimed ones one by
/// one (a reuse ends its session; anything else is invalid), and answers each.
async fn write(pool: &AnyPool, batch: Vec<Queued>) {
    let mut claimed = match claim_all(pool, &batch).await {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::error!(error = %e, "refresh-token rotations failed");
            for queued in batch {
                let _ = queued.answer.send(Err(StoreError::Other(anyhow::anyhow!("refresh-token rotation failed"))));
            }
            return;
        }
    };
    for queued in batch {
        let outcome = match claimed.remove(&queued.presented_hash) {
            Some(outcome) => Ok(outcome),
            None => end_if_reused(pool, &queued.rotation()).await,
        };
        let _ = queued.answer.send(outcome);
    }
}

/// The claimed tokens of the batch by presented hash, with what each was claimed for.
async fn claim_all(pool: &AnyPool, batch: &[Queued]) -> StoreResult<HashMap<String, RotationOutcome>> {
    let mut rows = String::new();
    for i in 0..batch.len() {
        let n = i * 6;
        let separator = if i == 0 { "" } else { ", " };
        let _ = write!(rows, "{separator}(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6);
    }
    let text = format!(
        "WITH batch (presented, successor, now, idle_until, grace, domain_id) AS (VALUES {rows}) \
         UPDATE session_tokens SET rotated_at = COALESCE(rotated_at, batch.now), successor = batch.successor, \
         successor_at = batch.now, successor_idle_until = batch.idle_until \
         FROM batch WHERE session_tokens.hash = batch.presented \
         AND (session_tokens.rotated_at IS NULL \
         OR (batch.grace > 0 AND session_tokens.rotated_at > batch.now - batch.grace)) \
         AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_tokens.session_id \
         AND s.domain_id = batch.domain_id AND {}) \
         RETURNING hash, session_id, user_id",
        live("batch.now")
    );
    let mut statement = query(sql(text));
    for q in batch {
        statement = statement
            .bind(q.presented_hash.as_str())
            .bind(q.new_hash.as_str())
            .bind(q.now)
            .bind(q.idle_until)
            .bind(q.grace_ms)
            .bind(q.domain_id.get());
    }
    let rows = statement.fetch_all(pool).await.db()?;
    let mut claimed = HashMap::with_capacity(rows.len());
    for row in &rows {
        claimed.insert(row.try_get::<String, _>("hash").db()?, rotated(row)?);
    }
    Ok(claimed)
}
