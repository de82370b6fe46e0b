//! `GET /import`: the commune officer imports a household and resident
//! list from the browser, as `admin import` does on the server. `POST
//! /import` (the file, as multipart) checks it without writing anything
//! and shows the dry run: how many households and people, what would be
//! added and corrected, and every problem row by row (CCCD numbers
//! masked). `POST /import/confirm` then imports that same upload, recorded
//! under the officer's name (listed on Nhật ký).
//!
//! The upload is kept in memory between the two steps (never on disk: it
//! holds CCCD numbers), for its officer only, for 30 minutes, a few at a
//! time; the confirmation reads it again and matches against the server
//! as it is then, so what is written is what the check of that moment
//! says.

use crate::app::AppState;
use crate::import::pipeline::{Done, Input, execute};
use crate::import::report::{Level, Problem};
use crate::web::auth::{CSRF_FIELD, Officer, Posted, csrf_ok};
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use gocua_core::{CommuneId, MemberId, OrgSnapshot};
use maud::{Markup, html};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// Largest upload: a commune's list of 25,000 people is about 1 MB.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// How long a checked upload waits for its confirmation.
const KEPT: Duration = Duration::from_secs(30 * 60);
/// Uploads waiting at once (the oldest goes first).
const KEPT_MAX: usize = 8;
/// Problems shown on the page (the rest are counted).
const SHOWN: usize = 500;

struct Pending {
    member: MemberId,
    commune: CommuneId,
    name: PathBuf,
    bytes: Vec<u8>,
    village: Option<String>,
    at: Instant,
}

static PENDING: LazyLock<Mutex<HashMap<String, Pending>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn keep(p: Pending) -> String {
    let id = crate::web::csrf::new_token();
    let mut all = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    all.retain(|_, q| q.at.elapsed() < KEPT);
    while all.len() >= KEPT_MAX {
        let Some(oldest) = all.iter().min_by_key(|(_, q)| q.at).map(|(k, _)| k.clone()) else {
            break;
        };
        all.remove(&oldest);
    }
    all.insert(id.clone(), p);
    id
}

fn take(id: &str, member: MemberId) -> Option<Pending> {
    let mut all = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    all.retain(|_, q| q.at.elapsed() < KEPT);
    match all.get(id) {
        Some(p) if p.member == member => all.remove(id),
        _ => None,
    }
}

/// `GET /import`.
pub async fn form(State(state): State<AppState>, officer: Officer) -> Result<Markup, PageError> {
    let commune = officer.commune();
    let org = state.db_read(move |db| db.org_snapshot(commune)).await?;
    Ok(layout::page(
        "Nhập danh sách",
        &officer,
        Nav::Import,
        upload_form(&officer, &org, None),
    ))
}

fn upload_form(officer: &Officer, org: &OrgSnapshot, error: Option<&str>) -> Markup {
    html! {
        h1 { "Nhập danh sách hộ, nhân khẩu" }
        p.sub {
            "Chọn tệp danh sách của thôn hoặc của cả xã (.xlsx hoặc .csv). Máy chủ kiểm tra tệp "
            "trước, chưa ghi gì; anh/chị xem kết quả rồi mới xác nhận nhập. Nhập lại tệp đã sửa "
            "thì chỉ sửa những gì đã đổi, không tạo người trùng."
        }
        @if let Some(e) = error { p.warn #import-error { (e) } }
        form method="post" action="/import" enctype="multipart/form-data" #import-form {
            (officer.csrf_field())
            p { label { "Tệp danh sách: " input type="file" name="file" accept=".xlsx,.csv" required; } }
            p { label { "Thôn/xóm: "
                select name="village" {
                    option value="" { "Theo cột Thôn/Xóm trong tệp" }
                    @for v in &org.villages { option value=(v.id) { (v.name) } }
                }
            } }
            button type="submit" { "Kiểm tra tệp" }
        }
    }
}

/// `POST /import`: check the upload, write nothing.
pub async fn check(
    State(state): State<AppState>,
    officer: Officer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Markup, PageError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = multipart::parse(content_type, &body).ok_or(PageError::BadForm)?;
    let field = |n: &str| parts.iter().find(|p| p.name == n);
    let token = field(CSRF_FIELD).map(|p| String::from_utf8_lossy(&p.data).into_owned());
    if !csrf_ok(&officer.session.csrf_token, token.as_ref()) {
        return Err(PageError::Csrf);
    }
    let commune = officer.commune();
    let file = field("file").filter(|p| !p.data.is_empty());
    let Some(file) = file else {
        let org = state.db_read(move |db| db.org_snapshot(commune)).await?;
        let body = upload_form(&officer, &org, Some("Chưa chọn tệp."));
        return Ok(layout::page("Nhập danh sách", &officer, Nav::Import, body));
    };
    // Only the name's last part: a browser may send a whole path.
    let name: String = file
        .filename
        .as_deref()
        .unwrap_or("danh-sach.xlsx")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("danh-sach.xlsx")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let village = field("village")
        .map(|p| String::from_utf8_lossy(&p.data).trim().to_string())
        .filter(|v| !v.is_empty());
    let pending = Pending {
        member: officer.session.member.id,
        commune,
        name: PathBuf::from(&name),
        bytes: file.data.clone(),
        village,
        at: Instant::now(),
    };
    let done = run(&state, &officer, &pending, true).await?;
    let body = match done {
        Err(message) => {
            let org = state.db_read(move |db| db.org_snapshot(commune)).await?;
            upload_form(&officer, &org, Some(&message))
        }
        Ok(done) => {
            let ready = done.summary.stats.households_ready > 0
                || done.summary.outcome.residents_updated > 0
                || done.summary.outcome.households_updated > 0;
            let id = keep(pending);
            html! {
                h1 { "Kết quả kiểm tra: " (name) }
                p.sub { "Chưa ghi gì vào máy chủ." }
                (summary(&done))
                @if ready {
                    form method="post" action="/import/confirm" #confirm-import {
                        (officer.csrf_field())
                        input type="hidden" name="upload" value=(id);
                        button type="submit" { "Xác nhận nhập" }
                        " "
                        a href="/import" { "Không nhập, chọn tệp khác" }
                    }
                } @else {
                    p { a href="/import" { "Chọn tệp khác" } }
                }
                (problems(&done.problems))
            }
        }
    };
    Ok(layout::page("Nhập danh sách", &officer, Nav::Import, body))
}

/// `POST /import/confirm`: import the upload checked before.
pub async fn confirm(State(state): State<AppState>, posted: Posted) -> Result<Markup, PageError> {
    let Posted { officer, fields } = posted;
    let id = fields.get("upload").cloned().unwrap_or_default();
    let Some(pending) = take(&id, officer.session.member.id) else {
        return Err(PageError::BadField(
            "tệp đã kiểm tra không còn (quá 30 phút, hoặc đã nhập): hãy chọn tệp lại.".into(),
        ));
    };
    if pending.commune != officer.commune() {
        return Err(PageError::NotFound);
    }
    let done = run(&state, &officer, &pending, false).await?;
    let body = match done {
        Err(message) => html! {
            h1 { "Chưa nhập được" }
            p.warn #import-error { (message) }
            p { a href="/import" { "Chọn tệp lại" } }
        },
        Ok(done) => {
            let id = done.summary.imported.and_then(|c| c.import_id);
            html! {
                h1 { "Đã nhập: " (pending.name.display()) }
                @if let Some(id) = id {
                    p.sub #import-recorded { "Lần nhập số #" (id) ", đã ghi vào Nhật ký." }
                }
                (summary(&done))
                (problems(&done.problems))
                p { a href="/import" { "Nhập tệp khác" } }
            }
        }
    };
    tracing::info!(member = %officer.session.member.id, "registry imported from the web");
    Ok(layout::page("Nhập danh sách", &officer, Nav::Import, body))
}

/// The import on the database's thread; `Err` carries the sentence that
/// stopped it (no header row, an unknown village, a refusal).
async fn run(
    state: &AppState,
    officer: &Officer,
    p: &Pending,
    dry_run: bool,
) -> Result<Result<Done, String>, PageError> {
    let input = Input {
        name: p.name.clone(),
        bytes: p.bytes.clone(),
        village: p.village.clone(),
        commune: Some(p.commune),
        sheet: None,
        dry_run,
        actor: officer.session.member.full_name.clone(),
    };
    let done = state
        .db(move |db| {
            Ok(match execute(db, input) {
                Ok(d) => match &d.refused {
                    Some(e) => Err(e.message_vi()),
                    None => Ok(d),
                },
                // The first line is the Vietnamese sentence.
                Err(e) => Err(e.to_string().lines().next().unwrap_or("").to_string()),
            })
        })
        .await?;
    Ok(done)
}

fn summary(done: &Done) -> Markup {
    let s = &done.summary;
    let o = &s.outcome;
    html! {
        dl.figures #import-summary {
            dt { "Trang tính" } dd { (s.sheet) " (dòng tiêu đề " (s.header_row) ")" }
            dt { "Trong tệp" } dd { (s.stats.households_in_file) " hộ, " (s.stats.residents_in_file) " nhân khẩu (" (s.stats.rows) " dòng)" }
            dt { "Thêm mới" } dd #import-new { (o.households_new) " hộ, " (o.residents_new) " nhân khẩu" }
            dt { "Sửa" } dd #import-updated { (o.households_updated) " hộ, " (o.residents_updated) " nhân khẩu" }
            dt { "Không đổi" } dd { (o.households_unchanged) " hộ, " (o.residents_unchanged) " nhân khẩu" }
            dt { "Chưa nhập (có lỗi)" } dd #import-held { (s.stats.households_held_back) " hộ" }
            @if o.conflicts > 0 {
                dt { "Giữ giá trị sửa trên điện thoại" } dd { (o.conflicts) }
            }
            @if !s.unknown_columns.is_empty() {
                dt { "Cột không dùng đến" } dd { (s.unknown_columns.join(", ")) }
            }
        }
    }
}

fn problems(all: &[Problem]) -> Markup {
    let mut sorted: Vec<&Problem> = all.iter().collect();
    sorted.sort_by_key(|p| (p.row, p.level));
    html! {
        h2 { "Các lưu ý và lỗi (" (all.len()) ")" }
        @if all.is_empty() {
            p.muted { "Không có." }
        } @else {
            table #import-problems {
                thead { tr {
                    th scope="col" { "Dòng" } th scope="col" { "Cột" } th scope="col" { "Mức" }
                    th scope="col" { "Giá trị" } th scope="col" { "Nội dung" }
                } }
                tbody {
                    @for p in sorted.iter().take(SHOWN) {
                        tr {
                            td { @if let Some(r) = p.row { (r) } }
                            td { (p.column) }
                            td { @match p.level {
                                Level::Error => strong { "Lỗi" },
                                l => (l.label_vi()),
                            } }
                            td { (p.value) }
                            td { (p.message) }
                        }
                    }
                }
            }
            @if all.len() > SHOWN {
                p.muted { "Và " (all.len() - SHOWN) " mục nữa: dùng lệnh admin import để có báo cáo đầy đủ." }
            }
        }
    }
}

/// Just enough of multipart/form-data (RFC 7578) for this form: named
/// parts, a file's name, bytes as sent.
mod multipart {
    pub struct Part {
        pub name: String,
        pub filename: Option<String>,
        pub data: Vec<u8>,
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        hay.windows(needle.len()).position(|w| w == needle)
    }

    /// `name="value"` in a Content-Disposition line.
    fn param(head: &str, key: &str) -> Option<String> {
        let at = head.find(&format!("{key}=\""))? + key.len() + 2;
        let end = head[at..].find('"')?;
        Some(head[at..at + end].to_string())
    }

    pub fn parse(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
        let boundary = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))?
            .trim_matches('"');
        if !content_type.trim_start().starts_with("multipart/form-data") || boundary.is_empty() {
            return None;
        }
        let delim = format!("--{boundary}");
        let next_delim = format!("\r\n{delim}");
        let mut rest = &body[find(body, delim.as_bytes())? + delim.len()..];
        let mut parts = Vec::new();
        // Bounded: each turn consumes at least the delimiter.
        while !rest.starts_with(b"--") {
            rest = rest.strip_prefix(b"\r\n")?;
            let head_end = find(rest, b"\r\n\r\n")?;
            let head = std::str::from_utf8(&rest[..head_end]).ok()?;
            rest = &rest[head_end + 4..];
            let end = find(rest, next_delim.as_bytes())?;
            let disposition = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
            parts.push(Part {
                name: param(disposition, "name")?,
                filename: param(disposition, "filename"),
                data: rest[..end].to_vec(),
            });
            rest = &rest[end + next_delim.len()..];
        }
        Some(parts)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn reads_fields_and_a_file() {
            let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
                Content-Type: text/csv\r\n\r\nx\r\ny\r\n--XyZ--\r\n";
            let parts = parse("multipart/form-data; boundary=XyZ", body).unwrap();
            assert_eq!(parts.len(), 2);
            assert_eq!(parts[0].name, "csrf");
            assert_eq!(parts[0].data, b"abc");
            assert_eq!(parts[1].filename.as_deref(), Some("a.csv"));
            assert_eq!(parts[1].data, b"x\r\ny");
            assert!(parse("multipart/form-data; boundary=XyZ", b"junk").is_none());
            assert!(parse("text/plain", body).is_none());
        }
    }
}
