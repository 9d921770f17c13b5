//! Go plugins built with the Go SDK (`sdk/go`): the SDK keeps Go's garbage
//! collector out of `cabi_realloc` however many calls with big arguments a
//! plugin serves, in bounded memory; and the `auth-go-jwt` example verifies
//! HS256 JWTs, refusing each kind of bad token with its own reason.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use polyplug_bindings::conformance::Conformance;
use polyplug_host::{Host, Plugin};
use serde_json::{Value, json};

/// The component `cargo xtask guests` builds in `dir` (relative to the repository).
fn built(dir: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir).join("plugin.wasm");
    assert!(path.exists(), "{} is not built; run `cargo xtask guests` (it needs Go 1.25 or newer)", path.display());
    path
}

fn conformance_go() -> PathBuf {
    built("tests/conformance/go")
}

fn auth_go_jwt() -> PathBuf {
    built("examples/auth-go-jwt")
}

fn digest(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// The memory limit the GC test runs under: far below what its 200,000 calls
/// allocate (about 3 GiB), so a heap that only grows fails the test (the
/// plugin stays under 16 MiB; collecting too rarely fails it too).
const GO_MEMORY_LIMIT: u64 = 32 << 20;

/// A host granting the Go plugins what their manifests request:
/// `conformance-go` its host interfaces under a 32 MiB memory limit,
/// `auth-go-jwt` its configuration, log and the real clocks.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let policy = format!(
            "[plugins.conformance-go]\nsha256 = [\"{}\"]\nlog = true\nconfig = true\nkv = {{ quota = \"64 KiB\" }}\nsecrets = [\"conformance-token\", \"conformance-unset\"]\nlimits = {{ memory = \"32 MiB\" }}\n\n\
             [plugins.auth-go-jwt]\nsha256 = [\"{}\"]\nlog = true\nconfig = true\nclocks = true\n",
            digest(&conformance_go()),
            digest(&auth_go_jwt()),
        );
        Host::builder()
            .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
            .policy(polyplug_policy::Policy::from_toml(&policy, "the Go test policy").unwrap())
            .build()
            .unwrap()
    })
}

/// A 4096-byte string for call `i`: different on every call, with 1- to
/// 4-byte UTF-8 characters, so reversing it by scalar values is checked too.
fn four_kib(i: usize) -> String {
    const PIECES: [char; 5] = ['a', 'é', '✓', '😀', 'z'];
    let mut text = format!("call {i:07}|");
    let mut k = i;
    while text.len() + 4 <= 4096 {
        text.push(PIECES[k % PIECES.len()]);
        k += 1;
    }
    while text.len() < 4096 {
        text.push('.');
    }
    text
}

#[test]
fn go_gc_stays_out_of_cabi_realloc_over_200k_calls_with_4_kib_strings() {
    // Stock Go's collector, left on, runs inside `cabi_realloc` (while the host
    // copies an argument in), calls WASI there and traps with "cannot leave
    // component instance" after about a thousand such calls. The SDK turns it
    // off and collects at the end of export calls instead.
    let plugin = host().load_file(conformance_go()).unwrap();
    assert_eq!(plugin.limits().memory.0, GO_MEMORY_LIMIT, "the test must run under its memory limit");
    let typed = plugin.typed::<Conformance>().unwrap();
    // One instance for every call: its heap is what must stay bounded.
    let mut instance = typed.instance().unwrap();
    const CALLS: usize = 200_000;
    let started = Instant::now();
    let mut bytes = 0usize;
    for i in 0..CALLS {
        let argument = four_kib(i);
        let got = instance
            .call("reverse-string", |c, store| c.polyplug_plugin_all_types().call_reverse_string(store, &argument))
            .unwrap_or_else(|e| panic!("call {i} of {CALLS} failed: {e}"));
        assert_eq!(got.len(), 4096, "call {i}: result length");
        let expected: String = argument.chars().rev().collect();
        assert!(got == expected, "call {i}: wrong result (starts {:?}, expected {:?})", &got[..64], &expected[..64]);
        bytes += argument.len() + got.len();
    }
    // The instance still answers everything else, and still counts its counters.
    let live =
        instance.call("live-counters", |c, store| c.polyplug_plugin_all_types().call_live_counters(store)).unwrap();
    assert_eq!(live, 0);
    eprintln!(
        "{CALLS} calls, {} MiB across the boundary, in {:.1?} ({:.1} µs a call), under a {} MiB memory limit",
        bytes >> 20,
        started.elapsed(),
        started.elapsed().as_secs_f64() * 1e6 / CALLS as f64,
        GO_MEMORY_LIMIT >> 20
    );
}

// ---- auth-go-jwt ----

const SECRET: &str = "test-secret-shared-with-the-issuer";
const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "orders-api";

/// HMAC-SHA-256 of `message` under `key`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT with `header` and `claims`, signed with HS256 and `secret`.
fn token_with(header: &Value, claims: &Value, secret: &str) -> String {
    let signed = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let signature = hmac_sha256(secret.as_bytes(), signed.as_bytes());
    format!("{signed}.{}", b64(&signature))
}

fn token(claims: &Value) -> String {
    token_with(&json!({"alg": "HS256", "typ": "JWT"}), claims, SECRET)
}

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// Claims that pass every check, with `changes` merged over them (a `null`
/// removes a claim).
fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "exp": now() + 3600,
        "nbf": now() - 60,
        "iat": now() - 60,
        "roles": ["admin", "reader"],
        "tenant": "acme",
    });
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

/// RFC 3339 (UTC, seconds) of `seconds` since the epoch, as the plugin writes times.
fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

#[test]
fn the_test_rfc3339_is_right() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
}

fn jwt_plugin() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        host()
            .loader(auth_go_jwt())
            .config([("jwt-secret", SECRET), ("jwt-issuer", ISSUER), ("jwt-audience", AUDIENCE)])
            .load()
            .unwrap()
    })
}

fn request(headers: Value) -> Value {
    json!({"method": "GET", "path": "/v1/orders", "headers": headers, "client-ip": "203.0.113.7"})
}

/// The decision for a request presenting `credentials` (JSON), which must be `ok`.
fn decide(plugin: &Plugin, headers: Value, credentials: Value) -> Value {
    let result = plugin.call_json("authenticator", "authenticate", &[request(headers), credentials]).unwrap();
    assert_eq!(result["tag"], "ok", "authenticate could not decide: {result}");
    result["val"].clone()
}

/// The denial for `token` presented as a bearer token: (status, reason).
fn denial(token: &str) -> (u64, String) {
    let decision = decide(jwt_plugin(), json!([]), json!({"tag": "bearer", "val": token}));
    assert_eq!(decision["tag"], "deny", "expected a denial, got {decision}");
    (decision["val"]["status"].as_u64().unwrap(), decision["val"]["reason"].as_str().unwrap().to_string())
}

fn denied(token: &str, reason: &str) {
    assert_eq!(denial(token), (401, reason.to_string()), "token {token}");
}

#[test]
fn a_good_token_lets_its_subject_in() {
    let good = token(&claims(json!({})));
    let decision = decide(jwt_plugin(), json!([]), json!({"tag": "bearer", "val": good}));
    assert_eq!(
        decision,
        json!({"tag": "allow", "val": {
            "id": "alice",
            "roles": ["admin", "reader"],
            "claims": [["auth-method", "jwt"], ["aud", AUDIENCE], ["iss", ISSUER], ["tenant", "acme"]],
        }})
    );
    // The same token in an `authorization` header, with no credentials parsed out.
    let header = json!([["authorization", format!("Bearer {good}")]]);
    assert_eq!(decide(jwt_plugin(), header, json!("none"))["val"]["id"], "alice");
    // An audience list naming this API passes too.
    let listed = token(&claims(json!({"aud": ["billing", AUDIENCE]})));
    assert_eq!(decide(jwt_plugin(), json!([]), json!({"tag": "bearer", "val": listed}))["tag"], "allow");
}

#[test]
fn an_expired_token_is_denied() {
    let exp = now() - 120;
    denied(&token(&claims(json!({"exp": exp}))), &format!("token expired at {}", rfc3339(exp)));
    denied(&token(&claims(json!({"exp": null}))), "token has no expiry (exp)");
}

#[test]
fn a_token_not_valid_yet_is_denied() {
    let nbf = now() + 600;
    denied(&token(&claims(json!({"nbf": nbf}))), &format!("token not valid before {}", rfc3339(nbf)));
}

#[test]
fn a_tampered_payload_is_denied() {
    let good = token(&claims(json!({})));
    let parts: Vec<&str> = good.split('.').collect();
    let forged = b64(claims(json!({"sub": "mallory", "roles": ["admin"]})).to_string().as_bytes());
    denied(&format!("{}.{forged}.{}", parts[0], parts[2]), "invalid token signature");
}

#[test]
fn a_token_signed_with_another_secret_is_denied() {
    let other = token_with(&json!({"alg": "HS256", "typ": "JWT"}), &claims(json!({})), "some-other-secret");
    denied(&other, "invalid token signature");
}

#[test]
fn a_token_from_another_issuer_is_denied() {
    denied(&token(&claims(json!({"iss": "https://evil.example"}))), "token issuer (iss) is not the accepted one");
    denied(&token(&claims(json!({"iss": null}))), "token issuer (iss) is not the accepted one");
}

#[test]
fn a_token_for_another_audience_is_denied() {
    let reason = "token audience (aud) does not include this API";
    denied(&token(&claims(json!({"aud": "billing"}))), reason);
    denied(&token(&claims(json!({"aud": ["billing", "search"]}))), reason);
}

#[test]
fn malformed_tokens_are_denied() {
    denied("not-a-jwt", "malformed token: a JWT has three dot-separated parts, this one has 1");
    denied("a.b.c.d", "malformed token: a JWT has three dot-separated parts, this one has 4");
    denied("%%%.e30.c2ln", "malformed token header: not base64url");
    denied(&format!("{}.e30.c2ln", b64(b"not json")), "malformed token header: not a JSON object");
    let good = token(&claims(json!({})));
    let parts: Vec<&str> = good.split('.').collect();
    denied(&format!("{}.{}.!!", parts[0], parts[1]), "malformed token signature: not base64url");
    // Claims that are not JSON, correctly signed.
    let signed = format!("{}.{}", parts[0], b64(b"{not json"));
    let signature = b64(&hmac_sha256(SECRET.as_bytes(), signed.as_bytes()));
    denied(&format!("{signed}.{signature}"), "malformed token claims: not a JSON object");
    denied(&token(&claims(json!({"exp": "tomorrow"}))), "token claim `exp` is not a time (seconds since 1970)");
    denied(&token(&claims(json!({"sub": null}))), "token has no subject (sub)");
    denied(&token(&claims(json!({"roles": "admin"}))), "token claim `roles` is not a list of strings");
}

#[test]
fn only_hs256_is_accepted() {
    let none = token_with(&json!({"alg": "none"}), &claims(json!({})), SECRET);
    denied(&none, "unsupported token algorithm `none`: only HS256 is accepted");
    let rs256 = token_with(&json!({"alg": "RS256"}), &claims(json!({})), SECRET);
    denied(&rs256, "unsupported token algorithm `RS256`: only HS256 is accepted");
}

#[test]
fn requests_without_a_bearer_token_are_denied() {
    let plugin = jwt_plugin();
    let decision = decide(plugin, json!([]), json!("none"));
    assert_eq!(
        decision,
        json!({"tag": "deny", "val": {"status": 401, "reason": "a bearer token is required (authorization: Bearer <JWT>)"}})
    );
    let decision = decide(plugin, json!([["authorization", "Basic YWxpY2U6c2VjcmV0"]]), json!("none"));
    assert_eq!(decision["val"]["reason"], "a bearer token is required (authorization: Bearer <JWT>)");
    let decision = decide(plugin, json!([]), json!({"tag": "api-key", "val": "k-123"}));
    assert_eq!(
        decision,
        json!({"tag": "deny", "val": {"status": 401, "reason": "only bearer tokens (JWT) are accepted here"}})
    );
}

#[test]
fn a_misconfigured_plugin_says_which_key_is_wrong() {
    let Err(missing) = host().loader(auth_go_jwt()).config([("jwt-secret", SECRET), ("jwt-issuer", ISSUER)]).load()
    else {
        panic!("a configuration without `jwt-audience` was accepted");
    };
    assert!(
        missing
            .to_string()
            .contains("config key `jwt-audience` is missing; set it to the audience (`aud`) tokens must name"),
        "{missing}"
    );
    let Err(unknown) = host()
        .loader(auth_go_jwt())
        .config([("jwt-secret", SECRET), ("jwt-issuer", ISSUER), ("jwt-audience", AUDIENCE), ("jwt-secrets", "x")])
        .load()
    else {
        panic!("a configuration with an unknown key was accepted");
    };
    assert!(
        unknown
            .to_string()
            .contains("unknown config key `jwt-secrets`; known keys: jwt-secret, jwt-issuer, jwt-audience"),
        "{unknown}"
    );
}

#[test]
fn without_the_clocks_grant_the_plugin_cannot_decide_and_says_why() {
    // The component with a manifest that does not request `clocks`, granted
    // what it requests: the wall clock reads 1970 (and the monotonic clock is
    // frozen), and checking `exp` against it would let expired tokens in.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/auth-go-jwt/polyplug.toml"))
            .unwrap();
    assert_eq!(manifest.matches("\nclocks = true\n").count(), 1, "{manifest}");
    let manifest = manifest.replace("\nclocks = true\n", "\n");
    let bytes = polyplug_manifest::embed(&std::fs::read(auth_go_jwt()).unwrap(), &manifest).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-guests");
    std::fs::create_dir_all(&dir).unwrap();
    let component = dir.join("auth-go-jwt-without-clocks.wasm");
    std::fs::write(&component, bytes).unwrap();
    let policy = format!("[plugins.auth-go-jwt]\nsha256 = [\"{}\"]\nlog = true\nconfig = true\n", digest(&component));
    let host = Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug_policy::Policy::from_toml(&policy, "policy").unwrap())
        .build()
        .unwrap();
    let plugin = host
        .loader(&component)
        .config([("jwt-secret", SECRET), ("jwt-issuer", ISSUER), ("jwt-audience", AUDIENCE)])
        .load()
        .unwrap_or_else(|e| panic!("a Go plugin without the `clocks` grant does not start: {e}"));
    assert!(!plugin.grant().clocks);
    let result = plugin
        .call_json(
            "authenticator",
            "authenticate",
            &[request(json!([])), json!({"tag": "bearer", "val": token(&claims(json!({})))})],
        )
        .unwrap();
    assert_eq!(
        result,
        json!({"tag": "err", "val": "cannot check token times: the wall clock reads 1970-01-01T00:00:00Z; grant the plugin `clocks = true`"})
    );
}
