//! Pairing codes: random, one-time, kept only hashed, valid for
//! `PAIRING_MINUTES`. The text a member's device takes (QR or typed) is
//! `gocua_wire::relay::RelayPairing`.

use crate::{PAIRING_MINUTES, RelayError, ensure_identity, hash_secret};
use gocua_device::Store;
use gocua_wire::relay::RelayPairing;
use serde::Serialize;

/// Letters and digits no one misreads (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A new pairing, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct PairingCode {
    /// `gocua-relay:v1?url=…&code=…&fp=…`
    pub text: String,
    pub url: String,
    pub code: String,
    pub fingerprint: String,
    pub expires_at: String,
}

/// Make a one-time pairing code for the relay at `url` (the address given,
/// else where the relay last served). Only a team leader's device.
pub fn new_pairing(store: &mut Store, url: Option<&str>) -> Result<PairingCode, RelayError> {
    let identity = ensure_identity(store)?;
    let url = url
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .or(identity.url.clone())
        .ok_or_else(|| {
            RelayError::http(
                axum::http::StatusCode::BAD_REQUEST,
                "relay_url_unknown",
                "Chưa biết địa chỉ của trạm chuyển tiếp: hãy chạy `gocua relay serve` trước, \
                 hoặc cho địa chỉ bằng --url https://ĐỊA_CHỈ:CỔNG.",
            )
        })?;
    let code = random_code();
    let expires = chrono::Utc::now() + chrono::Duration::minutes(PAIRING_MINUTES);
    store.add_relay_code(&hash_secret(&code), expires)?;
    let pairing = RelayPairing {
        url: url.clone(),
        code: code.clone(),
        fingerprint: identity.fingerprint.clone(),
    };
    Ok(PairingCode {
        text: pairing.to_text(),
        url,
        code,
        fingerprint: identity.fingerprint,
        expires_at: expires.to_rfc3339(),
    })
}

/// `XXXX-XXXX` from `ALPHABET` (about 40 bits: a guesser gets a handful of
/// tries per code before it expires, each a TLS request to the leader).
fn random_code() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        s.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    s
}

/// The pairing text as a QR code for a terminal, drawn as the server draws
/// its enrollment code (Unicode half blocks, light modules drawn).
pub fn terminal_qr(text: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_differ() {
        let a = random_code();
        assert_eq!(a.len(), 9);
        assert!(a.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert_ne!(a, random_code());
    }
}
