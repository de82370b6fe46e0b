//! One sync round, in this order:
//! 1. refresh the organisation, catalogue, member and scope (`GET org`); a
//!    village the scope gained gets a history fetch (`gocua_device` history);
//! 2. push the outbox, oldest first, in batches; per change the server says
//!    applied or already had (→ it leaves the outbox) or rejected (→ it moves
//!    to the quarantine, with the reason, in the same transaction) — one bad
//!    change never holds back the others;
//! 3. fetch pending history (villages gained, households moved in,
//!    residents of other villages merged into one held), page by
//!    page, each applied with its progress in one transaction;
//! 4. pull pages after the stored cursor until the server has no more, each
//!    page applied together with its new cursor in one transaction (a
//!    household moving in from a village not held gets a history fetch),
//!    then fetch that history;
//! 5. retry pulled changes held in the quarantine.
//!
//! Any step may stop the round with an error; what was settled before stays
//! settled, and the rest is simply done again next round (a push is taken
//! once by change id, applying a pulled change twice is a no-op).

use super::ClientOptions;
use super::error::SyncError;
use super::signing::{Signing, post_push, push_body, register_key};
use super::transport::{RetryNotice, Transport};
use gocua_core::{Change, ChangeId};
use gocua_device::{ApplyOutcome, HistoryTarget, Pulled, PushRejection, Store};
use gocua_wire::{self as wire, OrgResponse, PullResponse, PushOutcome, TeamDevice};
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;

/// What happened during a round, step by step, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The organisation and scope were refreshed.
    OrgRefreshed,
    /// One pushed batch was settled.
    Pushed {
        applied: usize,
        already_had: usize,
        rejected: usize,
        /// Changes still waiting in the outbox.
        remaining: i64,
    },
    /// One pulled page was applied.
    Pulled {
        applied: usize,
        already_had: usize,
        rejected: usize,
        cursor: i64,
    },
    /// A request failed in a way worth trying again; waiting `wait`.
    Retrying {
        failed: u32,
        attempts: u32,
        wait: Duration,
        reason: String,
    },
}

/// The totals of a round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Pushed changes the server took now.
    pub pushed_applied: usize,
    /// Pushed changes the server had already (an earlier answer was lost).
    pub already_had: usize,
    /// Pushed changes the server refused: now in the quarantine.
    pub rejected: usize,
    pub pulled_applied: usize,
    pub pulled_already_had: usize,
    /// Of the pulled changes applied, those fetched as history (a village
    /// the scope gained, a household that moved in).
    pub history_applied: usize,
    /// Pulled changes this device could not apply: held in the quarantine.
    pub pulled_rejected: usize,
    /// Held pulled changes that went in on this round's retry.
    pub released_from_quarantine: usize,
    /// Requests tried again after a transient failure.
    pub retries: usize,
    /// Changes stamped again by the server's time, or queued again after
    /// the server refused them for a clock running ahead.
    pub restamped: usize,
    /// Of the pushed changes refused, those refused as `clock_ahead`.
    pub refused_for_clock: usize,
    /// The server was restored from a backup (its change log has a new
    /// identity, or ends before this device's cursor): changes this device
    /// authored, queued to be sent again this round (the server takes
    /// what it lacks and says "already had" for the rest).
    pub requeued_after_restore: usize,
    /// Set when this round finished sending again after a restore: how
    /// many changes that took (`gocua_device` `resend.rs`).
    pub resent_after_restore: Option<i64>,
    /// Left in the outbox after the round (0 unless new writes raced it).
    pub unsent: i64,
    /// In the quarantine after the round, both directions.
    pub quarantined: i64,
    pub cursor: i64,
    /// A team leader's relay: members' changes forwarded this round.
    pub relayed: super::ForwardReport,
    /// The server did not answer at its stored address and was found
    /// again on the LAN, by its pinned certificate, at this one (now
    /// stored).
    pub server_moved_to: Option<String>,
}

/// Run one sync round (see the module comment). Its end is recorded in the
/// store: the time of success, or the error's Vietnamese sentence.
pub fn sync(
    store: &mut Store,
    options: &ClientOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport, SyncError> {
    let mut round = Round {
        options,
        progress,
        report: SyncReport::default(),
        signing: Signing::On,
    };
    match round.run(store) {
        Ok(()) => {
            store.record_sync_success()?;
            let mut report = round.report;
            report.unsent = store.unsent_count()?;
            report.quarantined = store.quarantine_count()?;
            report.cursor = store.sync_state()?.pull_cursor;
            Ok(report)
        }
        Err(e) => {
            // Best effort: the error itself matters more than noting it.
            let _ = store.record_sync_error(&e.message_vi());
            Err(e)
        }
    }
}

/// A round in progress: the options, the caller's progress callback and the
/// totals so far.
struct Round<'a> {
    options: &'a ClientOptions,
    progress: &'a mut dyn FnMut(&Progress),
    report: SyncReport,
    /// Whether this round's pushes carry signatures (`signing.rs`).
    signing: Signing,
}

impl Round<'_> {
    fn run(&mut self, store: &mut Store) -> Result<(), SyncError> {
        // The stored address, or where the server is found again (`refind`).
        let options = self.options;
        let contact = super::refind::first_contact(store, options, &mut |n| self.retrying(n))?;
        let (transport, org) = (contact.transport, contact.org);
        self.report.server_moved_to = contact.moved_to;
        let scope =
            serde_json::to_value(&org.scope).map_err(|e| SyncError::BadResponse(e.to_string()))?;
        store.refresh_org(
            org.member.id,
            &scope,
            &org.org,
            &org.catalogue,
            org.training.as_deref(),
        )?;
        store.set_scope_villages(&org.scope.village_ids)?;
        if let Some(devices) = &org.team_devices {
            store.set_team_devices(&team_device_keys(devices))?;
        }
        (self.progress)(&Progress::OrgRefreshed);
        self.signing = register_key(store, &transport, &mut |n| self.retrying(n))?;

        // The server's time: how far this phone's clock is off. A clock
        // that ran ahead comes back, and what it stamped ahead (refused as
        // `clock_ahead`, or not sent yet) is stamped again, to go now.
        if let Some(ms) = transport.server_time_ms().or(org.server_time_ms) {
            store.note_server_time(ms)?;
        }
        // The server's change log: restored from a backup since this
        // device last synced? Then what it sent is queued again, and it
        // pulls again from the start.
        if let Some(log_id) = org.log_id.clone().or_else(|| transport.server_log_id()) {
            self.report.requeued_after_restore += store.check_server_log(&log_id, org.log_end)?;
        }
        self.report.restamped += store.fix_clock()?;
        let refused_before = self.report.refused_for_clock;
        self.push_outbox(store, &transport)?;
        note_server_time(store, &transport)?;
        if self.report.refused_for_clock > refused_before {
            // The server still found some too far ahead (its time moved on
            // from what the device knew): once more, no more.
            let again = store.fix_clock()?;
            if again > 0 {
                self.report.restamped += again;
                self.push_outbox(store, &transport)?;
            }
        }
        self.fetch_history(store, &transport)?;
        self.pull(store, &transport)?;
        self.fetch_history(store, &transport)?;
        self.report.released_from_quarantine = store.retry_pulled_quarantine()?;
        // Changes refused for lack of what they build on (after a restore,
        // another device had not sent it again): once more per round, now
        // that this round has pulled.
        if store.requeue_waiting()? > 0 {
            self.push_outbox(store, &transport)?;
        }
        if let Some(n) = store.finish_resend()? {
            self.report.resent_after_restore = Some(n);
            // Tell the server at once that this device has sent again (the
            // office lists those that have not).
            transport.declare_log_id(store.known_log_id()?);
            let _: OrgResponse = transport.get(wire::ORG, wire::MAX_RESPONSE_BYTES, &mut |n| {
                self.retrying(n)
            })?;
        }
        self.report.relayed = super::forward::forward_relayed(store, &transport)?;
        Ok(())
    }

    fn retrying(&mut self, n: RetryNotice) {
        self.report.retries += 1;
        (self.progress)(&Progress::Retrying {
            failed: n.failed,
            attempts: n.attempts,
            wait: n.wait,
            reason: n.reason,
        });
    }

    /// Push until the outbox is empty. A batch the server answers for no
    /// change at all stops the round rather than loop.
    fn push_outbox(&mut self, store: &mut Store, transport: &Transport) -> Result<(), SyncError> {
        let size = self.options.push_batch.clamp(1, wire::MAX_PUSH_CHANGES);
        loop {
            let batch: Vec<Change> = store
                .outbox_pending(size)?
                .into_iter()
                .map(|e| e.change)
                .collect();
            if batch.is_empty() {
                return Ok(());
            }
            let settled = self.push_batch(store, transport, &batch)?;
            if settled == 0 {
                return Err(SyncError::BadResponse(
                    "the server answered for none of the pushed changes".into(),
                ));
            }
        }
    }

    /// Push `batch` and settle the answers; returns how many changes left
    /// the outbox. A batch too big for the server, or one it refuses as a
    /// whole, is split in halves until the change at fault stands alone,
    /// and that change alone is quarantined with the server's reason.
    fn push_batch(
        &mut self,
        store: &mut Store,
        transport: &Transport,
        batch: &[Change],
    ) -> Result<usize, SyncError> {
        let req = push_body(store, batch.to_vec(), self.signing)?;
        let answer = post_push(transport, wire::PUSH, &req, &mut |n| self.retrying(n));
        let response = match answer {
            Ok(r) => r,
            Err(SyncError::Refused {
                status: 400 | 413 | 422,
                code,
                message,
            }) => {
                if batch.len() > 1 {
                    let (a, b) = batch.split_at(batch.len() / 2);
                    return Ok(self.push_batch(store, transport, a)?
                        + self.push_batch(store, transport, b)?);
                }
                let rejection = PushRejection {
                    change_id: batch[0].id,
                    code: if code.is_empty() {
                        "refused".into()
                    } else {
                        code
                    },
                    message,
                };
                store.settle_push(&[], std::slice::from_ref(&rejection))?;
                self.report.rejected += 1;
                (self.progress)(&Progress::Pushed {
                    applied: 0,
                    already_had: 0,
                    rejected: 1,
                    remaining: store.unsent_count()?,
                });
                return Ok(1);
            }
            Err(e) => return Err(e),
        };
        let pushed: HashSet<ChangeId> = batch.iter().map(|c| c.id).collect();
        let (mut accepted, mut rejected) = (Vec::new(), Vec::new());
        let (mut applied, mut already_had) = (0, 0);
        for r in response.results {
            // Answers for changes not in this batch are ignored.
            if !pushed.contains(&r.change_id) {
                continue;
            }
            match r.outcome {
                PushOutcome::Applied => {
                    applied += 1;
                    accepted.push(r.change_id);
                }
                PushOutcome::AlreadyHad => {
                    already_had += 1;
                    accepted.push(r.change_id);
                }
                PushOutcome::Rejected { code, message } => {
                    if code == gocua_device::CLOCK_AHEAD {
                        self.report.refused_for_clock += 1;
                    }
                    rejected.push(PushRejection {
                        change_id: r.change_id,
                        code,
                        message,
                    })
                }
            }
        }
        store.settle_push(&accepted, &rejected)?;
        self.report.pushed_applied += applied;
        self.report.already_had += already_had;
        self.report.rejected += rejected.len();
        (self.progress)(&Progress::Pushed {
            applied,
            already_had,
            rejected: rejected.len(),
            remaining: store.unsent_count()?,
        });
        Ok(accepted.len() + rejected.len())
    }

    /// Pull pages after the stored cursor until the server has no more.
    fn pull(&mut self, store: &mut Store, transport: &Transport) -> Result<(), SyncError> {
        let limit = self.options.pull_limit.clamp(1, wire::MAX_PULL_LIMIT);
        let mut cursor = store.sync_state()?.pull_cursor;
        loop {
            let path = format!("{}?after={cursor}&limit={limit}", wire::PULL);
            let page = self.get_page(transport, &path, limit)?;
            let outcomes = store.apply_pulled(&page.changes, page.cursor)?;
            self.count_pulled(&outcomes, page.cursor, false);
            if !page.more {
                return Ok(());
            }
            check_progress(&page, cursor)?;
            cursor = page.cursor;
        }
    }

    /// Fetch every pending history (see the module comment), page by page.
    /// A fetch may reveal more (a household that moved in); each ends, and
    /// a server that never lets one end stops the round.
    fn fetch_history(&mut self, store: &mut Store, transport: &Transport) -> Result<(), SyncError> {
        let limit = self.options.pull_limit.clamp(1, wire::MAX_PULL_LIMIT);
        let main_cursor = store.sync_state()?.pull_cursor;
        for _ in 0..MAX_HISTORY_FETCHES {
            let Some(fetch) = store.history_fetches()?.into_iter().next() else {
                return Ok(());
            };
            let target = match fetch.target {
                HistoryTarget::Village(v) => format!("village={v}"),
                HistoryTarget::Household(h) => format!("household={h}"),
                HistoryTarget::Resident(r) => format!("resident={r}"),
            };
            let mut after = fetch.after;
            loop {
                let path = format!(
                    "{}?after={after}&until={}&limit={limit}&{target}",
                    wire::PULL,
                    fetch.until
                );
                let page = self.get_page(transport, &path, limit)?;
                let done = !page.more;
                let outcomes =
                    store.apply_history_page(fetch.id, &page.changes, page.cursor, done)?;
                self.count_pulled(&outcomes, main_cursor, true);
                if done {
                    break;
                }
                check_progress(&page, after)?;
                after = page.cursor;
            }
        }
        Err(SyncError::BadResponse(
            "history to fetch does not come to an end".into(),
        ))
    }

    fn get_page(
        &mut self,
        transport: &Transport,
        path: &str,
        limit: u32,
    ) -> Result<Page, SyncError> {
        let page: PullResponse =
            transport.get(path, wire::max_pull_response_bytes(limit), &mut |n| {
                self.retrying(n)
            })?;
        Ok(Page {
            changes: page
                .changes
                .into_iter()
                .map(|p| Pulled {
                    seq: p.seq,
                    change: p.change,
                    moved_from: p.moved_from,
                    village: p.village,
                })
                .collect(),
            cursor: page.cursor,
            more: page.more,
        })
    }

    /// Add a page's outcomes to the report and tell the caller.
    fn count_pulled(&mut self, outcomes: &[ApplyOutcome], cursor: i64, history: bool) {
        let (mut applied, mut already_had, mut rejected) = (0, 0, 0);
        for o in outcomes {
            match o {
                ApplyOutcome::Applied => applied += 1,
                ApplyOutcome::AlreadyHad => already_had += 1,
                ApplyOutcome::Rejected { .. } => rejected += 1,
            }
        }
        self.report.pulled_applied += applied;
        if history {
            self.report.history_applied += applied;
        }
        self.report.pulled_already_had += already_had;
        self.report.pulled_rejected += rejected;
        (self.progress)(&Progress::Pulled {
            applied,
            already_had,
            rejected,
            cursor,
        });
    }
}

fn team_device_keys(devices: &[TeamDevice]) -> Vec<gocua_device::TeamDeviceKey> {
    devices
        .iter()
        .map(|d| gocua_device::TeamDeviceKey {
            device_id: d.device_id,
            member_id: d.member_id,
            signing_key: d.signing_key.clone(),
        })
        .collect()
}

/// Keep the server's time its last answer told, if it told.
fn note_server_time(store: &mut Store, transport: &Transport) -> Result<(), SyncError> {
    if let Some(ms) = transport.server_time_ms() {
        store.note_server_time(ms)?;
    }
    Ok(())
}

/// Most history fetches one round runs (each a village gained or a
/// household moved in): far more than any real round needs.
const MAX_HISTORY_FETCHES: usize = 100_000;

/// A pulled page, as the store takes it.
struct Page {
    changes: Vec<Pulled>,
    cursor: i64,
    more: bool,
}

/// A page that announces more must move on.
fn check_progress(page: &Page, before: i64) -> Result<(), SyncError> {
    if page.changes.is_empty() && page.cursor == before {
        return Err(SyncError::BadResponse(
            "the server announced more changes but sent none".into(),
        ));
    }
    Ok(())
}
