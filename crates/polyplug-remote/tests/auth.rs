//! Authentication of remote plugins, attacked: a real component served by
//! `RemoteServer` on 127.0.0.1 with an API key, over TLS with a pinned CA,
//! and over mutual TLS; the host without the key, with a wrong one, with
//! no client certificate or with one from an unknown CA is refused, naming why.

use std::path::{Path, PathBuf};
use std::process::Command;

use polyplug_host::{Code, Error, Host, RemotePlugin};
use polyplug_remote::{RemoteClient, RemoteConfig, RemoteError, RemoteServer, ServeOptions, ServerTls, TlsConfig};
use serde_json::json;

fn transform_plugin(host: &Host) -> polyplug_host::Plugin {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust/plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask test` (or `cargo xtask guests` first)", path.display());
    host.loader(&path).config([("rename", "a=b")]).load().unwrap()
}

fn host() -> Host {
    // The example requests `log`; the default grant gives it that and nothing else.
    let policy = log_only_policy();
    Host::builder().cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache")).policy(policy).build().unwrap()
}

fn log_only_policy() -> polyplug_policy::Policy {
    polyplug_policy::Policy::from_toml("[default]\nlog = true\n", "the test policy").unwrap()
}

fn message() -> serde_json::Value {
    json!({"payload": "{\"a\":1}", "content-type": "application/json", "headers": []})
}

async fn serve(options: ServeOptions) -> (RemoteServer, Host) {
    let host = host();
    let server = RemoteServer::bind(transform_plugin(&host), host.catalog(), "127.0.0.1:0", options).await.unwrap();
    (server, host)
}

async fn connect(config: RemoteConfig) -> Result<RemoteClient, RemoteError> {
    RemoteClient::connect("transform-remote", config, &polyplug_wit::Catalog::builtin()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_is_required_and_checked() {
    let (server, _host) = serve(ServeOptions { api_key: Some("s3cr3t".into()), ..Default::default() }).await;
    let url = server.url().to_string();

    let without = connect(RemoteConfig::new("transform", [url.as_str()])).await.err().unwrap().to_string();
    assert!(without.contains("describe answered UNAUTHENTICATED: this plugin requires an API key"), "{without}");

    // SAFETY: this test binary's tests read their own variable names only.
    unsafe { std::env::set_var("AUTH_TEST_WRONG_KEY", "guess") };
    let mut wrong = RemoteConfig::new("transform", [url.as_str()]);
    wrong.api_key_env = Some("AUTH_TEST_WRONG_KEY".into());
    let wrong = connect(wrong).await.err().unwrap().to_string();
    assert!(wrong.contains("UNAUTHENTICATED: the API key is wrong"), "{wrong}");
    assert!(!wrong.contains("guess") && !wrong.contains("s3cr3t"), "keys never appear in errors: {wrong}");

    unsafe { std::env::set_var("AUTH_TEST_RIGHT_KEY", "s3cr3t") };
    let mut right = RemoteConfig::new("transform", [url.as_str()]);
    right.api_key_env = Some("AUTH_TEST_RIGHT_KEY".into());
    let client = connect(right).await.unwrap();
    let answer = client.call_json_async("transformer", "transform", &[message()]).await.unwrap();
    assert_eq!(answer["tag"], "ok");

    // Health needs no key (it is a probe); calls do.
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{url}/v1/health")).send().await.unwrap().status(), 200);
    let call = http.post(format!("{url}/v1/call/transformer/transform")).body(r#"{"args":[]}"#).send().await.unwrap();
    assert_eq!(call.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unset_key_variable_is_a_configuration_error() {
    let mut config = RemoteConfig::new("transform", ["http://127.0.0.1:9"]);
    config.api_key_env = Some("AUTH_TEST_NEVER_SET".into());
    let error = connect(config).await.err().unwrap().to_string();
    assert!(error.contains("the environment variable `AUTH_TEST_NEVER_SET`, which is not set"), "{error}");
}

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the `openssl` command runs (Debian package openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Two CAs (`ca`, `other-ca`); a server certificate for 127.0.0.1 and a
/// client certificate from `ca`; a client certificate from `other-ca`.
fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for ca in ["ca", "other-ca"] {
        openssl(d, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", &format!("{ca}.key"), "-out", &format!("{ca}.pem"), "-days", "2", "-subj", &format!("/CN=polyplug test {ca}")]);
    }
    std::fs::write(d.join("server.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    std::fs::write(d.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    for (leaf, ca, ext) in [("server", "ca", "server.ext"), ("client", "ca", "client.ext"), ("stranger", "other-ca", "client.ext")] {
        openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &format!("{leaf}.key"), "-out", &format!("{leaf}.csr"), "-subj", &format!("/CN={leaf}")]);
        openssl(d, &["x509", "-req", "-in", &format!("{leaf}.csr"), "-CA", &format!("{ca}.pem"), "-CAkey", &format!("{ca}.key"), "-CAcreateserial", "-out", &format!("{leaf}.pem"), "-days", "2", "-extfile", ext]);
    }
    Pki { dir }
}

fn tls_config(url: &str, pki: &Pki, client: Option<&str>) -> RemoteConfig {
    let mut config = RemoteConfig::new("transform", [url]);
    config.tls = Some(TlsConfig {
        ca: pki.path("ca.pem"),
        cert: client.map(|c| pki.path(&format!("{c}.pem"))),
        key: client.map(|c| pki.path(&format!("{c}.key"))),
    });
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_admits_the_pinned_client_and_refuses_the_others() {
    let pki = pki();
    let tls = ServerTls { cert: pki.path("server.pem"), key: pki.path("server.key"), client_ca: Some(pki.path("ca.pem")) };
    let (server, _host) = serve(ServeOptions { tls: Some(tls), ..Default::default() }).await;
    let url = server.url().to_string();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let client = connect(tls_config(&url, &pki, Some("client"))).await.unwrap();
    let answer = client.call_json_async("transformer", "transform", &[message()]).await.unwrap();
    assert_eq!(answer["tag"], "ok");
    let mut http2 = tls_config(&url, &pki, Some("client"));
    http2.http2 = false;
    connect(http2).await.unwrap();

    for (who, client) in [("a client without a certificate", None), ("a client certified by an unknown CA", Some("stranger"))] {
        let error = connect(tls_config(&url, &pki, client)).await.err().unwrap();
        assert!(matches!(error, RemoteError::Unreachable { .. }), "{who}: {error}");
    }

    // The host trusts only the pinned CA: a server certified by another is refused.
    let mut wrong_ca = tls_config(&url, &pki, Some("client"));
    wrong_ca.tls.as_mut().unwrap().ca = pki.path("other-ca.pem");
    let error = connect(wrong_ca).await.err().unwrap().to_string();
    assert!(error.contains("no endpoint could be described"), "{error}");

    let mut unpinned = RemoteConfig::new("transform", [url.as_str()]);
    unpinned.tls = None;
    let error = connect(unpinned).await.err().unwrap().to_string();
    assert!(error.contains("is HTTPS but no CA is pinned"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_plugin_answers_protocol_failures_with_their_codes() {
    let (server, _host) = serve(ServeOptions::default()).await;
    let url = server.url().to_string();
    let http = reqwest::Client::new();
    let unknown = http.post(format!("{url}/v1/call/transformer/nope")).body(r#"{"args":[]}"#).send().await.unwrap();
    assert_eq!(unknown.status(), 501);
    let text = unknown.text().await.unwrap();
    assert!(text.contains(r#""code":"UNIMPLEMENTED""#) && text.contains("it serves: transformer/transform"), "{text}");
    let bad = http.post(format!("{url}/v1/call/transformer/transform")).body(r#"{"args":[{"payload":1}]}"#).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("INVALID_ARGUMENT"));
    let lifecycle = http.post(format!("{url}/v1/call/plugin/init")).body(r#"{"args":[[]]}"#).send().await.unwrap();
    assert_eq!(lifecycle.status(), 501, "the lifecycle is not served");

    let client = connect(RemoteConfig::new("transform", [url.as_str()])).await.unwrap();
    assert_eq!(client.idempotent(), ["transformer/transform"], "what the component's manifest declares, served in describe");
    let error = client.call_json_async("transformer", "transform", &[json!({"payload": 1})]).await.unwrap_err();
    assert!(matches!(error, Error::Remote { code: Code::InvalidArgument, .. }), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_grpc_the_key_and_mutual_tls_are_required_alike() {
    let pki = pki();
    let tls = ServerTls { cert: pki.path("server.pem"), key: pki.path("server.key"), client_ca: Some(pki.path("ca.pem")) };
    let (server, _host) = serve(ServeOptions { api_key: Some("grpc-key".into()), tls: Some(tls), ..Default::default() }).await;
    let url = format!("grpcs://{}", server.local_addr());

    unsafe { std::env::set_var("AUTH_TEST_GRPC_KEY", "grpc-key") };
    let mut good = tls_config(&url, &pki, Some("client"));
    good.api_key_env = Some("AUTH_TEST_GRPC_KEY".into());
    let client = connect(good).await.unwrap();
    let answer = client.call_json_async("transformer", "transform", &[message()]).await.unwrap();
    assert_eq!(answer["tag"], "ok");
    let error = client.call_json_async("transformer", "nope", &[]).await.unwrap_err().to_string();
    assert!(error.contains("has no function `transformer/nope`"), "{error}");

    let keyless = connect(tls_config(&url, &pki, Some("client"))).await.err().unwrap().to_string();
    assert!(keyless.contains("describe answered UNAUTHENTICATED"), "{keyless}");
    let mut stranger = tls_config(&url, &pki, Some("stranger"));
    stranger.api_key_env = Some("AUTH_TEST_GRPC_KEY".into());
    assert!(matches!(connect(stranger).await.err().unwrap(), RemoteError::Unreachable { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_grpc_health_and_failures_carry_their_codes() {
    let (server, _host) = serve(ServeOptions::default()).await;
    let url = format!("grpc://{}", server.local_addr());
    let mut config = RemoteConfig::new("transform", [url.as_str()]);
    config.health.interval_ms = 50;
    let client = connect(config).await.unwrap();
    let bad = client.call_json_async("transformer", "transform", &[json!({"payload": 1})]).await.unwrap_err();
    assert!(matches!(bad, Error::Remote { code: Code::InvalidArgument, .. }), "{bad}");
    // Health is checked over grpc.health.v1: the endpoint stays in rotation while it serves.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(client.stats().endpoints[0].healthy);
    server.shutdown().await;
    for _ in 0..500 {
        if !client.stats().endpoints[0].healthy {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!client.stats().endpoints[0].healthy, "a stopped server leaves the rotation");
}
