//! The Go SDK's `auth@0.2` world (`sdk/go/auth02`) on a real component:
//! `tests/guests/auth02-go` (API keys from its configuration, read through
//! the `config` host interface, mapped to identities) called through
//! `AuthPlugin` as any `auth@0.2` plugin is: allow (every identity field,
//! claims as JSON), deny, abstain, the plugin's `err`, and enough calls with
//! big requests to prove the SDK's collector workaround serves this world's
//! exports too.

mod common;

use base64::Engine as _;
use polyplug::auth_0_2::{AuthResult, HttpRequest, Identity, Refused};
use polyplug::{AuthPlugin, Error, Host, Plugin};
use serde_json::{Value as Json, json};

/// A host granting the guest (by its digest) what it requests: `config` and `log`.
fn host() -> Host {
    common::host(&[("auth02-go", "config = true\nlog = true")])
}

fn load(host: &Host, config: &[(&str, &str)]) -> Result<Plugin, Error> {
    common::load(host, "auth02-go", config)
}

/// Two identities: ada with every field configured, grace with a key and a role only.
const ACCOUNTS: &[(&str, &str)] = &[
    ("key.ada", "k-ada-7f3e"),
    ("roles.ada", "admin, reader"),
    ("groups.ada", "staff,engineering"),
    ("email.ada", "ada@example.com"),
    ("name.ada", "Ada Lovelace"),
    ("plan.ada", "pro"),
    ("scopes.ada", "orders:read orders:write"),
    ("key.grace", " k-grace-19 "),
    ("roles.grace", "reader"),
];

fn request(headers: &[(&str, &str)]) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        uri: "/v1/orders?dry-run=true".into(),
        path: "/v1/orders".into(),
        path_params: vec![],
        query: vec![("dry-run".into(), "true".into())],
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: Some(b"{\"item\": 7}".to_vec()),
        client_ip: Some("127.0.0.1".into()),
        caller: None,
    }
}

async fn decide(plugin: &AuthPlugin, headers: &[(&str, &str)]) -> Result<AuthResult, String> {
    plugin.authenticate(&request(headers)).await.unwrap()
}

/// The claims of an allowing result, each value parsed as JSON; panics on any other result.
fn allowed(result: Result<AuthResult, String>) -> (Identity, Vec<(String, Json)>) {
    match result {
        Ok(AuthResult::Allow(allowed)) => {
            let claims = allowed.claims.iter().map(|(name, value)| (name.clone(), serde_json::from_str(value).unwrap_or_else(|e| panic!("claim `{name}` is not JSON ({e}): {value}")))).collect();
            (allowed.identity, claims)
        }
        other => panic!("expected allow, got {}", describe(&other)),
    }
}

fn describe(result: &Result<AuthResult, String>) -> String {
    match result {
        Ok(AuthResult::Allow(allowed)) => format!("allow {} {:?}", allowed.identity.id, allowed.claims),
        Ok(AuthResult::Deny(refused)) => format!("deny {} {}", refused.status, refused.reason),
        Ok(AuthResult::Abstain) => "abstain".into(),
        Err(message) => format!("err {message}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_allow_deny_and_abstain_through_auth_plugin() {
    let host = host();
    let plugin = load(&host, ACCOUNTS).unwrap();
    assert_eq!(plugin.world().name, "polyplug:plugin/auth@0.2.0");
    let plugin = AuthPlugin::new(plugin).unwrap();
    assert_eq!(plugin.world(), "polyplug:plugin/auth@0.2.0");
    assert_eq!(plugin.supported_schemes().await.unwrap(), ["api-key", "bearer"]);

    // An API key in `x-api-key` (any case): ada, with every field of her identity, and claims sorted by name.
    let (identity, claims) = allowed(decide(&plugin, &[("X-Api-Key", "k-ada-7f3e")]).await);
    assert_eq!(identity.id, "ada");
    assert_eq!(identity.username.as_deref(), Some("ada"));
    assert_eq!(identity.email.as_deref(), Some("ada@example.com"));
    assert_eq!(identity.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(identity.roles, ["admin", "reader"]);
    assert_eq!(identity.groups, ["staff", "engineering"]);
    assert_eq!(identity.attributes, [("plan".to_string(), "pro".to_string())]);
    assert_eq!(
        claims,
        [("admin".to_string(), json!(true)), ("scheme".to_string(), json!("api-key")), ("scopes".to_string(), json!(["orders:read", "orders:write"]))]
    );

    // The same plugin takes a key as a bearer token: grace, whose unconfigured fields are none or empty.
    let (identity, claims) = allowed(decide(&plugin, &[("authorization", "Bearer k-grace-19")]).await);
    assert_eq!((identity.id.as_str(), identity.username.as_deref()), ("grace", Some("grace")));
    assert_eq!((identity.email, identity.display_name), (None, None));
    assert_eq!(identity.roles, ["reader"]);
    assert!(identity.groups.is_empty() && identity.attributes.is_empty(), "{:?} {:?}", identity.groups, identity.attributes);
    assert_eq!(claims, [("admin".to_string(), json!(false)), ("scheme".to_string(), json!("bearer")), ("scopes".to_string(), json!([]))]);

    // A key nobody has, in either place: refused with 401.
    for headers in [&[("x-api-key", "k-ada-7f3f")][..], &[("authorization", "bearer k-ada")][..], &[("x-api-key", "")][..]] {
        match decide(&plugin, headers).await {
            Ok(AuthResult::Deny(Refused { status, reason })) => assert_eq!((status, reason.as_str()), (401, "unknown API key"), "{headers:?}"),
            other => panic!("{headers:?}: expected deny, got {}", describe(&other)),
        }
    }

    // Schemes it does not handle, and no credentials: not its to decide.
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("ada:k-ada-7f3e"));
    for headers in [&[("authorization", basic.as_str())][..], &[][..], &[("authorization", "Digest username=\"ada\"")][..]] {
        assert_eq!(describe(&decide(&plugin, headers).await), "abstain", "{headers:?}");
    }
    // Basic credentials that do not decode are no basic credentials: the `x-api-key` beside them decides, as the server reads them.
    let (identity, _) = allowed(decide(&plugin, &[("authorization", "Basic !!!"), ("x-api-key", "k-ada-7f3e")]).await);
    assert_eq!(identity.id, "ada");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfigured_plugin_answers_err_not_a_denial() {
    let host = host();
    let unconfigured = AuthPlugin::new(load(&host, &[]).unwrap()).unwrap();
    assert_eq!(describe(&decide(&unconfigured, &[("x-api-key", "k-ada-7f3e")]).await), "err no API keys configured: set `key.<id> = <API key>` for each identity");
    // Abstaining needs no configuration: a request it would not decide is still not its.
    assert_eq!(describe(&decide(&unconfigured, &[]).await), "abstain");

    let keyless = AuthPlugin::new(load(&host, &[("key.ada", "k-1"), ("roles.bob", "admin")]).unwrap()).unwrap();
    assert_eq!(describe(&decide(&keyless, &[("authorization", "Bearer k-1")]).await), "err identity `bob` is configured without an API key: set `key.bob`");
    let shared = AuthPlugin::new(load(&host, &[("key.ada", "k-1"), ("key.bob", "k-1")]).unwrap()).unwrap();
    assert_eq!(describe(&decide(&shared, &[("x-api-key", "k-1")]).await), "err `key.ada` and `key.bob` are the same key: give each identity its own");

    // A key the plugin does not know is refused at load, by its Init.
    match load(&host, &[("key.ada", "k-1"), ("colour", "blue")]) {
        Err(Error::Init { plugin, message }) => {
            assert_eq!(plugin, "auth02-go");
            assert!(message.starts_with("unknown config key `colour`; known keys: key.<id>, roles.<id>,"), "{message}");
        }
        Err(other) => panic!("expected the plugin's init to refuse `colour`, got {other}"),
        Ok(_) => panic!("expected the plugin's init to refuse `colour`"),
    }
}

/// 2,000 calls with a 64 KiB body (125 MiB copied into the plugin) under the
/// manifest's 32 MiB memory limit: without the SDK collecting after each
/// `authenticate` (package gc; automatic collection is off) the heap would
/// outgrow the limit and the call trap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_requests_many_times_stay_within_the_memory_limit() {
    let host = host();
    let plugin = AuthPlugin::new(load(&host, ACCOUNTS).unwrap()).unwrap();
    let mut big = request(&[("x-api-key", "k-ada-7f3e")]);
    big.body = Some(vec![b'x'; 64 * 1024]);
    for call in 0..2_000 {
        match plugin.authenticate(&big).await {
            Ok(Ok(AuthResult::Allow(allowed))) => assert_eq!(allowed.identity.id, "ada"),
            Ok(other) => panic!("call {call}: expected allow, got {}", describe(&other)),
            Err(error) => panic!("call {call} failed: {error}"),
        }
    }
}
