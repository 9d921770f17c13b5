//! The pipeline end to end, with real plugins in three languages and a real
//! NATS server on loopback: `drop-tests` (Go, `examples/filter-go`), `map`
//! (TypeScript, `examples/map-fields-ts`) and `enrich` (Rust,
//! `examples/enrich-rust`, which calls a CRM on loopback with the tenant's
//! own token from the `secrets` interface).

mod common;

use std::time::Duration;

use common::{ACME_TOKEN, GLOBEX_TOKEN, nats_server};
use futures::StreamExt as _;
use pipeline::Pipeline;
use serde_json::{Value as Json, json};

/// The plugin directory of the three real plugins (and `faulty`, which traps
/// on the payload `trap`), their grants, and the tenants' budgets.
fn plugins(dir: &std::path::Path, tenants_policy: &str) {
    common::plugin_dir(
        dir,
        &[
            ("drop-tests", "filter-go", "config = true"),
            ("map", "map-fields-ts", "config = true\nlog = true"),
            ("enrich", "enrich-rust", "config = true\nlog = true\nsecrets = [\"crm-token\"]\nhttp = [\"http://127.0.0.1:*\"]"),
            ("faulty", "filter-rust", ""),
        ],
        tenants_policy,
    );
}

/// The configuration of the plugins, with the CRM at `crm`.
fn plugin_config(crm: std::net::SocketAddr) -> String {
    format!(
        r#"  config:
    drop-tests: {{ drop-if-field: test, drop-if-equals: "true" }}
    map: {{ mapping: '{{"orderId": "order.id", "customerId": "order.customer", "amount": "order.total", "currency": "order.currency"}}' }}
    enrich: {{ crm-url: "http://{crm}" }}
"#
    )
}

fn order(id: u64, customer: &str) -> Json {
    json!({"order": {"id": id, "customer": customer, "total": 99.5, "currency": "EUR"}, "test": false})
}

/// What the three steps make of `order(id, "c-7")` for `tenant`.
fn enriched(id: u64, tenant: &str) -> Json {
    json!({"orderId": id, "customerId": "c-7", "amount": 99.5, "currency": "EUR", "customer": {"id": "c-7", "name": format!("Ada of {tenant}"), "tier": "gold"}})
}

async fn post(pipeline: &Pipeline, tenant: &str, body: &Json) -> (u16, Json) {
    let url = format!("http://{}/{tenant}/orders", pipeline.http_address().unwrap());
    let response = reqwest::Client::new().post(url).header("content-type", "application/json").header("x-correlation-id", "corr-1").body(body.to_string()).send().await.unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_slice(&response.bytes().await.unwrap()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_in_three_plugins_http_out_each_tenant_with_its_own_secret() {
    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    let (crm, tokens_seen) = common::crm().await;
    let (sink, received) = common::http_sink().await;
    let yaml = format!(
        "http: {{ listen: 127.0.0.1:0 }}\nplugins:\n  dir: plugins\n  policy: policy.toml\n  secrets: secrets.toml\n  cache: {{cache}}\n{}tenants: [acme, globex]\n\
         integrations:\n  - name: orders\n    sources: [{{ http: /orders }}]\n    steps: [drop-tests, map, enrich]\n    sinks: [{{ http: \"http://{sink}/received\" }}]\n",
        plugin_config(crm)
    );
    let pipeline = Pipeline::start(common::config(dir.path(), &yaml)).await.unwrap();

    let (status, answer) = post(&pipeline, "acme", &order(42, "c-7")).await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("delivered")), "{answer}");
    let acme_fuel = answer["fuel"].as_u64().unwrap();
    let (status, answer) = post(&pipeline, "globex", &order(43, "c-7")).await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("delivered")), "{answer}");
    let globex_fuel = answer["fuel"].as_u64().unwrap();
    assert_eq!(received.bodies(), [enriched(42, "acme"), enriched(43, "globex")]);
    assert_eq!(received.header(0, "x-tenant-id").as_deref(), Some("acme"));
    assert_eq!(received.header(0, "x-correlation-id").as_deref(), Some("corr-1"));
    assert_eq!(received.header(0, "x-steps").as_deref(), Some("drop-tests=filter-go@0.1.0,map=map-fields-ts@0.1.0,enrich=enrich-rust@0.1.0"));
    // Each tenant's calls read that tenant's token, never the other's.
    assert_eq!(*tokens_seen.lock().unwrap(), [format!("Bearer {ACME_TOKEN}"), format!("Bearer {GLOBEX_TOKEN}")]);

    // A test order stops at the filter, on purpose; an unknown tenant is refused.
    let mut test_order = order(44, "c-7");
    test_order["test"] = json!(true);
    let (status, answer) = post(&pipeline, "acme", &test_order).await;
    assert_eq!((status, answer["outcome"].as_str(), answer["step"].as_str()), (200, Some("dropped"), Some("drop-tests")), "{answer}");
    assert_eq!(answer["reason"], "field `test` is true");
    let dropped_fuel = answer["fuel"].as_u64().unwrap();
    let (status, answer) = post(&pipeline, "initech", &order(45, "c-7")).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(received.bodies().len(), 2, "nothing more reached the sink");
    let fuel_used = acme_fuel + globex_fuel + dropped_fuel;
    assert_eq!(pipeline.stats(), pipeline::Stats { received: 3, delivered: 2, dropped: 1, dead_lettered: 0, failed: 0, fuel_used });
    // Every call ran for its tenant: acme's three steps and the filter that dropped its test order, globex's three steps;
    // each message's fuel is what its calls used, and a tenant's is its messages'.
    let (acme, globex) = (pipeline.host().tenant_usage("acme").unwrap(), pipeline.host().tenant_usage("globex").unwrap());
    assert_eq!((acme.calls, globex.calls), (4, 3), "{acme:?} {globex:?}");
    assert!(dropped_fuel > 0 && acme_fuel > dropped_fuel && globex_fuel > dropped_fuel, "three steps use more than the filter alone: {acme_fuel} {globex_fuel} {dropped_fuel}");
    assert_eq!((acme.fuel_used, globex.fuel_used), (acme_fuel + dropped_fuel, globex_fuel));
    pipeline.stop().await;
}

/// A pipeline reading `<tenant>.orders.in` and writing `<tenant>.orders.out`.
fn nats_yaml(nats: &str, crm: std::net::SocketAddr, steps: &str, jetstream: bool) -> String {
    format!(
        "nats: {{ url: \"{nats}\", jetstream: {jetstream}, ack-wait-ms: 2000 }}\nplugins:\n  dir: plugins\n  policy: policy.toml\n  secrets: secrets.toml\n  cache: {{cache}}\n{}tenants: [acme, globex]\n\
         integrations:\n  - name: orders\n    sources: [{{ nats: in }}]\n    steps: [{steps}]\n    sinks: [{{ nats: out }}]\n    retries: 2\n",
        plugin_config(crm)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_in_three_plugins_nats_out_and_dead_letters_with_the_reason() {
    let nats = nats_server::start();
    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    let (crm, _) = common::crm().await;
    let pipeline = Pipeline::start(common::config(dir.path(), &nats_yaml(&nats.url, crm, "drop-tests, map, enrich, faulty", false))).await.unwrap();
    let client = async_nats::connect(&nats.url).await.unwrap();
    let mut out = client.subscribe("*.orders.out").await.unwrap();
    let mut dead = client.subscribe("*.orders.dead").await.unwrap();
    client.flush().await.unwrap();

    let mut headers = async_nats::HeaderMap::new();
    headers.insert("content-type", "application/json");
    client.publish_with_headers("globex.orders.in", headers.clone(), order(7, "c-7").to_string().into()).await.unwrap();
    let message = common::next(&mut out).await;
    assert_eq!(message.subject.as_str(), "globex.orders.out");
    assert_eq!(serde_json::from_slice::<Json>(&message.payload).unwrap(), enriched(7, "globex"));
    let headers = message.headers.unwrap();
    assert_eq!(headers.get("x-tenant-id").map(|v| v.to_string()).as_deref(), Some("globex"));
    assert!(headers.get("x-message-id").is_some());

    // The CRM does not know c-404: enrich rejects it each time, and after the retries it is dead-lettered with the reason.
    client.publish_with_headers("acme.orders.in", headers_json(), order(8, "c-404").to_string().into()).await.unwrap();
    let letter = common::next(&mut dead).await;
    assert_eq!(letter.subject.as_str(), "acme.orders.dead");
    let letter: Json = serde_json::from_slice(&letter.payload).unwrap();
    assert_eq!(letter["step"], "enrich");
    assert_eq!(letter["reason"], "step `enrich` rejected it: the CRM has no customer `c-404` (tried 3 times)");
    assert_eq!(letter["envelope"]["tenant-id"], "acme");
    assert_eq!(letter["envelope"]["retry-count"], 2, "two retries");
    // A plugin that traps does not lose the message: retried, then dead-lettered whole.
    client.publish_with_headers("acme.orders.in", headers_json(), "trap".into()).await.unwrap();
    let letter: Json = serde_json::from_slice(&common::next(&mut dead).await.payload).unwrap();
    assert_eq!(letter["step"], "drop-tests", "the Go filter cannot decide about a payload that is not JSON: {letter}");
    let trap_steps = "faulty, drop-tests, map, enrich";
    pipeline.stop().await;
    let pipeline = Pipeline::start(common::config(dir.path(), &nats_yaml(&nats.url, crm, trap_steps, false))).await.unwrap();
    client.publish_with_headers("acme.orders.in", headers_json(), "trap".into()).await.unwrap();
    let letter: Json = serde_json::from_slice(&common::next(&mut dead).await.payload).unwrap();
    assert_eq!(letter["step"], "faulty");
    let reason = letter["reason"].as_str().unwrap();
    assert!(reason.starts_with("step `faulty` failed: plugin `filter-rust` failed in `message-filter/filter`: wasm trap: wasm `unreachable` instruction executed") && reason.ends_with("(tried 3 times)"), "{reason}");
    assert_eq!(letter["envelope"]["payload"], "dHJhcA==", "the message itself, base64 of `trap`");
    pipeline.stop().await;
}

fn headers_json() -> async_nats::HeaderMap {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("content-type", "application/json");
    headers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_over_its_fuel_budget_is_held_back_and_others_are_not() {
    let nats = nats_server::start();
    let dir = tempfile::tempdir().unwrap();
    // globex may use next to nothing; acme is unlimited.
    plugins(dir.path(), "[tenants.globex]\nfuel-per-second = 1\n");
    let (crm, _) = common::crm().await;
    let pipeline = Pipeline::start(common::config(dir.path(), &nats_yaml(&nats.url, crm, "drop-tests, map, enrich", false))).await.unwrap();
    let client = async_nats::connect(&nats.url).await.unwrap();
    let mut out = client.subscribe("*.orders.out").await.unwrap();
    let mut dead = client.subscribe("globex.orders.dead").await.unwrap();
    client.flush().await.unwrap();
    for id in 0..3 {
        client.publish_with_headers("globex.orders.in", headers_json(), order(id, "c-7").to_string().into()).await.unwrap();
        client.publish_with_headers("acme.orders.in", headers_json(), order(id, "c-7").to_string().into()).await.unwrap();
    }
    let letter: Json = serde_json::from_slice(&common::next(&mut dead).await.payload).unwrap();
    let reason = letter["reason"].as_str().unwrap();
    assert!(reason.contains("tenant `globex` has used its fuel budget for this second (1 fuel per second, all plugins together)"), "{reason}");
    let mut acme_delivered = 0;
    while acme_delivered < 3 {
        let message = common::next(&mut out).await;
        acme_delivered += usize::from(message.subject.as_str() == "acme.orders.out");
    }
    assert!(pipeline.host().tenant_usage("globex").unwrap().refused >= 1);
    assert_eq!(pipeline.host().tenant_usage("acme").unwrap().refused, 0);
    pipeline.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_killed_mid_stream_loses_no_message_with_jetstream() {
    let nats = nats_server::start();
    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    let (crm, _) = common::crm().await;
    let yaml = nats_yaml(&nats.url, crm, "drop-tests, map", true);
    let client = async_nats::connect(&nats.url).await.unwrap();
    let jetstream = async_nats::jetstream::new(client.clone());
    // The first pipeline runs on a runtime of its own, so that it can be
    // killed the way a crash kills a process: every task stops where it is,
    // nothing in flight is acknowledged.
    let doomed = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let config = common::config(dir.path(), &yaml);
    let pipeline = doomed.spawn(Pipeline::start(config)).await.unwrap().unwrap();
    const MESSAGES: u64 = 300;
    for id in 0..MESSAGES {
        jetstream.publish_with_headers("acme.orders.in", headers_json(), order(id, "c-7").to_string().into()).await.unwrap().await.unwrap();
    }
    common::eventually("some messages are processed", || pipeline.stats().delivered >= 20).await;
    doomed.shutdown_background();
    let before_the_kill = pipeline.stats();
    assert!(before_the_kill.delivered < MESSAGES, "the kill came after every message was through: nothing was tested ({before_the_kill:?})");
    drop(pipeline);
    let stream = jetstream.get_stream("PIPELINE_ORDERS").await.unwrap();
    let pipeline = Pipeline::start(common::config(dir.path(), &yaml)).await.unwrap();
    // Every message reaches the out subject (JetStream keeps it): read them all from the stream.
    let out = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config { filter_subject: "acme.orders.out".into(), ..Default::default() })
        .await
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut messages = out.messages().await.unwrap();
    while seen.len() < MESSAGES as usize {
        let message = tokio::time::timeout(Duration::from_secs(30), messages.next()).await.expect("all messages arrive").unwrap().unwrap();
        let body: Json = serde_json::from_slice(&message.payload).unwrap();
        seen.insert(body["orderId"].as_u64().unwrap());
        message.ack().await.unwrap();
    }
    assert_eq!(seen, (0..MESSAGES).collect(), "every message was delivered after the restart (before the kill: {before_the_kill:?})");
    pipeline.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pipelines_in_one_queue_group_share_the_messages_and_none_is_handled_twice() {
    let nats = nats_server::start();
    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    let (crm, _) = common::crm().await;
    let yaml = nats_yaml(&nats.url, crm, "drop-tests, map", false);
    let (one, two) = (Pipeline::start(common::config(dir.path(), &yaml)).await.unwrap(), Pipeline::start(common::config(dir.path(), &yaml)).await.unwrap());
    let client = async_nats::connect(&nats.url).await.unwrap();
    let mut out = client.subscribe("acme.orders.out").await.unwrap();
    client.flush().await.unwrap();
    const MESSAGES: u64 = 400;
    for id in 0..MESSAGES {
        client.publish_with_headers("acme.orders.in", headers_json(), order(id, "c-7").to_string().into()).await.unwrap();
    }
    let mut seen = Vec::new();
    while seen.len() < MESSAGES as usize {
        let body: Json = serde_json::from_slice(&common::next(&mut out).await.payload).unwrap();
        seen.push(body["orderId"].as_u64().unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..MESSAGES).collect::<Vec<_>>(), "each message exactly once");
    let (a, b) = (one.stats().received, two.stats().received);
    assert_eq!(a + b, MESSAGES);
    assert!(a > 0 && b > 0, "both replicas took part: {a} and {b}");
    one.stop().await;
    two.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_replaced_under_load_drops_no_message() {
    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    let (crm, _) = common::crm().await;
    let (sink, received) = common::http_sink().await;
    let yaml = format!(
        "http: {{ listen: 127.0.0.1:0 }}\nplugins:\n  dir: plugins\n  policy: policy.toml\n  secrets: secrets.toml\n  cache: {{cache}}\n{}tenants: [acme]\n\
         integrations:\n  - name: orders\n    sources: [{{ http: /orders }}]\n    steps: [drop-tests, map]\n    sinks: [{{ http: \"http://{sink}/received\" }}]\n",
        plugin_config(crm)
    );
    let pipeline = std::sync::Arc::new(Pipeline::start(common::config(dir.path(), &yaml)).await.unwrap());
    const CLIENTS: u64 = 8;
    const EACH: u64 = 40;
    let senders: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let pipeline = pipeline.clone();
            tokio::spawn(async move {
                let mut failed = Vec::new();
                for n in 0..EACH {
                    let (status, answer) = post(&pipeline, "acme", &order(client * EACH + n, "c-7")).await;
                    if status != 200 {
                        failed.push(answer);
                    }
                }
                failed
            })
        })
        .collect();
    // Meanwhile the filter is replaced, again and again: the Rust test filter
    // and the Go one take turns (both pass these orders).
    let file = dir.path().join("plugins/drop-tests.wasm");
    let versions = [std::fs::read(common::guest("filter-rust")).unwrap(), std::fs::read(&file).unwrap()];
    let generation = pipeline.plugins().generation();
    for round in 0..4 {
        let staged = dir.path().join(format!("staged-{round}.wasm"));
        std::fs::write(&staged, &versions[round % 2]).unwrap();
        std::fs::rename(&staged, &file).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut failed = Vec::new();
    for sender in senders {
        failed.extend(sender.await.unwrap());
    }
    assert!(failed.is_empty(), "{} requests failed: {failed:?}", failed.len());
    assert_eq!(received.bodies().len(), (CLIENTS * EACH) as usize, "every message reached the sink");
    assert!(pipeline.plugins().generation() > generation, "the plugin was reloaded");
    std::sync::Arc::try_unwrap(pipeline).ok().unwrap().stop().await;
}

/// A remote plugin as a step: `examples/transform-node` (a `transform@0.1`
/// service in TypeScript, over the remote protocol), named in the remote
/// plugins file, between two local plugins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_plugin_is_a_step_like_a_local_one() {
    use std::io::BufRead as _;
    let node = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../transform-node/dist/plugin.js");
    assert!(node.exists(), "{} is not built: run `cargo xtask test` (or `cargo xtask guests` first)", node.display());
    let mut child = std::process::Command::new("node")
        .arg(&node)
        .env("POLYPLUG_LISTEN", "127.0.0.1:0")
        .env("POLYPLUG_CONFIG", json!({"rename": "customerId=customer"}).to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let line = std::io::BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = line.strip_prefix("polyplug-remote listening on ").unwrap().to_string();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _service = Kill(child);

    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    std::fs::write(dir.path().join("remote.toml"), format!("[plugins.rename]\nworld = \"transform\"\nendpoints = [\"{url}\"]\n")).unwrap();
    let (crm, _) = common::crm().await;
    let (sink, received) = common::http_sink().await;
    let yaml = format!(
        "http: {{ listen: 127.0.0.1:0 }}\nplugins:\n  dir: plugins\n  policy: policy.toml\n  secrets: secrets.toml\n  remote: remote.toml\n  cache: {{cache}}\n{}tenants: [acme]\n\
         integrations:\n  - name: orders\n    sources: [{{ http: /orders }}]\n    steps: [map, rename]\n    sinks: [{{ http: \"http://{sink}/received\" }}]\n",
        plugin_config(crm)
    );
    let pipeline = Pipeline::start(common::config(dir.path(), &yaml)).await.unwrap();
    let (status, answer) = post(&pipeline, "acme", &order(9, "c-7")).await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("delivered")), "{answer}");
    assert_eq!(received.bodies(), [json!({"orderId": 9, "customer": "c-7", "amount": 99.5, "currency": "EUR"})]);
    assert_eq!(received.header(0, "x-steps").as_deref(), Some("map=map-fields-ts@0.1.0,rename=rename"));
    pipeline.stop().await;
}

/// With JetStream, an integration without a NATS source still publishes
/// into its stream: here its dead letters, which a consumer reads back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_jetstream_an_http_only_integration_dead_letters_into_its_stream() {
    let nats = nats_server::start();
    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    let (crm, _) = common::crm().await;
    let yaml = format!(
        "http: {{ listen: 127.0.0.1:0 }}\nnats: {{ url: \"{}\", jetstream: true }}\nplugins:\n  dir: plugins\n  policy: policy.toml\n  secrets: secrets.toml\n  cache: {{cache}}\n{}tenants: [acme]\n\
         integrations:\n  - name: orders\n    sources: [{{ http: /orders }}]\n    steps: [drop-tests, map, enrich]\n    sinks: [{{ nats: out }}]\n    retries: 0\n",
        nats.url,
        plugin_config(crm)
    );
    let pipeline = Pipeline::start(common::config(dir.path(), &yaml)).await.unwrap();
    let (status, answer) = post(&pipeline, "acme", &order(5, "c-404")).await;
    assert_eq!((status, answer["outcome"].as_str(), answer["subject"].as_str()), (422, Some("dead-lettered"), Some("acme.orders.dead")), "{answer}");
    let jetstream = async_nats::jetstream::new(async_nats::connect(&nats.url).await.unwrap());
    let stream = jetstream.get_stream("PIPELINE_ORDERS").await.unwrap();
    let letter = stream.get_last_raw_message_by_subject("acme.orders.dead").await.unwrap();
    let letter: Json = serde_json::from_slice(&letter.payload).unwrap();
    assert_eq!(letter["reason"], "step `enrich` rejected it: the CRM has no customer `c-404` (tried once)");
    pipeline.stop().await;
}

/// A step compiled into the service: it stamps the message, or panics on a
/// message whose payload says `panic`.
struct Stamp;

impl pipeline::NativeStep for Stamp {
    fn run(&self, envelope: &polyplug::pipeline::Envelope, context: &polyplug::pipeline::Context) -> polyplug::pipeline::Outcome {
        assert!(!envelope.payload.windows(5).any(|w| w == b"panic"), "asked to panic");
        let mut next = envelope.clone();
        next.headers.push(("x-stamped-for".into(), context.tenant_id.clone()));
        polyplug::pipeline::Outcome::Pass(Box::new(next))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_native_step_runs_between_plugins_and_its_panic_fails_only_its_message() {
    let dir = tempfile::tempdir().unwrap();
    plugins(dir.path(), "");
    let (crm, _) = common::crm().await;
    let (sink, received) = common::http_sink().await;
    let yaml = format!(
        "http: {{ listen: 127.0.0.1:0 }}\nplugins:\n  dir: plugins\n  policy: policy.toml\n  secrets: secrets.toml\n  cache: {{cache}}\n{}tenants: [acme]\n\
         integrations:\n  - name: orders\n    sources: [{{ http: /orders }}]\n    steps: [drop-tests, stamp, map]\n    sinks: [{{ http: \"http://{sink}/received\" }}]\n    retries: 1\n",
        plugin_config(crm)
    );
    let pipeline = Pipeline::builder(common::config(dir.path(), &yaml)).native_step("stamp", Stamp).start().await.unwrap();
    let (status, answer) = post(&pipeline, "acme", &order(42, "c-7")).await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("delivered")), "{answer}");
    assert_eq!(received.bodies(), [json!({"orderId": 42, "customerId": "c-7", "amount": 99.5, "currency": "EUR"})]);
    assert_eq!(received.header(0, "x-stamped-for").as_deref(), Some("acme"));
    assert_eq!(received.header(0, "x-steps").as_deref(), Some("drop-tests=filter-go@0.1.0,stamp=native:stamp,map=map-fields-ts@0.1.0"));
    // Its panic is the step failing: retried, then (with no NATS to dead-letter it) the sender is told; the next message goes through.
    let mut panicking = order(43, "c-7");
    panicking["note"] = json!("panic");
    let (status, answer) = post(&pipeline, "acme", &panicking).await;
    assert_eq!((status, answer["outcome"].as_str()), (502, Some("failed")), "{answer}");
    assert_eq!(
        answer["reason"],
        "step `stamp` failed: the native step panicked: asked to panic (tried 2 times); and there is no NATS connection to dead-letter it"
    );
    let (status, _) = post(&pipeline, "acme", &order(44, "c-7")).await;
    assert_eq!(status, 200);
    assert_eq!(received.bodies().len(), 2);
    pipeline.stop().await;
}
