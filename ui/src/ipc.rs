//! The bridge to the Tauri shell: `window.__TAURI__.core.invoke` for
//! commands and `window.__TAURI__.event.listen` for events, with arguments
//! and results passed as JSON. Every failure comes back as an `ApiError`
//! (`{code, message}`, the message in Vietnamese). Outside the shell (native
//! tests, a plain browser) every call fails with the code `no_shell`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// An error as the shell sends it: a stable code and a sentence to show.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The session was locked (idle too long, or locked by the user).
    pub fn is_locked(&self) -> bool {
        self.code == "locked"
    }

    /// Read whatever a rejected command handed back.
    pub fn from_json(text: &str) -> ApiError {
        if let Ok(e) = serde_json::from_str::<ApiError>(text) {
            return e;
        }
        let detail = serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_string());
        ApiError::new("unexpected", format!("Lỗi không mong đợi: {detail}"))
    }

    fn bad_answer(detail: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            "bad_answer",
            format!("Ứng dụng trả lời không đúng định dạng ({detail})."),
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Decode a command's JSON answer.
pub fn decode<R: DeserializeOwned>(text: &str) -> Result<R, ApiError> {
    serde_json::from_str(text).map_err(ApiError::bad_answer)
}

/// Call a command of the shell with named arguments (a struct or a
/// `serde_json::json!` object).
pub async fn invoke<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, ApiError> {
    let args = serde_json::to_string(args).map_err(ApiError::bad_answer)?;
    let text = shell::invoke_json(cmd, &args).await?;
    decode(&text)
}

/// Call `handler` with the JSON payload of every `event` the shell emits,
/// for the life of the page.
pub fn listen(event: &str, handler: impl Fn(String) + 'static) {
    shell::listen_json(event, Box::new(handler));
}

#[cfg(target_arch = "wasm32")]
mod shell {
    use super::ApiError;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
        async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

        #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "event"], js_name = listen)]
        async fn tauri_listen(
            event: &str,
            handler: &Closure<dyn FnMut(JsValue)>,
        ) -> Result<JsValue, JsValue>;
    }

    fn to_json(v: &JsValue) -> String {
        js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "null".into())
    }

    pub async fn invoke_json(cmd: &str, args: &str) -> Result<String, ApiError> {
        let args = js_sys::JSON::parse(args)
            .map_err(|_| ApiError::new("bad_request", "Không tạo được yêu cầu."))?;
        match tauri_invoke(cmd, args).await {
            Ok(v) => Ok(to_json(&v)),
            Err(e) => Err(error_of(&e)),
        }
    }

    fn error_of(e: &JsValue) -> ApiError {
        if let Some(s) = e.as_string() {
            return ApiError::from_json(&serde_json::to_string(&s).unwrap_or_default());
        }
        if e.is_instance_of::<js_sys::Error>() {
            return ApiError::new(
                "no_shell",
                "Không gọi được ứng dụng (giao diện đang chạy ngoài ứng dụng Gõ Cửa?).",
            );
        }
        ApiError::from_json(&to_json(e))
    }

    pub fn listen_json(event: &str, handler: Box<dyn Fn(String)>) {
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let payload =
                js_sys::Reflect::get(&ev, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
            handler(to_json(&payload));
        });
        let event = event.to_string();
        wasm_bindgen_futures::spawn_local(async move {
            // Registered for the life of the page: the closure is kept alive.
            let _ = tauri_listen(&event, &closure).await;
            closure.forget();
        });
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod shell {
    use super::ApiError;

    pub async fn invoke_json(_cmd: &str, _args: &str) -> Result<String, ApiError> {
        Err(ApiError::new(
            "no_shell",
            "Không gọi được ứng dụng (giao diện đang chạy ngoài ứng dụng Gõ Cửa).",
        ))
    }

    pub fn listen_json(_event: &str, _handler: Box<dyn Fn(String)>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_is_read_as_code_and_message() {
        let e = ApiError::from_json(r#"{"code":"wrong_pin","message":"Sai mã PIN."}"#);
        assert_eq!(e, ApiError::new("wrong_pin", "Sai mã PIN."));
        let e = ApiError::from_json(r#""boom""#);
        assert_eq!(e.code, "unexpected");
        assert!(e.message.contains("boom"));
    }

    #[test]
    fn outside_the_shell_calls_fail_politely() {
        let r: Result<(), ApiError> =
            futures_lite_block_on(invoke("app_status", &serde_json::json!({})));
        assert_eq!(r.unwrap_err().code, "no_shell");
    }

    /// A tiny executor for a future that never waits.
    fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }
}
