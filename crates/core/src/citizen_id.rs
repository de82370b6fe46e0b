//! Citizen ID (CCCD) numbers are never stored. What is kept is an HMAC-SHA256
//! of the 12 digits under a secret the commune holds, so the same person can
//! be recognised across households and imports, while a stolen database (or a
//! list of all 12-digit numbers) reveals nothing without the secret.

use crate::validate::{self, ValidationError};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// The commune's secret key for citizen-ID hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct CommuneSecret([u8; 32]);

impl CommuneSecret {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        CommuneSecret(bytes)
    }

    pub fn from_hex(s: &str) -> Result<Self, hex::FromHexError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out)?;
        Ok(CommuneSecret(out))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
}

impl fmt::Debug for CommuneSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CommuneSecret(…)")
    }
}

/// Hex of the HMAC. Comparable for equality, meaningless otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CitizenIdHash(pub String);

/// Validate a typed CCCD and turn it into its keyed hash.
pub fn hash_citizen_id(
    secret: &CommuneSecret,
    input: &str,
) -> Result<CitizenIdHash, ValidationError> {
    let digits = validate::citizen_id(input)?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret.0)
        .map_err(|_| ValidationError::CitizenId)?;
    mac.update(digits.as_bytes());
    Ok(CitizenIdHash(hex::encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_number_same_hash_and_the_number_is_not_in_it() {
        let s = CommuneSecret::from_bytes([7; 32]);
        let a = hash_citizen_id(&s, "038090001234").unwrap();
        let b = hash_citizen_id(&s, "038 090 001 234").unwrap();
        assert_eq!(a, b);
        assert!(!a.0.contains("038090001234"));
        assert_eq!(a.0.len(), 64);
        let other = hash_citizen_id(&CommuneSecret::from_bytes([8; 32]), "038090001234").unwrap();
        assert_ne!(a, other, "another commune's secret gives another hash");
        assert!(hash_citizen_id(&s, "03809000123").is_err());
    }
}
