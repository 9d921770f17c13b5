//! Shared by the pipeline's tests: a plugin directory with a policy and a
//! secrets file, a pipeline configuration around it, an HTTP sink and a
//! CRM on loopback, and NATS helpers.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;

#[path = "../support/nats_server.rs"]
pub mod nats_server;

/// The built component of guest `name` (under `examples/` or `tests/guests/`).
pub fn guest(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    ["examples", "tests/guests"]
        .iter()
        .map(|dir| root.join(dir).join(name).join("plugin.wasm"))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} is not built: run `cargo xtask test` (or `cargo xtask guests` first)"))
}

pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The tokens of the CRM the enrich plugin calls, by tenant; the tests grep for them.
pub const ACME_TOKEN: &str = "crm-acme-5f0a";
pub const GLOBEX_TOKEN: &str = "crm-globex-c3d9";

/// A plugin directory `dir/plugins` holding `plugins` (key, guest name,
/// policy lines of its grant), the policy, and the secrets file.
pub fn plugin_dir(dir: &Path, plugins: &[(&str, &str, &str)], tenants_policy: &str) {
    let plugins_dir = dir.join("plugins");
    std::fs::create_dir_all(&plugins_dir).unwrap();
    let mut policy = String::new();
    for (key, guest_name, grant) in plugins {
        let bytes = std::fs::read(guest(guest_name)).unwrap();
        std::fs::write(plugins_dir.join(format!("{key}.wasm")), &bytes).unwrap();
        policy.push_str(&format!("[plugins.{guest_name}]\nsha256 = [\"{}\"]\n{grant}\n\n", digest(&bytes)));
    }
    policy.push_str(tenants_policy);
    std::fs::write(dir.join("policy.toml"), policy).unwrap();
    std::fs::write(dir.join("secrets.toml"), format!("[tenants.acme]\ncrm-token = \"{ACME_TOKEN}\"\n\n[tenants.globex]\ncrm-token = \"{GLOBEX_TOKEN}\"\n")).unwrap();
}

/// The compiled-plugin cache all the tests share.
pub fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("pipeline-cache")
}

/// Writes `yaml` (with `{cache}` filled in) as `dir/pipeline.yaml` and reads it back.
pub fn config(dir: &Path, yaml: &str) -> pipeline::Config {
    let yaml = yaml.replace("{cache}", &cache().display().to_string());
    std::fs::write(dir.join("pipeline.yaml"), yaml).unwrap();
    pipeline::Config::load(&dir.join("pipeline.yaml")).unwrap()
}

/// What an HTTP sink received: each request's headers and body.
#[derive(Clone, Default)]
pub struct Received(pub Arc<Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>);

impl Received {
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.0.lock().unwrap().iter().map(|(_, body)| serde_json::from_slice(body).unwrap_or(serde_json::Value::Null)).collect()
    }

    pub fn header(&self, index: usize, name: &str) -> Option<String> {
        self.0.lock().unwrap().get(index)?.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }
}

/// An HTTP sink on loopback (`POST /received`), answering 200.
pub async fn http_sink() -> (SocketAddr, Received) {
    let received = Received::default();
    let kept = received.clone();
    let router = axum::Router::new().route(
        "/received",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                let headers = headers.iter().map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
                kept.0.lock().unwrap().push((headers, body.to_vec()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (address, received)
}

/// A CRM on loopback: `GET /customers/<id>` with each tenant's own token
/// answers that tenant's customer; another token is 401, another id 404.
/// Every `authorization` it saw is kept.
pub async fn crm() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    let router = axum::Router::new().route(
        "/customers/{id}",
        axum::routing::get(move |axum::extract::Path(id): axum::extract::Path<String>, headers: axum::http::HeaderMap| {
            let kept = kept.clone();
            async move {
                let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                kept.lock().unwrap().push(authorization.clone());
                let tenant = match authorization.strip_prefix("Bearer ") {
                    Some(ACME_TOKEN) => "acme",
                    Some(GLOBEX_TOKEN) => "globex",
                    _ => return (axum::http::StatusCode::UNAUTHORIZED, "bad token".to_string()),
                };
                if id != "c-7" {
                    return (axum::http::StatusCode::NOT_FOUND, "no such customer".to_string());
                }
                (axum::http::StatusCode::OK, serde_json::json!({"id": id, "name": format!("Ada of {tenant}"), "tier": "gold"}).to_string())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (address, seen)
}

/// The next message on `subscriber`, within 20 s (a bound on "at all", not a timing).
pub async fn next(subscriber: &mut async_nats::Subscriber) -> async_nats::Message {
    tokio::time::timeout(Duration::from_secs(20), subscriber.next()).await.expect("a message within 20 s").expect("the subscription is open")
}

/// Waits until `condition` holds, checking every 10 ms, for at most 30 s.
pub async fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "waited 30 s for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
