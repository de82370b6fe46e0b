//! Group commit of pushes. On SQLite every push is a write on the one
//! writing connection, and on PostgreSQL every push of a commune waits for
//! the commune's lock; each ended with its own commit and fsync: with 200
//! devices pushing at once, the last waited for 199 commits. Pushes
//! waiting their turn are taken together instead (`CentralDb::push_group`:
//! each authenticated and judged in turn, as if one after the other), up to
//! `MAX_PUSHES` pushes or `MAX_CHANGES` changes, in one transaction: one
//! commit for all, and each device is answered only after it. A lone push
//! (a device on its own, the ingest of a big file) goes alone, at once.
//! SQLite has one committer; PostgreSQL one per commune (communes do not
//! wait for each other).

use crate::app::AppState;
use crate::error::ApiError;
use gocua_central::{CentralError, Grouped, TokenPush};
use tokio::sync::{mpsc, oneshot};

/// Pushes committed together at most (a push's answer waits for its whole
/// group: larger groups save little and make each wait longer).
const MAX_PUSHES: usize = 32;
/// Changes committed together at most (a group is always at least one push).
const MAX_CHANGES: usize = 2000;

type Push = TokenPush;

struct Job {
    push: TokenPush,
    reply: oneshot::Sender<Grouped>,
}

/// The way into the group committer.
pub struct PushQueue {
    jobs: mpsc::UnboundedSender<Job>,
}

impl PushQueue {
    /// Start the committer for `state` (its database calls take their turn
    /// at the gate like any other).
    pub fn start(state: AppState) -> PushQueue {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(commit_groups(state, queue));
        PushQueue { jobs }
    }

    /// Push for the device holding the push's token, with whoever else is
    /// waiting; answered once committed.
    pub async fn push(&self, push: TokenPush) -> Result<Grouped, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { push, reply })
            .map_err(|_| ApiError::Internal("the push committer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the push committer dropped a push".into()))
    }
}

async fn commit_groups(state: AppState, mut queue: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut changes = first.push.changes.len();
        let mut group = vec![first];
        while group.len() < MAX_PUSHES && changes < MAX_CHANGES {
            match queue.try_recv() {
                Ok(job) => {
                    changes += job.push.changes.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        let (pushes, replies): (Vec<Push>, Vec<oneshot::Sender<Grouped>>) =
            group.into_iter().map(|j| (j.push, j.reply)).unzip();
        if pushes.len() == 1 {
            for (push, reply) in pushes.into_iter().zip(replies) {
                answer(&state, push, reply).await;
            }
            continue;
        }
        let shared = std::sync::Arc::new(pushes);
        let all = shared.clone();
        match state.db(move |db| db.push_group(&all)).await {
            Ok(results) => {
                for (reply, r) in replies.into_iter().zip(results) {
                    // A device gone meanwhile: its changes are kept anyway.
                    let _ = reply.send(r);
                }
            }
            // Nothing of the group was kept. Each push again on its own, so
            // one push the database cannot take fails alone, as it would
            // have without grouping.
            Err(_) => {
                let pushes = std::sync::Arc::try_unwrap(shared).unwrap_or_else(|a| (*a).clone());
                for (push, reply) in pushes.into_iter().zip(replies) {
                    answer(&state, push, reply).await;
                }
            }
        }
    }
}

/// Commit one push on its own and answer it.
async fn answer(state: &AppState, push: Push, reply: oneshot::Sender<Grouped>) {
    let result = state
        .db(move |db| db.push_group(std::slice::from_ref(&push)))
        .await;
    let r = match result {
        Ok(mut results) => results
            .pop()
            .unwrap_or_else(|| Err(CentralError::Backend("a push without a result".into()))),
        Err(e) => Err(CentralError::Backend(format!("{e:?}"))),
    };
    let _ = reply.send(r);
}
