//! Remote call latency over loopback, P50/P95/P99, for a trivial call and a
//! 100 KB payload, all measured in the same run (`docs/benchmarks.md`):
//! `serve-remote` over HTTP/JSON and gRPC beside a bare JSON echo of axum and
//! reqwest; the remote Python SDK beside a bare FastAPI (uvicorn) echo; the
//! remote Node SDK beside a bare Node `http` echo. Calls are sequential, on keep-alive
//! connections, after a warm-up.
//!
//! `cargo bench -p polyplug-remote --bench remote_latency` measures; as a test
//! (`cargo test --benches`) it makes a few calls of each kind, to prove the
//! setup works.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use polyplug_host::RemotePlugin;
use polyplug_remote::{RemoteClient, RemoteConfig, RemoteServer};
use serde_json::{Value as Json, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A child process killed when dropped, and the URL it printed.
struct Service(Child, String);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(program: &Path, script: &Path) -> Service {
    let mut child = Command::new(program)
        .arg(script)
        .env("POLYPLUG_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let line = std::io::BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = line.strip_prefix("polyplug-remote listening on ").unwrap_or_else(|| panic!("unexpected line {line:?}")).to_string();
    Service(child, url)
}

struct Percentiles {
    p50: Duration,
    p95: Duration,
    p99: Duration,
}

fn percentiles(mut samples: Vec<Duration>) -> Percentiles {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Percentiles { p50: at(0.50), p95: at(0.95), p99: at(0.99) }
}

async fn measure<F, Fut>(runs: (usize, usize), mut call: F) -> Percentiles
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (warmup, samples) = runs;
    for _ in 0..warmup {
        call().await;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        call().await;
        times.push(started.elapsed());
    }
    percentiles(times)
}

/// A bare echo through reqwest: POST `body` to `url`, read the JSON back.
async fn echo(http: &reqwest::Client, url: &str, body: &'static str) {
    let answer = http.post(url).header("content-type", "application/json").body(body).send().await.unwrap().bytes().await.unwrap();
    let _: Json = serde_json::from_slice(&answer).unwrap();
}

async fn axum_echo() -> String {
    async fn echo(body: axum::body::Bytes) -> axum::response::Response {
        use axum::response::IntoResponse as _;
        let value: Json = serde_json::from_slice(&body).unwrap();
        ([(axum::http::header::CONTENT_TYPE, "application/json")], serde_json::to_vec(&value).unwrap()).into_response()
    }
    let app = axum::Router::new().route("/echo", axum::routing::post(echo)).layer(axum::extract::DefaultBodyLimit::max(16 << 20));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/echo", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn conformance_host() -> (polyplug_host::Host, PathBuf) {
    use sha2::Digest as _;
    let component = root().join("tests/conformance/rust/plugin.wasm");
    assert!(component.exists(), "{} is not built: run `cargo xtask guests`", component.display());
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(&component).unwrap()));
    let policy = format!("[plugins.conformance-rust]\nsha256 = [\"{digest}\"]\nlog = true\nconfig = true\nkv = {{ quota = \"64 KiB\" }}\nsecrets = [\"conformance-token\", \"conformance-unset\"]\n");
    let host = polyplug_host::Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug_policy::Policy::from_toml(&policy, "the bench policy").unwrap())
        .build()
        .unwrap();
    (host, component)
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let runs = if measuring { (300, 3000) } else { (3, 10) };
    let big: &'static str = Box::leak("x".repeat(100 * 1024).into_boxed_str());
    let trivial_body: &'static str = r#"{"args":[true]}"#;
    let big_body: &'static str = Box::leak(format!("{{\"args\":[\"{big}\"]}}").into_boxed_str());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let rows = runtime.block_on(async move {
        // The baselines' plain client: plain HTTP, but reqwest wants a TLS provider chosen.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().tcp_nodelay(true).build().unwrap();
        let (host, component) = conformance_host();
        let plugin = host.loader(&component).config([("greeting", "hello")]).load().unwrap();
        let server = RemoteServer::bind(plugin, host.catalog(), "127.0.0.1:0", Default::default()).await.unwrap();
        let python = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../remote-python-venv/bin/python");
        assert!(python.exists(), "{} is missing: `cargo xtask guests` makes it", python.display());
        let python_sdk = start(&python, &root().join("tests/conformance/remote-python/plugin.py"));
        let fastapi = start(&python, &root().join("tests/remote/bench/echo_fastapi.py"));
        let node_sdk = start(Path::new("node"), &root().join("tests/conformance/remote-node/plugin.mjs"));
        let node_echo = start(Path::new("node"), &root().join("tests/remote/bench/echo_node.mjs"));
        let axum = axum_echo().await;

        let catalog = polyplug_wit::Catalog::builtin();
        let connect = |url: String| {
            let catalog = catalog.clone();
            async move { RemoteClient::connect("bench", RemoteConfig::new("conformance", [url]), &catalog).await.unwrap() }
        };
        let remotes = [
            ("serve-remote, HTTP/JSON", connect(server.url().to_string()).await),
            ("serve-remote, gRPC", connect(format!("grpc://{}", server.local_addr())).await),
            ("remote Python SDK", connect(python_sdk.1.clone()).await),
            ("remote Node SDK", connect(node_sdk.1.clone()).await),
        ];
        let echoes = [
            ("bare axum + reqwest echo", axum),
            ("bare FastAPI + uvicorn echo", format!("{}/echo", fastapi.1)),
            ("bare Node http echo", format!("{}/echo", node_echo.1)),
        ];
        // The same services called by a bare client (no host: no describe
        // check, no result check, no retries): what the server side costs alone.
        let raw = [
            ("serve-remote, HTTP/JSON, bare client", server.url().to_string()),
            ("remote Python SDK, bare client", python_sdk.1.clone()),
            ("remote Node SDK, bare client", node_sdk.1.clone()),
        ];
        let mut rows = Vec::new();
        for (case, echo_body) in [("trivial", trivial_body), ("100 KB", big_body)] {
            for (stack, url) in &echoes {
                let p = measure(runs, || echo(&http, url, echo_body)).await;
                rows.push((case, *stack, p));
            }
            let function = if case == "trivial" { "not-bool" } else { "reverse-string" };
            for (stack, url) in &raw {
                let url = format!("{url}/v1/call/all-types/{function}");
                let p = measure(runs, || echo(&http, &url, echo_body)).await;
                rows.push((case, *stack, p));
            }
            for (stack, client) in &remotes {
                let (function, args) = if case == "trivial" { ("not-bool", vec![json!(true)]) } else { ("reverse-string", vec![json!(big)]) };
                let p = measure(runs, || async {
                    client.call_json_async("all-types", function, &args).await.unwrap();
                })
                .await;
                rows.push((case, *stack, p));
            }
        }
        drop((python_sdk, fastapi, node_sdk, node_echo));
        rows
    });
    println!("| case | stack | P50 | P95 | P99 |\n|---|---|---|---|---|");
    let us = |d: Duration| format!("{:.0} µs", d.as_secs_f64() * 1e6);
    for (case, stack, p) in rows {
        println!("| {case} | {stack} | {} | {} | {} |", us(p.p50), us(p.p95), us(p.p99));
    }
}
