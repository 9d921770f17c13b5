//! Messages per second and latency of the pipeline with one converter step
//! mapping a 1 KB JSON order: HTTP in → transform → HTTP out, and core NATS
//! in → transform → NATS out, each with the mapping as a native Rust step
//! compiled into the service (`examples/map-fields-rust/src/fields.rs`, the
//! very code the Rust plugin runs), as the Rust Wasm plugin
//! (`examples/map-fields-rust`) and as the TypeScript plugin
//! (`examples/map-fields-ts`). The pipeline meters fuel, as it always does.
//!
//! HTTP: 64 clients each POST a message and wait for the pipeline's answer,
//! which comes once the HTTP sink (an axum handler on loopback) has taken
//! it; latency is that round trip. NATS: 64 senders (`--senders N`) each publish a message
//! to `bench.<integration>.in` and wait until it arrives on
//! `bench.<integration>.out` (matched by its correlation id); latency is
//! publish to arrival. The load generator, the sink, `nats-server` and the
//! pipeline share the machine's cores: the numbers are what one box does
//! serving and loading itself, a lower bound for the pipeline alone.
//!
//! A run measures every scenario once per round, in order, for `ROUNDS`
//! rounds, so that the machine's speed changes hit all scenarios alike; a
//! ratio is to the native step on the same transport.
//!
//! ```sh
//! cargo xtask guests
//! cargo bench -p pipeline --bench throughput   # 5 rounds of 1 s per scenario
//! cargo bench -p pipeline --bench throughput -- --senders 8   # latency below saturation
//! ```
//!
//! Run as a test (`cargo test --benches`, which `cargo xtask test` does), it
//! sends a few messages per scenario, checks each arrives mapped, and stops.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../map-fields-rust/src/fields.rs"]
mod fields;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use pipeline::{NativeStep, Pipeline};
use polyplug::pipeline::{Context, Envelope, Outcome};
use tokio::sync::oneshot;

/// How many senders keep a message in flight each, unless `--senders N` says otherwise.
const SENDERS: usize = 64;
const ROUNDS: usize = 5;
const MAPPING: &str = r#"{"orderId": "order.id", "customerId": "order.customer.id", "amount": "order.total", "currency": "order.currency", "lines": "order.lines"}"#;

/// The mapping as a step compiled into the service: what the Rust plugin does, natively.
struct NativeMap(fields::Fields);

impl NativeStep for NativeMap {
    fn run(&self, envelope: &Envelope, _context: &Context) -> Outcome {
        if !fields::is_json(&envelope.content_type) {
            return Outcome::Reject(format!("map-fields takes JSON payloads: this message's content type is `{}`", envelope.content_type));
        }
        match self.0.map(&envelope.payload) {
            Ok(payload) => {
                let mut headers = envelope.headers.clone();
                headers.push(("x-mapped-by".into(), "native".into()));
                Outcome::Pass(Box::new(Envelope { payload, content_type: "application/json".into(), headers, ..envelope.clone() }))
            }
            Err(reason) => Outcome::Reject(reason),
        }
    }
}

/// A 1 KB order (1,000 to 1,100 bytes of JSON), numbered `n`.
fn order(n: u64) -> Vec<u8> {
    let lines: Vec<_> = (0..6)
        .map(|i| serde_json::json!({"sku": format!("SKU-{:05}", n % 1000 + i), "name": format!("Widget, model {i}, blue"), "quantity": i + 1, "price": 9.5 + i as f64}))
        .collect();
    let body = serde_json::json!({
        "order": {
            "id": format!("o-{n}"),
            "customer": {"id": format!("c-{}", n % 97), "name": "Ada Lovelace", "email": "ada@example.com", "tier": "gold"},
            "total": 123.45,
            "currency": "EUR",
            "lines": lines,
            "shipping": {"street": "12 Analytical Engine Road", "city": "London", "postcode": "N1 7AA", "country": "GB"},
            "notes": "Leave at the door; ring twice. The customer prefers morning deliveries.",
        },
        "source": "bench",
        "sentAt": "2026-12-06T12:00:00Z",
    });
    serde_json::to_vec(&body).unwrap()
}

/// One scenario: its name, the integration it sends to, and whether over NATS.
struct Scenario {
    name: &'static str,
    integration: &'static str,
    nats: bool,
}

const SCENARIOS: &[Scenario] = &[
    Scenario { name: "HTTP → native Rust step → HTTP (baseline)", integration: "http-native", nats: false },
    Scenario { name: "HTTP → Rust Wasm plugin → HTTP", integration: "http-rust", nats: false },
    Scenario { name: "HTTP → TypeScript plugin → HTTP", integration: "http-ts", nats: false },
    Scenario { name: "NATS → native Rust step → NATS (baseline)", integration: "nats-native", nats: true },
    Scenario { name: "NATS → Rust Wasm plugin → NATS", integration: "nats-rust", nats: true },
    Scenario { name: "NATS → TypeScript plugin → NATS", integration: "nats-ts", nats: true },
];

fn config_yaml(nats_url: &str, sink: std::net::SocketAddr) -> String {
    let mut yaml = format!(
        "http: {{ listen: \"127.0.0.1:0\" }}\nnats: {{ url: \"{nats_url}\" }}\nplugins:\n  dir: plugins\n  policy: policy.toml\n  cache: {{cache}}\n  config:\n    map-rust: {{ mapping: '{MAPPING}' }}\n    map-ts: {{ mapping: '{MAPPING}' }}\ntenants: [bench]\nintegrations:\n"
    );
    for (kind, step) in [("native", "map-native"), ("rust", "map-rust"), ("ts", "map-ts")] {
        yaml.push_str(&format!("  - {{ name: http-{kind}, sources: [{{ http: /{kind} }}], steps: [{step}], sinks: [{{ http: \"http://{sink}/received\" }}], retries: 0 }}\n"));
        yaml.push_str(&format!("  - {{ name: nats-{kind}, sources: [{{ nats: in }}], steps: [{step}], sinks: [{{ nats: out }}], retries: 0 }}\n"));
    }
    yaml
}

/// An HTTP sink that counts what it takes and checks each is mapped.
async fn counting_sink() -> (std::net::SocketAddr, Arc<AtomicU64>) {
    let taken = Arc::new(AtomicU64::new(0));
    let counted = taken.clone();
    let router = axum::Router::new().route(
        "/received",
        axum::routing::post(move |body: axum::body::Bytes| {
            let counted = counted.clone();
            async move {
                if body.starts_with(br#"{"orderId":"o-"#) {
                    counted.fetch_add(1, Ordering::Relaxed);
                    axum::http::StatusCode::OK
                } else {
                    axum::http::StatusCode::BAD_REQUEST
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (address, taken)
}

/// Senders waiting for their message on an `out` subject, by correlation id.
type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<Vec<u8>>>>>;

/// What a scenario measured.
#[derive(Default)]
struct Measured {
    messages: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// Everything a sender needs.
#[derive(Clone)]
struct Load {
    http: reqwest::Client,
    base: String,
    nats: async_nats::Client,
    waiting: HashMap<&'static str, Waiting>,
    next: Arc<AtomicU64>,
}

impl Load {
    /// Sends one message through `scenario` and waits for it to come out: whether it did, mapped.
    async fn one(&self, scenario: &Scenario) -> bool {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        if !scenario.nats {
            let url = format!("{}/bench/{}", self.base, scenario.integration.trim_start_matches("http-"));
            let sent = self.http.post(url).header("content-type", "application/json").body(order(n)).send().await;
            return match sent {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok_and(|b| b.windows(9).any(|w| w == b"delivered")),
                Err(_) => false,
            };
        }
        let id = format!("m-{n}");
        let (tell, arrived) = oneshot::channel();
        self.waiting[scenario.integration].lock().unwrap().insert(id.clone(), tell);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("content-type", "application/json");
        headers.insert("x-correlation-id", id.as_str());
        if self.nats.publish_with_headers(format!("bench.{}.in", scenario.integration), headers, order(n).into()).await.is_err() {
            return false;
        }
        match tokio::time::timeout(Duration::from_secs(10), arrived).await {
            Ok(Ok(payload)) => payload.starts_with(format!(r#"{{"orderId":"o-{n}""#).as_bytes()),
            _ => {
                self.waiting[scenario.integration].lock().unwrap().remove(&id);
                false
            }
        }
    }
}

/// `senders` senders, each sending back to back: for `warm_up` (not
/// counted), then for `measure`; or `count` messages each when run as a test.
async fn run(load: &Load, senders: usize, scenario: &'static Scenario, warm_up: Duration, measure: Duration, count: Option<usize>) -> Measured {
    let counting = Arc::new(AtomicBool::new(count.is_some()));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..senders)
        .map(|_| {
            let (counting, stop, load) = (counting.clone(), stop.clone(), load.clone());
            tokio::spawn(async move {
                let (mut latencies, mut failed, mut sent) = (Vec::new(), 0, 0);
                while !stop.load(Ordering::Relaxed) && count.is_none_or(|n| sent < n) {
                    let start = Instant::now();
                    let ok = load.one(scenario).await;
                    sent += 1;
                    if counting.load(Ordering::Relaxed) {
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
    let mut measured = Measured::default();
    for task in tasks {
        let (latencies, failed) = task.await.unwrap();
        measured.failed += failed;
        measured.latencies.extend(latencies);
    }
    measured.elapsed = start.elapsed();
    measured.messages = measured.latencies.len();
    measured
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|a| a == "--bench");
    let senders = args.iter().position(|a| a == "--senders").and_then(|i| args.get(i + 1)).map_or(SENDERS, |n| n.parse().expect("--senders takes a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let nats_server = common::nats_server::start();
        let dir = tempfile::tempdir().unwrap();
        common::plugin_dir(dir.path(), &[("map-rust", "map-fields-rust", "config = true\n"), ("map-ts", "map-fields-ts", "config = true\nlog = true\n")], "");
        let (sink, taken) = counting_sink().await;
        let config = common::config(dir.path(), &config_yaml(&nats_server.url, sink));
        let native = NativeMap(fields::Fields::parse(Some(MAPPING), None).unwrap());
        let pipeline = Pipeline::builder(config).native_step("map-native", native).start().await.unwrap();
        let nats = async_nats::connect(&nats_server.url).await.unwrap();
        let mut waiting = HashMap::new();
        for scenario in SCENARIOS.iter().filter(|s| s.nats) {
            let map: Waiting = Arc::default();
            let mut out = nats.subscribe(format!("bench.{}.out", scenario.integration)).await.unwrap();
            let arrived = map.clone();
            tokio::spawn(async move {
                while let Some(message) = out.next().await {
                    let id = message.headers.as_ref().and_then(|h| h.get("x-correlation-id")).map(|v| v.to_string());
                    if let Some(tell) = id.and_then(|id| arrived.lock().unwrap().remove(&id)) {
                        let _ = tell.send(message.payload.to_vec());
                    }
                }
            });
            waiting.insert(scenario.integration, map);
        }
        nats.flush().await.unwrap();
        let load = Load {
            http: reqwest::Client::builder().pool_max_idle_per_host(senders).build().unwrap(),
            base: format!("http://{}", pipeline.http_address().unwrap()),
            nats,
            waiting,
            next: Arc::default(),
        };
        if !benchmarking {
            for scenario in SCENARIOS {
                let measured = run(&load, senders, scenario, Duration::ZERO, Duration::ZERO, Some(2)).await;
                assert_eq!(measured.failed, 0, "{}: {} of {} messages did not come out mapped", scenario.name, measured.failed, measured.messages);
                println!("{}: {} messages through", scenario.name, measured.messages);
            }
        } else {
            // Fuel is deterministic: one message per scenario says what each costs (a native step uses none).
            let fuel_used = || pipeline.host().tenant_usage("bench").map_or(0, |usage| usage.fuel_used);
            let mut fuel_per_message = Vec::new();
            for scenario in SCENARIOS {
                let before = fuel_used();
                assert!(load.one(scenario).await, "{}: the message did not come out mapped", scenario.name);
                fuel_per_message.push(fuel_used() - before);
            }
            let mut summaries: Vec<(Measured, Vec<f64>)> = SCENARIOS.iter().map(|_| (Measured::default(), Vec::new())).collect();
            for round in 1..=ROUNDS {
                let mut baseline = 0.0;
                for (scenario, (summary, ratios)) in SCENARIOS.iter().zip(&mut summaries) {
                    let measured = run(&load, senders, scenario, Duration::from_millis(300), Duration::from_secs(1), None).await;
                    let rate = measured.messages as f64 / measured.elapsed.as_secs_f64();
                    eprintln!("round {round}/{ROUNDS}: {}: {rate:.0} messages/s", scenario.name);
                    if scenario.name.ends_with("(baseline)") {
                        baseline = rate;
                    }
                    ratios.push(rate / baseline);
                    summary.messages += measured.messages;
                    summary.failed += measured.failed;
                    summary.elapsed += measured.elapsed;
                    summary.latencies.extend(measured.latencies);
                }
            }
            println!("{senders} senders, {ROUNDS} rounds");
            println!("| scenario | messages/s | vs native | per round vs native | P50 | P99 | fuel per message | failed |");
            println!("|---|---|---|---|---|---|---|---|");
            let mut baseline = 0.0;
            for ((scenario, (mut summary, mut ratios)), fuel) in SCENARIOS.iter().zip(summaries).zip(fuel_per_message) {
                let rate = summary.messages as f64 / summary.elapsed.as_secs_f64();
                if scenario.name.ends_with("(baseline)") {
                    baseline = rate;
                }
                summary.latencies.sort();
                ratios.sort_by(f64::total_cmp);
                println!(
                    "| {} | {rate:.0} | {:.0}% | {:.0}–{:.0}% | {:.2} ms | {:.2} ms | {fuel} | {} |",
                    scenario.name,
                    100.0 * rate / baseline,
                    100.0 * ratios[0],
                    100.0 * ratios[ratios.len() - 1],
                    percentile(&summary.latencies, 0.50).as_secs_f64() * 1e3,
                    percentile(&summary.latencies, 0.99).as_secs_f64() * 1e3,
                    summary.failed
                );
            }
        }
        assert!(taken.load(Ordering::Relaxed) > 0, "the HTTP sink took no message");
        pipeline.stop().await;
        drop(nats_server);
    });
}
