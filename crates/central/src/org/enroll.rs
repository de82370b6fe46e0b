//! Enrollment codes and devices. A leader issues a one-time code for a
//! member; the member's phone redeems it once for a device identity and a
//! bearer token. Neither the code nor the token is stored: only their
//! SHA-256, so a copy of the database lets nobody in.

use crate::backend::sql::{Tx, vals};
use crate::lookups::{member, member_active};
use crate::org::clean_name;
use crate::scopes::{scope_for, scopes_for};
use crate::{CentralDb, CentralError, DeviceAuth, parse_stamp, random_32, sha256_hex, stamp};
use chrono::{DateTime, Duration, Utc};
use gocua_core::{CommuneId, DeviceId, Member, MemberId};
use serde::Serialize;
use std::collections::HashMap;

/// Letters and digits nobody confuses when reading a code off a screen:
/// no 0/O, no 1/I. 32 symbols, 8 of them: 40 bits, with brute force
/// limited by the server and codes expiring in days.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 8;

/// A freshly issued code, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCode {
    /// `XXXX-XXXX`.
    pub code: String,
    pub member: Member,
    pub expires_at: DateTime<Utc>,
}

/// A redeemed code: the new device and its token, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub token: String,
    pub auth: DeviceAuth,
}

/// A device as the admin lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceEntry {
    pub device_id: DeviceId,
    pub name: String,
    pub member_id: MemberId,
    pub member_name: String,
    pub created_at: String,
    pub last_seen_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The device that replaced this one when the same device file was
    /// enrolled again (then `revoked_at` is when).
    pub replaced_by: Option<DeviceId>,
    /// It has given the server its signing key (every device enrolled
    /// since signing came in; an older one once it has synced since).
    pub has_signing_key: bool,
}

/// The canonical form of a typed code (upper case, no dash or spaces), or
/// None when it cannot be a code at all.
pub fn normalize_code(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}')))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(s)
}

fn code_hash(normalized: &str) -> String {
    sha256_hex(&format!("gocua-enroll-code:{normalized}"))
}

fn token_hash(token: &str) -> String {
    sha256_hex(&format!("gocua-device-token:{token}"))
}

fn new_code() -> String {
    use rand::RngExt;
    // The thread RNG is a CSPRNG seeded from the operating system.
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

impl CentralDb {
    /// Issue a one-time code for an active member, valid for `ttl`.
    pub fn issue_code(
        &self,
        member_id: MemberId,
        ttl: Duration,
    ) -> Result<IssuedCode, CentralError> {
        self.issue_code_at(member_id, ttl, Utc::now())
    }

    pub(crate) fn issue_code_at(
        &self,
        member_id: MemberId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<IssuedCode, CentralError> {
        let expires_at = now + ttl;
        self.write(|tx| {
            let m = member(tx, member_id)?
                .ok_or_else(|| CentralError::not_found("member", member_id))?;
            if !member_active(tx, member_id)? {
                return Err(CentralError::MemberInactive(member_id.to_string()));
            }
            loop {
                let code = new_code();
                let inserted = tx.execute(
                    "INSERT INTO enrollment_codes (code_hash, member_id, created_at, expires_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT DO NOTHING",
                    vals![
                        code_hash(&code),
                        member_id.to_string(),
                        stamp(now),
                        stamp(expires_at)
                    ],
                )?;
                // A collision with an earlier code (1 in 10^12): draw again.
                if inserted == 1 {
                    return Ok(IssuedCode {
                        code: format!("{}-{}", &code[..4], &code[4..]),
                        member: m,
                        expires_at,
                    });
                }
            }
        })
    }

    /// Redeem a code for a new device. Unknown, used and expired codes fail
    /// with their own errors; a code works once.
    pub fn redeem_code(&self, code: &str, device_name: &str) -> Result<Enrollment, CentralError> {
        self.redeem_code_at(code, device_name, None, false, None, Utc::now())
    }

    /// `redeem_code` for a device file enrolled before as device
    /// `replaces`: in the same transaction that device is retired (its
    /// token refused from then on, `replaced_by` the new one), so a copy of
    /// the file taken before stops syncing. Only a device of the same
    /// member is retired: a device id is no secret (it is in every change's
    /// stamp), and a member's code must not end another member's device.
    ///
    /// A `replaces` this database has never seen (it was restored from a
    /// backup older than that device) is given back to the device: the
    /// changes it stamped, lost with the restore, can then be sent again
    /// as its own (`log_identity.rs`). With `keep_id` the device cannot
    /// take another id (it holds unsent changes stamped with its own):
    /// rather than give it one, the code is refused unspent
    /// (`CentralError::DeviceIdTaken`). `signing_key` is the new device's
    /// public key (hex), kept with it.
    pub fn redeem_code_replacing(
        &self,
        code: &str,
        device_name: &str,
        replaces: Option<DeviceId>,
        keep_id: bool,
        signing_key: Option<&str>,
    ) -> Result<Enrollment, CentralError> {
        self.redeem_code_at(
            code,
            device_name,
            replaces,
            keep_id,
            signing_key,
            Utc::now(),
        )
    }

    pub(crate) fn redeem_code_at(
        &self,
        code: &str,
        device_name: &str,
        replaces: Option<DeviceId>,
        keep_id: bool,
        signing_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Enrollment, CentralError> {
        let normalized = normalize_code(code).ok_or(CentralError::CodeUnknown)?;
        let name = clean_name("device_name", device_name)?;
        let signing_key = signing_key
            .map(crate::signing_keys::checked_key)
            .transpose()?;
        let hash = code_hash(&normalized);
        self.write(|tx| {
            let row = tx
                .query_opt(
                    "SELECT member_id, expires_at, used_at FROM enrollment_codes
                     WHERE code_hash = $1",
                    vals![hash.as_str()],
                )?
                .ok_or(CentralError::CodeUnknown)?;
            let member_id: MemberId = row.parse(0)?;
            if row.opt_text(2)?.is_some() {
                return Err(CentralError::CodeUsed);
            }
            if now >= parse_stamp(row.text(1)?)? {
                return Err(CentralError::CodeExpired);
            }
            let m = member(tx, member_id)?
                .ok_or_else(|| CentralError::not_found("member", member_id))?;
            if !member_active(tx, member_id)? {
                return Err(CentralError::MemberInactive(member_id.to_string()));
            }
            let known = match replaces {
                Some(old) => tx
                    .query_opt(
                        "SELECT 1 FROM devices WHERE id = $1",
                        vals![old.to_string()],
                    )?
                    .is_some(),
                None => false,
            };
            let device_id = match replaces {
                Some(old) if !known => old,
                _ if keep_id => return Err(CentralError::DeviceIdTaken),
                _ => DeviceId::new(),
            };
            let token = hex::encode(random_32());
            tx.execute(
                "INSERT INTO devices (id, member_id, commune_id, name, token_hash, created_at,
                                      signing_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vals![
                    device_id.to_string(),
                    member_id.to_string(),
                    m.commune_id.to_string(),
                    name.as_str(),
                    token_hash(&token),
                    stamp(now),
                    signing_key.clone()
                ],
            )?;
            // Two phones redeeming at once: the second finds it used.
            let used = tx.execute(
                "UPDATE enrollment_codes SET used_at = $1, device_id = $2
                 WHERE code_hash = $3 AND used_at IS NULL",
                vals![stamp(now), device_id.to_string(), hash.as_str()],
            )?;
            if used != 1 {
                return Err(CentralError::CodeUsed);
            }
            if let Some(old) = replaces.filter(|_| known) {
                // A device already revoked (a lost phone) stays "revoked".
                tx.execute(
                    "UPDATE devices SET revoked_at = $1, replaced_by = $2
                     WHERE id = $3 AND member_id = $4 AND revoked_at IS NULL",
                    vals![
                        stamp(now),
                        device_id.to_string(),
                        old.to_string(),
                        member_id.to_string()
                    ],
                )?;
            }
            let scope = scope_for(tx, &m)?;
            Ok(Enrollment {
                token,
                auth: DeviceAuth {
                    device_id,
                    member: m,
                    scope,
                    signing_key,
                },
            })
        })
    }

    /// The device holding this token, with its member and scope. Unknown
    /// tokens, revoked devices and inactive members fail alike.
    pub fn authenticate(&self, token: &str) -> Result<DeviceAuth, CentralError> {
        self.read(|tx| authenticate_in(tx, token))
    }

    /// The commune's devices, newest first.
    pub fn devices(&self, commune: CommuneId) -> Result<Vec<DeviceEntry>, CentralError> {
        self.read(|tx| {
            tx.query(
                "SELECT d.id, d.name, d.member_id, m.full_name, d.created_at, d.last_seen_at,
                        d.revoked_at, d.replaced_by, d.signing_key IS NOT NULL
                 FROM devices d JOIN members m ON m.id = d.member_id
                 WHERE d.commune_id = $1 ORDER BY d.created_at DESC, d.id",
                vals![commune.to_string()],
            )?
            .iter()
            .map(|r| {
                Ok(DeviceEntry {
                    device_id: r.parse(0)?,
                    name: r.string(1)?,
                    member_id: r.parse(2)?,
                    member_name: r.string(3)?,
                    created_at: r.string(4)?,
                    last_seen_at: r.opt_string(5)?,
                    revoked_at: r.opt_string(6)?,
                    replaced_by: r.opt_parse(7)?,
                    has_signing_key: r.bool(8)?,
                })
            })
            .collect()
        })
    }

    /// Take a device's access away for good (a lost or stolen phone). Its
    /// token stops working at once; what it already pushed stays.
    pub fn revoke_device(&self, device: DeviceId) -> Result<(), CentralError> {
        let n = self.write(|tx| {
            tx.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2",
                vals![stamp(Utc::now()), device.to_string()],
            )
        })?;
        if n == 1 {
            Ok(())
        } else {
            Err(CentralError::not_found("device", device))
        }
    }
}

/// `CentralDb::authenticate` inside the caller's transaction.
pub(crate) fn authenticate_in(tx: &mut dyn Tx, token: &str) -> Result<DeviceAuth, CentralError> {
    authenticate_many_in(tx, &[token])?
        .pop()
        .flatten()
        .ok_or(CentralError::Unauthorized)
}

/// The devices holding these tokens (None: an unknown token, a revoked
/// device or an inactive member), for a group of pushes or, with one token,
/// `authenticate_in`: one lookup per `ID_CHUNK` tokens, and one scope lookup
/// per member.
pub(crate) fn authenticate_many_in(
    tx: &mut dyn Tx,
    tokens: &[&str],
) -> Result<Vec<Option<DeviceAuth>>, CentralError> {
    let hashes: Vec<Option<String>> = tokens
        .iter()
        .map(|t| {
            let t = t.trim();
            (!t.is_empty() && t.len() <= 256).then(|| token_hash(t))
        })
        .collect();
    devices_by(tx, "token_hash", &hashes)
}

/// The active devices with these ids (None: unknown, revoked, or its
/// member inactive), as `authenticate_many_in` finds them by token: a team
/// leader's relay hands on its members' changes, each judged as its
/// author's device.
pub(crate) fn devices_by_id_in(
    tx: &mut dyn Tx,
    ids: &[DeviceId],
) -> Result<Vec<Option<DeviceAuth>>, CentralError> {
    let keys: Vec<Option<String>> = ids.iter().map(|d| Some(d.to_string())).collect();
    devices_by(tx, "id", &keys)
}

/// Active devices by `column` (`token_hash` or `id`), one answer per key.
fn devices_by(
    tx: &mut dyn Tx,
    column: &'static str,
    hashes: &[Option<String>],
) -> Result<Vec<Option<DeviceAuth>>, CentralError> {
    let wanted: Vec<&str> = hashes.iter().flatten().map(String::as_str).collect();
    // Every request of a device asks for one token: a lookup on the token's
    // index, not a list of 128 padded ones (which PostgreSQL compares with
    // every device row).
    let (filter, chunks) = match wanted.as_slice() {
        [one] => (
            "= $1".to_string(),
            vec![vec![crate::backend::sql::Val::from(*one)]],
        ),
        _ => (
            format!(
                "IN ({})",
                crate::backend::sql::placeholders(1, crate::backend::sql::ID_CHUNK)
            ),
            crate::backend::sql::id_chunks(&wanted),
        ),
    };
    let sql = format!(
        "SELECT d.{column}, d.id, m.id, m.commune_id, m.team_id, m.full_name, m.role,
                d.signing_key
         FROM devices d JOIN members m ON m.id = d.member_id
         WHERE d.{column} {filter} AND d.revoked_at IS NULL AND m.active = 1"
    );
    let mut found: HashMap<String, (DeviceId, Member, Option<String>)> = HashMap::new();
    for params in chunks {
        for row in tx.query(&sql, &params)? {
            let member = Member {
                id: row.parse(2)?,
                commune_id: row.parse(3)?,
                team_id: row.opt_parse(4)?,
                full_name: row.string(5)?,
                role: row.parse(6)?,
            };
            found.insert(row.string(0)?, (row.parse(1)?, member, row.opt_string(7)?));
        }
    }
    let members: Vec<&Member> = found.values().map(|(_, m, _)| m).collect();
    let scopes = scopes_for(tx, &members)?;
    let mut out = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let Some((device_id, member, signing_key)) = hash.as_ref().and_then(|h| found.get(h))
        else {
            out.push(None);
            continue;
        };
        let scope = scopes
            .get(&member.id)
            .cloned()
            .ok_or_else(|| CentralError::Backend("a member without a scope".into()))?;
        out.push(Some(DeviceAuth {
            device_id: *device_id,
            member: member.clone(),
            scope,
            signing_key: signing_key.clone(),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet_and_normalise() {
        for _ in 0..200 {
            let c = new_code();
            assert_eq!(c.len(), CODE_LEN);
            assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{c}");
        }
        assert_eq!(normalize_code("abcd-efgh").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normalize_code(" ABCD EFGH ").as_deref(), Some("ABCDEFGH"));
        assert_eq!(
            normalize_code("ABCD-EFG0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(normalize_code("ABC"), None);
        assert_eq!(normalize_code("ĂBCD-EFGH"), None);
    }
}
