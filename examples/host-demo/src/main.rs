//! The demo behind `cargo xtask demo`: a host application embedding
//! polyplug, loading the example plugins — written in Rust, Go and C, built
//! by xtask into `examples/*/plugin.wasm` — and calling them through typed
//! bindings.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use polyplug_bindings::auth::Auth;
use polyplug_bindings::auth::exports::polyplug::plugin::authenticator::{AuthDecision, Credentials, RequestContext};
use polyplug_bindings::transform::Transform;
use polyplug_bindings::transform::exports::polyplug::plugin::transformer::Message;
use polyplug_host::{Host, Plugin, Provenance};
use polyplug_policy::{ConsentRecord, Policy};
use sha2::{Digest, Sha256};

fn example(name: &str) -> Result<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name).join("plugin.wasm");
    anyhow::ensure!(
        path.exists(),
        "{} is not built; run `cargo xtask demo`, which builds the example plugins first",
        path.display()
    );
    Ok(path)
}

/// The operator's side: the checked-in policy, plus consent to the example
/// plugins just built (a grant binds to a component's digest, and these were
/// built on this machine), as `polyplug grant` would record it, in a
/// temporary copy; the checked-in file stays as it is.
fn policy_with_consent() -> Result<Policy> {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy.toml");
    let dir = std::env::temp_dir().join(format!("polyplug-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("policy.toml");
    std::fs::copy(&template, &path).with_context(|| format!("copying {}", template.display()))?;
    for name in ["transform-rust", "auth-rust", "auth-go-jwt", "transform-c-csv"] {
        let bytes = std::fs::read(example(name)?)?;
        let manifest = polyplug_manifest::read_section(&bytes)?.context("the example plugins carry a manifest")?;
        let manifest = polyplug_manifest::Manifest::from_toml(&manifest, name)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let record = ConsentRecord { by: "the demo".into(), at_unix: 0, sha256 };
        polyplug_policy::record_consent(&path, &manifest, &[], &record)?;
        println!("consent: `{name}` with sha256 {}… granted what it requests", &record.sha256[..12]);
    }
    let policy = Policy::load(&path);
    std::fs::remove_dir_all(&dir)?;
    Ok(policy?)
}

fn describe_load(plugin: &Plugin, elapsed: std::time::Duration) {
    let how = match plugin.provenance() {
        Provenance::Compiled => "compiled",
        Provenance::Cached => "taken from the compiled-plugin cache",
    };
    let info = plugin.info().expect("the example plugins describe themselves");
    println!("   {} {} — {}", info.name, info.version, info.description);
    println!("   world {}, {} KiB, {how} and ready in {:.1} ms", plugin.world().name, plugin.size() / 1024, elapsed.as_secs_f64() * 1e3);
}

/// An auth decision in words.
fn shown(decision: Result<AuthDecision, String>) -> String {
    match decision {
        Ok(AuthDecision::Allow(p)) => {
            format!("allow as `{}` (roles: {})", p.id, if p.roles.is_empty() { "none".into() } else { p.roles.join(", ") })
        }
        Ok(AuthDecision::Deny(d)) => format!("deny with {}: {}", d.status, d.reason),
        Err(reason) => format!("error: {reason}"),
    }
}

/// An HS256 JSON Web Token for `claims`, signed with `secret`.
fn jwt(secret: &str, claims: &str) -> String {
    use base64::Engine as _;
    let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let signed = format!("{}.{}", encode(br#"{"alg":"HS256","typ":"JWT"}"#), encode(claims.as_bytes()));
    format!("{signed}.{}", encode(&hmac_sha256(secret.as_bytes(), signed.as_bytes())))
}

/// HMAC-SHA-256 of `message` under `key`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn main() -> Result<()> {
    println!("polyplug demo: one host, plugins written in Rust, Go and C, loaded as sandboxed WebAssembly components.\n");
    let policy = policy_with_consent()?;
    println!(
        "policy: examples/host-demo/policy.toml grants each plugin `log` (the Go one also its configuration and the clock), nothing else (no files, network, env), and only to the components consented to.\n"
    );
    let host = Host::builder().policy(policy).build().context("starting the polyplug host")?;

    // 1. A transform plugin, configured to reshape order messages.
    let config = [
        ("rename", "cust.name=customer,amt=amount"),
        ("map.status", "A=active,I=inactive"),
        ("drop", "internal,cust"),
        ("require", "customer"),
    ];
    println!("1. transform-rust: reshapes JSON messages");
    let start = Instant::now();
    let plugin = host.loader(example("transform-rust")?).world("transform").config(config).load()?;
    describe_load(&plugin, start.elapsed());
    for (key, value) in config {
        println!("   config {key} = {value}");
    }
    let transform = plugin.typed::<Transform>()?;
    let messages = [
        r#"{"cust":{"name":"Ada"},"amt":42,"status":"A","internal":true}"#,
        r#"{"amt":7,"status":"I"}"#,
        r#"[1, 2, 3]"#,
    ];
    for payload in messages {
        let message = Message { payload: payload.into(), content_type: "application/json".into(), headers: vec![] };
        let out = transform.call("transform", |t, store| t.polyplug_plugin_transformer().call_transform(store, &message))?;
        println!("\n   in : {payload}");
        match out {
            Ok(Some(message)) => println!("   out: {}", message.payload),
            Ok(None) => println!("   out: (filtered out: no `customer` field)"),
            Err(reason) => println!("   out: (rejected by the plugin: {reason})"),
        }
    }

    // 2. An auth plugin, with API keys from its configuration.
    println!("\n2. auth-rust: API-key authentication");
    let start = Instant::now();
    let plugin = host
        .loader(example("auth-rust")?)
        .world("auth")
        .config([("api-keys", "k-alice=alice,k-bob=bob"), ("roles.alice", "admin,reader")])
        .load()?;
    describe_load(&plugin, start.elapsed());
    println!("   config api-keys = k-alice=alice,k-bob=bob; roles.alice = admin,reader");
    let auth = plugin.typed::<Auth>()?;
    let request = RequestContext { method: "GET".into(), path: "/orders".into(), headers: vec![], client_ip: None };
    let attempts = [
        ("key k-alice", Credentials::ApiKey("k-alice".into())),
        ("key k-bob", Credentials::ApiKey("k-bob".into())),
        ("key k-mallory", Credentials::ApiKey("k-mallory".into())),
        ("no credentials", Credentials::None),
    ];
    for (what, credentials) in attempts {
        let decision =
            auth.call("authenticate", |a, store| a.polyplug_plugin_authenticator().call_authenticate(store, &request, &credentials))?;
        println!("   GET /orders with {what:<15} → {}", shown(decision));
    }

    // 3. A Go plugin: HS256 JWTs verified with Go's standard library.
    println!("\n3. auth-go-jwt (Go): JWT bearer tokens");
    let start = Instant::now();
    let secret = "demo-secret";
    let plugin = host
        .loader(example("auth-go-jwt")?)
        .world("auth")
        .config([("jwt-secret", secret), ("jwt-issuer", "https://issuer.example"), ("jwt-audience", "orders-api")])
        .load()?;
    describe_load(&plugin, start.elapsed());
    let go_auth = plugin.typed::<Auth>()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let claims = |sub: &str, exp: u64| {
        format!(r#"{{"sub":"{sub}","iss":"https://issuer.example","aud":"orders-api","exp":{exp},"roles":["reader"]}}"#)
    };
    let tokens = [
        ("a valid token", jwt(secret, &claims("carol", now + 3600))),
        ("an expired token", jwt(secret, &claims("carol", now - 60))),
        ("a forged token", jwt("guessed-secret", &claims("mallory", now + 3600))),
    ];
    for (what, token) in tokens {
        let credentials = Credentials::Bearer(token);
        let decision = go_auth
            .call("authenticate", |a, store| a.polyplug_plugin_authenticator().call_authenticate(store, &request, &credentials))?;
        println!("   GET /orders with {what:<17} → {}", shown(decision));
    }

    // 4. A C plugin: CSV messages become JSON.
    println!("\n4. transform-c-csv (C): CSV to JSON");
    let start = Instant::now();
    let plugin = host.loader(example("transform-c-csv")?).world("transform").load()?;
    describe_load(&plugin, start.elapsed());
    let csv = plugin.typed::<Transform>()?;
    for payload in ["name,amount\nAda,42\n\"Lovelace, A.\",7\n", "name,amount\nAda\n"] {
        let message = Message { payload: payload.into(), content_type: "text/csv".into(), headers: vec![] };
        let out = csv.call("transform", |t, store| t.polyplug_plugin_transformer().call_transform(store, &message))?;
        println!("\n   in : {}", payload.escape_debug());
        match out {
            Ok(Some(message)) => println!("   out: {} ({})", message.payload, message.content_type),
            Ok(None) => println!("   out: (filtered out)"),
            Err(reason) => println!("   out: (rejected by the plugin: {reason})"),
        }
    }

    // 5. What a call costs: one instance held, many calls.
    let mut instance = auth.instance()?;
    let credentials = Credentials::ApiKey("k-alice".into());
    let calls = 10_000;
    let start = Instant::now();
    for _ in 0..calls {
        instance.call("authenticate", |a, store| a.polyplug_plugin_authenticator().call_authenticate(store, &request, &credentials))?.map_err(anyhow::Error::msg)?;
    }
    let per_call = start.elapsed().as_secs_f64() * 1e9 / f64::from(calls);
    println!("\n5. {calls} authenticate calls on one instance: {:.2} µs per call (strings and records copied both ways).", per_call / 1e3);
    println!("\nNext: write your own plugin — see README.md, \"Your first plugin in 5 minutes\".");
    Ok(())
}
