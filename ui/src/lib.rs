//! Gõ Cửa field app UI: Yew function components, one screen per module,
//! compiled to wasm32 and run inside the Tauri shell (`gocua-app`).
//!
//! This crate owns what the member sees and taps, in Vietnamese, at 360×640
//! and on a desktop window. It must not keep records or decide domain rules:
//! every fact comes from the shell's commands (`api`, over `ipc`) and the
//! rules are `gocua-core`'s. Nor does it declare what the commands take and
//! return: those types are `gocua-app-api`'s, shared with the shell. Pure
//! logic (formatting, form checks, the visit reducer) lives in modules
//! without a DOM and is tested natively.

pub mod api;
mod app;
pub mod chart;
mod ctx;
mod fold_out;
mod form_state;
pub mod format;
pub mod forms;
pub mod ipc;
pub mod review_api;
mod screens;
pub mod visit_draft;
mod widgets;

pub use app::App;
pub use ctx::Route;
