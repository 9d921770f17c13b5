//! The Go SDK's `transform@0.2` world (`sdk/go/transform02`) on a real
//! component: `tests/guests/transform02-go` (stamps a JSON object with its
//! tenant and step, and changes headers with the package's helpers) called
//! through the facade `polyplug::transform_0_2::Transform` and as a pipeline
//! step: the converted envelope, the plugin's `err`, its init refusing a
//! configuration, and enough calls with big payloads to prove the SDK's
//! collector workaround serves this world's export too.

mod common;

use polyplug::pipeline::{Outcome, StepPlugin};
use polyplug::transform_0_2::{Context, Envelope, Transform};
use polyplug::{Error, Host, Plugin};
use serde_json::{Value as Json, json};

/// A host granting the plugin (by its digest); it requests nothing.
fn host() -> Host {
    common::host(&[("transform02-go", "")])
}

fn load(host: &Host, config: &[(&str, &str)]) -> Result<Plugin, Error> {
    common::load(host, "transform02-go", config)
}

fn envelope(payload: &[u8], headers: &[(&str, &str)]) -> Envelope {
    Envelope {
        id: "m-7".into(),
        tenant_id: "acme".into(),
        integration_id: "orders".into(),
        correlation_id: None,
        content_type: "text/plain".into(),
        payload: payload.to_vec(),
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        source: "nats:acme.orders.in".into(),
        steps: vec![polyplug::pipeline::StepRecord { name: "drop-tests".into(), plugin: "filter-go@0.1.0".into(), finished_at: 1_796_000_000_100 }],
        created_at: 1_796_000_000_000,
        expires_at: None,
        retry_count: 2,
    }
}

fn context() -> Context {
    Context { pipeline: "orders".into(), step: "stamp".into(), tenant_id: "acme".into() }
}

fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_converted_envelope_keeps_what_the_plugin_did_not_change() {
    let host = host();
    let plugin = load(&host, &[]).unwrap();
    assert_eq!(plugin.world().name, "polyplug:plugin/transform@0.2.0");
    let stamp = Transform::new(plugin).unwrap();

    let mut message = envelope(br#"{"order": {"id": 7}}"#, &[("X-Converted-By", "someone"), ("x-internal", "1"), ("x-a", "1"), ("X-Internal", "2"), ("x-converted-by", "else")]);
    message.correlation_id = Some("c-1".into());
    message.expires_at = Some(1_796_000_060_000);
    let out = stamp.convert(&message, &context()).await.unwrap().unwrap();
    assert_eq!(serde_json::from_slice::<Json>(&out.payload).unwrap(), json!({"order": {"id": 7}, "tenant": "acme", "step": "stamp"}));
    assert_eq!(out.content_type, "application/json");
    // SetHeader kept the first header of the name (its spelling) and dropped the other; RemoveHeader took every x-internal.
    assert_eq!(out.headers, pairs(&[("X-Converted-By", "transform02-go"), ("x-a", "1"), ("x-correlation-id", "c-1"), ("x-expires-at", "1796000060000")]));
    let kept = |e: &Envelope| (e.id.clone(), e.tenant_id.clone(), e.integration_id.clone(), e.correlation_id.clone(), e.source.clone(), e.steps.iter().map(|s| format!("{}={}@{}", s.name, s.plugin, s.finished_at)).collect::<Vec<_>>(), e.created_at, e.expires_at, e.retry_count);
    assert_eq!(kept(&out), kept(&message));

    // No correlation id or expiry, no headers: none added but its own.
    let out = stamp.convert(&envelope(b"{}", &[]), &context()).await.unwrap().unwrap();
    assert_eq!(out.headers, pairs(&[("x-converted-by", "transform02-go")]));
    assert_eq!(out.payload, br#"{"step":"stamp","tenant":"acme"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_is_not_a_json_object_is_rejected() {
    let host = host();
    let stamp = Transform::new(load(&host, &[]).unwrap()).unwrap();
    let convert = async |payload: &[u8]| stamp.convert(&envelope(payload, &[]), &context()).await.unwrap().unwrap_err();
    assert_eq!(convert(b"hello").await, "the payload of message `m-7` (text/plain) is not the JSON expected: invalid character 'h' looking for beginning of value");
    assert_eq!(convert(b"[1]").await, "the payload of message `m-7` (text/plain) is not the JSON expected: json: cannot unmarshal array into Go value of type map[string]interface {}");
    assert_eq!(convert(b"null").await, "message `m-7` is JSON `null`, not an object");

    // As a pipeline step: converted, or rejected with the reason.
    let step = StepPlugin::new(load(&host, &[]).unwrap()).unwrap();
    assert_eq!(step.world(), "polyplug:plugin/transform@0.2.0");
    let Outcome::Pass(out) = step.run(&envelope(br#"{"a": 1}"#, &[]), &context()).await.unwrap() else { panic!("not passed") };
    assert_eq!(serde_json::from_slice::<Json>(&out.payload).unwrap(), json!({"a": 1, "tenant": "acme", "step": "stamp"}));
    let rejected = step.run(&envelope(b"null", &[]), &context()).await.unwrap();
    assert!(matches!(&rejected, Outcome::Reject(reason) if reason == "message `m-7` is JSON `null`, not an object"), "{rejected:?}");

    match load(&host, &[("prefix", "x")]) {
        Err(Error::Init { plugin, message }) => {
            assert_eq!((plugin.as_str(), message.as_str()), ("transform02-go", "unknown config key `prefix`: transform02-go takes no configuration"));
        }
        Err(other) => panic!("expected the plugin's init to refuse `prefix`, got {other}"),
        Ok(_) => panic!("expected the plugin's init to refuse `prefix`"),
    }
}

/// 1,000 calls with a 64 KiB JSON payload, in and out, under the
/// manifest's 32 MiB memory limit: without the SDK collecting after each
/// `convert` (package gc) the heap would outgrow the limit and the call trap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_payloads_many_times_stay_within_the_memory_limit() {
    let host = host();
    let stamp = Transform::new(load(&host, &[]).unwrap()).unwrap();
    let payload = json!({"blob": "x".repeat(64 * 1024)}).to_string();
    let message = envelope(payload.as_bytes(), &[]);
    for call in 0..1_000 {
        match stamp.convert(&message, &context()).await {
            Ok(Ok(out)) => assert_eq!(out.payload.len(), payload.len() + r#","step":"stamp","tenant":"acme""#.len(), "call {call}"),
            Ok(Err(message)) => panic!("call {call}: rejected: {message}"),
            Err(error) => panic!("call {call} failed: {error}"),
        }
    }
}
