//! The Go SDK's `filter@0.2` world (`sdk/go/filter02`) on a real component:
//! `examples/filter-go` (drops a JSON message whose field at the configured
//! path equals the configured JSON value, the pipeline example's
//! `drop-tests` step) called through the facade `polyplug::filter_0_2::Filter`
//! and as a pipeline step (`polyplug::pipeline::StepPlugin`): pass, drop
//! with the reason, the plugin's `err` for a payload that is not JSON, its
//! init refusing a configuration, and enough calls with big payloads to
//! prove the SDK's collector workaround serves this world's export too.

mod common;

use polyplug::filter_0_2::{Context, Decision, Envelope, Filter};
use polyplug::pipeline::{Outcome, StepPlugin};
use polyplug::{Error, Host, Plugin};

/// A host granting the plugin (by its digest) what it requests: `config`.
fn host() -> Host {
    common::host(&[("filter-go", "config = true")])
}

fn load(host: &Host, config: &[(&str, &str)]) -> Result<Plugin, Error> {
    common::load(host, "filter-go", config)
}

fn filter(host: &Host, field: &str, equals: &str) -> Filter {
    Filter::new(load(host, &[("drop-if-field", field), ("drop-if-equals", equals)]).unwrap()).unwrap()
}

fn envelope(payload: &[u8]) -> Envelope {
    Envelope {
        id: "m-7".into(),
        tenant_id: "acme".into(),
        integration_id: "orders".into(),
        correlation_id: Some("c-1".into()),
        content_type: "application/json".into(),
        payload: payload.to_vec(),
        headers: vec![("x-source".into(), "shop".into())],
        source: "http:/orders".into(),
        steps: vec![],
        created_at: 1_796_000_000_000,
        expires_at: None,
        retry_count: 0,
    }
}

fn context() -> Context {
    Context { pipeline: "orders".into(), step: "drop-tests".into(), tenant_id: "acme".into() }
}

/// What the filter decides about `payload`, as text: `pass`, `drop <reason>` or `err <message>`.
async fn decide(filter: &Filter, payload: &str) -> String {
    match filter.filter(&envelope(payload.as_bytes()), &context()).await.unwrap() {
        Ok(Decision::Pass) => "pass".into(),
        Ok(Decision::Drop(reason)) => format!("drop {reason}"),
        Err(message) => format!("err {message}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_equal_to_the_configured_value_drops_the_message_and_anything_else_passes() {
    let host = host();
    let plugin = load(&host, &[("drop-if-field", "test"), ("drop-if-equals", "true")]).unwrap();
    assert_eq!(plugin.world().name, "polyplug:plugin/filter@0.2.0");
    let info = plugin.info().unwrap();
    assert_eq!((info.name.as_str(), info.version.as_str()), ("filter-go", "0.1.0"));
    let tests = Filter::new(plugin).unwrap();
    assert_eq!(decide(&tests, r#"{"test": true, "order": {"id": 7}}"#).await, "drop field `test` is true");
    // Field absent, another value, a string that reads `true` (JSON equality, not text), a payload that is no object.
    for payload in [r#"{"order": {"id": 7}}"#, r#"{"test": false}"#, r#"{"test": "true"}"#, r#"{"test": null}"#, "[true]", "true", r#"{"order": {"test": true}}"#] {
        assert_eq!(decide(&tests, payload).await, "pass", "{payload}");
    }

    // A nested path, and a JSON string to compare with: the reason shows it as JSON.
    let internal = filter(&host, "order.channel", r#""internal""#);
    assert_eq!(decide(&internal, r#"{"order": {"id": 7, "channel": "internal"}}"#).await, r#"drop field `order.channel` is "internal""#);
    for payload in [r#"{"order": {"channel": "web"}}"#, r#"{"order": {"channel": "Internal"}}"#, r#"{"order": "internal"}"#, r#"{"channel": "internal"}"#, r#"{"order": {"channel": ["internal"]}}"#] {
        assert_eq!(decide(&internal, payload).await, "pass", "{payload}");
    }

    // Numbers by value, objects by their members in any order; the reason shows the configured value compacted.
    let free = filter(&host, "order.total", "0");
    for payload in [r#"{"order": {"total": 0}}"#, r#"{"order": {"total": 0.0}}"#, r#"{"order": {"total": -0e3}}"#] {
        assert_eq!(decide(&free, payload).await, "drop field `order.total` is 0", "{payload}");
    }
    assert_eq!(decide(&free, r#"{"order": {"total": 0.01}}"#).await, "pass");
    let big = filter(&host, "id", "9007199254740993");
    assert_eq!(decide(&big, r#"{"id": 9007199254740992}"#).await, "pass", "integers above 2^53 are told apart");
    assert_eq!(decide(&big, r#"{"id": 9007199254740993}"#).await, "drop field `id` is 9007199254740993");
    let shape = filter(&host, "meta", r#"{ "kind": "probe", "tags": [1, 2] }"#);
    assert_eq!(decide(&shape, r#"{"meta": {"tags": [1.0, 2], "kind": "probe"}}"#).await, r#"drop field `meta` is {"kind":"probe","tags":[1,2]}"#);
    for payload in [r#"{"meta": {"tags": [2, 1], "kind": "probe"}}"#, r#"{"meta": {"tags": [1, 2], "kind": "probe", "more": 1}}"#] {
        assert_eq!(decide(&shape, payload).await, "pass", "{payload}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_is_not_json_cannot_be_decided() {
    let host = host();
    let tests = filter(&host, "test", "true");
    assert_eq!(decide(&tests, "test=true").await, "err cannot decide: the message is not JSON: invalid character 'e' in literal true (expecting 'r')");
    assert_eq!(decide(&tests, "").await, "err cannot decide: the message is not JSON: it is empty");
    assert_eq!(decide(&tests, r#"{"test": true} {"test": false}"#).await, "err cannot decide: the message is not JSON: more follows the JSON value that ends at offset 14");
    let not_utf8 = tests.filter(&envelope(&[0xff, 0xfe]), &context()).await.unwrap();
    assert!(matches!(&not_utf8, Err(message) if message.starts_with("cannot decide: the message is not JSON: ")), "{not_utf8:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_refuses_a_missing_or_invalid_configuration_naming_the_key() {
    let host = host();
    let refused = |config: &[(&str, &str)]| match load(&host, config) {
        Err(Error::Init { plugin, message }) => {
            assert_eq!(plugin, "filter-go");
            message
        }
        Err(other) => panic!("{config:?}: expected the plugin's init to refuse, got {other}"),
        Ok(_) => panic!("{config:?}: expected the plugin's init to refuse"),
    };
    assert_eq!(
        refused(&[]),
        "config key `drop-if-field` is missing; set it to the payload field to look at, a dotted path such as `test` or `order.channel`"
    );
    assert_eq!(
        refused(&[("drop-if-field", "test")]),
        "config key `drop-if-equals` is missing; set it to the JSON value that drops a message, such as `true`, `42` or `\"internal\"`"
    );
    assert_eq!(refused(&[("drop-if-equals", "true")]), refused(&[]), "the field is required too");
    let message = refused(&[("drop-if-field", "order.channel"), ("drop-if-equals", "internal")]);
    assert!(message.starts_with("config key `drop-if-equals` is not JSON (`internal`: invalid character 'i'"), "{message}");
    assert!(message.ends_with("write a JSON value such as `true`, `42` or `\"internal\"` (a string in double quotes)"), "{message}");
    assert!(refused(&[("drop-if-field", "test"), ("drop-if-equals", "true false")]).starts_with("config key `drop-if-equals` is not JSON"));
    for path in ["order..channel", ".test", "test."] {
        let message = refused(&[("drop-if-field", path), ("drop-if-equals", "true")]);
        assert_eq!(message, format!("config key `drop-if-field` is `{path}`, which is not a dotted path: a name is empty; write one such as `test` or `order.channel`"));
    }
    assert_eq!(
        refused(&[("drop-if-field", "test"), ("drop-if-equals", "true"), ("drop-if", "x")]),
        "unknown config key `drop-if`; known keys: drop-if-field, drop-if-equals"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_a_pipeline_step_it_passes_drops_and_rejects() {
    let host = host();
    let step = StepPlugin::new(load(&host, &[("drop-if-field", "test"), ("drop-if-equals", "true")]).unwrap().for_tenant("acme")).unwrap();
    assert_eq!(step.world(), "polyplug:plugin/filter@0.2.0");
    let message = envelope(br#"{"order": 7, "test": false}"#);
    let Outcome::Pass(same) = step.run(&message, &context()).await.unwrap() else { panic!("not passed") };
    assert_eq!((same.payload, same.headers, same.correlation_id), (message.payload.clone(), message.headers.clone(), message.correlation_id.clone()));
    let dropped = step.run(&envelope(br#"{"order": 7, "test": true}"#), &context()).await.unwrap();
    assert!(matches!(&dropped, Outcome::Drop(reason) if reason == "field `test` is true"), "{dropped:?}");
    let rejected = step.run(&envelope(b"<order/>"), &context()).await.unwrap();
    assert!(matches!(&rejected, Outcome::Reject(reason) if reason.starts_with("cannot decide: the message is not JSON: ")), "{rejected:?}");
}

/// 2,000 calls with a 64 KiB JSON payload (125 MiB copied into the plugin,
/// and decoded there) under the manifest's 32 MiB memory limit: without the
/// SDK collecting after each `filter` (package gc; automatic collection is
/// off) the heap would outgrow the limit and the call trap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_payloads_many_times_stay_within_the_memory_limit() {
    let host = host();
    let tests = filter(&host, "test", "true");
    let blob = "x".repeat(64 * 1024);
    for call in 0..2_000 {
        let test = call % 2 == 0;
        let payload = serde_json::json!({"test": test, "blob": blob}).to_string();
        match tests.filter(&envelope(payload.as_bytes()), &context()).await {
            Ok(Ok(Decision::Drop(reason))) if test => assert_eq!(reason, "field `test` is true"),
            Ok(Ok(Decision::Pass)) if !test => {}
            Ok(other) => panic!("call {call}: unexpected {other:?}"),
            Err(error) => panic!("call {call} failed: {error}"),
        }
    }
}
