//! Enrollment codes and devices. A leader issues a one-time code for a
//! member; the member's phone redeems it once for a device identity and a
//! bearer token. Neither the code nor the token is stored: only their
//! SHA-256, so a copy of the database lets nobody in.

use super::org::{member, scope_for};
use super::{CentralDb, CentralError, DeviceAuth, parse_stamp, random_32, sha256_hex, stamp};
use crate::rows;
use chrono::{DateTime, Duration, Utc};
use gocua_core::text::normalize_name;
use gocua_core::validate::{self, ValidationErrors};
use gocua_core::{CommuneId, DeviceId, Member, MemberId};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

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
        &mut self,
        member_id: MemberId,
        ttl: Duration,
    ) -> Result<IssuedCode, CentralError> {
        self.issue_code_at(member_id, ttl, Utc::now())
    }

    pub(crate) fn issue_code_at(
        &mut self,
        member_id: MemberId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<IssuedCode, CentralError> {
        let m = member(&self.conn, member_id)?
            .ok_or_else(|| CentralError::not_found("member", member_id))?;
        if !self.member_active(member_id)? {
            return Err(CentralError::MemberInactive(member_id.to_string()));
        }
        let expires_at = now + ttl;
        loop {
            let code = new_code();
            let inserted = self.conn.execute(
                "INSERT OR IGNORE INTO enrollment_codes (code_hash, member_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![code_hash(&code), member_id.to_string(), stamp(now), stamp(expires_at)],
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
    }

    /// Redeem a code for a new device. Unknown, used and expired codes fail
    /// with their own errors; a code works once.
    pub fn redeem_code(
        &mut self,
        code: &str,
        device_name: &str,
    ) -> Result<Enrollment, CentralError> {
        self.redeem_code_at(code, device_name, Utc::now())
    }

    pub(crate) fn redeem_code_at(
        &mut self,
        code: &str,
        device_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Enrollment, CentralError> {
        let normalized = normalize_code(code).ok_or(CentralError::CodeUnknown)?;
        let name = normalize_name(device_name);
        validate::required_text("device_name", &name).map_err(ValidationErrors::from)?;
        let tx = self.conn.transaction()?;
        let hash = code_hash(&normalized);
        let row: Option<(MemberId, String, Option<String>)> = tx
            .prepare_cached(
                "SELECT member_id, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?1",
            )?
            .query_row(params![hash], |r| {
                Ok((rows::col(r, 0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((member_id, expires_at, used_at)) = row else {
            return Err(CentralError::CodeUnknown);
        };
        if used_at.is_some() {
            return Err(CentralError::CodeUsed);
        }
        if now >= parse_stamp(&expires_at)? {
            return Err(CentralError::CodeExpired);
        }
        let m =
            member(&tx, member_id)?.ok_or_else(|| CentralError::not_found("member", member_id))?;
        let active: bool = tx.query_row(
            "SELECT active FROM members WHERE id = ?1",
            params![member_id.to_string()],
            |r| r.get(0),
        )?;
        if !active {
            return Err(CentralError::MemberInactive(member_id.to_string()));
        }
        let device_id = DeviceId::new();
        let token = hex::encode(random_32());
        tx.execute(
            "INSERT INTO devices (id, member_id, commune_id, name, token_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                device_id.to_string(),
                member_id.to_string(),
                m.commune_id.to_string(),
                name,
                token_hash(&token),
                stamp(now)
            ],
        )?;
        let used = tx.execute(
            "UPDATE enrollment_codes SET used_at = ?2, device_id = ?3
             WHERE code_hash = ?1 AND used_at IS NULL",
            params![hash, stamp(now), device_id.to_string()],
        )?;
        if used != 1 {
            return Err(CentralError::CodeUsed);
        }
        let scope = scope_for(&tx, &m)?;
        tx.commit()?;
        Ok(Enrollment {
            token,
            auth: DeviceAuth {
                device_id,
                member: m,
                scope,
            },
        })
    }

    /// The device holding this token, with its member and scope. Unknown
    /// tokens, revoked devices and inactive members fail alike.
    pub fn authenticate(&self, token: &str) -> Result<DeviceAuth, CentralError> {
        let token = token.trim();
        if token.is_empty() || token.len() > 256 {
            return Err(CentralError::Unauthorized);
        }
        let row: Option<(DeviceId, Member)> = self
            .conn
            .prepare_cached(
                "SELECT d.id, m.id, m.commune_id, m.team_id, m.full_name, m.role
                 FROM devices d JOIN members m ON m.id = d.member_id
                 WHERE d.token_hash = ?1 AND d.revoked_at IS NULL AND m.active = 1",
            )?
            .query_row(params![token_hash(token)], |r| {
                let device: DeviceId = rows::col(r, 0)?;
                let member = Member {
                    id: rows::col(r, 1)?,
                    commune_id: rows::col(r, 2)?,
                    team_id: rows::opt_col(r, 3)?,
                    full_name: r.get(4)?,
                    role: rows::col(r, 5)?,
                };
                Ok((device, member))
            })
            .optional()?;
        let (device_id, member) = row.ok_or(CentralError::Unauthorized)?;
        let scope = scope_for(&self.conn, &member)?;
        Ok(DeviceAuth {
            device_id,
            member,
            scope,
        })
    }

    /// The commune's devices, newest first.
    pub fn devices(&self, commune: CommuneId) -> Result<Vec<DeviceEntry>, CentralError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT d.id, d.name, d.member_id, m.full_name, d.created_at, d.last_seen_at,
                        d.revoked_at
                 FROM devices d JOIN members m ON m.id = d.member_id
                 WHERE d.commune_id = ?1 ORDER BY d.created_at DESC, d.id",
            )?
            .query_map(params![commune.to_string()], |r| {
                Ok(DeviceEntry {
                    device_id: rows::col(r, 0)?,
                    name: r.get(1)?,
                    member_id: rows::col(r, 2)?,
                    member_name: r.get(3)?,
                    created_at: r.get(4)?,
                    last_seen_at: r.get(5)?,
                    revoked_at: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Take a device's access away for good (a lost or stolen phone). Its
    /// token stops working at once; what it already pushed stays.
    pub fn revoke_device(&mut self, device: DeviceId) -> Result<(), CentralError> {
        let n = self.conn.execute(
            "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
            params![device.to_string(), stamp(Utc::now())],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(CentralError::not_found("device", device))
        }
    }

    fn member_active(&self, id: MemberId) -> Result<bool, CentralError> {
        Ok(self
            .conn
            .prepare_cached("SELECT active FROM members WHERE id = ?1")?
            .query_row(params![id.to_string()], |r| r.get(0))
            .optional()?
            .unwrap_or(false))
    }
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
