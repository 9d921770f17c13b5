//! One `auth` facade, three plugins, chosen by configuration only: the Go
//! JWT example loaded in process, the same component served by
//! `serve-remote` (`RemoteServer`) on 127.0.0.1, and the Python OAuth
//! example (`examples/auth-python-oauth`) as a real service on 127.0.0.1,
//! deciding against a real RFC 7662 introspection server. The call site is
//! the same function for all three.

#[path = "../../../tests/support/python_services.rs"]
mod python_services;

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use polyplug::auth::{Auth, AuthDecision, Credentials, RequestContext};
use polyplug::remote::Plugins;
use python_services::Service;
use serde_json::json;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const SECRET: &str = "local-or-remote-test-secret";

fn jwt() -> String {
    use hmac::Mac as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({"iss": "https://issuer.example", "aud": "orders-api", "sub": "alice", "exp": now + 3600, "roles": ["reader"]});
    let signed = format!("{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.to_string().as_bytes()));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    format!("{signed}.{}", b64(&mac.finalize().into_bytes()))
}

/// The call site: the same for every backend.
async fn decide(auth: &Auth, token: &str) -> AuthDecision {
    let context = RequestContext { method: "GET".into(), path: "/orders".into(), headers: vec![], client_ip: None };
    auth.authenticate(&context, &Credentials::Bearer(token.into())).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_facade_calls_a_local_plugin_serve_remote_and_a_python_service_chosen_by_configuration() {
    use sha2::Digest as _;
    let go = root().join("examples/auth-go-jwt/plugin.wasm");
    assert!(go.exists(), "{} is not built: run `cargo xtask test`", go.display());
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(&go).unwrap()));
    let policy = format!("[plugins.auth-go-jwt]\nsha256 = [\"{digest}\"]\nlog = true\nconfig = true\nclocks = true\n");
    let host = polyplug::Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug::Policy::from_toml(&policy, "the test policy").unwrap())
        .build()
        .unwrap();
    let jwt_config = [("jwt-secret", SECRET), ("jwt-issuer", "https://issuer.example"), ("jwt-audience", "orders-api")];

    // The same component, served out of process as a remote plugin.
    let served = host.loader(&go).config(jwt_config).load().unwrap();
    let bridge = polyplug::remote::RemoteServer::bind(served, host.catalog(), "127.0.0.1:0", Default::default()).await.unwrap();

    // The Python OAuth plugin, against a real introspection server.
    let (_introspection, oauth) = python_services::oauth_plugin(&root());

    let configuration = format!(
        "[plugins.jwt]\nworld = \"auth\"\npath = \"{}\"\nconfig = {{ jwt-secret = \"{SECRET}\", jwt-issuer = \"https://issuer.example\", jwt-audience = \"orders-api\" }}\n\n\
         [plugins.jwt-bridged]\nworld = \"auth\"\nendpoints = [\"{}\"]\n\n\
         [plugins.oauth]\nworld = \"auth\"\nendpoints = [\"{}\"]\ntimeout-ms = 2000\n",
        go.display(),
        bridge.url(),
        oauth.1
    );
    let plugins = Plugins::from_toml(&configuration, "the test's plugins.toml", &root()).unwrap();
    let mut outcomes = Vec::new();
    for (name, good, bad) in [("jwt", jwt(), "not-a-jwt".to_string()), ("jwt-bridged", jwt(), "not-a-jwt".into()), ("oauth", "reader-token".into(), "revoked-token".into())] {
        let backend = plugins.open(name, &host).await.unwrap();
        let remote = backend.local().is_none();
        let auth = Auth::new(backend).unwrap();
        let allowed = match decide(&auth, &good).await {
            AuthDecision::Allow(principal) => principal.id,
            other => panic!("{name}: a good token was not allowed: {other:?}"),
        };
        let denied = match decide(&auth, &bad).await {
            AuthDecision::Deny(denial) => denial.status,
            other => panic!("{name}: a bad token was not denied: {other:?}"),
        };
        outcomes.push((name, remote, allowed, denied));
        if remote {
            let stats = auth.backend().remote_stats().unwrap();
            assert_eq!(stats.calls, 2, "{name}");
            assert!(stats.failures.is_empty(), "{name}: {stats:?}");
        }
    }
    assert_eq!(
        outcomes,
        [("jwt", false, "alice".to_string(), 401), ("jwt-bridged", true, "alice".into(), 401), ("oauth", true, "u-17".into(), 401)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_remote_transform_answers_as_the_rust_component_does() {
    use polyplug::transform::{Message, Transform};
    let rules = [("rename", "cust.name=customer"), ("map.status", "A=active,I=inactive"), ("require", "customer")];
    let rust = root().join("examples/transform-rust/plugin.wasm");
    let node = root().join("examples/transform-node/dist/plugin.js");
    for built in [&rust, &node] {
        assert!(built.exists(), "{} is not built: run `cargo xtask test`", built.display());
    }
    let host = polyplug::Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug::Policy::from_toml("[default]\nlog = true\n", "the test policy").unwrap())
        .build()
        .unwrap();
    let config: serde_json::Map<String, serde_json::Value> = rules.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let mut child = Command::new("node")
        .arg(&node)
        .env("POLYPLUG_LISTEN", "127.0.0.1:0")
        .env("POLYPLUG_CONFIG", serde_json::Value::Object(config).to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let line = std::io::BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let service = Service(child, line.strip_prefix("polyplug-remote listening on ").unwrap().to_string());

    let configuration = format!(
        "[plugins.local]\nworld = \"transform\"\npath = \"{}\"\nconfig = {{ rename = \"cust.name=customer\", \"map.status\" = \"A=active,I=inactive\", require = \"customer\" }}\n\n\
         [plugins.remote]\nworld = \"transform\"\nendpoints = [\"{}\"]\n",
        rust.display(),
        service.1
    );
    let plugins = Plugins::from_toml(&configuration, "the test's plugins.toml", &root()).unwrap();
    let message = Message { payload: r#"{"cust":{"name":"Ann"},"status":"A"}"#.into(), content_type: "application/json".into(), headers: vec![] };
    let refused = Message { payload: r#"{"status":"I"}"#.into(), content_type: "application/json".into(), headers: vec![] };
    let mut answers = Vec::new();
    for name in ["local", "remote"] {
        let transform = Transform::new(plugins.open(name, &host).await.unwrap()).unwrap();
        let out = transform.transform(&message).await.unwrap().unwrap().unwrap();
        let payload: serde_json::Value = serde_json::from_str(&out.payload).unwrap();
        let missing = transform.transform(&refused).await.unwrap();
        // Filtered out (`ok(none)`) or refused (`err`): the same either way.
        answers.push((payload, missing.map(|m| m.is_none())));
    }
    assert_eq!(answers[0], answers[1], "the same transformation, local and remote");
    assert_eq!(answers[0].0["customer"], "Ann");
    assert_eq!(answers[0].0["status"], "active");
    assert_ne!(answers[0].1, Ok(false), "a message without the required field does not pass: {:?}", answers[0].1);
}
