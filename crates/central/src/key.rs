//! The server's key: 32 bytes the operator keeps outside the data folder
//! (`gocua-server --key-file`). Every secret the database needs is derived
//! from it, one purpose each, so that nothing the database holds unlocks
//! anything by itself:
//! - the SQLCipher key of the SQLite file;
//! - the pad that wraps each commune's citizen-ID (CCCD) secret, which is
//!   random and stored only wrapped: a copied file or a PostgreSQL dump
//!   cannot recompute a CCCD's hash, so cannot confirm a guess;
//! - a check value, so that the wrong key is refused at opening instead of
//!   silently unwrapping garbage (PostgreSQL has no cipher to refuse it).
//!
//! Reading and writing the key file is the server's (`key_file.rs`); this
//! module never touches the disk.

use crate::CentralError;
use crate::backend::sql::{Tx, vals};
use gocua_core::CommuneId;
use gocua_core::citizen_id::CommuneSecret;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;

/// The server's master key.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerKey([u8; 32]);

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerKey(…)")
    }
}

/// What `ServerKey::from_hex` refuses.
#[derive(Debug, thiserror::Error)]
#[error("a server key is 64 hexadecimal characters (32 bytes)")]
pub struct BadKeyText;

impl ServerKey {
    /// A new random key.
    pub fn generate() -> ServerKey {
        ServerKey(crate::random_32())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> ServerKey {
        ServerKey(bytes)
    }

    /// The key file's text: 64 hex digits, whitespace around ignored.
    pub fn from_hex(text: &str) -> Result<ServerKey, BadKeyText> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut out).map_err(|_| BadKeyText)?;
        Ok(ServerKey(out))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The 32 bytes for one purpose: HMAC-SHA256 of the purpose's label.
    fn derive(&self, purpose: &[u8]) -> [u8; 32] {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts a 32-byte key"));
        mac.update(purpose);
        mac.finalize().into_bytes().into()
    }

    /// SQLCipher's raw key for the SQLite file, as `PRAGMA key` takes it
    /// (for opening the file with the `sqlcipher` shell, and for tests).
    pub fn sqlcipher_pragma(&self) -> String {
        format!("x'{}'", hex::encode(self.derive(b"gocua/sqlite-cipher/v1")))
    }

    /// What `key_check` holds: shows the key is the right one, reveals
    /// nothing of it.
    fn check_hex(&self) -> String {
        hex::encode(self.derive(b"gocua/key-check/v1"))
    }

    /// The pad for one commune's secret. Each commune's secret is wrapped
    /// once, under its own pad, so the XOR is a one-time pad.
    fn pad(&self, commune: CommuneId) -> [u8; 32] {
        let mut label = b"gocua/cccd-secret-wrap/v1/".to_vec();
        label.extend_from_slice(commune.to_string().as_bytes());
        self.derive(&label)
    }

    /// A commune's secret as stored: wrapped under the key.
    pub(crate) fn wrap(&self, commune: CommuneId, secret: &[u8; 32]) -> String {
        hex::encode(xor(secret, &self.pad(commune)))
    }

    /// A stored secret unwrapped (`wrapped`), or as it was kept before the
    /// server had a key (only until the next opening wraps it).
    pub(crate) fn unwrap_secret(
        &self,
        commune: CommuneId,
        stored_hex: &str,
        wrapped: bool,
    ) -> Result<CommuneSecret, CentralError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(stored_hex.trim(), &mut bytes)
            .map_err(|e| CentralError::Corrupt(format!("commune secret: {e}")))?;
        if wrapped {
            bytes = xor(&bytes, &self.pad(commune));
        }
        Ok(CommuneSecret::from_bytes(bytes))
    }
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

/// At opening, in one transaction: refuse a key that is not this
/// database's (the first key to open it is recorded), then wrap the
/// secrets kept plain by a server from before keys.
pub(crate) fn bind(tx: &mut dyn Tx, key: &ServerKey) -> Result<(), CentralError> {
    let check = key.check_hex();
    match tx.query_opt("SELECT check_hex FROM key_check WHERE singleton = 1", &[])? {
        Some(row) if row.text(0)? == check => {}
        Some(_) => return Err(CentralError::WrongKey),
        None => {
            tx.execute(
                "INSERT INTO key_check (singleton, check_hex) VALUES (1, $1)",
                vals![check],
            )?;
        }
    }
    let plain = tx.query(
        "SELECT id, secret_hex FROM communes WHERE secret_wrapped = 0",
        &[],
    )?;
    for row in plain {
        let commune: CommuneId = row.parse(0)?;
        let secret = key.unwrap_secret(commune, row.text(1)?, false)?;
        tx.execute(
            "UPDATE communes SET secret_hex = $1, secret_wrapped = 1 WHERE id = $2",
            vals![key.wrap(commune, &secret.to_bytes()), commune.to_string()],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_secret_unwraps_only_under_its_key_and_commune() {
        let key = ServerKey::from_bytes([1; 32]);
        let commune = CommuneId::new();
        let secret = [9u8; 32];
        let stored = key.wrap(commune, &secret);
        assert_ne!(stored, hex::encode(secret), "not kept as it is");
        let back = key.unwrap_secret(commune, &stored, true).unwrap();
        assert_eq!(back, CommuneSecret::from_bytes(secret));
        let other_key = ServerKey::from_bytes([2; 32]);
        assert_ne!(
            other_key.unwrap_secret(commune, &stored, true).unwrap(),
            back
        );
        assert_ne!(
            key.unwrap_secret(CommuneId::new(), &stored, true).unwrap(),
            back
        );
    }

    #[test]
    fn purposes_give_different_bytes_and_the_text_round_trips() {
        let key = ServerKey::generate();
        assert_ne!(key.check_hex(), key.sqlcipher_pragma());
        assert_eq!(
            ServerKey::from_hex(&format!(" {}\n", key.to_hex())).unwrap(),
            key
        );
        assert!(ServerKey::from_hex("abc").is_err());
        assert_eq!(format!("{key:?}"), "ServerKey(…)");
    }
}
