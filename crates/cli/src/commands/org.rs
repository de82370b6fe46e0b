//! The device itself and its organisation: `init`, `org import`, `org
//! show`, `catalogue list`, and `demo`, which fills the device with a
//! generated commune.

use crate::commands::input;
use crate::fail::CliError;
use crate::print;
use anyhow::Result;
use gocua_device::demo::{DemoSpec, load_demo};
use gocua_device::{OrgSnapshot, Store};
use std::path::Path;

pub(crate) fn init(store: &mut Store, device_name: &str, json: bool) -> Result<()> {
    let info = store.init_device(device_name)?;
    if json {
        print::json(&info)?;
    } else {
        outln!(
            "Đã thiết lập thiết bị \"{}\" ({})",
            info.device_name,
            info.device_id
        );
    }
    Ok(())
}

pub(crate) fn import(store: &mut Store, file: &Path, json: bool) -> Result<()> {
    let text = input::read_file(file)?;
    let org: OrgSnapshot = serde_json::from_str(&text).map_err(|e| {
        CliError::new(
            "not_org_file",
            format!(
                "Tệp {} không phải tệp tổ chức của xã (JSON như máy chủ gửi): lỗi ở dòng {}, cột {}.",
                file.display(),
                e.line(),
                e.column()
            ),
            format!("{} is not an organisation file: {e}", file.display()),
        )
    })?;
    store.import_org(&org)?;
    if json {
        return print::json(&serde_json::json!({
            "commune": org.commune,
            "villages": org.villages.len(),
            "teams": org.teams.len(),
            "members": org.members.len(),
        }));
    }
    outln!(
        "Đã nạp {}: {} thôn, {} tổ, {} thành viên",
        org.commune.name,
        org.villages.len(),
        org.teams.len(),
        org.members.len()
    );
    Ok(())
}

pub(crate) fn show(store: &Store, json: bool) -> Result<()> {
    let org = input::org(store)?;
    if json {
        print::json(&org)?;
    } else {
        outln!("{} – {}", org.commune.name, org.commune.province);
        for v in &org.villages {
            outln!("  thôn  {}  {}", v.id, v.name);
        }
        for t in &org.teams {
            outln!("  tổ    {}  {}", t.id, t.name);
        }
        for m in &org.members {
            outln!("  người {}  {} ({})", m.id, m.full_name, m.role.label_vi());
        }
    }
    Ok(())
}

pub(crate) fn catalogue(store: &Store, json: bool) -> Result<()> {
    let cat = store.catalogue()?;
    if json {
        print::json(&cat)?;
    } else {
        for e in cat {
            let state = if e.active { "" } else { " (ngừng)" };
            outln!(
                "{:<24} {}{} – {}",
                e.code.as_str(),
                e.name_vi,
                state,
                e.eligibility.label_vi()
            );
        }
    }
    Ok(())
}

pub(crate) fn demo(
    store: &mut Store,
    households: usize,
    actions: Option<usize>,
    seed: u64,
    json: bool,
) -> Result<()> {
    refuse_real_device(store)?;
    if store.device()?.is_none() {
        store.init_device("demo")?;
    }
    let summary = load_demo(
        store,
        DemoSpec {
            households,
            actions: actions.unwrap_or(households * 23),
            seed,
            today: store.today(),
        },
    )?;
    if json {
        print::json(&summary)?;
    } else {
        outln!(
            "Đã tạo xã mẫu: {} thôn, {} tổ, {} thành viên, {} hộ, {} nhân khẩu, {} lượt thăm, {} nội dung hỗ trợ",
            summary.villages,
            summary.teams,
            summary.members,
            summary.households,
            summary.residents,
            summary.visits,
            summary.actions
        );
    }
    Ok(())
}

/// The demo commune is made up: loaded into an enrolled device (or one
/// holding a commune's records) it would be sent to the real server,
/// which refuses it as another commune's and leaves every change stuck.
fn refuse_real_device(store: &Store) -> Result<()> {
    let how = "Hãy tạo xã mẫu trong một tệp dữ liệu mới, ví dụ: gocua --db demo.db demo";
    if let Some(e) = store.enrollment()? {
        return Err(CliError::new(
            "demo_on_enrolled_device",
            format!(
                "Thiết bị này đã đăng ký với máy chủ của xã ({}): không thể nạp xã mẫu vào, \
                 vì dữ liệu mẫu sẽ bị gửi lên máy chủ và làm hỏng việc đồng bộ. {how}",
                e.server_url
            ),
            "refusing to load the demo commune into an enrolled device",
        )
        .into());
    }
    let holds_data = store.org()?.is_some()
        || store.unsent_count()? > 0
        || !store.list_households(&[])?.is_empty();
    if holds_data {
        return Err(CliError::new(
            "demo_on_device_with_data",
            format!(
                "Tệp dữ liệu này đã có dữ liệu (danh sách xã hoặc hộ dân): không thể nạp xã \
                 mẫu vào. {how}"
            ),
            "refusing to load the demo commune into a database that holds data",
        )
        .into());
    }
    Ok(())
}
