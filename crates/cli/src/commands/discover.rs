//! `gocua discover`: the commune servers announcing themselves on the LAN
//! (`gocua_sync::discover`), and the line a sync prints when it found its
//! server again at a new address.

use crate::fail::CliError;
use crate::print;
use anyhow::Result;
use gocua_sync::discover;
use std::time::Duration;

pub fn discover(wait_secs: u64, json: bool) -> Result<()> {
    let found = discover::browse(Duration::from_secs(wait_secs)).map_err(|e| {
        CliError::new(
            "discovery_unavailable",
            "Không tìm được trên mạng nội bộ: máy chưa có mạng hoặc mạng không cho phép mDNS. \
             Hãy nhập địa chỉ máy chủ do quản trị xã cung cấp.",
            e.to_string(),
        )
    })?;
    if json {
        return print::json(&found);
    }
    if found.is_empty() {
        outln!(
            "Không tìm thấy máy chủ Gõ Cửa nào trên mạng này sau {wait_secs} giây. Hãy kiểm tra \
             máy đang dùng Wi-Fi của xã, thử lại với --wait dài hơn, hoặc nhập địa chỉ máy chủ."
        );
    }
    for s in &found {
        let fp: String = s.fingerprint.chars().take(8).collect();
        let version = if s.version == discover::PROTOCOL_VERSION {
            String::new()
        } else {
            format!(" [giao thức v{}]", s.version)
        };
        outln!("{} (vân tay {fp}…){version}", s.label_vi());
        for url in s.urls().iter().skip(1) {
            outln!("    cũng ở {url}");
        }
    }
    Ok(())
}

/// "Đã tìm thấy máy chủ xã ở địa chỉ mới …".
pub fn moved_line(url: &str) -> String {
    format!(
        "Đã tìm thấy máy chủ xã ở địa chỉ mới {url} (cùng chứng chỉ đã ghi nhận khi đăng ký); \
         từ nay máy dùng địa chỉ này."
    )
}
