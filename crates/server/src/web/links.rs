//! Links from a figure to the records behind it (`/records?…`), and back
//! from the address to the store's `DrillQuery`. Addresses carry only
//! opaque ids (UUIDs), codes and periods: never a name or an ID number.

use gocua_core::ActionCode;
use gocua_core::indicators::{DrillQuery, Figure, Indicator, Part, Period, Subject};
use serde::Deserialize;
use std::fmt::Write;

/// Outcomes a recorded action can have.
const OUTCOMES: [&str; 3] = ["done", "follow_up", "not_possible"];

/// `/records` query parameters (all optional here, so a missing one gets
/// `to_drill`'s sentence rather than a bare 400).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordsQuery {
    pub who: String,
    pub id: String,
    pub period: String,
    pub figure: String,
    pub indicator: Option<String>,
    pub part: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub overdue: Option<String>,
    /// The previous page's last row.
    pub after: Option<String>,
}

fn bad(what: &str) -> String {
    what.to_string()
}

impl RecordsQuery {
    /// What the address asks for, or a Vietnamese sentence saying which
    /// part is wrong.
    pub fn to_drill(&self) -> Result<DrillQuery, String> {
        let id = || {
            self.id
                .trim()
                .parse::<uuid::Uuid>()
                .map_err(|_| bad("mã đối tượng không đúng."))
        };
        let subject = match self.who.as_str() {
            "commune" => Subject::Commune(gocua_core::CommuneId(id()?)),
            "village" => Subject::Village(gocua_core::VillageId(id()?)),
            "team" => Subject::Team(gocua_core::TeamId(id()?)),
            "member" => Subject::Member(gocua_core::MemberId(id()?)),
            _ => return Err(bad("không rõ xem số liệu của ai.")),
        };
        let period: Period = self
            .period
            .parse()
            .map_err(|_| bad("kỳ báo cáo phải viết như 2026-Q4 hoặc 2026-11."))?;
        let figure = match self.figure.as_str() {
            "indicator" => Figure::Indicator {
                indicator: self
                    .indicator
                    .as_deref()
                    .unwrap_or("")
                    .parse::<Indicator>()
                    .map_err(|_| bad("không có chỉ tiêu này."))?,
                part: match self.part.as_deref().unwrap_or("achieved") {
                    "achieved" => Part::Achieved,
                    "missing" => Part::Missing,
                    "all" => Part::All,
                    _ => return Err(bad("phần của chỉ tiêu không đúng.")),
                },
            },
            "assists" => Figure::Assists {
                action: match self.action.as_deref().filter(|a| !a.is_empty()) {
                    Some(a) => Some(
                        a.parse::<ActionCode>()
                            .map_err(|_| bad("không có việc hỗ trợ này."))?,
                    ),
                    None => None,
                },
            },
            "actions" => {
                let outcome = self.outcome.as_deref().unwrap_or("");
                if !OUTCOMES.contains(&outcome) {
                    return Err(bad("kết quả không đúng."));
                }
                Figure::Actions {
                    outcome: outcome.to_string(),
                }
            }
            "households" => Figure::HouseholdsHelped,
            "follow_ups" => Figure::FollowUpsOpen {
                overdue_only: self.overdue.as_deref() == Some("1"),
            },
            _ => return Err(bad("không rõ số liệu nào.")),
        };
        Ok(DrillQuery {
            subject,
            period,
            figure,
        })
    }
}

/// Percent-encoding for a query value (ours are ASCII words already; this
/// keeps a stray character from breaking the address).
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The address of the records behind a figure.
pub fn records_href(q: &DrillQuery, after: Option<&str>) -> String {
    let (who, id) = match q.subject {
        Subject::Commune(c) => ("commune", c.to_string()),
        Subject::Village(v) => ("village", v.to_string()),
        Subject::Team(t) => ("team", t.to_string()),
        Subject::Member(m) => ("member", m.to_string()),
    };
    let mut href = format!(
        "/records?who={who}&id={}&period={}",
        enc(&id),
        enc(&q.period.to_string())
    );
    match &q.figure {
        Figure::Indicator { indicator, part } => {
            let part = match part {
                Part::Achieved => "achieved",
                Part::Missing => "missing",
                Part::All => "all",
            };
            let _ = write!(
                href,
                "&figure=indicator&indicator={}&part={part}",
                indicator.code()
            );
        }
        Figure::Assists { action } => {
            href.push_str("&figure=assists");
            if let Some(a) = action {
                let _ = write!(href, "&action={}", enc(a.as_str()));
            }
        }
        Figure::Actions { outcome } => {
            let _ = write!(href, "&figure=actions&outcome={}", enc(outcome));
        }
        Figure::HouseholdsHelped => href.push_str("&figure=households"),
        Figure::FollowUpsOpen { overdue_only } => {
            href.push_str("&figure=follow_ups");
            if *overdue_only {
                href.push_str("&overdue=1");
            }
        }
    }
    if let Some(a) = after {
        let _ = write!(href, "&after={}", enc(a));
    }
    href
}

/// Shorthand for pages: the link to `figure` of `subject` in `period`.
pub fn drill(subject: Subject, period: Period, figure: Figure) -> String {
    records_href(
        &DrillQuery {
            subject,
            period,
            figure,
        },
        None,
    )
}

/// The pages a household's page or a resident's card may lead back to,
/// with the words of the link: the page the officer opened it from.
const BACKS: [(&str, &str); 5] = [
    ("/records?", "Về danh sách bản ghi"),
    ("/duplicates?", "Về danh sách nhân khẩu có thể trùng"),
    ("/resident?", "Về thẻ nhân khẩu"),
    ("/household?", "Về trang hộ"),
    ("/audit?", "Về nhật ký"),
];

/// Where the page opened from `from` (its `from=`, decoded) leads back to,
/// and in which words: one of `BACKS` (the records with their filters, the
/// duplicates…), else the dashboard. Only our own pages' addresses, in the
/// characters our links use, are followed: never another site's.
pub fn back_to(from: Option<&str>) -> (String, &'static str) {
    let ours = |f: &str| {
        f.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.=&%/?".contains(&b))
    };
    from.filter(|f| ours(f))
        .and_then(|f| {
            let path = if f == "/duplicates" {
                "/duplicates?"
            } else {
                f
            };
            BACKS
                .iter()
                .find(|(prefix, _)| path.starts_with(prefix))
                .map(|(_, words)| (f.to_string(), *words))
        })
        .unwrap_or_else(|| ("/".to_string(), "Về trang tổng quan"))
}

/// `&from=…`: what a link to a household or resident adds to say it was
/// opened from `page` (an address of ours).
pub fn from(page: &str) -> String {
    format!("&from={}", enc(page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gocua_core::{CommuneId, MemberId, TeamId, VillageId};

    fn parse(href: &str) -> RecordsQuery {
        let q = href.strip_prefix("/records?").unwrap();
        serde_urlencoded_like(q)
    }

    /// The address's pairs into the query struct, as axum's `Query` would.
    fn serde_urlencoded_like(q: &str) -> RecordsQuery {
        let mut r = RecordsQuery::default();
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            let v = v.to_string();
            match k {
                "who" => r.who = v,
                "id" => r.id = v,
                "period" => r.period = v,
                "figure" => r.figure = v,
                "indicator" => r.indicator = Some(v),
                "part" => r.part = Some(v),
                "action" => r.action = Some(v),
                "outcome" => r.outcome = Some(v),
                "overdue" => r.overdue = Some(v),
                "after" => r.after = Some(v),
                other => panic!("unexpected {other}"),
            }
        }
        r
    }

    #[test]
    fn only_our_pages_are_a_way_back() {
        let records = "/records?who=team&id=x&period=2026-Q4&figure=households";
        assert_eq!(
            back_to(Some(records)),
            (records.into(), "Về danh sách bản ghi")
        );
        assert_eq!(
            back_to(Some("/duplicates")),
            ("/duplicates".into(), "Về danh sách nhân khẩu có thể trùng")
        );
        for bad in [
            None,
            Some("https://example.com/"),
            Some("//example.com/records?"),
            Some("/records?\"><script>"),
            Some("/recordsX"),
            Some("javascript:alert(1)"),
        ] {
            assert_eq!(back_to(bad), ("/".into(), "Về trang tổng quan"), "{bad:?}");
        }
        assert!(from(records).starts_with("&from=%2Frecords%3Fwho%3Dteam%26"));
    }

    #[test]
    fn every_figure_survives_the_address() {
        let period: Period = "2026-Q4".parse().unwrap();
        let subjects = [
            Subject::Commune(CommuneId::new()),
            Subject::Village(VillageId::new()),
            Subject::Team(TeamId::new()),
            Subject::Member(MemberId::new()),
        ];
        let figures = [
            Figure::Indicator {
                indicator: Indicator::VneidL2,
                part: Part::Missing,
            },
            Figure::Indicator {
                indicator: Indicator::DigitalFamilies,
                part: Part::All,
            },
            Figure::Assists { action: None },
            Figure::Assists {
                action: Some("bank_account".parse().unwrap()),
            },
            Figure::Actions {
                outcome: "follow_up".into(),
            },
            Figure::HouseholdsHelped,
            Figure::FollowUpsOpen { overdue_only: true },
            Figure::FollowUpsOpen {
                overdue_only: false,
            },
        ];
        for subject in subjects {
            for figure in &figures {
                let q = DrillQuery {
                    subject,
                    period: "2026-11".parse().unwrap(),
                    figure: figure.clone(),
                };
                let href = records_href(&q, None);
                assert_eq!(parse(&href).to_drill().unwrap(), q, "{href}");
            }
        }
        let href = drill(subjects[0], period, Figure::HouseholdsHelped);
        assert!(href.contains("period=2026-Q4"), "{href}");
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        let ok = RecordsQuery {
            who: "commune".into(),
            id: CommuneId::new().to_string(),
            period: "2026-Q4".into(),
            figure: "households".into(),
            ..Default::default()
        };
        assert!(ok.to_drill().is_ok());
        let with = |f: fn(&mut RecordsQuery)| {
            let mut q = RecordsQuery {
                who: ok.who.clone(),
                id: ok.id.clone(),
                period: ok.period.clone(),
                figure: ok.figure.clone(),
                ..Default::default()
            };
            f(&mut q);
            q.to_drill().unwrap_err()
        };
        assert!(with(|q| q.who = "province".into()).contains("của ai"));
        assert!(with(|q| q.id = "Nguyễn Văn A".into()).contains("mã"));
        assert!(with(|q| q.period = "Q4".into()).contains("kỳ"));
        assert!(with(|q| q.figure = "cccd".into()).contains("số liệu"));
        assert!(
            with(|q| {
                q.figure = "actions".into();
                q.outcome = Some("lost".into());
            })
            .contains("kết quả")
        );
        assert!(
            with(|q| {
                q.figure = "indicator".into();
                q.indicator = Some("x".into());
            })
            .contains("chỉ tiêu")
        );
    }
}
