//! The same transform plugin in three languages: `examples/transform-rust`,
//! `examples/transform-python` and `examples/transform-ts` take the same
//! configuration and must give the same answers, message for message, so
//! that the benches and the docs compare like with like.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use polyplug_host::{Host, Plugin};
use polyplug_policy::Policy;
use serde_json::{Value, json};

const EXAMPLES: [&str; 3] = ["transform-rust", "transform-python", "transform-ts"];

/// The component `cargo xtask guests` built for `examples/<name>`.
fn component(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("plugin.wasm");
    assert!(path.exists(), "{} is not built; run `cargo xtask guests`", path.display());
    path
}

/// One host granting each example `log`, for the component built from the repository.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        use sha2::Digest;
        let mut text = String::new();
        for name in EXAMPLES {
            let digest = hex::encode(sha2::Sha256::digest(std::fs::read(component(name)).unwrap()));
            text.push_str(&format!("[plugins.{name}]\nsha256 = [\"{digest}\"]\nlog = true\n\n"));
        }
        Host::builder()
            .policy(Policy::from_toml(&text, "the transform examples' policy").unwrap())
            .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
            .build()
            .expect("the host starts")
    })
}

/// The configuration every example is loaded with.
const RULES: [(&str, &str); 4] = [
    ("rename", "cust.name=customer,amt=amount"),
    ("map.status", "A=active,I=inactive,1=one"),
    ("drop", "internal,debug.trace"),
    ("require", "customer"),
];

fn load(name: &str) -> Plugin {
    host().loader(component(name)).config(RULES).load().unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What `plugin` answers for `payload`, with the `x-transformed-by` header
/// checked and left out, and a JSON payload parsed (key order is the
/// language's own).
fn answer(name: &str, plugin: &Plugin, payload: &str) -> Value {
    let message = json!({"payload": payload, "content-type": "text/plain", "headers": [["x-trace", "7"]]});
    let out = plugin.call_json("transformer", "transform", &[message]).unwrap_or_else(|e| panic!("{name}: {e}"));
    match out["tag"].as_str() {
        Some("ok") if out["val"].is_null() => json!("filtered out"),
        Some("ok") => {
            let message = &out["val"];
            assert_eq!(message["content-type"], "application/json", "{name}: {out}");
            assert_eq!(message["headers"], json!([["x-trace", "7"], ["x-transformed-by", name]]), "{name}: {out}");
            let payload = message["payload"].as_str().unwrap();
            serde_json::from_str(payload).unwrap_or_else(|e| panic!("{name} made {payload}: not JSON: {e}"))
        }
        // The parser's own words follow the prefix; they differ by language.
        Some("err") => {
            let reason = out["val"].as_str().unwrap();
            json!({"refused": reason.split_once(": ").map_or(reason, |(prefix, _)| prefix)})
        }
        _ => panic!("{name}: {out}"),
    }
}

#[test]
fn the_three_languages_reshape_every_message_alike() {
    let cases: [(&str, Value); 8] = [
        (
            r#"{"cust": {"name": "Ada", "tier": 2}, "amt": 12.5, "status": "A", "internal": true}"#,
            json!({"cust": {"tier": 2}, "customer": "Ada", "amount": 12.5, "status": "active"}),
        ),
        (r#"{"cust": {"name": "Bob"}, "status": "X"}"#, json!({"cust": {}, "customer": "Bob", "status": "X"})),
        (r#"{"customer": "Cy", "status": 1, "debug": {"trace": "t", "level": 3}}"#, json!({"customer": "Cy", "status": "one", "debug": {"level": 3}})),
        (r#"{"cust": "not an object", "customer": null}"#, json!({"cust": "not an object", "customer": null})),
        (r#"{"amt": 3}"#, json!("filtered out")),
        (r#"{"customer": "Dee", "status": "I", "note": "naïve ✓"}"#, json!({"customer": "Dee", "status": "inactive", "note": "naïve ✓"})),
        (r#"[1, 2, 3]"#, json!({"refused": "payload is JSON but not an object (found an array)"})),
        ("not json", json!({"refused": "payload is not JSON"})),
    ];
    for name in EXAMPLES {
        let plugin = load(name);
        for (payload, expected) in &cases {
            assert_eq!(&answer(name, &plugin, payload), expected, "{name} on {payload}");
        }
    }
}

#[test]
fn the_three_languages_refuse_a_bad_configuration_with_the_same_words() {
    for name in EXAMPLES {
        let err = host().loader(component(name)).config([("bogus", "1")]).load().err().unwrap_or_else(|| panic!("{name} took `bogus`"));
        assert!(
            err.to_string().contains(&format!(
                "plugin `{name}` refused its configuration: unknown config key `bogus`; known keys: rename, drop, require, map.<field>"
            )),
            "{name}: {err}"
        );
        let err = host().loader(component(name)).config([("rename", "a")]).load().err().unwrap_or_else(|| panic!("{name} took `rename = a`"));
        assert!(err.to_string().contains("config `rename`: entry `a` is not `from=to`"), "{name}: {err}");
    }
}
