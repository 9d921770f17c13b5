//! `auth@0.1` and `auth@0.2` plugins side by side in one host, both called
//! through `AuthPlugin` as `auth@0.2`: the API-key plugin of the first
//! version (`examples/auth-rust`, unchanged) and the basic-auth plugin of
//! the second (`examples/auth-basic-rust`), on the same requests.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use polyplug::auth_0_2::{AuthResult, HttpRequest};
use polyplug::{AuthPlugin, Host};

fn example(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("plugin.wasm");
    assert!(path.exists(), "{} is not built: run `cargo xtask test` (or `cargo xtask guests` first)", path.display());
    path
}

/// One host granting both examples `log` (what `auth-rust` requests).
fn host() -> Host {
    use sha2::Digest;
    let mut policy = String::new();
    for name in ["auth-rust", "auth-basic-rust"] {
        let digest = hex::encode(sha2::Sha256::digest(std::fs::read(example(name)).unwrap()));
        policy.push_str(&format!("[plugins.{name}]\nsha256 = [\"{digest}\"]\nlog = true\n\n"));
    }
    Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug_policy::Policy::from_toml(&policy, "the test policy").unwrap())
        .build()
        .unwrap()
}

fn request(headers: &[(&str, &str)]) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        uri: "/v1/orders?page=2".into(),
        path: "/v1/orders".into(),
        path_params: vec![],
        query: vec![("page".into(), "2".into())],
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: None,
        client_ip: Some("127.0.0.1".into()),
        caller: None,
    }
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// `(allowed id and roles | denied status | abstained)` for short assertions.
fn outcome(result: AuthResult) -> String {
    match result {
        AuthResult::Allow(allowed) => format!("allow {} {:?} {:?}", allowed.identity.id, allowed.identity.roles, allowed.claims),
        AuthResult::Deny(refused) => format!("deny {} {}", refused.status, refused.reason),
        AuthResult::Abstain => "abstain".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_of_both_versions_answer_the_same_requests_in_one_host() {
    let host = host();
    let first = host.loader(example("auth-rust")).config([("api-keys", "k-123=alice"), ("roles.alice", "admin,reader")]).load().unwrap();
    let second = host.loader(example("auth-basic-rust")).config([("user.ada", "correct horse"), ("roles.ada", "admin")]).load().unwrap();
    assert_eq!(first.world().name, "polyplug:plugin/auth@0.1.0");
    assert_eq!(second.world().name, "polyplug:plugin/auth@0.2.0");
    let (first, second) = (AuthPlugin::new(first).unwrap(), AuthPlugin::new(second).unwrap());
    assert_eq!((first.world(), second.world()), ("polyplug:plugin/auth@0.1.0", "polyplug:plugin/auth@0.2.0"));
    assert_eq!(first.supported_schemes().await.unwrap(), ["basic", "bearer", "api-key"]);
    assert_eq!(second.supported_schemes().await.unwrap(), ["basic"]);

    let decide = |plugin: &AuthPlugin, headers: &[(&str, &str)]| {
        let (plugin, request) = (plugin.clone(), request(headers));
        async move { outcome(plugin.authenticate(&request).await.unwrap().unwrap()) }
    };
    // An API key: the first version's plugin lets alice in (its principal read as an identity); basic abstains.
    // (its string claims become JSON strings).
    assert_eq!(decide(&first, &[("x-api-key", "k-123")]).await, "allow alice [\"admin\", \"reader\"] [(\"auth-method\", \"\\\"api-key\\\"\")]");
    assert_eq!(decide(&second, &[("x-api-key", "k-123")]).await, "abstain");
    // Basic credentials: the second version's plugin decides.
    let ada = basic("ada", "correct horse");
    assert_eq!(decide(&second, &[("authorization", &ada)]).await, "allow ada [\"admin\"] [(\"scheme\", \"\\\"basic\\\"\")]");
    let wrong = basic("ada", "guess");
    assert_eq!(decide(&second, &[("authorization", &wrong)]).await, "deny 401 wrong user name or password (realm `polyplug`)");
    // The first version's plugin is given the basic credentials the header holds, and refuses them as an API-key plugin does.
    assert!(decide(&first, &[("authorization", &ada)]).await.starts_with("deny 401"));
}

#[test]
fn a_plugin_is_called_only_as_the_version_it_implements() {
    let host = host();
    let second = host.loader(example("auth-basic-rust")).config([("user.ada", "x")]).load().unwrap();
    let err = AuthPlugin::first(second).err().unwrap().to_string();
    assert!(err.contains("auth-basic-rust") && err.contains("authenticator@0.1.0"), "{err}");
    let first = host.loader(example("auth-rust")).config([("api-keys", "k=a")]).load().unwrap();
    let err = AuthPlugin::current(first).err().unwrap().to_string();
    assert!(err.contains("auth-rust") && err.contains("authenticator@0.2.0"), "{err}");
}

#[test]
fn credentials_are_read_from_the_headers_as_auth_0_1_took_them() {
    use polyplug::auth::Credentials;
    let read = |headers: &[(&str, &str)]| polyplug::credentials_of(&request(headers));
    assert!(matches!(read(&[("authorization", "Bearer t0k")]), Credentials::Bearer(t) if t == "t0k"));
    assert!(matches!(read(&[("Authorization", &basic("ada", "p:w"))]), Credentials::Basic(b) if b.username == "ada" && b.password == "p:w"));
    assert!(matches!(read(&[("x-api-key", " k-1 ")]), Credentials::ApiKey(k) if k == "k-1"));
    assert!(matches!(read(&[("authorization", "Basic !!!")]), Credentials::None));
    assert!(matches!(read(&[]), Credentials::None));
}
