//! Server-side sessions of the commune office's web pages. The browser's
//! cookie holds a random 256-bit id; the database keeps only its SHA-256,
//! the member, and the session's CSRF token (a synchronizer token every
//! form posts back). A session ends when idle for `SESSION_IDLE`, at
//! `SESSION_MAX` after sign-in however busy, at sign-out, when the member's
//! password is set again, and as soon as the member is deactivated or is
//! no longer an officer or admin.

use crate::backend::sql::vals;
use crate::lookups::member;
use crate::office::accounts::{AccountError, has_web_role};
use crate::{CentralDb, CentralError, parse_stamp, random_32, sha256_hex, stamp};
use chrono::{DateTime, Duration, Utc};
use gocua_core::{Member, MemberId};

/// A session left alone this long ends.
pub const SESSION_IDLE: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, in use or not.
pub const SESSION_MAX: Duration = Duration::hours(10);
/// Activity is written down at most this often (a page view is a read).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A session just started: `token` goes in the cookie and is not kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub member: Member,
    pub expires_at: DateTime<Utc>,
}

/// A live session, as a request finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSession {
    pub member: Member,
    pub csrf_token: String,
    /// The latest it can last (idle time aside).
    pub expires_at: DateTime<Utc>,
}

impl WebSession {
    /// Whether a posted form carries this session's CSRF token.
    pub fn csrf_matches(&self, given: &str) -> bool {
        constant_time_eq(self.csrf_token.as_bytes(), given.as_bytes())
    }
}

/// Equal byte strings, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn id_hash(token: &str) -> String {
    sha256_hex(&format!("gocua-web-session:{token}"))
}

/// A session token as we make them: 64 lower-case hex digits.
fn well_formed(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn expired() -> CentralError {
    AccountError::SessionExpired.into()
}

impl CentralDb {
    /// Start a session for a member who has just given their password.
    pub fn start_session(&self, member_id: MemberId) -> Result<NewSession, CentralError> {
        self.start_session_at(member_id, Utc::now())
    }

    pub(crate) fn start_session_at(
        &self,
        member_id: MemberId,
        now: DateTime<Utc>,
    ) -> Result<NewSession, CentralError> {
        let token = hex::encode(random_32());
        let csrf_token = hex::encode(random_32());
        let expires_at = now + SESSION_MAX;
        let m = self.write(|tx| {
            let m = member(tx, member_id)?
                .ok_or_else(|| CentralError::not_found("member", member_id))?;
            if !has_web_role(m.role) {
                return Err(AccountError::NoWebRole.into());
            }
            // Ended sessions go when someone signs in: the table stays as
            // small as the number of people signed in.
            tx.execute(
                "DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
                vals![stamp(now), stamp(now - SESSION_IDLE)],
            )?;
            tx.execute(
                "INSERT INTO web_sessions
                     (id_hash, member_id, csrf_token, created_at, last_seen_at, expires_at)
                 VALUES ($1, $2, $3, $4, $4, $5)",
                vals![
                    id_hash(&token),
                    member_id.to_string(),
                    csrf_token.as_str(),
                    stamp(now),
                    stamp(expires_at)
                ],
            )?;
            Ok(m)
        })?;
        Ok(NewSession {
            token,
            csrf_token,
            member: m,
            expires_at,
        })
    }

    /// The live session with this cookie token, its idle time restarted.
    /// Unknown, ended and expired sessions, and members who may no longer
    /// sign in, are all `SessionExpired`.
    pub fn web_session(&self, token: &str) -> Result<WebSession, CentralError> {
        self.web_session_at(token, Utc::now())
    }

    pub(crate) fn web_session_at(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<WebSession, CentralError> {
        if !well_formed(token) {
            return Err(expired());
        }
        let hash = id_hash(token);
        let (session, last_seen) = self.read(|tx| {
            let row = tx
                .query_opt(
                    "SELECT s.member_id, s.csrf_token, s.expires_at, s.last_seen_at
                     FROM web_sessions s JOIN members m ON m.id = s.member_id
                     WHERE s.id_hash = $1 AND m.active = 1
                       AND s.expires_at > $2 AND s.last_seen_at > $3",
                    vals![hash.as_str(), stamp(now), stamp(now - SESSION_IDLE)],
                )?
                .ok_or_else(expired)?;
            let m = member(tx, row.parse(0)?)?.ok_or_else(expired)?;
            if !has_web_role(m.role) {
                return Err(expired());
            }
            Ok((
                WebSession {
                    member: m,
                    csrf_token: row.string(1)?,
                    expires_at: parse_stamp(row.text(2)?)?,
                },
                parse_stamp(row.text(3)?)?,
            ))
        })?;
        if now - last_seen >= TOUCH_EVERY {
            self.write(|tx| {
                tx.execute(
                    "UPDATE web_sessions SET last_seen_at = $1 WHERE id_hash = $2",
                    vals![stamp(now), hash.as_str()],
                )
            })?;
        }
        Ok(session)
    }

    /// Sign out: the session ends now (nothing happens for an unknown one).
    pub fn end_session(&self, token: &str) -> Result<(), CentralError> {
        if !well_formed(token) {
            return Ok(());
        }
        self.write(|tx| {
            tx.execute(
                "DELETE FROM web_sessions WHERE id_hash = $1",
                vals![id_hash(token)],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gocua_core::Role;

    /// Where a test's database lives, kept until the test ends.
    enum Place {
        Sqlite(tempfile::TempDir, crate::ServerKey),
        Postgres(crate::backend::scratch::ScratchSchema),
    }

    impl Place {
        /// Every value stored, as text.
        fn all_text(&self) -> String {
            match self {
                Place::Sqlite(dir, key) => {
                    crate::inspect::sqlite_all_text(&dir.path().join("central.db"), key).unwrap()
                }
                Place::Postgres(schema) => schema.all_text().unwrap(),
            }
        }
    }

    /// A commune with an officer, on SQLite and (with GOCUA_TEST_PG_URL) on
    /// PostgreSQL.
    fn officer_dbs() -> Vec<(Place, CentralDb, MemberId)> {
        let mut out = Vec::new();
        let dir = tempfile::tempdir().unwrap();
        let key = crate::ServerKey::generate();
        let db = CentralDb::open(&dir.path().join("central.db"), &key).unwrap();
        out.push((Place::Sqlite(dir, key), db));
        if let Ok(url) = std::env::var("GOCUA_TEST_PG_URL") {
            let schema = crate::backend::scratch::ScratchSchema::create(&url).unwrap();
            let db = CentralDb::connect(schema.url(), 2, &crate::ServerKey::generate()).unwrap();
            out.push((Place::Postgres(schema), db));
        }
        out.into_iter()
            .map(|(place, db)| {
                let c = db.create_commune("Xã Thử", "Thanh Hóa").unwrap();
                let m = db
                    .add_member(c.id, None, "Nguyễn Thị Lan", Role::CommuneOfficer)
                    .unwrap();
                (place, db, m.id)
            })
            .collect()
    }

    fn is_expired(r: Result<WebSession, CentralError>) -> bool {
        matches!(r, Err(CentralError::Account(AccountError::SessionExpired)))
    }

    fn minutes(n: i64) -> Duration {
        Duration::minutes(n)
    }

    #[test]
    fn a_password_signs_in_and_nothing_secret_is_stored() {
        for (place, db, m) in officer_dbs() {
            signs_in(&place, db, m);
        }
    }

    fn signs_in(place: &Place, db: CentralDb, m: MemberId) {
        let account = db.set_password(m, None, "một mật khẩu dài").unwrap();
        assert_eq!(account.login, "nguyen.thi.lan");
        let signed = db
            .password_check("Nguyen.Thi.Lan")
            .unwrap()
            .verify("một mật khẩu dài")
            .unwrap();
        assert_eq!(signed.id, m);
        for (login, password) in [
            ("nguyen.thi.lan", "mật khẩu sai rồi"),
            ("khong.co.ai", "một mật khẩu dài"),
            ("x", "một mật khẩu dài"),
        ] {
            let r = db.password_check(login).unwrap().verify(password);
            assert!(
                matches!(r, Err(CentralError::Account(AccountError::SignInFailed))),
                "{login}: {r:?}"
            );
        }
        let s = db.start_session(m).unwrap();
        assert_eq!(db.web_session(&s.token).unwrap().csrf_token, s.csrf_token);
        db.end_session(&s.token).unwrap();
        assert!(is_expired(db.web_session(&s.token)));
        let s = db.start_session(m).unwrap();
        drop(db);
        // Neither the password nor the cookie's token is stored.
        let text = place.all_text();
        assert!(!text.contains("một mật khẩu dài"));
        assert!(!text.contains(&s.token));
        assert!(text.contains("$argon2id$"));
    }

    #[test]
    fn sessions_end_when_idle_at_their_limit_and_on_sign_out() {
        for (_place, db, m) in officer_dbs() {
            idle_and_limit(&db, m);
        }
    }

    fn idle_and_limit(db: &CentralDb, m: MemberId) {
        db.set_password(m, Some("lan"), "một mật khẩu dài").unwrap();
        let t0 = Utc::now();
        let s = db.start_session_at(m, t0).unwrap();
        assert_eq!(s.expires_at, t0 + SESSION_MAX);
        // Each visit within the idle time keeps it alive...
        let mut t = t0;
        while t + minutes(29) < t0 + SESSION_MAX {
            t += minutes(29);
            assert!(db.web_session_at(&s.token, t).is_ok(), "at {t}");
        }
        // ...but not past its limit.
        assert!(is_expired(db.web_session_at(&s.token, t0 + SESSION_MAX)));
        // Left alone for the idle time, it ends.
        let s = db.start_session_at(m, t0).unwrap();
        assert!(db.web_session_at(&s.token, t0 + minutes(20)).is_ok());
        assert!(db.web_session_at(&s.token, t0 + minutes(49)).is_ok());
        assert!(is_expired(
            db.web_session_at(&s.token, t0 + minutes(49) + SESSION_IDLE)
        ));
        // Reads within a minute are not written down: the idle clock runs
        // from the last recorded visit.
        let s = db.start_session_at(m, t0).unwrap();
        assert!(
            db.web_session_at(&s.token, t0 + Duration::seconds(30))
                .is_ok()
        );
        assert!(is_expired(db.web_session_at(
            &s.token,
            t0 + SESSION_IDLE + Duration::seconds(1)
        )));
        // Unknown and malformed tokens.
        assert!(is_expired(db.web_session(&"0".repeat(64))));
        assert!(is_expired(db.web_session("'; DROP TABLE web_sessions; --")));
        // A new sign-in clears ended sessions away.
        let old = db.start_session_at(m, t0).unwrap();
        let _new = db.start_session_at(m, t0 + SESSION_MAX).unwrap();
        let left: i64 = db
            .read(|tx| {
                tx.query_opt(
                    "SELECT count(*) FROM web_sessions WHERE id_hash = $1",
                    vals![id_hash(&old.token)],
                )?
                .map_or(Ok(0), |r| r.int(0))
            })
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn a_new_password_or_a_lost_role_ends_every_session() {
        for (_place, db, m) in officer_dbs() {
            new_password_or_lost_role(&db, m);
        }
    }

    fn new_password_or_lost_role(db: &CentralDb, m: MemberId) {
        db.set_password(m, None, "một mật khẩu dài").unwrap();
        let a = db.start_session(m).unwrap();
        let b = db.start_session(m).unwrap();
        db.set_password(m, None, "mật khẩu mới cũng dài").unwrap();
        assert!(is_expired(db.web_session(&a.token)));
        assert!(is_expired(db.web_session(&b.token)));
        let c = db.start_session(m).unwrap();
        db.write(|tx| {
            tx.execute(
                "UPDATE members SET role = 'member' WHERE id = $1",
                vals![m.to_string()],
            )
        })
        .unwrap();
        assert!(is_expired(db.web_session(&c.token)));
        assert!(
            db.password_check("nguyen.thi.lan")
                .unwrap()
                .verify("mật khẩu mới cũng dài")
                .is_err()
        );
        db.write(|tx| {
            tx.execute(
                "UPDATE members SET role = 'admin', active = 0 WHERE id = $1",
                vals![m.to_string()],
            )
        })
        .unwrap();
        assert!(
            db.password_check("nguyen.thi.lan")
                .unwrap()
                .verify("mật khẩu mới cũng dài")
                .is_err()
        );
    }

    #[test]
    fn only_officers_and_admins_get_passwords_and_logins_are_unique() {
        for (_place, db, officer) in officer_dbs() {
            officers_only(&db, officer);
        }
    }

    fn officers_only(db: &CentralDb, officer: MemberId) {
        let c = db.member(officer).unwrap().commune_id;
        let v = db.add_village(c, "Thôn 1").unwrap();
        let t = db.add_team(c, "Tổ 1", &[v.id]).unwrap();
        let field = db
            .add_member(c, Some(t.id), "Trần Văn Bình", Role::Member)
            .unwrap();
        let r = db.set_password(field.id, None, "một mật khẩu dài");
        assert!(matches!(
            r,
            Err(CentralError::Account(AccountError::NoWebRole))
        ));
        assert!(matches!(
            db.start_session(field.id),
            Err(CentralError::Account(AccountError::NoWebRole))
        ));
        let r = db.set_password(officer, None, "ngắn");
        assert!(matches!(
            r,
            Err(CentralError::Account(AccountError::PasswordLength))
        ));
        let admin = db.add_member(c, None, "Quản trị", Role::Admin).unwrap();
        db.set_password(officer, Some("canbo"), "một mật khẩu dài")
            .unwrap();
        let r = db.set_password(admin.id, Some("CanBo"), "một mật khẩu dài");
        assert!(matches!(
            r,
            Err(CentralError::Account(AccountError::LoginTaken(l))) if l == "canbo"
        ));
        // The login stays when a password is set again without one.
        db.set_password(officer, None, "mật khẩu mới cũng dài")
            .unwrap();
        assert!(
            db.password_check("canbo")
                .unwrap()
                .verify("mật khẩu mới cũng dài")
                .is_ok()
        );
    }

    #[test]
    fn csrf_tokens_compare_whole() {
        let s = WebSession {
            member: Member {
                id: MemberId::new(),
                commune_id: gocua_core::CommuneId::new(),
                team_id: None,
                full_name: "x".into(),
                role: Role::Admin,
            },
            csrf_token: "ab12".into(),
            expires_at: Utc::now(),
        };
        assert!(s.csrf_matches("ab12"));
        assert!(!s.csrf_matches("ab13"));
        assert!(!s.csrf_matches("ab1"));
        assert!(!s.csrf_matches(""));
        assert!(!s.csrf_matches("ab12ab12"));
    }
}
