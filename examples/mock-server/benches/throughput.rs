//! Requests per second and latency of the mock server over real HTTP on
//! 127.0.0.1, 64 connections, one route per scenario: a bare axum handler
//! (the baseline every ratio is to), a static body (no plugin), then auth
//! (Rust; Go through the auth@0.1 mapping), auth and a template body
//! (Python), auth + a response plugin + a template expression in a header
//! (all Rust: basic auth, `tests/guests/faulty-response-rust`'s answering
//! path, `examples/template-text-rust`; and Go + TypeScript + Python), and a
//! stock `wasi:http` component (Rust, a fresh instance per request).
//!
//! ```sh
//! cargo xtask guests
//! cargo bench -p mock-server --bench throughput            # 5 s per scenario
//! ```
//!
//! Run as a test (`cargo test --benches`, which `cargo xtask test` does), it
//! sends a few requests per scenario, so that it keeps working. Client and
//! server share the machine's cores: the numbers are what one box does
//! serving and loading itself, a lower bound for the server alone.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::{basic, digest, example};
use mock_server::{Config, MockServer};
use serde_json::json;

const CONNECTIONS: usize = 64;
const SECRET: &str = "mock-server-bench-secret";

const CONFIG: &str = r#"
listen: 127.0.0.1:0
plugins:
  dir: plugins
  policy: policy.toml
  config:
    basic: { user.ada: "correct horse" }
    jwt: { jwt-secret: "mock-server-bench-secret", jwt-issuer: "https://issuer.example", jwt-audience: "mock-api" }
    fake: { seed: "7" }
routes:
  - { method: GET, path: /static, response: { body: '{"ok": true}' } }
  - { method: GET, path: /auth-rust, auth: [{ plugin: basic }], response: { body: '{"by": "{{caller.id}}"}' } }
  - { method: GET, path: /auth-go, auth: [{ plugin: jwt }], response: { body: '{"by": "{{caller.id}}"}' } }
  - method: GET
    path: /users/{id}
    auth: [{ plugin: basic }]
    response: { body: '{"id": "{{path.id}}", "name": "{{fake.name path.id}}", "email": "{{fake.email path.id}}"}' }
  - { method: GET, path: '/orders/{id}', auth: [{ plugin: basic }], responders: [faulty], headers: { x-order-id: '{{text.id "orders" path.id}}' } }
  - { method: POST, path: /graphql, auth: [{ plugin: jwt }], responders: [graphql], headers: { x-request-id: '{{fake.uuid query.n}}' } }
  - { method: GET, path: '/hello/{name}', responders: [hello] }
"#;

/// One scenario: its name, and how to make its request (to the mock
/// server, or with `bare`, to a plain axum handler).
struct Scenario {
    name: &'static str,
    bare: bool,
    request: fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
}

fn jwt() -> String {
    use hmac::Mac as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({"iss": "https://issuer.example", "aud": "mock-api", "sub": "alice", "exp": now + 3600});
    let signed = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.to_string().as_bytes()));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    format!("Bearer {signed}.{}", b64(&mac.finalize().into_bytes()))
}

fn scenarios() -> Vec<Scenario> {
    fn ada() -> String {
        basic("ada", "correct horse")
    }
    vec![
        Scenario { name: "bare axum handler (baseline)", bare: true, request: |c, base| c.get(format!("{base}/static")) },
        Scenario { name: "static body, no plugin", bare: false, request: |c, base| c.get(format!("{base}/static")) },
        Scenario { name: "auth (Rust, auth@0.2)", bare: false, request: |c, base| c.get(format!("{base}/auth-rust")).header("authorization", ada()) },
        Scenario {
            name: "auth (Go, auth@0.1 mapped)",
            bare: false,
            request: |c, base| {
                static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                c.get(format!("{base}/auth-go")).header("authorization", TOKEN.get_or_init(jwt).as_str())
            },
        },
        Scenario {
            name: "auth (Rust) + template body, 2 calls (Python)",
            bare: false,
            request: |c, base| c.get(format!("{base}/users/7")).header("authorization", ada()),
        },
        Scenario {
            name: "(c) auth + response plugin + template in a header, all Rust",
            bare: false,
            request: |c, base| c.get(format!("{base}/orders/7")).header("authorization", ada()),
        },
        Scenario {
            name: "(c) auth (Go) + response plugin (TypeScript) + template in a header (Python)",
            bare: false,
            request: |c, base| {
                static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                c.post(format!("{base}/graphql?n=7")).header("authorization", TOKEN.get_or_init(jwt).as_str()).body(r#"{"query": "{ users { name } }"}"#)
            },
        },
        Scenario { name: "wasi:http component (Rust, fresh instance)", bare: false, request: |c, base| c.get(format!("{base}/hello/bench")) },
    ]
}

/// What a scenario measured.
struct Measured {
    requests: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(index).copied().unwrap_or_default()
    }
}

/// `CONNECTIONS` clients sending `scenario`'s request back to back: for
/// `warm_up` (not counted), then for `measure`, or `count` requests each when
/// run as a test.
async fn run(base: &str, scenario: &Scenario, warm_up: Duration, measure: Duration, count: Option<usize>) -> Measured {
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (counting, stop, base, make) = (counting.clone(), stop.clone(), base.to_string(), scenario.request);
            tokio::spawn(async move {
                // One connection per client, kept alive.
                let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
                let (mut latencies, mut failed, mut sent) = (Vec::new(), 0, 0);
                while !stop.load(Ordering::Relaxed) && count.is_none_or(|n| sent < n) {
                    let start = Instant::now();
                    let ok = match make(&client, &base).send().await {
                        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    sent += 1;
                    if counting.load(Ordering::Relaxed) || count.is_some() {
                        latencies.push(start.elapsed());
                        failed += usize::from(!ok);
                    }
                }
                (latencies, failed)
            })
        })
        .collect();
    let start = if count.is_none() {
        tokio::time::sleep(warm_up).await;
        counting.store(true, Ordering::Relaxed);
        let start = Instant::now();
        tokio::time::sleep(measure).await;
        stop.store(true, Ordering::Relaxed);
        start
    } else {
        Instant::now()
    };
    let mut measured = Measured { requests: 0, failed: 0, elapsed: Duration::ZERO, latencies: Vec::new() };
    for client in clients {
        let (latencies, failed) = client.await.unwrap();
        measured.failed += failed;
        measured.latencies.extend(latencies);
    }
    measured.elapsed = start.elapsed();
    measured.requests = measured.latencies.len();
    measured.latencies.sort();
    measured
}

async fn server(dir: &std::path::Path) -> MockServer {
    let plugins = dir.join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let mut policy = String::new();
    for (key, example_name, grant) in [
        ("basic", "auth-basic-rust", ""),
        ("jwt", "auth-go-jwt", "log = true\nconfig = true\nclocks = true\n"),
        ("fake", "fake-data-python", "log = true\n"),
        ("graphql", "response-graphql-ts", ""),
        ("faulty", "faulty-response-rust", ""),
        ("text", "template-text-rust", ""),
        ("hello", "wasi-http-rust", ""),
    ] {
        let bytes = std::fs::read(example(example_name).join("plugin.wasm")).unwrap();
        std::fs::write(plugins.join(format!("{key}.wasm")), &bytes).unwrap();
        policy.push_str(&format!("[plugins.{example_name}]\nsha256 = [\"{}\"]\n{grant}\n", digest(&bytes)));
    }
    std::fs::write(dir.join("policy.toml"), policy).unwrap();
    let config = CONFIG.replace("  policy: policy.toml\n", &format!("  policy: policy.toml\n  cache: {}\n", common::cache().display()));
    std::fs::write(dir.join("mock.yaml"), config).unwrap();
    MockServer::start(Config::load(&dir.join("mock.yaml")).unwrap()).await.unwrap()
}

/// A plain axum server answering `GET /static` with the static route's body:
/// what the scenarios are compared with.
async fn bare_axum() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    use axum::http::header::CONTENT_TYPE;
    let router = axum::Router::new().route("/static", axum::routing::get(|| async { ([(CONTENT_TYPE, "application/json")], r#"{"ok": true}"#) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    (address, tokio::spawn(async move { axum::serve(listener, router).await.unwrap() }))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let server = server(dir.path()).await;
        let base = format!("http://{}", server.address());
        let (bare_address, bare) = bare_axum().await;
        let bare_base = format!("http://{bare_address}");
        if benchmarking {
            println!("| scenario | requests/s | vs bare axum | P50 | P99 | failed |");
            println!("|---|---|---|---|---|---|");
        }
        let mut baseline = None;
        for scenario in scenarios() {
            let base = if scenario.bare { &bare_base } else { &base };
            let measured = if benchmarking {
                run(base, &scenario, Duration::from_secs(1), Duration::from_secs(5), None).await
            } else {
                run(base, &scenario, Duration::ZERO, Duration::ZERO, Some(2)).await
            };
            assert_eq!(measured.failed, 0, "{}: {} of {} requests failed", scenario.name, measured.failed, measured.requests);
            if benchmarking {
                let rate = measured.requests as f64 / measured.elapsed.as_secs_f64();
                let baseline = *baseline.get_or_insert(rate);
                println!(
                    "| {} | {rate:.0} | {:.0}% | {:.2} ms | {:.2} ms | {} |",
                    scenario.name,
                    100.0 * rate / baseline,
                    measured.percentile(0.50).as_secs_f64() * 1e3,
                    measured.percentile(0.99).as_secs_f64() * 1e3,
                    measured.failed
                );
            } else {
                println!("{}: {} requests answered", scenario.name, measured.requests);
            }
        }
        server.stop().await;
        bare.abort();
    });
}
