//! `gocua-server admin member set-password --member ID [--login NAME]`:
//! give a commune officer or admin a password for the web pages. The
//! password is read from the terminal (asked twice, not echoed) or, in a
//! script, from the first line of standard input; it is never an argument
//! (which `ps` and shell history would show) and never printed or logged.

use crate::serve::{INFO_FILE, ServerInfo};
use anyhow::{Context, Result, bail};
use gocua_central::{CentralDb, MAX_PASSWORD_CHARS};
use gocua_core::MemberId;
use std::io::{BufRead, IsTerminal, Read};
use std::path::Path;

fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Mật khẩu mới (ít nhất 10 ký tự): ")?;
        let again = rpassword::prompt_password("Nhập lại mật khẩu: ")?;
        if first != again {
            bail!("Hai lần nhập mật khẩu không giống nhau (the passwords differ).");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take((MAX_PASSWORD_CHARS * 4 + 2) as u64)
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub fn run(
    db: &CentralDb,
    data: &Path,
    member: MemberId,
    login: Option<&str>,
    json: bool,
) -> Result<()> {
    // Check who it is before asking, so a wrong id fails at once.
    db.member(member)?;
    let password = read_password()?;
    let account = db.set_password(member, login, &password)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&account)?);
        return Ok(());
    }
    println!(
        "Đã đặt mật khẩu cho {} ({}).",
        account.member.full_name,
        account.member.role.label_vi()
    );
    println!("Tên đăng nhập: {}", account.login);
    let url = std::fs::read_to_string(data.join(INFO_FILE))
        .ok()
        .and_then(|s| serde_json::from_str::<ServerInfo>(&s).ok())
        .map(|i| i.url);
    if let Some(url) = url {
        println!("Đăng nhập trang quản lý tại {url}/sign-in");
    }
    println!("Các phiên đăng nhập cũ của người này đã kết thúc.");
    Ok(())
}
