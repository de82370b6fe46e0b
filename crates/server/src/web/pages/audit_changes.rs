//! The change log's part of `/audit`: the review steps on marked records,
//! and every change taken from a device, each with who (member and device)
//! and when (`central::change_audit`).

use super::audit::when;
use gocua_central::ChangeEntry;
use gocua_core::EntityKind;
use maud::{Markup, html};

fn entity_vi(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Household => "Hộ gia đình",
        EntityKind::Resident => "Nhân khẩu",
        EntityKind::Visit => "Lượt thăm",
        EntityKind::AssistedAction => "Nội dung hỗ trợ",
        EntityKind::ReviewMark => "Yêu cầu sửa",
    }
}

fn field_vi(name: &str) -> &str {
    match name {
        "village_id" => "thôn",
        "address" => "địa chỉ",
        "head_name" => "tên chủ hộ",
        "phone" => "số điện thoại",
        "poor" => "hộ nghèo",
        "near_poor" => "hộ cận nghèo",
        "ethnic_minority" => "dân tộc thiểu số",
        "elderly_only" => "người cao tuổi",
        "no_smartphone" => "không có smartphone",
        "household_id" => "hộ",
        "full_name" => "họ tên",
        "birth_year" => "năm sinh",
        "sex" => "giới tính",
        "has_smartphone" => "có smartphone",
        "consent_on" => "đồng ý lưu thông tin",
        "citizen_id_hash" => "CCCD (mã băm)",
        other => other,
    }
}

/// What a change did, in words. A household or resident change that sets
/// every field is its creation (an edit sends only the fields it changed);
/// a visit or action is written once, and later only voided.
pub fn what_vi(e: &ChangeEntry) -> String {
    let all_fields = match e.entity {
        EntityKind::Household => 9,
        EntityKind::Resident => 7,
        _ => usize::MAX,
    };
    match (&e.review, e.entity) {
        (Some((step, _)), _) => step.label_vi().to_string(),
        (None, EntityKind::Visit | EntityKind::AssistedAction) => {
            if e.fields == ["voided"] {
                "Hủy (kèm lý do)".into()
            } else {
                "Ghi mới".into()
            }
        }
        _ if e.fields.len() >= all_fields => "Thêm mới".into(),
        _ => format!(
            "Sửa: {}",
            e.fields
                .iter()
                .map(|f| field_vi(f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn who(e: &ChangeEntry) -> Markup {
    html! {
        @match (&e.member_name, &e.device_name) {
            (Some(m), Some(d)) => { (m) br; span.muted { (d) } }
            (Some(m), None) => { (m) }
            _ => { "Nhập danh sách hộ" }
        }
    }
}

pub fn reviews_table(entries: &[ChangeEntry]) -> Markup {
    html! {
        h2 { "Yêu cầu sửa" }
        @if entries.is_empty() {
            p.muted #no-reviews { "Chưa có yêu cầu sửa nào." }
        } @else {
            table #reviews {
                thead { tr {
                    th scope="col" { "Thời gian" } th scope="col" { "Người làm" }
                    th scope="col" { "Việc" } th scope="col" { "Hộ" }
                    th scope="col" { "Nội dung / trả lời" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (when(&e.received_at)) }
                            th scope="row" { (who(e)) }
                            td { (what_vi(e)) }
                            td { (e.household_head.as_deref().unwrap_or("")) }
                            td { (e.review.as_ref().and_then(|r| r.1.as_deref()).unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

pub fn changes_table(entries: &[ChangeEntry]) -> Markup {
    html! {
        h2 { "Thay đổi dữ liệu" }
        @if entries.is_empty() {
            p.muted #no-changes { "Chưa có thay đổi nào." }
        } @else {
            table #changes {
                thead { tr {
                    th scope="col" { "Thời gian nhận" } th scope="col" { "Người gửi" }
                    th scope="col" { "Bản ghi" } th scope="col" { "Hộ" }
                    th scope="col" { "Thay đổi" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (when(&e.received_at)) }
                            th scope="row" { (who(e)) }
                            td { (entity_vi(e.entity)) }
                            td { (e.household_head.as_deref().unwrap_or("")) }
                            td { (what_vi(e)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gocua_central::ReviewStep;

    fn entry(entity: EntityKind, fields: &[&str]) -> ChangeEntry {
        ChangeEntry {
            seq: 1,
            received_at: "2026-11-28T01:00:00.000Z".into(),
            member_id: None,
            member_name: None,
            device_name: None,
            entity,
            entity_id: String::new(),
            household_head: None,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            review: None,
        }
    }

    #[test]
    fn each_change_reads_in_words() {
        let edit = entry(EntityKind::Household, &["address", "phone"]);
        assert_eq!(what_vi(&edit), "Sửa: địa chỉ, số điện thoại");
        let all = [
            "village_id",
            "address",
            "head_name",
            "phone",
            "poor",
            "near_poor",
            "ethnic_minority",
            "elderly_only",
            "no_smartphone",
        ];
        assert_eq!(what_vi(&entry(EntityKind::Household, &all)), "Thêm mới");
        assert_eq!(
            what_vi(&entry(EntityKind::Visit, &["voided"])),
            "Hủy (kèm lý do)"
        );
        let mut mark = entry(EntityKind::ReviewMark, &["state"]);
        mark.review = Some((ReviewStep::Resolved, None));
        assert_eq!(what_vi(&mark), "Báo đã sửa");
    }
}
