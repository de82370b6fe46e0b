//! CSRF tokens as they appear in pages. The session's synchronizer token
//! never appears as is: each page carries it XORed with fresh random bytes
//! (the bytes in front). Compressed pages that also echo what a visitor
//! typed could otherwise leak a fixed secret byte by byte (BREACH); a
//! different mask on every page leaves nothing to guess.

use rand::Rng;

/// 32 random bytes as 64 hex digits: the sign-in form's token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `token` masked for one page.
pub fn mask(token: &str) -> String {
    let token = token.as_bytes();
    let mut pad = vec![0u8; token.len()];
    rand::rng().fill_bytes(&mut pad);
    let masked: Vec<u8> = pad.iter().zip(token).map(|(p, t)| p ^ t).collect();
    format!("{}{}", hex::encode(&pad), hex::encode(masked))
}

/// The token inside a masked one; None when it is not one of ours.
pub fn unmask(given: &str) -> Option<String> {
    let bytes = hex::decode(given.trim()).ok()?;
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) || bytes.len() > 1024 {
        return None;
    }
    let (pad, masked) = bytes.split_at(bytes.len() / 2);
    let token: Vec<u8> = pad.iter().zip(masked).map(|(p, m)| p ^ m).collect();
    String::from_utf8(token).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_unmasks_and_differs_every_time() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        let a = mask(&t);
        let b = mask(&t);
        assert_ne!(a, b, "a fresh mask each time");
        assert!(!a.contains(&t));
        assert_eq!(unmask(&a).as_deref(), Some(t.as_str()));
        assert_eq!(unmask(&b).as_deref(), Some(t.as_str()));
    }

    #[test]
    fn anything_else_unmasks_to_nothing_or_to_another_token() {
        let t = new_token();
        assert_eq!(unmask(""), None);
        assert_eq!(unmask("xyz"), None);
        assert_eq!(unmask("abc"), None, "odd length");
        assert_eq!(unmask(&"ab".repeat(3)), None, "odd byte count");
        // The unmasked token itself is not accepted as a masked one.
        assert_ne!(unmask(&t).as_deref(), Some(t.as_str()));
        let mut forged = mask(&t);
        forged.replace_range(..2, if &forged[..2] == "00" { "11" } else { "00" });
        assert_ne!(unmask(&forged).as_deref(), Some(t.as_str()));
    }
}
