//! The mock server when plugins fail, over real HTTP on 127.0.0.1: a
//! response plugin that traps or loops, the same plugin replaced while 8
//! clients keep sending requests, and a remote auth plugin (the Python
//! OAuth example, against a real introspection server) that goes down, in
//! a chain that fails closed and one that fails open to the Go JWT plugin.

mod common;
#[path = "../../../tests/support/python_services.rs"]
mod python_services;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::{digest, example, get};
use mock_server::{Config, MockServer};
use serde_json::json;

const SECRET: &str = "mock-server-faults-secret";

const CONFIG: &str = r#"
listen: 127.0.0.1:0
plugins:
  dir: plugins
  policy: policy.toml
  remote: remote.toml
  config:
    jwt: { jwt-secret: "mock-server-faults-secret", jwt-issuer: "https://issuer.example", jwt-audience: "mock-api" }
routes:
  - method: GET
    path: /faulty/{what}
    responders: [faulty]
  - method: GET
    path: /closed
    auth: [{ plugin: oauth }]
    response: { body: '{"by": "{{caller.id}}"}' }
  - method: GET
    path: /open
    auth: [{ plugin: oauth, on-failure: open }, { plugin: jwt }]
    response: { body: '{"by": "{{caller.id}}"}' }
  - method: GET
    path: /never
    auth: [{ plugin: never }]
    response: { body: '{}' }
"#;

/// An HS256 JWT for `alice`, as the Go plugin is configured to accept.
fn jwt() -> String {
    use hmac::Mac as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({"iss": "https://issuer.example", "aud": "mock-api", "sub": "alice", "exp": now + 3600});
    let signed = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.to_string().as_bytes()));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    format!("{signed}.{}", b64(&mac.finalize().into_bytes()))
}

/// Writes `bytes` as `path` the way a deployment should: a temporary file
/// renamed over the old one, so the watcher never reads half a file.
fn replace(path: &std::path::Path, bytes: &[u8]) {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes).unwrap();
    std::fs::rename(&partial, path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_plugins_cost_their_own_requests_only() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();

    // Two versions of the faulty plugin (the second differs in its manifest's
    // version only), both granted, with a short deadline.
    let faulty = std::fs::read(example("faulty-response-rust").join("plugin.wasm")).unwrap();
    let manifest = std::fs::read_to_string(example("faulty-response-rust").join("polyplug.toml")).unwrap();
    let next = polyplug_manifest::embed(&faulty, &manifest.replace("version = \"0.1.0\"", "version = \"0.1.1\"")).unwrap();
    let jwt_plugin = std::fs::read(example("auth-go-jwt").join("plugin.wasm")).unwrap();
    std::fs::write(plugins.join("faulty.wasm"), &faulty).unwrap();
    std::fs::write(plugins.join("jwt.wasm"), &jwt_plugin).unwrap();
    let policy = format!(
        "[plugins.faulty-response-rust]\nsha256 = [\"{}\", \"{}\"]\nlimits = {{ timeout-ms = 300 }}\n\n\
         [plugins.auth-go-jwt]\nsha256 = [\"{}\"]\nlog = true\nconfig = true\nclocks = true\n",
        digest(&faulty),
        digest(&next),
        digest(&jwt_plugin)
    );
    std::fs::write(dir.path().join("policy.toml"), policy).unwrap();

    // The OAuth plugin as a real service, deciding against a real introspection server.
    let (_introspection, oauth) = python_services::oauth_plugin(&common::root());
    // `never` points at a port nothing listens on.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let remote = format!(
        "[plugins.oauth]\nworld = \"auth\"\nendpoints = [\"{}\"]\ntimeout-ms = 2000\n\n\
         [plugins.never]\nworld = \"auth\"\nendpoints = [\"http://{closed_port}\"]\ntimeout-ms = 500\n",
        oauth.1
    );
    std::fs::write(dir.path().join("remote.toml"), remote).unwrap();
    let config = CONFIG.replace("  policy: policy.toml\n", &format!("  policy: policy.toml\n  cache: {}\n", common::cache().display()));
    std::fs::write(dir.path().join("mock.yaml"), config).unwrap();
    let server = MockServer::start(Config::load(&dir.path().join("mock.yaml")).unwrap()).await.unwrap();

    a_trap_is_a_500_naming_the_plugin_and_the_next_request_is_served(&server).await;
    a_loop_ends_at_its_deadline_while_other_requests_flow(&server).await;
    a_plugin_replaced_under_8_clients_fails_no_request(&server, &plugins.join("faulty.wasm"), [&faulty, &next]).await;
    a_remote_plugin_that_is_down_fails_closed_unless_configured_open(&server, oauth).await;
    server.stop().await;
}

async fn a_trap_is_a_500_naming_the_plugin_and_the_next_request_is_served(server: &MockServer) {
    let (status, body) = get(server, "/faulty/trap", &[]).await;
    assert_eq!(status, 500, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.starts_with("plugin `faulty` failed: plugin `faulty-response-rust` failed in `responder/generate`"), "{error}");
    assert!(error.contains("unreachable"), "the trap is named: {error}");
    let (status, body) = get(server, "/faulty/ok", &[]).await;
    assert_eq!((status, body), (200, json!({"path": "/faulty/ok"})));
}

async fn a_loop_ends_at_its_deadline_while_other_requests_flow(server: &MockServer) {
    let looping = tokio::spawn({
        let url = format!("http://{}/faulty/loop", server.address());
        async move {
            let response = reqwest::get(url).await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
        }
    });
    // While it loops, the other requests are answered (two worker threads,
    // and the looping call yields between slices).
    let mut answered = 0;
    while !looping.is_finished() {
        let (status, body) = get(server, "/faulty/ok", &[]).await;
        assert_eq!(status, 200, "{body}");
        answered += 1;
    }
    let (status, body) = looping.await.unwrap();
    assert_eq!(status, 500, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("plugin `faulty`") && error.contains("timeout") && error.contains("timeout-ms"), "the deadline is named with how to raise it: {error}");
    assert!(answered > 0, "requests were answered while the plugin looped");
}

async fn a_plugin_replaced_under_8_clients_fails_no_request(server: &MockServer, file: &std::path::Path, versions: [&[u8]; 2]) {
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (stop, url) = (stop.clone(), format!("http://{}/faulty/ok", server.address()));
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let (mut ok, mut failed, mut versions) = (0u32, Vec::new(), std::collections::BTreeSet::new());
                while !stop.load(Ordering::Relaxed) {
                    match client.get(&url).send().await {
                        Ok(response) if response.status() == 200 => {
                            ok += 1;
                            versions.insert(response.headers()["x-mock-plugin"].to_str().unwrap().to_string());
                        }
                        Ok(response) => failed.push(format!("{}: {}", response.status(), response.text().await.unwrap_or_default())),
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                (ok, failed, versions)
            })
        })
        .collect();
    for round in 1..=6 {
        let bytes = versions[round % 2];
        replace(file, bytes);
        let wanted = digest(bytes);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while server.plugins().get("faulty").is_none_or(|p| p.digest() != wanted) {
            assert!(std::time::Instant::now() < deadline, "replacement {round} did not serve within 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The next request is answered by the new version (the server's
        // facades follow the directory), before the next replacement.
        let version = if round % 2 == 1 { "0.1.1" } else { "0.1.0" };
        let response = reqwest::get(format!("http://{}/faulty/ok", server.address())).await.unwrap();
        assert_eq!(response.headers()["x-mock-plugin"], format!("faulty=faulty-response-rust@{version}").as_str(), "after replacement {round}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let (mut answered, mut failures, mut versions) = (0, Vec::new(), std::collections::BTreeSet::new());
    for client in clients {
        let (ok, failed, seen) = client.await.unwrap();
        answered += ok;
        failures.extend(failed);
        versions.extend(seen);
    }
    assert!(failures.is_empty(), "{} of {} requests failed during the replacements, e.g. {:?}", failures.len(), answered as usize + failures.len(), failures.first());
    assert_eq!(versions.into_iter().collect::<Vec<_>>(), ["faulty=faulty-response-rust@0.1.0", "faulty=faulty-response-rust@0.1.1"], "the clients saw both versions");
}

async fn a_remote_plugin_that_is_down_fails_closed_unless_configured_open(server: &MockServer, oauth: python_services::Service) {
    let reader = [("authorization", "Bearer reader-token")];
    let (status, body) = get(server, "/closed", &reader).await;
    assert_eq!((status, &body), (200, &json!({"by": "u-17"})));
    let (status, body) = get(server, "/closed", &[("authorization", "Bearer revoked-token")]).await;
    assert_eq!((status, &body), (401, &json!({"error": "the token is not active"})));

    // Down from the start: its routes answer 503, naming it.
    let (status, body) = get(server, "/never", &[]).await;
    assert_eq!(status, 503, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.starts_with("remote plugin `never`: no endpoint could be described") && error.contains("Connection refused"), "{error}");
    assert_eq!(get(server, "/never", &[]).await, (503, body), "and again, without waiting for it");

    oauth.stop();
    let token = format!("Bearer {}", jwt());
    let (status, body) = get(server, "/closed", &[("authorization", &token)]).await;
    assert_eq!(status, 503, "a chain fails closed by default: {body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.starts_with("plugin `oauth` failed: remote plugin `oauth`, `authenticator/authenticate`") && error.contains("UNAVAILABLE"), "{error}");
    let (status, body) = get(server, "/open", &[("authorization", &token)]).await;
    assert_eq!((status, &body), (200, &json!({"by": "alice"})), "failing open, the Go JWT plugin decided");
}
