//! `GET /audit`: who did what, and when — the review steps on marked
//! records (opened, resolved, reopened), every change taken from a device,
//! who merged which residents (or separated them again), who deleted which
//! training session, and who took which report out of the server (the web
//! downloads and `admin report`), each newest first
//! (`central::change_audit`, `central::merges`, `central::training`,
//! `central::audit`). Officers only, like every page here.

use super::audit_changes::{changes_table, reviews_table};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::extract::State;
use gocua_central::{ExportChannel, ExportEntry, ImportEntry, MergeEntry, TrainingDeletion};
use gocua_core::EntityKind;
use gocua_core::OrgSnapshot;
use maud::{Markup, html};

/// Rows shown in each list.
pub(super) const SHOWN: u32 = 200;

pub async fn show(State(state): State<AppState>, officer: Officer) -> Result<Markup, PageError> {
    let commune = officer.commune();
    let (reviews, changes, merges, exports, deletions, org, imports) = state
        .db_read(move |db| {
            Ok((
                db.change_audit(commune, Some(EntityKind::ReviewMark), SHOWN)?,
                db.change_audit(commune, None, SHOWN)?,
                db.merge_audit(commune, SHOWN)?,
                db.export_audit(commune, SHOWN)?,
                db.training_deletions(commune, SHOWN)?,
                db.org_snapshot(commune)?,
                db.registry_imports(commune, SHOWN)?,
            ))
        })
        .await?;
    Ok(layout::page(
        "Nhật ký",
        &officer,
        Nav::Audit,
        html! {
            h1 { "Nhật ký" }
            p.sub {
                "Ai đã làm gì, lúc nào: yêu cầu sửa của tổ trưởng và cán bộ xã, mọi thay đổi "
                "dữ liệu nhận từ thiết bị, các lần gộp nhân khẩu trùng, các buổi tập huấn bị xóa "
                "vì ghi nhầm, các lần nhập danh sách hộ, nhân khẩu, và mọi lần tải báo cáo. "
                "Mỗi mục hiện " (SHOWN) " lần gần nhất."
            }
            (reviews_table(&reviews))
            (changes_table(&changes))
            (merges_body(&merges))
            (training_body(&deletions, &org))
            (imports_body(&imports))
            (body(&exports))
        },
    ))
}

/// `xlsx+csv` → "Báo cáo quý (.xlsx), Số liệu (.csv)".
pub fn what_vi(what: &str) -> String {
    what.split('+')
        .map(|w| match w {
            "xlsx" => "Báo cáo quý (.xlsx)",
            "csv" => "Số liệu (.csv)",
            "json" => "Số liệu (JSON)",
            "summary" => "Bản tóm tắt",
            _ => "Khác",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| layout::time(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| at.to_string())
}

fn body(entries: &[ExportEntry]) -> Markup {
    html! {
        h2 { "Tải báo cáo" }
        p.sub {
            "Mỗi lần tải báo cáo quý hoặc số liệu (trên trang này hay bằng lệnh quản trị trên máy chủ) "
            "đều được ghi lại: ai, tải gì, kỳ nào, lúc nào."
        }
        @if entries.is_empty() {
            p.muted #no-exports { "Chưa có lần tải nào." }
        } @else {
            table #audit {
                thead { tr {
                    th scope="col" { "Thời gian" } th scope="col" { "Người tải" }
                    th scope="col" { "Cách tải" } th scope="col" { "Nội dung" } th scope="col" { "Kỳ" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (when(&e.at)) }
                            th scope="row" { (e.actor) }
                            td { @match e.channel {
                                ExportChannel::Web => "Trang web",
                                ExportChannel::Admin => "Lệnh quản trị",
                            } }
                            td { (what_vi(&e.what)) }
                            td { (e.period) }
                        }
                    }
                }
            }
        }
    }
}

fn merges_body(entries: &[MergeEntry]) -> Markup {
    html! {
        h2 { "Gộp nhân khẩu trùng" }
        @if entries.is_empty() {
            p.muted #no-merges { "Chưa gộp nhân khẩu nào." }
        } @else {
            table #merge-audit {
                thead { tr {
                    th scope="col" { "Thời gian" } th scope="col" { "Người thực hiện" }
                    th scope="col" { "Việc" } th scope="col" { "Bản ghi" } th scope="col" { "Gộp vào" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (when(&e.at)) }
                            th scope="row" { (e.actor) }
                            td { @if e.into_id.is_some() { "Gộp" } @else { "Tách" } }
                            td { a href={ "/resident?id=" (e.duplicate_id) } { (e.duplicate_name) } }
                            td { @if let Some(i) = e.into_id {
                                a href={ "/resident?id=" (i) } { (e.into_name) }
                            } @else { "—" } }
                        }
                    }
                }
            }
        }
    }
}

fn imports_body(entries: &[ImportEntry]) -> Markup {
    html! {
        h2 { "Nhập danh sách hộ, nhân khẩu" }
        @if entries.is_empty() {
            p.muted #no-imports { "Chưa nhập danh sách nào." }
        } @else {
            table #import-audit {
                thead { tr {
                    th scope="col" { "Số" } th scope="col" { "Thời gian" } th scope="col" { "Người nhập" }
                    th scope="col" { "Tệp" } th scope="col" { "Thêm mới" } th scope="col" { "Sửa" }
                    th scope="col" { "Hủy" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { "#" (e.id) }
                            td { (when(&e.at)) }
                            th scope="row" { (e.actor) }
                            td { (e.file_name) " (" (e.sheet) ")" }
                            td { (e.counts.households_added) " hộ, " (e.counts.residents_added) " nhân khẩu" }
                            td { (e.counts.households_updated) " hộ, " (e.counts.residents_updated) " nhân khẩu" }
                            // Undone with `admin import undo` (issue 16).
                            td.import-undone {
                                @match &e.undone {
                                    None => { "—" }
                                    Some(u) => { (crate::import::undo_line(u)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn training_body(entries: &[TrainingDeletion], org: &OrgSnapshot) -> Markup {
    html! {
        h2 { "Xóa buổi tập huấn ghi nhầm" }
        @if entries.is_empty() {
            p.muted #no-training-deletions { "Chưa xóa buổi tập huấn nào." }
        } @else {
            table #training-audit {
                thead { tr {
                    th scope="col" { "Thời gian" } th scope="col" { "Người xóa" }
                    th scope="col" { "Buổi tập huấn" } th scope="col" { "Thành viên đã ghi" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (when(&e.at)) }
                            th scope="row" { (e.actor) }
                            td { (e.topic) ", ngày " (layout::day(e.day)) }
                            td { (e.member_ids.iter().map(|m| super::member_name(org, *m))
                                .collect::<Vec<_>>().join(", ")) }
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

    #[test]
    fn what_was_taken_reads_in_words() {
        assert_eq!(what_vi("xlsx"), "Báo cáo quý (.xlsx)");
        assert_eq!(
            what_vi("xlsx+csv+summary"),
            "Báo cáo quý (.xlsx), Số liệu (.csv), Bản tóm tắt"
        );
        assert_eq!(what_vi("???"), "Khác");
    }
}
