//! Proof of origin for one pushed change (`gocua_signing`): a device with
//! a registered key must sign every change it authors, and the signature
//! must be that key's over the change as received: a relay, or whoever
//! holds a lost leader's phone, cannot forge, alter or re-attribute a
//! member's work (the author's device id and the member credited are
//! inside the signed bytes). A device without a key (an older app that has
//! not synced since) is taken on its token alone, and only directly: the
//! relayed path refuses it before this (`relay.rs`).

use super::{Refusal, reject};
use crate::DeviceAuth;
use gocua_core::Change;
use gocua_signing::{Signature, VerifyingKey};

pub(crate) fn check(
    author: &DeviceAuth,
    change: &Change,
    signature: Option<&str>,
) -> Result<(), Refusal> {
    let Some(key) = &author.signing_key else {
        return match signature {
            None => Ok(()),
            Some(_) => Err(reject(
                "unknown_key",
                "Máy chủ chưa có khóa ký của thiết bị này; hãy đồng bộ lại để đăng ký khóa.",
            )),
        };
    };
    let Some(signature) = signature else {
        return Err(missing());
    };
    let verified = match (VerifyingKey::parse(key), Signature::parse(signature)) {
        (Ok(key), Ok(signature)) => key.verify(change, &signature).is_ok(),
        _ => false,
    };
    if verified {
        Ok(())
    } else {
        Err(reject(
            "bad_signature",
            "Chữ ký của thay đổi không khớp với thiết bị đã tạo ra nó: thay đổi đã bị sửa \
             trên đường đi hoặc không do thiết bị đó tạo. Máy chủ không nhận.",
        ))
    }
}

pub(crate) fn missing() -> Refusal {
    reject(
        "signature_missing",
        "Thay đổi không có chữ ký của thiết bị đã tạo ra nó; máy chủ không nhận.",
    )
}
