//! The device itself and its organisation: `init`, `org import`, `org
//! show`, `catalogue list`, and `demo`, which fills the device with a
//! generated commune.

use crate::print;
use anyhow::{Context, Result, anyhow};
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

pub(crate) fn import(store: &mut Store, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let org: OrgSnapshot = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an organisation file", file.display()))?;
    store.import_org(&org)?;
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
    let org = store
        .org()?
        .ok_or_else(|| anyhow!("no organisation loaded yet"))?;
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
