//! The relay commands (issue 18): on a team leader's device `relay serve`
//! and `relay pair`; on a member's device `relay join` and `sync --relay`.
//! The work is `gocua_relay`'s (serving, pairing) and
//! `gocua_sync::client`'s (joining, syncing through it).

use crate::args::RelayCommand;
use crate::print;
use anyhow::Result;
use gocua_device::Store;
use gocua_sync::client::{self, ClientOptions};
use std::io::Write;

pub fn run(mut store: Store, cmd: RelayCommand, json: bool) -> Result<()> {
    match cmd {
        RelayCommand::Serve { bind } => {
            gocua_relay::serve(store, bind, |l| {
                // One line for scripts and tests, as the server prints.
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "listening on {} fingerprint {}", l.url, l.fingerprint);
                let _ = out.flush();
                eprintln!(
                    "Trạm chuyển tiếp của tổ đang chạy tại {}. Tạo mã ghép nối cho tổ viên \
                     bằng lệnh: gocua relay pair. Dừng bằng Ctrl-C.",
                    l.url
                );
            })?;
        }
        RelayCommand::Pair { url } => {
            let p = gocua_relay::new_pairing(&mut store, url.as_deref())?;
            if json {
                return print::json(&p);
            }
            if let Some(qr) = gocua_relay::terminal_qr(&p.text) {
                outln!("{qr}");
            }
            outln!("Mã ghép nối (dùng một lần, hết hạn sau 15 phút):");
            outln!("{}", p.text);
            outln!("Trên máy tổ viên: gocua relay join '{}'", p.text);
            outln!("Chứng chỉ của trạm: {}", p.fingerprint);
        }
        RelayCommand::Join { code } => {
            let out = client::join_relay(&mut store, &code, &ClientOptions::default())?;
            if json {
                return print::json(&out);
            }
            let leader = store
                .member(out.leader)
                .map(|m| m.full_name)
                .unwrap_or_else(|_| out.leader.to_string());
            outln!(
                "Đã ghép nối với trạm chuyển tiếp của tổ trưởng {leader} ({}). Đồng bộ qua trạm \
                 bằng lệnh: gocua sync --relay",
                out.url
            );
        }
    }
    Ok(())
}

/// `sync --relay`.
pub fn sync(store: &mut Store, json: bool) -> Result<()> {
    let r = client::sync_via_relay(store, &ClientOptions::default())?;
    if json {
        return print::json(&r);
    }
    outln!(
        "Đồng bộ qua trạm chuyển tiếp xong: đã gửi {} thay đổi ({} trạm đang giữ chờ chuyển \
         lên máy chủ), đã nhận {}.",
        r.pushed,
        r.held,
        r.pulled_applied
    );
    if r.applied + r.already_had + r.rejected > 0 {
        outln!(
            "Kết quả từ máy chủ qua trạm: {} đã nhận, {} máy chủ đã có, {} bị từ chối.",
            r.applied,
            r.already_had,
            r.rejected
        );
    }
    for f in &r.refused {
        outln!(
            "Trạm chuyển tiếp không nhận thay đổi {}: {} [{}]",
            f.change_id,
            f.message,
            f.code
        );
    }
    outln!("Chưa gửi tới máy chủ: {} thay đổi", r.unsent);
    if r.quarantined > 0 {
        outln!(
            "Bị cách ly: {} thay đổi – xem bằng lệnh: gocua quarantine list",
            r.quarantined
        );
    }
    Ok(())
}
