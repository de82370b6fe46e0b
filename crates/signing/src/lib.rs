//! Proof of origin: each device's Ed25519 signing key, and its signature
//! over every change it authors. The server (and a team leader's relay)
//! checks the signature against the key the device registered, so whoever
//! carries a change (a relay, a lost phone) cannot forge, alter or
//! re-attribute it: the author's device id is inside the signed bytes
//! (the change's clock stamp), and so is every field, the member credited
//! included.
//!
//! Pure computation over ring's Ed25519 (the only randomness is a new
//! key's seed, from the operating system): no storage, no network. The
//! secret key is kept by the device's encrypted store; public keys and
//! signatures travel as lower-case hex.

use gocua_core::Change;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use std::fmt;

/// What goes before a change's JSON in the signed bytes: a signature made
/// for something else (a relay pairing proof) never passes for a change's.
const CHANGE_CONTEXT: &[u8] = b"gocua-change-v1\n";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigningError {
    #[error("malformed public key (expected 64 hex digits)")]
    MalformedKey,
    #[error("malformed signature (expected 128 hex digits)")]
    MalformedSignature,
    #[error("malformed secret key")]
    MalformedSecret,
    #[error("the signature does not match")]
    Mismatch,
    #[error("no randomness from the operating system")]
    NoRandomness,
}

/// A device's secret key: the 32-byte Ed25519 seed. Not `Debug`, so it
/// cannot end up in a log.
pub struct SigningKey {
    seed: [u8; 32],
    pair: Ed25519KeyPair,
}

impl SigningKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Result<SigningKey, SigningError> {
        let mut seed = [0u8; 32];
        SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| SigningError::NoRandomness)?;
        SigningKey::from_seed(seed)
    }

    pub fn from_seed(seed: [u8; 32]) -> Result<SigningKey, SigningError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|_| SigningError::MalformedSecret)?;
        Ok(SigningKey { seed, pair })
    }

    /// The seed, to keep in the device's encrypted store.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    pub fn public(&self) -> VerifyingKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.pair.public_key().as_ref());
        VerifyingKey(key)
    }

    /// The signature over `change`'s canonical bytes.
    pub fn sign(&self, change: &Change) -> Signature {
        self.sign_bytes(&canonical_bytes(change))
    }

    /// The signature over any bytes (callers add their own context prefix).
    pub fn sign_bytes(&self, bytes: &[u8]) -> Signature {
        let mut sig = [0u8; 64];
        sig.copy_from_slice(self.pair.sign(bytes).as_ref());
        Signature(sig)
    }
}

/// A device's public key, as registered with the server.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyingKey([u8; 32]);

impl VerifyingKey {
    pub fn parse(hex_text: &str) -> Result<VerifyingKey, SigningError> {
        let mut key = [0u8; 32];
        hex::decode_to_slice(hex_text.trim(), &mut key).map_err(|_| SigningError::MalformedKey)?;
        Ok(VerifyingKey(key))
    }

    /// Whether `signature` is this key's over `change`.
    pub fn verify(&self, change: &Change, signature: &Signature) -> Result<(), SigningError> {
        self.verify_bytes(&canonical_bytes(change), signature)
    }

    pub fn verify_bytes(&self, bytes: &[u8], signature: &Signature) -> Result<(), SigningError> {
        UnparsedPublicKey::new(&ED25519, self.0)
            .verify(bytes, &signature.0)
            .map_err(|_| SigningError::Mismatch)
    }
}

impl fmt::Display for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({self})")
    }
}

/// An Ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 64]);

impl Signature {
    pub fn parse(hex_text: &str) -> Result<Signature, SigningError> {
        let mut sig = [0u8; 64];
        hex::decode_to_slice(hex_text.trim(), &mut sig)
            .map_err(|_| SigningError::MalformedSignature)?;
        Ok(Signature(sig))
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// Whether each `(key, change, signature)` holds, checked together: one
/// batch equation for all (ed25519-dalek's `verify_batch`, about twice as
/// fast a signature as one by one), and only when it fails one by one, to
/// find which. A server takes hundreds of changes a push.
pub fn verify_many(items: &[(&VerifyingKey, &Change, &Signature)]) -> Vec<bool> {
    let messages: Vec<Vec<u8>> = items.iter().map(|(_, c, _)| canonical_bytes(c)).collect();
    let keys: Option<Vec<ed25519_dalek::VerifyingKey>> = items
        .iter()
        .map(|(k, _, _)| ed25519_dalek::VerifyingKey::from_bytes(&k.0).ok())
        .collect();
    if let Some(keys) = keys {
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let signatures: Vec<ed25519_dalek::Signature> = items
            .iter()
            .map(|(_, _, s)| ed25519_dalek::Signature::from_bytes(&s.0))
            .collect();
        if ed25519_dalek::verify_batch(&refs, &signatures, &keys).is_ok() {
            return vec![true; items.len()];
        }
    }
    items
        .iter()
        .zip(&messages)
        .map(|((k, _, s), m)| k.verify_bytes(m, s).is_ok())
        .collect()
}

/// The bytes a change's signature covers: a context line, then the
/// change's JSON. That JSON is canonical without more work: the struct's
/// fields come in declaration order and its maps (`fields`, `base`) are
/// sorted by key, so a change parsed back from the wire or a store gives
/// the same bytes the author signed.
pub fn canonical_bytes(change: &Change) -> Vec<u8> {
    let mut bytes = CHANGE_CONTEXT.to_vec();
    // Serialising a Change cannot fail: its keys are strings and its
    // values are JSON already.
    if let Ok(json) = serde_json::to_vec(change) {
        bytes.extend_from_slice(&json);
    }
    bytes
}

#[cfg(test)]
mod tests;
