//! What the mock server's tests share: the built examples, grants by
//! digest, and a real HTTP client.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use mock_server::MockServer;
use serde_json::Value as Json;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory of a built example or test guest (`examples/<name>`, else `tests/guests/<name>`).
pub fn example(name: &str) -> PathBuf {
    let path = [root().join("examples").join(name), root().join("tests/guests").join(name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no example or test guest `{name}`"));
    assert!(path.join("plugin.wasm").exists(), "{} is not built: run `cargo xtask test` (or `cargo xtask guests` first)", path.display());
    path
}

/// The SHA-256 (hex) of `bytes`: what a grant binds to.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Where every test of the workspace caches compiled plugins.
pub fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache")
}

pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// `GET path` with `headers`: the status and the JSON body.
pub async fn get(server: &MockServer, path: &str, headers: &[(&str, &str)]) -> (u16, Json) {
    let client = reqwest::Client::new();
    let mut request = client.get(format!("http://{}{path}", server.address()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}
