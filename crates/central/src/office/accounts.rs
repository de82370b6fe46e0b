//! Officers' accounts for the commune office's web pages. Only commune
//! officers and admins get one, from `gocua-server admin member
//! set-password`; field members sync from their phones and never sign in
//! to a browser.
//!
//! A password is kept only as its argon2id hash (the crate's default
//! parameters, OWASP's: 19 MiB, 2 passes, 1 lane; salt from the operating
//! system's generator). Checking one is slow on purpose (~tens of ms), so
//! it is split from the database read: `password_check` reads (cheap, in the
//! database's turn), `PasswordCheck::verify` hashes (on any thread, not
//! holding up other requests). An unknown login is checked against a dummy
//! hash, so a wrong login and a wrong password take as long and fail alike.

use crate::backend::sql::{Tx, vals};
use crate::lookups::{member, member_active};
use crate::{CentralDb, CentralError, random_32, stamp};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;
use gocua_core::text::search_key;
use gocua_core::{Member, MemberId, Role};
use serde::Serialize;
use std::sync::LazyLock;
use thiserror::Error;

/// Passwords shorter than this are refused.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// And longer than this: hashing cost grows with length.
pub const MAX_PASSWORD_CHARS: usize = 128;
const LOGIN_MIN: usize = 3;
const LOGIN_MAX: usize = 40;

/// What can go wrong with accounts and sessions (inside
/// `CentralError::Account`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountError {
    #[error("only commune officers and admins may sign in to the web pages")]
    NoWebRole,
    #[error("a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")]
    PasswordLength,
    #[error("a login has 3 to 40 of a-z, 0-9, '.', '-' and '_'")]
    BadLogin,
    #[error("login {0} is taken by another member")]
    LoginTaken(String),
    /// Wrong login, wrong password, or a member who may no longer sign in:
    /// all the same to the person at the form.
    #[error("wrong login or password")]
    SignInFailed,
    #[error("no such session, or it has ended")]
    SessionExpired,
}

impl AccountError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::NoWebRole => "no_web_role",
            AccountError::PasswordLength => "password_length",
            AccountError::BadLogin => "bad_login",
            AccountError::LoginTaken(_) => "login_taken",
            AccountError::SignInFailed => "sign_in_failed",
            AccountError::SessionExpired => "session_expired",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            AccountError::NoWebRole => {
                "Chỉ cán bộ xã và quản trị viên mới được đăng nhập trang quản lý.".into()
            }
            AccountError::PasswordLength => {
                format!("Mật khẩu phải có từ {MIN_PASSWORD_CHARS} đến {MAX_PASSWORD_CHARS} ký tự.")
            }
            AccountError::BadLogin => "Tên đăng nhập chỉ gồm chữ không dấu, chữ số, dấu chấm, \
                 gạch ngang hoặc gạch dưới, từ 3 đến 40 ký tự."
                .into(),
            AccountError::LoginTaken(login) => {
                format!("Tên đăng nhập \"{login}\" đã có người dùng; hãy chọn tên khác.")
            }
            AccountError::SignInFailed => "Tên đăng nhập hoặc mật khẩu không đúng.".into(),
            AccountError::SessionExpired => {
                "Phiên đăng nhập đã hết hạn hoặc đã đăng xuất; hãy đăng nhập lại.".into()
            }
        }
    }
}

/// An officer's account, as the admin command reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebAccount {
    pub member: Member,
    pub login: String,
    pub updated_at: String,
}

/// The roles that may sign in to the web pages.
pub(crate) fn has_web_role(role: Role) -> bool {
    matches!(role, Role::CommuneOfficer | Role::Admin)
}

/// A login as kept and compared: diacritics and case folded ("Lan.Nguyễn"
/// and "lan.nguyen" are one login), then only a-z, 0-9, '.', '-', '_'.
pub fn normalize_login(input: &str) -> Result<String, AccountError> {
    let login = search_key(input.trim());
    let ok = (LOGIN_MIN..=LOGIN_MAX).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-_".contains(&b));
    if ok {
        Ok(login)
    } else {
        Err(AccountError::BadLogin)
    }
}

/// A login made from a name when the admin gives none: "Nguyễn Thị Lan"
/// → "nguyen.thi.lan".
fn login_from_name(full_name: &str) -> Result<String, AccountError> {
    let words: Vec<String> = search_key(full_name)
        .split(' ')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut login = words.join(".");
    login.truncate(LOGIN_MAX);
    normalize_login(login.trim_end_matches('.'))
}

fn check_length(password: &str) -> Result<(), AccountError> {
    let n = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(AccountError::PasswordLength)
    }
}

/// The argon2id PHC string of a password, with a fresh salt.
fn hash_password(password: &str) -> Result<String, CentralError> {
    let salt = SaltString::encode_b64(&random_32()[..16])
        .map_err(|e| CentralError::Backend(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CentralError::Backend(format!("password hash: {e}")))
}

/// What unknown logins are checked against, so they cost what a known one
/// does. A hash of random bytes nobody knows.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password(&hex::encode(random_32())).unwrap_or_else(|_| String::from("$argon2id$"))
});

/// A sign-in attempt read from the database, to be verified off its turn.
pub struct PasswordCheck {
    /// None: no account by that login, or its member may not sign in.
    member: Option<Member>,
    hash: String,
}

impl PasswordCheck {
    /// The member, if the password is theirs. Slow (argon2id): run it on a
    /// blocking thread.
    pub fn verify(self, password: &str) -> Result<Member, CentralError> {
        let fits = check_length(password).is_ok();
        let matches = PasswordHash::new(&self.hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        match self.member {
            Some(m) if matches && fits => Ok(m),
            _ => Err(AccountError::SignInFailed.into()),
        }
    }
}

fn account_login(tx: &mut dyn Tx, member_id: MemberId) -> Result<Option<String>, CentralError> {
    tx.query_opt(
        "SELECT login FROM web_accounts WHERE member_id = $1",
        vals![member_id.to_string()],
    )?
    .map(|r| r.string(0))
    .transpose()
}

impl CentralDb {
    /// Give an officer or admin a password for the web pages (or a new one:
    /// every session they have ends). The login is `login`, else the one
    /// they have, else one made from their name.
    pub fn set_password(
        &self,
        member_id: MemberId,
        login: Option<&str>,
        password: &str,
    ) -> Result<WebAccount, CentralError> {
        check_length(password)?;
        let given = login.map(normalize_login).transpose()?;
        let hash = hash_password(password)?;
        let updated_at = stamp(Utc::now());
        self.write(|tx| {
            let m = member(tx, member_id)?
                .ok_or_else(|| CentralError::not_found("member", member_id))?;
            if !member_active(tx, member_id)? {
                return Err(CentralError::MemberInactive(member_id.to_string()));
            }
            if !has_web_role(m.role) {
                return Err(AccountError::NoWebRole.into());
            }
            let login = match (given, account_login(tx, member_id)?) {
                (Some(l), _) | (None, Some(l)) => l,
                (None, None) => login_from_name(&m.full_name)?,
            };
            if tx.exists(
                "SELECT 1 FROM web_accounts WHERE login = $1 AND member_id <> $2",
                vals![login.as_str(), member_id.to_string()],
            )? {
                return Err(AccountError::LoginTaken(login).into());
            }
            tx.execute(
                "INSERT INTO web_accounts (member_id, login, password_hash, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (member_id) DO UPDATE SET login = excluded.login,
                     password_hash = excluded.password_hash, updated_at = excluded.updated_at",
                vals![
                    member_id.to_string(),
                    login.as_str(),
                    hash.as_str(),
                    updated_at.as_str()
                ],
            )?;
            // A new password is often set because the old one leaked.
            tx.execute(
                "DELETE FROM web_sessions WHERE member_id = $1",
                vals![member_id.to_string()],
            )?;
            Ok(WebAccount {
                member: m,
                login,
                updated_at,
            })
        })
    }

    /// Read what a sign-in with `login` is checked against; then
    /// `verify` the password. A malformed or unknown login, a member no
    /// longer active or no longer an officer all end in `SignInFailed`,
    /// after the same work.
    pub fn password_check(&self, login: &str) -> Result<PasswordCheck, CentralError> {
        let dummy = || PasswordCheck {
            member: None,
            hash: DUMMY_HASH.clone(),
        };
        let Ok(login) = normalize_login(login) else {
            return Ok(dummy());
        };
        let found = self.read(|tx| {
            let Some(row) = tx.query_opt(
                "SELECT a.member_id, a.password_hash FROM web_accounts a
                 JOIN members m ON m.id = a.member_id
                 WHERE a.login = $1 AND m.active = 1",
                vals![login.as_str()],
            )?
            else {
                return Ok(None);
            };
            let m = member(tx, row.parse(0)?)?;
            Ok(m.map(|m| (m, row.string(1))))
        })?;
        Ok(match found {
            Some((m, hash)) if has_web_role(m.role) => PasswordCheck {
                member: Some(m),
                hash: hash?,
            },
            _ => dummy(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_fold_to_plain_ascii() {
        assert_eq!(normalize_login(" Lan.Nguyễn ").unwrap(), "lan.nguyen");
        assert_eq!(normalize_login("can_bo-xa2").unwrap(), "can_bo-xa2");
        assert_eq!(normalize_login("ab"), Err(AccountError::BadLogin));
        assert_eq!(normalize_login("lan nguyen"), Err(AccountError::BadLogin));
        assert_eq!(normalize_login("lan@xa"), Err(AccountError::BadLogin));
        assert_eq!(login_from_name("Nguyễn Thị Lan").unwrap(), "nguyen.thi.lan");
        assert_eq!(login_from_name("Đỗ  Đức (Phó)").unwrap(), "do.duc.pho");
        assert_eq!(login_from_name("Lê"), Err(AccountError::BadLogin));
    }

    #[test]
    fn a_password_hash_checks_that_password_only() {
        let hash = hash_password("mật khẩu dài đủ").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("mật khẩu"));
        let m = Member {
            id: MemberId::new(),
            commune_id: gocua_core::CommuneId::new(),
            team_id: None,
            full_name: "Cán bộ".into(),
            role: Role::CommuneOfficer,
        };
        let check = |member: Option<Member>| PasswordCheck {
            member,
            hash: hash.clone(),
        };
        assert_eq!(check(Some(m.clone())).verify("mật khẩu dài đủ").unwrap(), m);
        assert!(check(Some(m)).verify("mật khẩu dài sai").is_err());
        // No member (unknown login): refused even with the right password.
        assert!(check(None).verify("mật khẩu dài đủ").is_err());
        assert_ne!(hash, hash_password("mật khẩu dài đủ").unwrap(), "salted");
    }
}
