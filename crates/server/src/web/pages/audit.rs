//! `GET /audit`: who did what, and when — the review steps on marked
//! records (opened, resolved, reopened), every change taken from a device,
//! who merged which residents (or separated them again), who deleted which
//! training session, and who took which report out of the server (the web
//! downloads and `admin report`), each newest first
//! (`central::change_audit`, `central::merges`, `central::training`,
//! `central::audit`), a page at a time, narrowed by kind, member and days
//! (`audit_query`, `central::audit_pages`). Officers only, like every page
//! here.

use super::audit_changes::{changes_table, reviews_table};
use super::audit_query::{Asked, AuditQuery, Section};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::extract::{Query, State};
use gocua_central::{
    AuditPage, CentralDb, CentralError, ExportChannel, ExportEntry, ImportEntry, MergeEntry,
    TrainingDeletion,
};
use gocua_core::{CommuneId, OrgSnapshot};
use maud::{Markup, html};

pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<AuditQuery>,
) -> Result<Markup, PageError> {
    let asked = q.read()?;
    let commune = officer.commune();
    let (lists, org) = {
        let asked = asked.clone();
        state
            .db_read(move |db| Ok((lists(db, commune, &asked)?, db.org_snapshot(commune)?)))
            .await?
    };
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
                "Chọn một mục để xem hết, từng trang; lọc theo loại, người làm và ngày."
            }
            (asked.form(&org))
            @if let Some(p) = &lists.reviews {
                (reviews_table(&p.rows)) (asked.pager(Section::Reviews, p.rows.len(), p.total))
            }
            @if let Some(p) = &lists.changes {
                (changes_table(&p.rows)) (asked.pager(Section::Changes, p.rows.len(), p.total))
            }
            @if let Some(p) = &lists.merges {
                (merges_body(&p.rows)) (asked.pager(Section::Merges, p.rows.len(), p.total))
            }
            @if let Some(p) = &lists.training {
                (training_body(&p.rows, &org)) (asked.pager(Section::Training, p.rows.len(), p.total))
            }
            @if let Some(p) = &lists.imports {
                (imports_body(&p.rows)) (asked.pager(Section::Imports, p.rows.len(), p.total))
            }
            @if let Some(p) = &lists.exports {
                (body(&p.rows)) (asked.pager(Section::Exports, p.rows.len(), p.total))
            }
        },
    ))
}

/// The lists asked for: one, or all.
#[derive(Default)]
struct Lists {
    reviews: Option<AuditPage<gocua_central::ChangeEntry>>,
    changes: Option<AuditPage<gocua_central::ChangeEntry>>,
    merges: Option<AuditPage<MergeEntry>>,
    training: Option<AuditPage<TrainingDeletion>>,
    imports: Option<AuditPage<ImportEntry>>,
    exports: Option<AuditPage<ExportEntry>>,
}

fn lists(db: &CentralDb, commune: CommuneId, a: &Asked) -> Result<Lists, CentralError> {
    let (f, at, k) = (a.filter(), a.at(), a.kinds);
    let wants = |s: Section| a.section.is_none_or(|x| x == s);
    let mut l = Lists::default();
    if wants(Section::Reviews) {
        l.reviews = Some(db.review_audit_page(commune, k.step, &f, at)?);
    }
    if wants(Section::Changes) {
        l.changes = Some(db.change_audit_page(commune, k.entity, &f, at)?);
    }
    if wants(Section::Merges) {
        l.merges = Some(db.merge_audit_page(commune, k.merged, &f, at)?);
    }
    if wants(Section::Training) {
        l.training = Some(db.training_deletions_page(commune, &f, at)?);
    }
    if wants(Section::Imports) {
        l.imports = Some(db.registry_imports_page(commune, &f, at)?);
    }
    if wants(Section::Exports) {
        l.exports = Some(db.export_audit_page(commune, k.channel, &f, at)?);
    }
    Ok(l)
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
