//! Build script: Tauri's code generation. The frontend (`ui/dist`) is built by
//! `scripts/build-ui.sh`; when it is missing, a placeholder page is written so
//! that a plain `cargo build` of the workspace still works.

fn main() {
    let dist = std::path::Path::new("../ui/dist");
    let index = dist.join("index.html");
    if !index.exists() {
        let page = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">\
                    <title>Gõ Cửa</title><p>Giao diện chưa được dựng: hãy chạy \
                    <code>scripts/build-ui.sh</code> rồi dựng lại ứng dụng.</p></html>\n";
        if std::fs::create_dir_all(dist).is_ok() {
            let _ = std::fs::write(&index, page);
        }
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
