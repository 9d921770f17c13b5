//! `examples/map-fields-ts`, the JavaScript SDK's first `transform@0.2`
//! converter (written in TypeScript), as a pipeline step through
//! `StepPlugin`: an order mapped to the next system's fields with the rest
//! of the envelope kept, defaults, the rejections (a missing source, a
//! payload that is not JSON) with their exact reasons, and `init` refusing
//! a bad configuration.

mod common;

use polyplug::pipeline::{Context, Envelope, Outcome, StepPlugin, StepRecord};
use polyplug::{Error, Host, Plugin};

/// A host granting the plugin (by its digest) what it requests: `config` and `log`.
fn host() -> Host {
    common::host(&[("map-fields-ts", "config = true\nlog = true")])
}

/// The mapping of the brief: an order in the shop's shape to the billing system's flat one.
const MAPPING: &str = r#"{"orderId": "order.id", "customerId": "order.customer", "amount": "order.total", "currency": "order.currency"}"#;

fn load(host: &Host, config: &[(&str, &str)]) -> Result<Plugin, Error> {
    common::load(host, "map-fields-ts", config)
}

fn step(host: &Host, config: &[(&str, &str)]) -> StepPlugin {
    StepPlugin::new(load(host, config).unwrap()).unwrap()
}

fn envelope(content_type: &str, payload: &[u8]) -> Envelope {
    Envelope {
        id: "m-7".into(),
        tenant_id: "acme".into(),
        integration_id: "orders".into(),
        correlation_id: Some("c-1".into()),
        content_type: content_type.into(),
        payload: payload.to_vec(),
        headers: vec![("x-trace".into(), "1".into()), ("x-trace".into(), "2".into())],
        source: "http:/orders".into(),
        steps: vec![StepRecord { name: "receive".into(), plugin: "http-in@1.0.0".into(), finished_at: 1_796_000_000_100 }],
        created_at: 1_796_000_000_000,
        // The largest u64: it crosses JavaScript as a bigint and must come back exact.
        expires_at: Some(u64::MAX),
        retry_count: 2,
    }
}

fn context() -> Context {
    Context { pipeline: "orders".into(), step: "map-fields".into(), tenant_id: "acme".into() }
}

async fn run(step: &StepPlugin, message: &Envelope) -> Outcome {
    step.run(message, &context()).await.unwrap()
}

fn rejected(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Reject(reason) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

const ORDER: &[u8] = br#"{"order": {"id": "o-17", "customer": "c-9", "total": 129.5, "currency": "EUR", "lines": [{"sku": "A1"}]}, "channel": "web"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_mapped_and_the_rest_of_the_envelope_kept() {
    let host = host();
    let step = step(&host, &[("mapping", MAPPING)]);
    assert_eq!(step.world(), "polyplug:plugin/transform@0.2.0");
    // A `+json` type is JSON too; the output is plain `application/json`.
    let message = envelope("application/vnd.acme.order+json; charset=utf-8", ORDER);
    let Outcome::Pass(out) = run(&step, &message).await else { panic!("not passed") };
    assert_eq!(String::from_utf8(out.payload.clone()).unwrap(), r#"{"orderId":"o-17","customerId":"c-9","amount":129.5,"currency":"EUR"}"#);
    assert_eq!(out.content_type, "application/json");
    let headers: Vec<(&str, &str)> = out.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(headers, [("x-trace", "1"), ("x-trace", "2"), ("x-mapped-by", "map-fields-ts")]);
    let expected = Envelope { payload: out.payload.clone(), content_type: out.content_type.clone(), headers: out.headers.clone(), ..message.clone() };
    assert_eq!(format!("{out:?}"), format!("{expected:?}"), "everything but the payload, content type and headers unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_fill_missing_sources_and_a_missing_source_without_one_rejects() {
    let host = host();
    let defaulted = step(&host, &[("mapping", MAPPING), ("defaults", r#"{"currency": "EUR", "customerId": "guest"}"#)]);
    let no_currency = envelope("application/json", br#"{"order": {"id": "o-18", "customer": "c-9", "total": 5}}"#);
    let Outcome::Pass(out) = run(&defaulted, &no_currency).await else { panic!("not passed") };
    assert_eq!(String::from_utf8(out.payload.clone()).unwrap(), r#"{"orderId":"o-18","customerId":"c-9","amount":5,"currency":"EUR"}"#);
    // A source that is there with `null` is mapped as `null`: only a missing one takes the default.
    let null_currency = envelope("application/json", br#"{"order": {"id": "o-19", "total": 5, "currency": null}}"#);
    let Outcome::Pass(out) = run(&defaulted, &null_currency).await else { panic!("not passed") };
    assert_eq!(String::from_utf8(out.payload.clone()).unwrap(), r#"{"orderId":"o-19","customerId":"guest","amount":5,"currency":null}"#);

    let strict = step(&host, &[("mapping", MAPPING)]);
    let no_total = envelope("application/json", br#"{"order": {"id": "o-20", "customer": "c-9", "currency": "EUR"}}"#);
    assert_eq!(rejected(&run(&strict, &no_total).await), "the message has no `order.total`");
    // A path through something that is not an object is missing too.
    let flat_order = envelope("application/json", br#"{"order": "o-21"}"#);
    assert_eq!(rejected(&run(&strict, &flat_order).await), "the message has no `order.id`");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_that_are_not_json_are_rejected() {
    let host = host();
    let step = step(&host, &[("mapping", MAPPING)]);
    let csv = envelope("text/csv", b"id,total\no-17,129.5\n");
    assert_eq!(rejected(&run(&step, &csv).await), "map-fields takes JSON payloads: this message's content type is `text/csv`");
    let broken = envelope("application/json", br#"{"order": "#);
    let reason = rejected(&run(&step, &broken).await).to_string();
    assert!(reason.starts_with("map-fields takes JSON payloads: ") && reason.len() > "map-fields takes JSON payloads: ".len(), "{reason}");
    // Valid JSON once a replacement character stood for the broken byte: decoding must be strict.
    let not_utf8 = envelope("application/json", b"{\"order\": {\"id\": \"\xff\"}}");
    assert_eq!(rejected(&run(&step, &not_utf8).await), "map-fields takes JSON payloads: the payload is not UTF-8");
}

#[test]
fn init_refuses_a_missing_or_bad_mapping_naming_the_key() {
    let host = host();
    let refusal = |config: &[(&str, &str)]| match load(&host, config) {
        Err(Error::Init { plugin, message }) => {
            assert_eq!(plugin, "map-fields-ts");
            message
        }
        Err(other) => panic!("expected the plugin's init to refuse {config:?}, got {other}"),
        Ok(_) => panic!("expected the plugin's init to refuse {config:?}"),
    };
    let shape = r#"a JSON object from target field to source path, e.g. {"orderId": "order.id", "amount": "order.total"}"#;
    assert_eq!(refusal(&[]), format!("config `mapping` is missing; set it to {shape}"));
    assert_eq!(refusal(&[("mapping", r#"["order.id"]"#)]), format!("config `mapping` must be a JSON object: {shape}"));
    assert_eq!(refusal(&[("mapping", "{}")]), format!("config `mapping` maps no fields; set it to {shape}"));
    let not_json = refusal(&[("mapping", "orderId=order.id")]);
    assert!(not_json.starts_with("config `mapping` is not JSON (") && not_json.ends_with(&format!("); it is {shape}")), "{not_json}");
    assert_eq!(
        refusal(&[("mapping", r#"{"orderId": "order.id", "amount": 7}"#)]),
        "config `mapping`: the source of `amount` must be a dotted path such as `order.total`, not 7"
    );
    assert_eq!(
        refusal(&[("mapping", r#"{"orderId": "order..id"}"#)]),
        "config `mapping`: the source of `orderId` must be a dotted path such as `order.total`, not \"order..id\""
    );
    assert_eq!(refusal(&[("mapping", MAPPING), ("defaults", r#"{"colour": "blue"}"#)]), "config `defaults`: `colour` is not a target of `mapping`");
    assert_eq!(refusal(&[("mapping", MAPPING), ("default", "{}")]), "unknown config key `default`; known keys: mapping, defaults");
}
