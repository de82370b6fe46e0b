//! The sync commands: `enroll`, `sync`, `status` and `quarantine list`,
//! `retry`, `discard` and `discarded`.
//! The work is `gocua_sync::client`'s and the state the store's; this
//! module prints progress and results, in Vietnamese or as JSON.

use crate::args::QuarantineCommand;
use crate::fail::CliError;
use crate::print;
use anyhow::Result;
use gocua_core::Change;
use gocua_device::{QuarantineDirection, QuarantinedChange, RetryOutcome, Store};
use gocua_sync::client::{self, ClientOptions, Progress};

pub fn enroll(
    store: &mut Store,
    target: &str,
    code: Option<&str>,
    device_name: Option<String>,
    json: bool,
) -> Result<()> {
    let name = match device_name {
        Some(n) => n,
        None => store.device()?.map(|d| d.device_name).ok_or_else(|| {
            CliError::new(
                "missing_argument",
                "Thiết bị chưa được thiết lập: hãy đặt tên cho máy bằng --device-name TÊN.",
                "this device is not set up yet: give it a name with --device-name NAME",
            )
        })?,
    };
    let out = client::enroll(store, target, code, &name, &ClientOptions::default())?;
    if json {
        return print::json(&out);
    }
    outln!(
        "Đã đăng ký thiết bị với máy chủ {} (mã thiết bị {})",
        out.server_url,
        out.device_id
    );
    outln!(
        "Thành viên: {} – {}",
        out.member.full_name,
        out.member.role.label_vi()
    );
    if out.pinned_from_payload {
        outln!(
            "Chứng chỉ máy chủ khớp với mã QR: {}",
            out.server_fingerprint
        );
    } else {
        outln!(
            "Đã ghi nhận chứng chỉ máy chủ (tin cậy lần đầu), hãy đối chiếu với quản trị xã: {}",
            out.server_fingerprint
        );
    }
    Ok(())
}

pub fn sync(store: &mut Store, json: bool) -> Result<()> {
    let mut show = |p: &Progress| {
        if !json {
            progress_line(p);
        }
    };
    let report = client::sync(store, &ClientOptions::default(), &mut show)?;
    if json {
        return print::json(&report);
    }
    if let Some(url) = &report.server_moved_to {
        outln!("{}", super::discover::moved_line(url));
    }
    outln!(
        "Đồng bộ xong: đã gửi {} thay đổi ({} máy chủ đã có), đã nhận {}, bị từ chối {}.",
        report.pushed_applied + report.already_had,
        report.already_had,
        report.pulled_applied,
        report.rejected
    );
    if (report.requeued_after_restore > 0 || report.resent_after_restore.is_some())
        && let Some(notice) = store.restore_notice()?
    {
        outln!("{notice}");
    }
    outln!("Chưa gửi: {} thay đổi", report.unsent);
    if report.quarantined > 0 {
        outln!(
            "Bị cách ly: {} thay đổi – xem bằng lệnh: gocua quarantine list",
            report.quarantined
        );
    }
    if let Some(warning) = store.clock_status().warning {
        outln!("Cảnh báo: {warning}");
    }
    Ok(())
}

fn progress_line(p: &Progress) {
    match p {
        Progress::OrgRefreshed => outln!("Đã cập nhật danh sách thôn, tổ, thành viên"),
        Progress::Pushed {
            applied,
            already_had,
            rejected,
            remaining,
        } => outln!(
            "Đã gửi: {} mới, {already_had} máy chủ đã có, {rejected} bị từ chối; còn {remaining} chưa gửi",
            applied
        ),
        Progress::Pulled {
            applied,
            already_had,
            rejected,
            cursor,
        } => {
            let held = if *rejected > 0 {
                format!(", {rejected} chưa áp dụng được")
            } else {
                String::new()
            };
            outln!(
                "Đã nhận: {applied} thay đổi mới, {already_had} đã có trên máy{held} (đến số {cursor})"
            );
        }
        Progress::Retrying {
            failed,
            attempts,
            wait,
            reason,
        } => {
            outln!(
                "Kết nối gặp lỗi, thử lại lần {}/{attempts} sau {:.1} giây",
                failed + 1,
                wait.as_secs_f64()
            );
            eprintln!("retry: {reason}");
        }
    }
}

pub fn status(store: &Store, json: bool) -> Result<()> {
    let device = store.device()?;
    let unsent = store.unsent_count()?;
    let enrollment = store.enrollment()?;
    let member = match &enrollment {
        Some(e) => store.member(e.member_id).ok(),
        None => None,
    };
    let state = store.sync_state()?;
    let quarantined = store.quarantine_count()?;
    let clock = store.clock_status();
    if json {
        // The token is never part of this (the record does not serialise it).
        return print::json(&serde_json::json!({
            "device": device,
            "enrollment": enrollment,
            "member": member,
            "unsent": unsent,
            "sync": state,
            "quarantined": quarantined,
            "clock": clock,
            "server_log": store.log_state()?,
            "restore_notice": store.restore_notice()?,
        }));
    }
    match device {
        Some(d) => outln!("Thiết bị: {} ({})", d.device_name, d.device_id),
        None => outln!("Thiết bị chưa được thiết lập"),
    }
    match (&enrollment, &member) {
        (Some(e), Some(m)) => outln!(
            "Máy chủ: {} – thành viên {} ({})",
            e.server_url,
            m.full_name,
            m.role.label_vi()
        ),
        (Some(e), None) => outln!("Máy chủ: {} – thành viên {}", e.server_url, e.member_id),
        (None, _) => outln!("Chưa đăng ký với máy chủ của xã"),
    }
    outln!("Chưa gửi: {unsent} thay đổi");
    match &state.last_success_at {
        Some(at) => outln!("Đồng bộ thành công lần cuối: {}", print::local_time(at)),
        None if enrollment.is_some() => outln!("Chưa đồng bộ thành công lần nào"),
        None => {}
    }
    if let Some(notice) = store.restore_notice()? {
        outln!("{notice}");
    }
    if let (Some(err), Some(at)) = (&state.last_error, &state.last_error_at) {
        outln!(
            "Lỗi lần đồng bộ gần nhất ({}): {err}",
            print::local_time(at)
        );
    }
    if quarantined > 0 {
        outln!("Bị cách ly: {quarantined} thay đổi – xem bằng lệnh: gocua quarantine list");
    }
    if let Some(warning) = &clock.warning {
        outln!("Cảnh báo: {warning}");
    }
    Ok(())
}

pub fn quarantine(store: &mut Store, cmd: QuarantineCommand, json: bool) -> Result<()> {
    match cmd {
        QuarantineCommand::List { limit } => {
            let list = store.quarantine(limit)?;
            if json {
                return print::json(&list);
            }
            if list.is_empty() {
                outln!("Không có thay đổi nào bị cách ly");
            }
            for q in &list {
                outln!("{}", quarantine_line(q));
            }
        }
        QuarantineCommand::Retry { id } => {
            let q = store.quarantined(id)?;
            let outcome = store.retry_quarantined(id)?;
            if json {
                return print::json(&serde_json::json!({ "id": id, "outcome": outcome }));
            }
            let what = describe(&q.change);
            match outcome {
                RetryOutcome::Requeued => outln!(
                    "Đã đưa lại {what} vào hàng chờ gửi; lần đồng bộ tới sẽ gửi lại lên máy chủ."
                ),
                RetryOutcome::Applied => outln!("Đã áp dụng {what} từ máy chủ."),
                RetryOutcome::StillHeld { reason } => outln!(
                    "Vẫn chưa áp dụng được {what} từ máy chủ; máy sẽ thử lại khi đồng bộ: {reason}"
                ),
            }
        }
        QuarantineCommand::Discard { id, note } => {
            let d = store.discard_quarantined(id, note.as_deref())?;
            if json {
                return print::json(&d);
            }
            let sent = match d.direction {
                QuarantineDirection::Pushed => "máy chủ sẽ không nhận thay đổi này",
                QuarantineDirection::Pulled => "máy này sẽ không áp dụng thay đổi này",
            };
            outln!(
                "Đã bỏ {} ({sent}). Việc bỏ đã được ghi lại, xem bằng lệnh: gocua quarantine discarded",
                describe(&d.change)
            );
        }
        QuarantineCommand::Discarded { limit } => {
            let list = store.discarded_changes(limit)?;
            if json {
                return print::json(&list);
            }
            if list.is_empty() {
                outln!("Chưa bỏ thay đổi nào");
            }
            for d in &list {
                let note = d
                    .note
                    .as_deref()
                    .map(|n| format!(" – ghi chú: {n}"))
                    .unwrap_or_default();
                outln!(
                    "{} – đã bỏ {}{note}\n    Lý do cách ly: {} [{}]",
                    print::local_time(&d.discarded_at),
                    describe(&d.change),
                    d.message,
                    d.code
                );
            }
        }
    }
    Ok(())
}

/// "thay đổi hộ gia đình «Tên» [id]": what a change is about, in words.
fn describe(c: &Change) -> String {
    let what = print::entity_vi(c.entity);
    let name = ["head_name", "full_name"]
        .iter()
        .find_map(|f| c.fields.get(*f).and_then(|v| v.as_str()))
        .map(|n| format!(" «{n}»"))
        .unwrap_or_default();
    format!("thay đổi {what}{name} [{}]", c.entity_id)
}

fn quarantine_line(q: &QuarantinedChange) -> String {
    let why = match q.direction {
        QuarantineDirection::Pushed => format!("Máy chủ từ chối: {}", q.message),
        QuarantineDirection::Pulled => format!(
            "Thay đổi từ máy chủ chưa áp dụng được trên máy (sẽ thử lại khi đồng bộ): {}",
            q.message
        ),
    };
    format!(
        "#{} {} – {}\n    {why} [{}]",
        q.id,
        print::local_time(&q.quarantined_at),
        describe(&q.change),
        q.code
    )
}
