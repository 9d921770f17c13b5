//! The fault matrix: a real HTTP server on 127.0.0.1 that implements the
//! `transform` world and misbehaves on command (hangs, answers slowly,
//! answers 500s, resets connections mid-answer, answers a wrong type, serves
//! another world, flaps its health), and the documented outcome of each.
//! Every call is counted on both sides: none is lost, none answered twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use polyplug_host::{Code, Error, RemotePlugin};
use polyplug_remote::{RemoteClient, RemoteConfig, RemoteError, RemoteWorld};
use serde_json::{Value as Json, json};

/// What the fault server does with calls.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(usize)]
enum Mode {
    Normal,
    Hang,
    Slow,
    Fail500,
    Unavailable,
    WrongType,
}

struct Faults {
    mode: AtomicUsize,
    healthy: std::sync::atomic::AtomicBool,
    /// Calls that reached the handler.
    calls: AtomicU64,
    /// Calls answered 200 with a result.
    answered: AtomicU64,
    world: &'static str,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Faults {
    fn mode(&self) -> Mode {
        [Mode::Normal, Mode::Hang, Mode::Slow, Mode::Fail500, Mode::Unavailable, Mode::WrongType][self.mode.load(Ordering::SeqCst)]
    }
    fn set(&self, mode: Mode) {
        self.mode.store(mode as usize, Ordering::SeqCst);
    }
}

fn message(payload: &str) -> Json {
    json!({"payload": payload, "content-type": "application/json", "headers": []})
}

async fn describe(State(faults): State<Arc<Faults>>) -> Response {
    let world = RemoteWorld::new(&polyplug_wit::Catalog::builtin(), faults.world).unwrap();
    axum::Json(json!({
        "protocol": 1,
        "plugin": {"name": "faulty", "version": "1.0.0", "description": "misbehaves on command"},
        "world": world.spec.name,
        "wit": world.wit,
        "digest": world.digest,
    }))
    .into_response()
}

async fn health(State(faults): State<Arc<Faults>>) -> Response {
    if faults.healthy.load(Ordering::SeqCst) {
        axum::Json(json!({"status": "SERVING"})).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"status": "NOT_SERVING"}))).into_response()
    }
}

async fn call(State(faults): State<Arc<Faults>>, body: axum::body::Bytes) -> Response {
    faults.calls.fetch_add(1, Ordering::SeqCst);
    let args: Json = serde_json::from_slice(&body).unwrap();
    let payload = args["args"][0]["payload"].as_str().unwrap_or_default().to_string();
    match faults.mode() {
        Mode::Hang => {
            // Bounded: the test's runtime ends long before.
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Mode::Slow => tokio::time::sleep(Duration::from_millis(300)).await,
        Mode::Fail500 => return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        Mode::Unavailable => {
            return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"code": "UNAVAILABLE", "message": "draining"}))).into_response();
        }
        Mode::WrongType => return axum::Json(json!({"result": {"tag": "ok", "val": 42}})).into_response(),
        Mode::Normal => {}
    }
    faults.answered.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!({"result": {"tag": "ok", "val": message(&format!("seen {payload}"))}})).into_response()
}

/// A fault server for `world` on a free loopback port.
async fn fault_server(world: &'static str) -> (String, Arc<Faults>) {
    let faults = Arc::new(Faults {
        mode: AtomicUsize::new(Mode::Normal as usize),
        healthy: true.into(),
        calls: AtomicU64::new(0),
        answered: AtomicU64::new(0),
        world,
        stop: tokio::sync::watch::channel(false).0,
    });
    let mut stop = faults.stop.subscribe();
    let app = axum::Router::new()
        .route("/v1/describe", get(describe))
        .route("/v1/health", get(health))
        .route("/v1/call/transformer/transform", post(call))
        .with_state(faults.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stop| *stop).await;
            })
            .await
            .unwrap()
    });
    (url, faults)
}

/// A server that answers `describe` and `health` properly but resets every
/// call's connection after half an answer's headers.
async fn resetting_server() -> (String, Arc<AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let world = RemoteWorld::new(&polyplug_wit::Catalog::builtin(), "transform").unwrap();
    let describe = serde_json::to_vec(&json!({
        "protocol": 1, "plugin": {"name": "resetting", "version": "1.0.0"},
        "world": world.spec.name, "wit": world.wit, "digest": world.digest,
    }))
    .unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counted = calls.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let describe = describe.clone();
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 65536];
                // Read until the end of the headers (bounded by the buffer's worth of reads).
                for _ in 0..64 {
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if request.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let body: &[u8] = if text.starts_with("GET /v1/describe") {
                    &describe
                } else if text.starts_with("GET /v1/health") {
                    br#"{"status":"SERVING"}"#
                } else {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"result\":").await;
                    // Dropped mid-answer: the connection closes with the body unfinished.
                    return;
                };
                let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body).await;
            });
        }
    });
    (url, calls)
}

fn config(endpoints: &[&str]) -> RemoteConfig {
    let mut config = RemoteConfig::new("transform", endpoints.iter().copied());
    config.timeout_ms = 1_000;
    config.health.interval_ms = 50;
    config.breaker.open_ms = 300;
    config
}

async fn connect(config: RemoteConfig) -> RemoteClient {
    RemoteClient::connect("faulty", config, &polyplug_wit::Catalog::builtin()).await.unwrap()
}

async fn transform(client: &RemoteClient, payload: &str) -> polyplug_host::Result<Json> {
    client.call_json_async("transformer", "transform", &[message(payload)]).await
}

fn code_of(result: &polyplug_host::Result<Json>) -> Code {
    match result {
        Err(Error::Remote { code, .. }) => *code,
        other => panic!("expected a remote failure, got {other:?}"),
    }
}

/// Waits (at most 5 s) until `done` holds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_service_times_out_at_the_deadline_and_is_not_called_again() {
    let (url, faults) = fault_server("transform").await;
    let mut config = config(&[&url]);
    config.timeout_ms = 300;
    let client = connect(config).await;
    faults.set(Mode::Hang);
    let result = transform(&client, "a").await;
    assert_eq!(code_of(&result), Code::DeadlineExceeded);
    let text = result.unwrap_err().to_string();
    assert!(text.contains("remote plugin `faulty`, `transformer/transform`"), "{text}");
    assert!(text.contains("no answer within"), "{text}");
    assert_eq!(faults.calls.load(Ordering::SeqCst), 1, "a non-idempotent call is sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_within_the_deadline_is_awaited_and_one_past_it_is_not() {
    let (url, faults) = fault_server("transform").await;
    let client = connect(config(&[&url])).await;
    faults.set(Mode::Slow);
    let answer = transform(&client, "slow").await.unwrap();
    assert_eq!(answer["val"]["payload"], "seen slow");
    let mut tight = config(&[&url]);
    tight.timeout_ms = 100;
    let tight = connect(tight).await;
    assert_eq!(code_of(&transform(&tight, "late").await), Code::DeadlineExceeded);
    assert_eq!(faults.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_not_retried_for_a_non_idempotent_function_but_is_for_an_idempotent_one() {
    let (url, faults) = fault_server("transform").await;
    faults.set(Mode::Fail500);
    let client = connect(config(&[&url])).await;
    let result = transform(&client, "once").await;
    assert_eq!(code_of(&result), Code::Unavailable, "a 500 without a code body is UNAVAILABLE");
    assert!(result.unwrap_err().to_string().contains("HTTP 500: boom"));
    assert_eq!(faults.calls.load(Ordering::SeqCst), 1, "sent once: it may have run");

    let mut idempotent = config(&[&url]);
    idempotent.idempotent = vec!["transformer/transform".into()];
    let retrying = connect(idempotent).await;
    assert_eq!(code_of(&transform(&retrying, "thrice").await), Code::Unavailable);
    assert_eq!(faults.calls.load(Ordering::SeqCst), 1 + 3, "max-attempts = 3");
    assert_eq!(retrying.stats().retries, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_call_fails_over_to_a_healthy_endpoint_and_is_answered_once() {
    let (bad, bad_faults) = fault_server("transform").await;
    let (good, good_faults) = fault_server("transform").await;
    bad_faults.set(Mode::Unavailable);
    let mut config = config(&[&bad, &good]);
    config.idempotent = vec!["transformer/transform".into()];
    let client = connect(config).await;
    let mut answers = 0;
    for i in 0..10 {
        let answer = transform(&client, &format!("m{i}")).await.unwrap();
        assert_eq!(answer["val"]["payload"], format!("seen m{i}"));
        answers += 1;
    }
    assert_eq!(answers, 10);
    assert_eq!(good_faults.answered.load(Ordering::SeqCst), 10, "each call answered exactly once, by the good endpoint");
    assert_eq!(bad_faults.answered.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_after_five_failures_fails_fast_then_closes_after_a_good_probe() {
    let (url, faults) = fault_server("transform").await;
    faults.set(Mode::Unavailable);
    let client = connect(config(&[&url])).await;
    for _ in 0..5 {
        assert_eq!(code_of(&transform(&client, "x").await), Code::Unavailable);
    }
    assert_eq!(client.stats().endpoints[0].breaker, "open");
    let fast = transform(&client, "refused").await;
    assert_eq!(code_of(&fast), Code::Unavailable);
    let text = fast.unwrap_err().to_string();
    assert!(text.contains("no endpoint is in rotation") && text.contains("breaker open"), "{text}");
    assert_eq!(faults.calls.load(Ordering::SeqCst), 5, "an open breaker sends nothing");

    faults.set(Mode::Normal);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(transform(&client, "probe").await.unwrap()["val"]["payload"], "seen probe");
    assert_eq!(client.stats().endpoints[0].breaker, "closed");
    assert_eq!(faults.calls.load(Ordering::SeqCst), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_mid_answer_is_not_retried_unless_idempotent() {
    let (resetting, resets) = resetting_server().await;
    let client = connect(config(&[&resetting])).await;
    let result = transform(&client, "cut").await;
    assert_eq!(code_of(&result), Code::Unavailable);
    assert_eq!(resets.load(Ordering::SeqCst), 1, "sent once: it may have run");

    let (good, good_faults) = fault_server("transform").await;
    let mut config = config(&[&resetting, &good]);
    config.idempotent = vec!["transformer/transform".into()];
    let client = connect(config).await;
    for i in 0..4 {
        transform(&client, &format!("r{i}")).await.unwrap();
    }
    assert_eq!(good_faults.answered.load(Ordering::SeqCst), 4, "every call answered once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_type_is_an_internal_failure_and_never_retried() {
    let (url, faults) = fault_server("transform").await;
    faults.set(Mode::WrongType);
    let mut config = config(&[&url]);
    config.idempotent = vec!["transformer/transform".into()];
    let client = connect(config).await;
    let result = transform(&client, "w").await;
    assert_eq!(code_of(&result), Code::Internal);
    let text = result.unwrap_err().to_string();
    assert!(text.contains("does not fit the result type"), "{text}");
    assert_eq!(faults.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_of_another_world_is_refused_at_registration_naming_it() {
    let (url, _) = fault_server("auth").await;
    let error = RemoteClient::connect("faulty", config(&[&url]), &polyplug_wit::Catalog::builtin()).await.err().unwrap();
    assert!(matches!(error, RemoteError::World { .. }), "{error}");
    let text = error.to_string();
    assert!(text.contains(&format!("remote plugin `faulty` at {url} does not implement the world the host expects")), "{text}");
    assert!(text.contains("it implements the world `polyplug:plugin/auth@0.1.0`, not `polyplug:plugin/transform@0.1.0`"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_open_answers_the_configured_default_and_counts_it() {
    let (url, faults) = fault_server("transform").await;
    faults.set(Mode::Unavailable);
    let mut config = config(&[&url]);
    let default = json!({"tag": "ok", "val": null});
    config.fail_open.insert("transformer/transform".into(), default.clone());
    let client = connect(config).await;
    assert_eq!(transform(&client, "f").await.unwrap(), default);
    let stats = client.stats();
    assert_eq!(stats.fallbacks, 1);
    assert_eq!(stats.failures.get(&Code::Unavailable), Some(&1));

    let mut bad = self::config(&[&url]);
    bad.fail_open.insert("transformer/transform".into(), json!(7));
    let error = RemoteClient::connect("faulty", bad, &polyplug_wit::Catalog::builtin()).await.err().unwrap().to_string();
    assert!(error.contains("its fail-open value for `transformer/transform` does not fit the result type"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flapping_endpoint_leaves_the_rotation_and_comes_back() {
    let (flapping, flapping_faults) = fault_server("transform").await;
    let (steady, steady_faults) = fault_server("transform").await;
    let client = connect(config(&[&flapping, &steady])).await;
    flapping_faults.healthy.store(false, Ordering::SeqCst);
    eventually("the flapping endpoint leaving the rotation", || !client.stats().endpoints[0].healthy).await;
    let before = flapping_faults.calls.load(Ordering::SeqCst);
    for i in 0..6 {
        transform(&client, &format!("h{i}")).await.unwrap();
    }
    assert_eq!(flapping_faults.calls.load(Ordering::SeqCst), before, "no call goes to an endpoint out of rotation");
    flapping_faults.healthy.store(true, Ordering::SeqCst);
    eventually("the endpoint coming back", || client.stats().endpoints[0].healthy).await;
    for i in 0..6 {
        transform(&client, &format!("b{i}")).await.unwrap();
    }
    assert!(flapping_faults.calls.load(Ordering::SeqCst) > before, "back in rotation, it takes calls again");
    let answered = flapping_faults.answered.load(Ordering::SeqCst) + steady_faults.answered.load(Ordering::SeqCst);
    assert_eq!(answered, 12, "every call answered exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_safely_tried_on_the_next_endpoint_even_when_not_idempotent() {
    let (gone, gone_faults) = fault_server("transform").await;
    let (good, good_faults) = fault_server("transform").await;
    let mut config = config(&[&gone, &good]);
    // No health check notices it first: the calls themselves meet the refusal.
    config.health.interval_ms = 60_000;
    let client = connect(config).await;
    gone_faults.stop.send(true).unwrap();
    let address = gone.trim_start_matches("http://").to_string();
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The pooled connection its describe used is closed by the server's
    // shutdown; a call on it that broke off could have run, so it would not be
    // retried. Let the client see the close, so that the calls meet refusals.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 0..4 {
        transform(&client, &format!("c{i}")).await.unwrap();
    }
    assert_eq!(good_faults.answered.load(Ordering::SeqCst), 4, "every call answered once");
    assert_eq!(gone_faults.calls.load(Ordering::SeqCst), 0);
    assert!(client.stats().endpoints[0].failures >= 1, "the refusals were met and counted");
}

#[test]
fn a_blocking_host_calls_the_same_way() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (url, faults) = runtime.block_on(fault_server("transform"));
    let client = RemoteClient::connect_blocking("faulty", config(&[&url]), &polyplug_wit::Catalog::builtin()).unwrap();
    let answer = client.call_json("transformer", "transform", &[message("sync")]).unwrap();
    assert_eq!(answer["val"]["payload"], "seen sync");
    assert_eq!(faults.answered.load(Ordering::SeqCst), 1);
    let error = client.call_json("transformer", "nope", &[]).unwrap_err().to_string();
    assert!(error.contains("has no function `transformer/nope`; it exports: transformer/transform"), "{error}");
}
