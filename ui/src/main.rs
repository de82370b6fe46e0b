//! Entry point of the wasm bundle: mounts the app on the page body.
//! Natively there is nothing to run (the crate is tested with `cargo test`).

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<gocua_ui::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("gocua-ui runs in the app's web view: build it with scripts/build-ui.sh");
}
