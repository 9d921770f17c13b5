//! Requests per second and latency of the mock server over real HTTP on
//! 127.0.0.1, 64 connections, one route per scenario: a bare axum handler
//! (the baseline every ratio is to), a static body (no plugin), then auth
//! (Rust; Go through the auth@0.1 mapping), auth and a template body
//! (Python), auth + a response plugin + a template expression in a header
//! (all Rust: basic auth, `tests/guests/faulty-response-rust`'s answering
//! path, `examples/template-text-rust`; and Go + TypeScript + Python), and a
//! stock `wasi:http` component (Rust, a fresh instance per request).
//!
//! A run measures every scenario once per round, in order, for `ROUNDS`
//! rounds, so that the machine's speed changes (large on this 2-vCPU VM,
//! within seconds) hit all scenarios alike; a scenario's ratio is its
//! throughput over all rounds to the baseline's over all rounds, and the
//! per-round ratios show how much the speed moved.
//!
//! ```sh
//! cargo xtask guests
//! cargo bench -p mock-server --bench throughput   # 10 rounds of 1 s per scenario
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

/// The `p` quantile of `sorted` latencies.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// The `clients` (one connection each) sending `scenario`'s request back to back: for
/// `warm_up` (not counted), then for `measure`, or `count` requests each when
/// run as a test.
async fn run(clients: &[reqwest::Client], base: &str, scenario: &Scenario, warm_up: Duration, measure: Duration, count: Option<usize>) -> Measured {
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (counting, stop, base, make, client) = (counting.clone(), stop.clone(), base.to_string(), scenario.request, client.clone());
            tokio::spawn(async move {
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
    for task in tasks {
        let (latencies, failed) = task.await.unwrap();
        measured.failed += failed;
        measured.latencies.extend(latencies);
    }
    measured.elapsed = start.elapsed();
    measured.requests = measured.latencies.len();
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

/// How many rounds a benchmark run makes; each round measures every scenario
/// once, in order, so that a change of the machine's speed during the run
/// (which this 2-vCPU machine shows) hits every scenario alike.
const ROUNDS: usize = 10;

/// What one scenario measured over all rounds, and its throughput as a
/// fraction of the baseline's in each round (which shows how much the
/// machine's speed moved during the run).
#[derive(Default)]
struct Summary {
    requests: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    ratios: Vec<f64>,
}

impl Summary {
    fn add(&mut self, measured: Measured, baseline_rate: f64) {
        let rate = measured.requests as f64 / measured.elapsed.as_secs_f64();
        self.ratios.push(rate / baseline_rate);
        self.requests += measured.requests;
        self.failed += measured.failed;
        self.elapsed += measured.elapsed;
        self.latencies.extend(measured.latencies);
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not. Other
    // arguments select the scenarios whose names contain one of them
    // (`cargo bench -p mock-server --bench throughput -- Rust`); the
    // baseline is always measured.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let server = server(dir.path()).await;
        let base = format!("http://{}", server.address());
        let (bare_address, bare) = bare_axum().await;
        let bare_base = format!("http://{bare_address}");
        // Made once: a client loads the system's root certificates when built.
        // Each keeps one connection per server alive across the rounds.
        let clients: Vec<reqwest::Client> = (0..CONNECTIONS).map(|_| reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap()).collect();
        let scenarios: Vec<Scenario> =
            scenarios().into_iter().filter(|s| s.bare || filters.is_empty() || filters.iter().any(|f| s.name.contains(f.as_str()))).collect();
        if !benchmarking {
            for scenario in &scenarios {
                let base = if scenario.bare { &bare_base } else { &base };
                let measured = run(&clients, base, scenario, Duration::ZERO, Duration::ZERO, Some(2)).await;
                assert_eq!(measured.failed, 0, "{}: {} of {} requests failed", scenario.name, measured.failed, measured.requests);
                println!("{}: {} requests answered", scenario.name, measured.requests);
            }
        } else {
            let mut summaries: Vec<Summary> = scenarios.iter().map(|_| Summary::default()).collect();
            for round in 1..=ROUNDS {
                let mut baseline_rate = None;
                for (scenario, summary) in scenarios.iter().zip(&mut summaries) {
                    let base = if scenario.bare { &bare_base } else { &base };
                    let measured = run(&clients, base, scenario, Duration::from_millis(300), Duration::from_secs(1), None).await;
                    let rate = measured.requests as f64 / measured.elapsed.as_secs_f64();
                    eprintln!("round {round}/{ROUNDS}: {}: {rate:.0} requests/s", scenario.name);
                    summary.add(measured, *baseline_rate.get_or_insert(rate));
                }
            }
            println!("| scenario | requests/s | vs bare axum | per round vs bare | P50 | P99 | failed |");
            println!("|---|---|---|---|---|---|---|");
            let baseline_rate = summaries[0].rate();
            for (scenario, mut summary) in scenarios.iter().zip(summaries) {
                summary.latencies.sort();
                summary.ratios.sort_by(f64::total_cmp);
                println!(
                    "| {} | {:.0} | {:.0}% | {:.0}–{:.0}% | {:.2} ms | {:.2} ms | {} |",
                    scenario.name,
                    summary.rate(),
                    100.0 * summary.rate() / baseline_rate,
                    100.0 * summary.ratios[0],
                    100.0 * summary.ratios[summary.ratios.len() - 1],
                    percentile(&summary.latencies, 0.50).as_secs_f64() * 1e3,
                    percentile(&summary.latencies, 0.99).as_secs_f64() * 1e3,
                    summary.failed
                );
                assert_eq!(summary.failed, 0, "{}: {} of {} requests failed", scenario.name, summary.failed, summary.requests);
            }
        }
        server.stop().await;
        bare.abort();
    });
}
