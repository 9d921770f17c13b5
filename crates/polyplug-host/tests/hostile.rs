//! Hostile plugins: each misbehaviour is stopped with the specific error, an
//! audit event where one is due, and a well-behaved plugin in the same host
//! answers correctly right after.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyplug_host::{Error, Host, Plugin};
use polyplug_limits::LimitError;
use polyplug_policy::Policy;
use serde_json::{Value as Json, json};

fn message(payload: &str) -> Json {
    json!({"payload": payload, "content-type": "text/plain", "headers": []})
}

fn hostile() -> Plugin {
    common::host().load_file(common::guest("hostile-rust")).unwrap()
}

/// `transform(payload)` on `plugin`, as JSON.
fn command(plugin: &Plugin, payload: &str) -> Result<Json, Error> {
    plugin.call_json("transformer", "transform", &[message(payload)])
}

/// The payload of an `ok(some(message))` answer.
fn answered(result: Result<Json, Error>) -> String {
    let json = result.unwrap();
    assert_eq!(json["tag"], "ok", "{json}");
    json["val"]["payload"].as_str().unwrap().to_string()
}

/// The good plugins keep answering correctly, and so does the hostile one
/// when asked something harmless.
fn others_still_serve(hostile: &Plugin) {
    let transform = common::host().loader(common::guest("transform-rust")).config([("rename", "a=b")]).load().unwrap();
    assert_eq!(answered(command(&transform, r#"{"a":1}"#)), r#"{"b":1}"#);
    assert_eq!(answered(command(hostile, "hello")), "ok");
}

fn limit_of(result: Result<Json, Error>) -> LimitError {
    match result {
        Err(Error::Limit { plugin, function, limit }) => {
            assert_eq!(plugin, "hostile-rust");
            assert_eq!(function, "transformer/transform");
            limit
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn an_infinite_loop_is_stopped_at_its_deadline() {
    let plugin = hostile();
    let err = command(&plugin, "loop").unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin `hostile-rust`, `transformer/transform`: limit `timeout` (300 ms) exceeded; to raise it, set `timeout-ms = 600` in the plugin's `limits` in the policy"
    );
    others_still_serve(&plugin);
}

#[test]
fn a_memory_bomb_hits_the_memory_limit() {
    let plugin = hostile();
    let limit = limit_of(command(&plugin, "alloc"));
    assert!(matches!(limit, LimitError::Memory { limit, .. } if limit == 32 << 20), "{limit}");
    assert!(limit.to_string().starts_with("limit `memory` (32 MiB, wanted "), "{limit}");
    others_still_serve(&plugin);
}

#[test]
fn unbounded_recursion_overflows_the_stack_and_is_stopped() {
    let plugin = hostile();
    let limit = limit_of(command(&plugin, "recurse"));
    assert!(matches!(limit, LimitError::Stack { .. }), "{limit}");
    assert!(limit.to_string().contains("call stack overflowed"), "{limit}");
    others_still_serve(&plugin);
}

#[test]
fn a_100_mb_answer_is_stopped() {
    let plugin = hostile();
    // 100 MB does not even fit the plugin's 32 MiB of memory…
    let limit = limit_of(command(&plugin, "huge:104857600"));
    assert!(matches!(limit, LimitError::Memory { .. }), "{limit}");
    // …and 2 MB fits memory but not the 1 MiB output limit.
    let limit = limit_of(command(&plugin, "huge:2000000"));
    assert!(matches!(limit, LimitError::Output { limit, size } if limit == 1 << 20 && size > 2_000_000), "{limit}");
    others_still_serve(&plugin);
}

#[test]
fn traps_and_panics_fail_only_their_call() {
    let plugin = hostile();
    let err = command(&plugin, "trap").unwrap_err();
    assert!(matches!(err, Error::Trap { .. }), "{err}");
    assert!(err.to_string().starts_with("plugin `hostile-rust` failed in `transformer/transform`: "), "{err}");
    assert!(err.to_string().contains("unreachable"), "{err}");
    let err = command(&plugin, "panic").unwrap_err();
    assert_eq!(err.to_string(), "plugin `hostile-rust` panicked in `transformer/transform`: asked to panic");
    others_still_serve(&plugin);
}

#[test]
fn a_path_out_of_the_preopen_is_refused_and_audited() {
    let plugin = hostile();
    assert_eq!(answered(command(&plugin, "read:/data/hello.txt")), "read 19 bytes");
    let out = command(&plugin, "read:/data/../../etc/passwd").unwrap();
    assert_eq!(out["tag"], "err", "{out}");
    let events = common::audit().of("files");
    assert!(
        events.iter().any(|e| e.plugin == "hostile-rust" && e.target.contains("../../etc/passwd")),
        "{events:?}"
    );
    // Outside every preopen there is nothing to open at all.
    assert_eq!(command(&plugin, "read:/etc/passwd").unwrap()["tag"], "err");
    others_still_serve(&plugin);
}

#[test]
fn only_granted_environment_variables_are_visible() {
    let plugin = hostile();
    assert_eq!(answered(command(&plugin, "env:POLYPLUG_TEST_GRANTED")), "granted-value");
    assert!(std::env::var("PATH").is_ok(), "the host has PATH…");
    assert_eq!(answered(command(&plugin, "env:PATH")), "unset", "…the plugin does not");
    others_still_serve(&plugin);
}

#[test]
fn sockets_reach_only_granted_addresses_and_refusals_are_audited() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let plugin = hostile();
    let out = command(&plugin, &format!("connect:{addr}")).unwrap();
    assert_eq!(out["tag"], "err", "{out}");
    let nothing = listener.accept().map(drop).unwrap_err();
    assert_eq!(nothing.kind(), std::io::ErrorKind::WouldBlock, "no connection may arrive");
    let events = common::audit().of("sockets");
    assert!(events.iter().any(|e| e.target == format!("tcp:{addr}")), "{events:?}");
    others_still_serve(&plugin);
}

#[test]
fn randomness_without_the_grant_carries_no_entropy() {
    // Two separate instances read the same "random" bytes: a fixed sequence.
    let first = answered(command(&hostile(), "random"));
    let second = answered(command(&common::host().load_file(common::guest("hostile-rust")).unwrap(), "random"));
    assert_eq!(first, second);
    assert!(first.starts_with('['), "{first}");
}

#[test]
fn a_python_plugin_granted_nothing_loads_runs_and_reaches_nothing() {
    // componentize-py components import wasi:sockets and wasi:filesystem whatever the code does.
    let path = common::guest("python-no-grants");
    let deny_all = Host::builder()
        .policy(Policy::deny_all())
        .audit(common::audit().clone())
        .cache_dir(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .build()
        .unwrap();
    let plugin = deny_all.load_file(&path).unwrap();
    let imports = plugin.imports();
    assert!(imports.iter().any(|i| i.starts_with("wasi:sockets/tcp")), "{imports:?}");
    assert!(imports.iter().any(|i| i.starts_with("wasi:filesystem/")), "{imports:?}");
    let call = |payload: &str| plugin.call_json("transformer", "transform", &[message(payload)]).unwrap();
    assert_eq!(call("hello")["val"]["payload"], "HELLO");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let out = call(&format!("socket:{}:{}", addr.ip(), addr.port()));
    assert_eq!(out["tag"], "err", "{out}");
    assert!(out["val"].as_str().unwrap().starts_with("cannot connect"), "{out}");
    let nothing = listener.accept().map(drop).unwrap_err();
    assert_eq!(nothing.kind(), std::io::ErrorKind::WouldBlock, "no connection may arrive");
    let events = common::audit().of("sockets");
    assert!(events.iter().any(|e| e.plugin == "python-no-grants" && e.target == format!("tcp:{addr}")), "{events:?}");

    let out = call("read:/etc/passwd");
    assert_eq!(out["tag"], "err", "{out}");
    assert_eq!(call("still fine")["val"]["payload"], "STILL FINE");
}

#[test]
fn imports_nothing_provides_or_nothing_granted_are_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (r#"(component (import "acme:secrets/vault" (instance)))"#, "imports `acme:secrets/vault` which nothing in this host provides"),
        (r#"(component (import "polyplug:plugin/log@0.1.0" (instance)))"#, "imports `polyplug:plugin/log@0.1.0` but does not declare `log`"),
        (r#"(component (import "wasi:http/outgoing-handler@0.2.6" (instance)))"#, "but does not declare `http`"),
    ];
    for (wat, expected) in cases {
        let path = dir.path().join("bad.wasm");
        std::fs::write(&path, wat).unwrap();
        let err = common::host().loader(&path).world("base").load().err().unwrap();
        assert!(matches!(err, Error::Refused(_)), "{err}");
        assert!(err.to_string().starts_with("plugin `bad.wasm` imports `"), "{err}");
        assert!(err.to_string().contains(expected), "{err}");
    }

    // A plugin whose manifest requests what the policy does not grant does not load.
    let deny_all = Host::builder().policy(Policy::deny_all()).build().unwrap();
    let err = deny_all.load_file(common::guest("hostile-rust")).err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, Error::Denied(_)), "{text}");
    for line in [
        "`log`: add `log = true`",
        "directory `/data`",
        "`env = [\"POLYPLUG_TEST_GRANTED\"]`",
        "`sockets = [\"tcp:127.0.0.1:9\"]`",
        "`kv = { quota = \"16 KiB\" }`",
        "`http = [\"http://127.0.0.1:*\"]`",
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
}

#[test]
fn stdout_goes_to_the_logs_under_the_plugin_name() {
    use tracing_subscriber::layer::SubscriberExt;
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<String>>>);
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Lines {
        fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            struct Text<'a>(&'a mut String);
            impl tracing::field::Visit for Text<'_> {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                    self.0.push_str(&format!("{}={:?} ", field.name(), value));
                }
            }
            let mut text = String::new();
            event.record(&mut Text(&mut text));
            self.0.lock().unwrap().push(text);
        }
    }
    let lines = Lines::default();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(lines.clone()), || {
        assert_eq!(answered(command(&hostile(), "print:hello from the guest")), "printed");
    });
    let lines = lines.0.lock().unwrap();
    assert!(
        lines.iter().any(|l| l.contains("hello from the guest") && l.contains("plugin=\"hostile-rust\"") && l.contains("stream=\"stdout\"")),
        "{lines:#?}"
    );
}

#[test]
fn outgoing_http_reaches_only_granted_origins_and_refusals_are_audited() {
    let server = common::http_server();
    let plugin = hostile();
    // Granted: `http://127.0.0.1:*`.
    assert_eq!(answered(command(&plugin, &format!("fetch:http://{server}/greeting"))), "200 hello");
    // Same server, but by another name: not granted.
    let other = format!("localhost:{}", server.port());
    let out = command(&plugin, &format!("fetch:http://{other}/greeting")).unwrap();
    assert_eq!(out["tag"], "err", "{out}");
    assert!(out["val"].as_str().unwrap().contains("HttpRequestDenied"), "{out}");
    let events = common::audit().of("http");
    assert!(
        events.iter().any(|e| e.target == format!("http://{other}/greeting") && e.reason.contains(&format!("`http://localhost:{}`", server.port()))),
        "{events:?}"
    );
    others_still_serve(&plugin);
}

#[test]
fn the_key_value_store_stops_at_its_quota_and_the_overflow_is_audited() {
    let plugin = hostile();
    // Each value is 1 KiB plus its key: 15 fit in 16 KiB, the 16th does not.
    let out = command(&plugin, "kv-fill:20").unwrap();
    assert_eq!(out["tag"], "err", "{out}");
    let reason = out["val"].as_str().unwrap();
    assert_eq!(reason, "stored 15 values, then: KvError::QuotaExceeded(QuotaUse { quota: 16384, used: 15440, needed: 16470 })");
    let events = common::audit().of("kv");
    assert!(events.iter().any(|e| e.plugin == "hostile-rust" && e.target == "key-15"), "{events:?}");
    // Rewriting the same keys fits: the store counts replacements once.
    assert_eq!(answered(command(&plugin, "kv-fill:15")), "stored 15 values; keys now 15");
    others_still_serve(&plugin);
}

#[test]
fn fuel_is_a_deterministic_budget_and_is_reported() {
    let host = common::host_with_limits("fuel = 2000000", true);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    assert_eq!(answered(command(&plugin, "spin:1000")), "499500");
    let used = plugin.fuel_used();
    assert!(used > 1000, "fuel used: {used}");
    assert_eq!(limit_of(command(&plugin, "loop")), LimitError::Fuel { limit: 2_000_000 });
    assert_eq!(answered(command(&plugin, "spin:10")), "45");
}

#[test]
fn calls_per_second_and_concurrency_are_limited() {
    // One call per second: the second call, right after the first, finds the bucket empty
    // (it would take a whole second between them to refill it).
    let host = common::host_with_limits("calls-per-second = 1", false);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    answered(command(&plugin, "a"));
    assert_eq!(limit_of(command(&plugin, "b")), LimitError::Rate { limit: 1 });

    let host = common::host_with_limits("concurrency = 1, timeout-ms = 5000", false);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    let busy = plugin.clone();
    let first = std::thread::spawn(move || command(&busy, "sleep:60000"));
    // The second call is made once the first holds the one slot: no race.
    common::wait_until("the first call holds its slot", || plugin.instances_in_use() == 1);
    assert_eq!(limit_of(command(&plugin, "ok")), LimitError::Concurrency { limit: 1 });
    assert_eq!(limit_of(first.join().unwrap()), LimitError::Timeout { limit: Duration::from_secs(5) });
    answered(command(&plugin, "ok"));
}

#[test]
fn good_calls_all_succeed_while_hostile_ones_are_stopped() {
    let host = common::host();
    let transform = host.loader(common::guest("transform-rust")).config([("rename", "n=number")]).load().unwrap();
    let auth = host.loader(common::guest("auth-rust")).config([("api-keys", "k1=alice")]).load().unwrap();
    let hostile = hostile();
    let mut threads = Vec::new();
    for t in 0..2 {
        let transform = transform.clone();
        threads.push(std::thread::spawn(move || {
            for n in 0..150 {
                let out = answered(command(&transform, &format!(r#"{{"n":{n},"t":{t}}}"#)));
                assert_eq!(out, format!(r#"{{"t":{t},"number":{n}}}"#));
            }
        }));
    }
    let auth_thread = std::thread::spawn(move || {
        for _ in 0..150 {
            let out = auth
                .call_json(
                    "authenticator",
                    "authenticate",
                    &[json!({"method": "GET", "path": "/", "headers": []}), json!({"tag": "api-key", "val": "k1"})],
                )
                .unwrap();
            assert_eq!(out["val"]["val"]["id"], "alice", "{out}");
        }
    });
    for payload in ["loop", "alloc", "recurse", "trap", "panic", "huge:104857600"] {
        let stopped = match command(&hostile, payload) {
            Err(Error::Limit { limit: LimitError::Timeout { .. }, .. }) => "loop",
            Err(Error::Limit { limit: LimitError::Memory { .. }, .. }) if payload == "alloc" => "alloc",
            Err(Error::Limit { limit: LimitError::Memory { .. }, .. }) => "huge:104857600",
            Err(Error::Limit { limit: LimitError::Stack { .. }, .. }) => "recurse",
            Err(Error::Trap { reason, .. }) if reason.contains("unreachable") => "trap",
            Err(Error::Panicked { message, .. }) if message == "asked to panic" => "panic",
            other => panic!("{payload}: {other:?}"),
        };
        assert_eq!(stopped, payload, "stopped by the limit or trap that fits it");
    }
    for thread in threads {
        thread.join().unwrap();
    }
    auth_thread.join().unwrap();
}

/// Runs `call` on its own thread; its result arrives on the receiver.
fn on_a_thread<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> std::sync::mpsc::Receiver<T> {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(call());
    });
    result
}

#[test]
fn a_deadline_ends_a_call_blocked_in_a_host_call_and_others_keep_being_served() {
    let silent_addr = common::silent_server();
    let host = common::host_with_limits("timeout-ms = 1000", false);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    // A bound on "stopped at all", far above the deadline; not a timing.
    let patience = Duration::from_secs(30);
    let sleeper = plugin.clone();
    let sleeping = on_a_thread(move || command(&sleeper, "sleep:3600000"));
    let fetcher = plugin.clone();
    let fetching = on_a_thread(move || command(&fetcher, &format!("fetch:http://{silent_addr}/never")));
    // Meanwhile the host serves other calls, the same plugin's included.
    others_still_serve(&plugin);
    for (what, result) in [("an hour's sleep", sleeping), ("a fetch from a silent server", fetching)] {
        let result = result.recv_timeout(patience).unwrap_or_else(|_| panic!("{what} was not stopped at its 1 s deadline"));
        assert_eq!(limit_of(result), LimitError::Timeout { limit: Duration::from_secs(1) }, "{what}");
    }
    // The instances were discarded and their concurrency slots freed: the plugin serves again.
    assert_eq!(answered(command(&plugin, "sleep:1")), "slept");
}

/// `hostile-rust` with `manifest` in place of its own.
fn hostile_with_manifest(manifest: &str) -> std::path::PathBuf {
    let bytes = std::fs::read(common::guest("hostile-rust")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rewritten");
    std::fs::create_dir_all(&dir).unwrap();
    // Named by the manifest's digest: tests run in parallel, each with its own copy.
    let name = { use sha2::Digest; hex::encode(&sha2::Sha256::digest(manifest)[..8]) };
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, polyplug_manifest::embed(&bytes, manifest).unwrap()).unwrap();
    path
}

#[test]
fn a_plugin_cannot_raise_its_own_limits() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/hostile-rust/polyplug.toml")).unwrap();
    let greedy = hostile_with_manifest(&format!("{manifest}\n[limits]\ntimeout-ms = 9000\nmemory = \"4 GiB\"\nconcurrency = 100000\n"));
    // A policy granting only its capabilities (to the copy's own digest), no limits.
    let capabilities_for = |component: &Path| {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(std::fs::read(component).unwrap()));
        format!(
            "[plugins.hostile-rust]\nsha256 = [\"{digest}\"]\nlog = true\nstdio = true\nfiles = [{{ host = {:?}, guest = \"/data\" }}]\nenv = [\"POLYPLUG_TEST_GRANTED\"]\nsockets = [\"tcp:127.0.0.1:9\"]\nkv = {{ quota = \"16 KiB\" }}\nhttp = [\"http://127.0.0.1:*\"]\n",
            common::data_dir().display().to_string()
        )
    };
    let text = capabilities_for(&greedy);
    let host = Host::builder().policy(Policy::from_toml(&text, "policy.toml").unwrap()).build().unwrap();
    let err = host.load_file(&greedy).err().expect("refused");
    assert_eq!(
        err.to_string(),
        "plugin `hostile-rust` asks for limits above what it is allowed: `memory = \"4 GiB\"` (allowed: \"128 MiB\", the host's default); \
         `timeout-ms = 9000` (allowed: 5000, the host's default); `concurrency = 100000` (allowed: 64, the host's default)\n\
         hint: limits belong to the operator; to allow them, add `limits = { memory = \"4 GiB\", timeout-ms = 9000, concurrency = 100000 }` \
         under `[plugins.hostile-rust]` in policy.toml, or rebuild the plugin asking for less"
    );
    // The operator allows a longer deadline, not the rest: still refused, now for two.
    let host = Host::builder()
        .policy(Policy::from_toml(&format!("{text}limits = {{ timeout-ms = 10000 }}\n"), "policy.toml").unwrap())
        .build()
        .unwrap();
    let Err(Error::LimitsRefused { over, .. }) = host.load_file(&greedy) else { panic!("not refused") };
    assert_eq!(over.iter().map(|o| o.key).collect::<Vec<_>>(), ["memory", "concurrency"]);
    // Asking for less than the caps is the plugin's right.
    let modest = hostile_with_manifest(&format!("{manifest}\n[limits]\ntimeout-ms = 200\n"));
    let host = Host::builder().policy(Policy::from_toml(&capabilities_for(&modest), "policy.toml").unwrap()).build().unwrap();
    let plugin = host.load_file(&modest).unwrap();
    assert_eq!(plugin.limits().timeout, Duration::from_millis(200));
    assert_eq!(limit_of(command(&plugin, "loop")), LimitError::Timeout { limit: Duration::from_millis(200) });
}

#[test]
fn a_component_copying_a_granted_name_gets_nothing_and_is_refused_with_both_digests() {
    // `panicky-rust`, renamed `auth-rust` in its manifest, against the test policy that grants the real `auth-rust`.
    let bytes = std::fs::read(common::guest("panicky-rust")).unwrap();
    let manifest = "[plugin]\nname = \"auth-rust\"\nversion = \"0.1.0\"\nworld = \"polyplug:plugin/transform@0.1.0\"\n[capabilities]\nlog = true\n";
    let dir = tempfile::tempdir().unwrap();
    let impostor = dir.path().join("auth-rust.wasm");
    std::fs::write(&impostor, polyplug_manifest::embed(&bytes, manifest).unwrap()).unwrap();
    let impostor_digest = { use sha2::Digest; hex::encode(sha2::Sha256::digest(std::fs::read(&impostor).unwrap())) };
    let err = common::host().load_file(&impostor).err().expect("refused");
    assert!(matches!(&err, Error::Denied(polyplug_policy::Refusal::OtherComponent(_))), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "plugin `auth-rust` (sha256 {impostor_digest}) is not a component its grant in the test policy was given to (sha256 {}): \
             a grant binds to the component, not to the name it claims\n\
             hint: review this component with `polyplug inspect <component>`; if you trust it, record consent with `polyplug grant <component> --policy the test policy`",
            common::digest("auth-rust")
        )
    );
    // The real one still loads under its grant.
    common::host().loader(common::guest("auth-rust")).config([("api-keys", "k1=alice")]).load().unwrap();
}

#[test]
fn a_plugin_without_a_manifest_is_named_by_its_file_not_by_what_it_says() {
    // `panicky-rust` without its manifest section; its `describe` still says `panicky-rust`.
    let bytes = std::fs::read(common::guest("panicky-rust")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-rust.wasm");
    std::fs::write(&path, without_manifest(&bytes)).unwrap();
    let plugin = common::host().load_file(&path).unwrap();
    assert!(plugin.manifest().is_none());
    assert_eq!(plugin.info().unwrap().name, "panicky-rust");
    assert_eq!(plugin.name(), "auth-rust.wasm");
    assert_eq!(plugin.grant(), &polyplug_policy::EffectiveGrant::nothing(), "no manifest, no grant, whatever its file is called");
}

/// `component` without its `polyplug-manifest` custom section.
fn without_manifest(component: &[u8]) -> Vec<u8> {
    fn leb(bytes: &[u8], at: &mut usize) -> usize {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = bytes[*at];
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return value;
            }
        }
    }
    let mut out = component[..8].to_vec();
    let mut at = 8;
    while at < component.len() {
        let start = at;
        let id = component[at];
        at += 1;
        let size = leb(component, &mut at);
        let payload = at;
        at += size;
        let is_manifest = id == 0 && {
            let mut name_at = payload;
            let len = leb(component, &mut name_at);
            &component[name_at..name_at + len] == polyplug_manifest::SECTION_NAME.as_bytes()
        };
        if !is_manifest {
            out.extend_from_slice(&component[start..at]);
        }
    }
    out
}
