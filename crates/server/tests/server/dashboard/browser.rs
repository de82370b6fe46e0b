//! Headless Debian Chromium driven through chromedriver (WebDriver) with
//! fantoccini. A fresh profile each time; the server's self-signed
//! certificate is trusted by its public key's SHA-256 (SPKI), not by
//! ignoring every certificate error; downloads land in a folder of ours.

use base64::Engine;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rcgen::PublicKeyData;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// base64 SHA-256 of the server key's SubjectPublicKeyInfo, as Chromium's
/// `--ignore-certificate-errors-spki-list` wants it.
pub fn spki_hash(data: &Path) -> String {
    let pem = std::fs::read_to_string(data.join("tls").join("key.pem")).expect("the server's key");
    let key = rcgen::KeyPair::from_pem(&pem).expect("a PEM key");
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(key.subject_public_key_info()))
}

pub struct Browser {
    driver: Child,
    pub client: Client,
    pub base: String,
    downloads: TempDir,
    _profile: TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    pub async fn start(base: &str, spki: &str) -> Browser {
        assert!(
            Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
            "needs Debian's chromium and chromium-driver (scripts/setup.sh installs them)"
        );
        let port = free_port();
        // A process group of its own: the Chromium it starts is in it, and
        // goes with it even when a failed assertion skips `close`.
        let mut driver = Command::new(CHROMEDRIVER)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                let _ = driver.kill();
                panic!("chromedriver did not listen in time");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = TempDir::new().unwrap();
        let downloads = TempDir::new().unwrap();
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--ignore-certificate-errors-spki-list={spki}"),
                ],
                "prefs": {
                    "download.default_directory": downloads.path().display().to_string(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false,
                },
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{port}");
        // A loaded machine can be slow to bring the first Chromium up.
        let mut tries = 0;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if tries < 3 => {
                    tries += 1;
                    eprintln!("no WebDriver session yet ({e}); trying again");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => {
                    let _ = driver.kill();
                    panic!("no WebDriver session: {e}");
                }
            }
        };
        Browser {
            driver,
            client,
            base: base.to_string(),
            downloads,
            _profile: profile,
        }
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path and query of the page shown.
    pub async fn at(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
            .trim()
            .to_string()
    }

    /// Texts of every element matching, in page order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(e.text().await.unwrap().trim().to_string());
        }
        out
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .attr(name)
            .await
            .unwrap()
    }

    /// Type into a field, replacing what it holds.
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.client.find(Locator::Css(css)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Click and wait for the next page to be there.
    pub async fn click(&self, css: &str) {
        let page = self.client.find(Locator::Css("html")).await.unwrap();
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
        // Clicks navigate, but the old document can still be shown when
        // the click returns (a form's POST): wait until its root is stale.
        // A click that only downloads keeps the page; that wait ends at 5 s.
        for _ in 0..50 {
            if page.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("body"))
            .await
            .unwrap();
    }

    /// With GOCUA_SCREENSHOTS=DIR, a PNG of the whole page as DIR/NAME.png
    /// (for looking at the pages; the test does not need them).
    pub async fn shot(&self, name: &str) {
        let Some(dir) = std::env::var_os("GOCUA_SCREENSHOTS") else {
            return;
        };
        // As tall as the page, so the picture holds all of it.
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(1000)
            .clamp(600, 8000);
        let _ = self.client.set_window_size(1280, height as u32).await;
        let png = self.client.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        let _ = self.client.set_window_size(1280, 1000).await;
    }

    /// Wait for a downloaded file to be complete.
    pub async fn downloaded(&self, name: &str) -> PathBuf {
        let path = self.downloads.path().join(name);
        let started = Instant::now();
        loop {
            let partial = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
            if path.exists() && !partial {
                return path;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let found: Vec<_> = std::fs::read_dir(self.downloads.path())
                    .unwrap()
                    .filter_map(Result::ok)
                    .map(|e| e.file_name())
                    .collect();
                panic!("{name} was not downloaded (found {found:?})");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// End the WebDriver session (Chromium quits); the driver goes on drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver's whole group (ours alone: made at its start).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}
