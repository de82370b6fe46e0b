//! The desktop binary. `gocua-app` opens the window; `gocua-app enroll
//! TARGET PIN [DEVICE_NAME]` enrolls the data folder (`GOCUA_APP_DATA`)
//! without a window, for scripted demos, and exits.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("enroll") {
        std::process::exit(enroll(&args[1..]));
    }
    gocua_app_lib::run();
}

fn enroll(args: &[String]) -> i32 {
    let (Some(target), Some(pin)) = (args.first(), args.get(1)) else {
        eprintln!("usage: GOCUA_APP_DATA=DIR gocua-app enroll TARGET PIN [DEVICE_NAME]");
        return 2;
    };
    let Some(dir) = std::env::var_os("GOCUA_APP_DATA") else {
        eprintln!("GOCUA_APP_DATA must name the app's data folder");
        return 2;
    };
    let name = args.get(2).map_or("Máy tính demo", String::as_str);
    match gocua_app_lib::enroll_headless(std::path::Path::new(&dir), target, "", name, pin) {
        Ok(info) => {
            println!(
                "Đã đăng ký ứng dụng cho {} ({})",
                info.member.full_name, info.commune_name
            );
            0
        }
        Err(e) => {
            eprintln!("Lỗi: {}\nerror [{}]", e.message, e.code);
            1
        }
    }
}
