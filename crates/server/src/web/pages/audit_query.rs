//! What Nhật ký (`/audit`) is asked for, read from its address, and the
//! form and page links that write it: which list (`kind=exports`) or
//! which kind in it (`kind=exports.admin`), whose doing (`member=`), which
//! days in Vietnam (`from=`, `to=`, both included, as a date field sends
//! them: 2026-12-07), and which page (`page=`, from 1). Without a kind,
//! every list shows its first rows, its count and the way to the rest.

use crate::web::error::PageError;
use crate::web::layout;
use chrono::{DateTime, NaiveDate, Utc};
use gocua_central::{AuditFilter, ExportChannel, PageAt, ReviewStep};
use gocua_core::month::vietnam;
use gocua_core::{EntityKind, MemberId, OrgSnapshot};
use maud::{Markup, html};
use serde::Deserialize;

/// Rows of each list on the page of them all.
pub const GLANCE: u32 = 10;
/// Rows a page when one list is shown.
pub const PAGE: u32 = 50;

/// The lists, by their code in the address, with their headings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Reviews,
    Changes,
    Merges,
    Training,
    Imports,
    Exports,
}

pub const SECTIONS: [(Section, &str, &str); 6] = [
    (Section::Reviews, "reviews", "Yêu cầu sửa"),
    (Section::Changes, "changes", "Thay đổi dữ liệu"),
    (Section::Merges, "merges", "Gộp nhân khẩu trùng"),
    (Section::Training, "training", "Xóa buổi tập huấn ghi nhầm"),
    (Section::Imports, "imports", "Nhập danh sách hộ, nhân khẩu"),
    (Section::Exports, "exports", "Tải báo cáo"),
];

/// The kinds within a list, by their code after the list's.
const KINDS: [(Section, &str, &str); 12] = [
    (Section::Reviews, "opened", "Đánh dấu cần sửa"),
    (Section::Reviews, "resolved", "Báo đã sửa"),
    (Section::Reviews, "reopened", "Mở lại yêu cầu sửa"),
    (Section::Changes, "household", "Hộ gia đình"),
    (Section::Changes, "resident", "Nhân khẩu"),
    (Section::Changes, "visit", "Lượt thăm"),
    (Section::Changes, "assisted_action", "Nội dung hỗ trợ"),
    (Section::Changes, "review_mark", "Yêu cầu sửa"),
    (Section::Merges, "merge", "Gộp"),
    (Section::Merges, "unmerge", "Tách"),
    (Section::Exports, "web", "Trang web"),
    (Section::Exports, "admin", "Lệnh quản trị"),
];

impl Section {
    pub fn code(self) -> &'static str {
        SECTIONS.iter().find(|s| s.0 == self).map_or("", |s| s.1)
    }
}

/// A kind within a list, as the store's queries take it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kinds {
    pub step: Option<ReviewStep>,
    pub entity: Option<EntityKind>,
    pub merged: Option<bool>,
    pub channel: Option<ExportChannel>,
}

/// `/audit`'s address, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub kind: Option<String>,
    pub member: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<String>,
}

/// `/audit`'s address, read.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    /// One list (and maybe a kind in it), or all.
    pub section: Option<Section>,
    /// The kind's code as sent (`exports.admin`), to write it back.
    pub kind: String,
    pub kinds: Kinds,
    pub member: Option<MemberId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// From 1.
    pub page: u32,
}

fn bad(what: &str) -> PageError {
    PageError::BadQuery(what.to_string())
}

/// A day as a date field sends it (2026-12-07), or as it is written here
/// (07/12/2026).
fn day(s: &str) -> Result<NaiveDate, PageError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map_err(|_| bad("ngày phải viết như 07/12/2026."))
}

/// Midnight of `d` in Vietnam.
fn midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(vietnam())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AuditQuery {
    pub fn read(&self) -> Result<Asked, PageError> {
        let mut asked = Asked {
            page: 1,
            ..Asked::default()
        };
        if let Some(kind) = given(&self.kind) {
            let (list, sub) = match kind.split_once('.') {
                Some((l, s)) => (l, Some(s)),
                None => (kind, None),
            };
            let section = SECTIONS
                .iter()
                .find(|s| s.1 == list)
                .ok_or_else(|| bad("không có mục nhật ký này."))?
                .0;
            if let Some(sub) = sub {
                if !KINDS.iter().any(|k| k.0 == section && k.1 == sub) {
                    return Err(bad("không có loại này trong mục nhật ký."));
                }
                let k = &mut asked.kinds;
                match sub {
                    "opened" => k.step = Some(ReviewStep::Opened),
                    "resolved" => k.step = Some(ReviewStep::Resolved),
                    "reopened" => k.step = Some(ReviewStep::Reopened),
                    "merge" => k.merged = Some(true),
                    "unmerge" => k.merged = Some(false),
                    "web" => k.channel = Some(ExportChannel::Web),
                    "admin" => k.channel = Some(ExportChannel::Admin),
                    entity => k.entity = EntityKind::parse(entity),
                }
            }
            asked.section = Some(section);
            asked.kind = kind.to_string();
        }
        if let Some(m) = given(&self.member) {
            asked.member = Some(m.parse().map_err(|_| bad("mã thành viên không đúng."))?);
        }
        asked.from = given(&self.from).map(day).transpose()?;
        asked.to = given(&self.to).map(day).transpose()?;
        if let (Some(f), Some(t)) = (asked.from, asked.to)
            && f > t
        {
            return Err(bad("ngày bắt đầu ở sau ngày kết thúc."));
        }
        if let Some(p) = given(&self.page) {
            asked.page = p
                .parse()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| bad("số trang phải từ 1 trở lên."))?;
        }
        Ok(asked)
    }
}

impl Asked {
    /// The store's filter: the member, and the days as moments (the end
    /// day included: up to the next midnight).
    pub fn filter(&self) -> AuditFilter {
        AuditFilter {
            member: self.member,
            from: self.from.and_then(midnight),
            until: self.to.and_then(|d| d.succ_opt()).and_then(midnight),
        }
    }

    /// Which rows: a glance at every list, or a page of one.
    pub fn at(&self) -> PageAt {
        match self.section {
            None => PageAt {
                offset: 0,
                limit: GLANCE,
            },
            Some(_) => PageAt {
                offset: (self.page - 1).saturating_mul(PAGE),
                limit: PAGE,
            },
        }
    }

    /// The address of `kind`'s page `page` with the same filters.
    fn href(&self, kind: &str, page: Option<u32>) -> String {
        let mut pairs = vec![format!("kind={kind}")];
        if let Some(m) = self.member {
            pairs.push(format!("member={m}"));
        }
        if let Some(d) = self.from {
            pairs.push(format!("from={d}"));
        }
        if let Some(d) = self.to {
            pairs.push(format!("to={d}"));
        }
        if let Some(p) = page {
            pairs.push(format!("page={p}"));
        }
        format!("/audit?{}", pairs.join("&"))
    }

    /// Under a list: its count and the way to its other rows.
    pub fn pager(&self, section: Section, shown: usize, total: u64) -> Markup {
        let id = format!("{}-total", section.code());
        let pages = total.div_ceil(u64::from(PAGE)).max(1);
        html! {
            p.pager {
                span id=(id) { (layout::int(total)) " mục" }
                @if self.section.is_none() {
                    @if total > shown as u64 {
                        " — " a href=(self.href(section.code(), None)) { "Xem tất cả" }
                    }
                } @else {
                    " — Trang " (self.page) "/" (pages)
                    @if self.page > 1 {
                        " " a.button href=(self.href(&self.kind, Some(self.page - 1))) { "Trang trước" }
                    }
                    @if u64::from(self.page) < pages {
                        " " a.button href=(self.href(&self.kind, Some(self.page + 1))) { "Trang sau" }
                    }
                }
            }
        }
    }

    /// The filter form.
    pub fn form(&self, org: &OrgSnapshot) -> Markup {
        let mut members: Vec<_> = org.members.iter().collect();
        members.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        html! {
            form.picker #audit-filter method="get" action="/audit" {
                label for="kind" { "Mục, loại" }
                select #kind name="kind" {
                    option value="" selected[self.kind.is_empty()] { "Tất cả các mục" }
                    @for (section, code, label) in SECTIONS {
                        optgroup label=(label) {
                            option value=(code) selected[self.kind == code] { (label) " — tất cả" }
                            @for (_, sub, sub_label) in KINDS.iter().filter(|k| k.0 == section) {
                                @let value = format!("{code}.{sub}");
                                option value=(value) selected[self.kind == value] { (sub_label) }
                            }
                        }
                    }
                }
                label for="member" { "Người làm" }
                select #member name="member" {
                    option value="" selected[self.member.is_none()] { "Tất cả" }
                    @for m in members {
                        option value=(m.id) selected[self.member == Some(m.id)] { (m.full_name) }
                    }
                }
                label for="from" { "Từ ngày" }
                input #from type="date" name="from" value=(day(self.from));
                label for="to" { "Đến ngày" }
                input #to type="date" name="to" value=(day(self.to));
                button type="submit" { "Lọc" }
                " " a href="/audit" { "Bỏ lọc" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: &str, from: &str, to: &str, page: &str) -> Result<Asked, PageError> {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        AuditQuery {
            kind: s(kind),
            member: None,
            from: s(from),
            to: s(to),
            page: s(page),
        }
        .read()
    }

    #[test]
    fn the_address_reads_and_writes_back() {
        let a = read("changes.assisted_action", "2026-12-01", "07/12/2026", "3").unwrap();
        assert_eq!(a.section, Some(Section::Changes));
        assert_eq!(a.kinds.entity, Some(EntityKind::AssistedAction));
        assert_eq!(
            a.at(),
            PageAt {
                offset: 100,
                limit: PAGE
            }
        );
        let f = a.filter();
        // Vietnam's midnight is 17:00 UTC the day before; the end day is
        // whole.
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-11-30T17:00:00+00:00");
        assert_eq!(f.until.unwrap().to_rfc3339(), "2026-12-07T17:00:00+00:00");
        assert_eq!(
            a.href("changes.assisted_action", Some(4)),
            "/audit?kind=changes.assisted_action&from=2026-12-01&to=2026-12-07&page=4"
        );
        assert_eq!(read("", "", "", "").unwrap().at().limit, GLANCE);
        for (kind, from, to, page) in [
            ("cccd", "", "", ""),
            ("exports.cccd", "", "", ""),
            ("merges.web", "", "", ""),
            ("", "hôm nay", "", ""),
            ("", "2026-12-08", "2026-12-07", ""),
            ("", "", "", "0"),
            ("", "", "", "-1"),
        ] {
            assert!(
                read(kind, from, to, page).is_err(),
                "{kind} {from} {to} {page}"
            );
        }
    }
}
