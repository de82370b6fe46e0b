//! Changes a team leader's device (a relay) hands on for its team's
//! members, who could not reach the server themselves. The relay is only a
//! carrier: each change is judged as its author's device would be (that
//! device's scope, its member's credit), and must carry that device's
//! signature (`proof.rs`) — even one of the leader's own. Never the
//! leader's work, never more than its author could push.

use super::{ApplyResult, DevicePush, Refusal, proof, push_many_in, reject};
use crate::org::enroll::{authenticate_in, devices_by_id_in};
use crate::{CentralDb, CentralError, DeviceAuth};
use chrono::Utc;
use gocua_core::{Change, ChangeId, DeviceId, Role};
use std::collections::HashMap;

impl CentralDb {
    /// Take `changes` (with one signature each, same order) from the relay
    /// holding `token`: its device, and one result per change in the same
    /// order. Only a team leader's device may relay (`NotALeader`), and
    /// only for devices of its own team's members.
    pub fn push_relayed(
        &self,
        token: &str,
        changes: &[Change],
        signatures: &[String],
    ) -> Result<(DeviceAuth, Vec<(ChangeId, ApplyResult)>), CentralError> {
        let now = Utc::now();
        self.write(|tx| {
            let relay = authenticate_in(tx, token)?;
            let (Role::TeamLeader, Some(team)) = (relay.member.role, relay.member.team_id) else {
                return Err(CentralError::NotALeader);
            };
            let mut authors: Vec<DeviceId> = changes.iter().map(|c| c.hlc.device).collect();
            authors.sort_unstable();
            authors.dedup();
            let found: HashMap<DeviceId, DeviceAuth> = devices_by_id_in(tx, &authors)?
                .into_iter()
                .flatten()
                .map(|a| (a.device_id, a))
                .collect();
            let mut results: Vec<Option<ApplyResult>> = vec![None; changes.len()];
            let mut taken = Vec::new();
            for (i, change) in changes.iter().enumerate() {
                let refusal = match found.get(&change.hlc.device) {
                    None => Some(unknown_device()),
                    Some(author) if author.member.team_id != Some(team) => Some(not_your_team()),
                    Some(author) if author.signing_key.is_none() => Some(proof::missing()),
                    Some(_) if signatures.get(i).is_none() => Some(proof::missing()),
                    Some(author) => {
                        taken.push((i, author));
                        None
                    }
                };
                if let Some(Refusal::Reject { code, message }) = refusal {
                    results[i] = Some(ApplyResult::Rejected {
                        code: code.to_string(),
                        message,
                    });
                }
            }
            // One push per change keeps the order they came in: a member's
            // visit after the household it adds.
            let pushes: Vec<DevicePush> = taken
                .iter()
                .map(|(i, author)| DevicePush {
                    auth: author,
                    changes: std::slice::from_ref(&changes[*i]),
                    signatures: std::slice::from_ref(&signatures[*i]),
                })
                .collect();
            let judged = push_many_in(tx, &pushes, now)?;
            for ((i, _), mut one) in taken.iter().zip(judged) {
                results[*i] = one.pop().map(|(_, r)| r);
            }
            let out = changes
                .iter()
                .zip(results)
                .map(|(c, r)| {
                    r.map(|r| (c.id, r)).ok_or_else(|| {
                        CentralError::Backend("a relayed change without a result".into())
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((relay, out))
        })
    }
}

fn unknown_device() -> Refusal {
    reject(
        "unknown_device",
        "Thiết bị đã tạo thay đổi này chưa đăng ký với máy chủ hoặc đã bị thu hồi; máy chủ \
         không nhận qua trạm chuyển tiếp.",
    )
}

fn not_your_team() -> Refusal {
    reject(
        "not_your_team",
        "Thay đổi này của thành viên tổ khác; trạm chuyển tiếp chỉ được chuyển thay đổi của \
         tổ mình.",
    )
}
