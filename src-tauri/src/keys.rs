//! From PIN to database key: argon2id over the PIN, salted with a random
//! per-device secret kept in the app's data folder. The PIN alone (6–8
//! digits) would be guessed quickly from a copied database file; with the
//! secret, a copy of the database alone is useless, and on the device the
//! PIN guard (`pin_guard`) makes guessing slow.

use crate::error::ApiError;
use argon2::{Algorithm, Argon2, Params, Version};
use std::io::Write;
use std::path::Path;

/// Memory (KiB), passes and lanes of argon2id: OWASP's 19 MiB / 2 / 1,
/// about a quarter second on a cheap phone.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;
const SECRET_LEN: usize = 32;

/// The device secret, created on first use (written whole, then renamed).
pub fn device_secret(path: &Path) -> Result<[u8; SECRET_LEN], ApiError> {
    if let Ok(bytes) = std::fs::read(path) {
        return bytes
            .try_into()
            .map_err(|_| ApiError::new("secret_damaged", "Tệp khóa của thiết bị bị hỏng."));
    }
    let mut secret = [0u8; SECRET_LEN];
    {
        use rand::Rng;
        rand::rng().fill_bytes(&mut secret);
    }
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp).map_err(ApiError::io)?;
        f.write_all(&secret).map_err(ApiError::io)?;
        f.sync_all().map_err(ApiError::io)?;
    }
    restrict(&tmp);
    std::fs::rename(&tmp, path).map_err(ApiError::io)?;
    Ok(secret)
}

/// Owner-only permissions where the platform has them.
fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The 32-byte SQLCipher key for this PIN on this device.
pub fn derive_key(pin: &str, secret: &[u8; SECRET_LEN]) -> Result<[u8; 32], ApiError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, Some(32)).map_err(ApiError::internal)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut key = [0u8; 32];
    argon
        .hash_password_into(pin.as_bytes(), secret, &mut key)
        .map_err(ApiError::internal)?;
    Ok(key)
}

/// A PIN is 6 to 8 digits (the UI checks the same).
pub fn check_pin(pin: &str) -> Result<(), ApiError> {
    let n = pin.chars().count();
    if (6..=8).contains(&n) && pin.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::new("bad_pin", "Mã PIN phải gồm 6 đến 8 chữ số."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_pin_and_device_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.secret");
        let s1 = device_secret(&path).unwrap();
        assert_eq!(device_secret(&path).unwrap(), s1, "created once, then read");
        let k1 = derive_key("123456", &s1).unwrap();
        assert_eq!(derive_key("123456", &s1).unwrap(), k1);
        assert_ne!(derive_key("123457", &s1).unwrap(), k1);
        let mut s2 = s1;
        s2[0] ^= 1;
        assert_ne!(derive_key("123456", &s2).unwrap(), k1);
    }

    #[test]
    fn pins_are_six_to_eight_digits() {
        assert!(check_pin("123456").is_ok());
        assert!(check_pin("12345678").is_ok());
        for bad in ["12345", "123456789", "12345a", ""] {
            assert_eq!(check_pin(bad).unwrap_err().code, "bad_pin");
        }
    }
}
