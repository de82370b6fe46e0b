//! Reading the command line, in Vietnamese: the help pages' headings and
//! flags, and clap's own errors (a mistyped flag, a missing argument, a
//! value not among the allowed ones) said first in Vietnamese with clap's
//! English text after it, as every other error of `gocua` is.

use crate::args::Cli;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};
use std::process::ExitCode;

const TEMPLATE: &str = "{about-with-newline}\nCách dùng: {usage}\n\n{all-args}{after-help}";

/// The command line as given, or the exit code after help, the version, or
/// an error was printed.
pub fn parse() -> Result<Cli, ExitCode> {
    let cmd = localise(Cli::command(), true);
    let parsed = cmd
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    match parsed {
        Ok(cli) => Ok(cli),
        Err(e) => Err(report(e)),
    }
}

/// Vietnamese headings, help and version flags on a command and all below it.
fn localise(cmd: Command, root: bool) -> Command {
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading("Lệnh")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .mut_args(|a| {
            if a.get_help_heading().is_some() {
                a
            } else if a.is_positional() {
                a.help_heading("Tham số")
            } else {
                a.help_heading("Tùy chọn")
            }
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("In hướng dẫn này")
                .help_heading("Tùy chọn"),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("In số phiên bản")
                .help_heading("Tùy chọn"),
        );
    }
    cmd.mut_subcommands(|sc| localise(sc, false))
}

fn report(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // Help and the version go out as clap prints them (already in our words).
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
        _ => {}
    }
    let text = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => v
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let (code, vi) = match e.kind() {
        ErrorKind::InvalidValue => {
            let valid = text(ContextKind::ValidValue);
            let choose = if valid.is_empty() {
                String::new()
            } else {
                format!("; chọn một trong: {valid}")
            };
            (
                "invalid_value",
                format!("Giá trị \"{value}\" không hợp lệ cho {arg}{choose}."),
            )
        }
        ErrorKind::ValueValidation => {
            let why = match std::error::Error::source(&e) {
                Some(s) if s.is::<std::num::ParseIntError>() => "cần một số nguyên",
                _ => "sai dạng",
            };
            (
                "invalid_value",
                format!("Giá trị \"{value}\" không hợp lệ cho {arg}: {why}."),
            )
        }
        ErrorKind::UnknownArgument => (
            "unknown_argument",
            format!("Lệnh này không có tham số {arg}; xem các tham số bằng --help."),
        ),
        ErrorKind::InvalidSubcommand => (
            "unknown_command",
            format!(
                "Không có lệnh \"{}\"; xem danh sách lệnh bằng --help.",
                text(ContextKind::InvalidSubcommand)
            ),
        ),
        ErrorKind::MissingRequiredArgument => (
            "missing_argument",
            format!("Thiếu tham số bắt buộc: {arg}."),
        ),
        ErrorKind::MissingSubcommand => (
            "missing_command",
            "Thiếu lệnh con; xem danh sách lệnh bằng --help.".to_string(),
        ),
        ErrorKind::ArgumentConflict => (
            "argument_conflict",
            format!("Không dùng {arg} cùng với {}.", text(ContextKind::PriorArg)),
        ),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => (
            "wrong_number_of_values",
            format!("Số giá trị cho {arg} không đúng."),
        ),
        ErrorKind::NoEquals => (
            "no_equals",
            format!("Tham số {arg} cần dấu = trước giá trị."),
        ),
        ErrorKind::InvalidUtf8 => (
            "invalid_utf8",
            "Câu lệnh chứa ký tự không phải UTF-8.".to_string(),
        ),
        _ => ("usage", "Câu lệnh không đúng cú pháp.".to_string()),
    };
    let suggested = [
        ContextKind::SuggestedValue,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
    ]
    .into_iter()
    .map(text)
    .find(|s| !s.is_empty());
    let vi = match suggested {
        Some(s) => format!("{vi} Có phải ý bạn là: {s}?"),
        None => vi,
    };
    let english = e.render().to_string();
    let english = english.trim_end();
    let english = english.strip_prefix("error: ").unwrap_or(english);
    eprintln!("Lỗi: {vi}\nerror [{code}]: {english}");
    ExitCode::from(2)
}
