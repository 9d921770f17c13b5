//! Loading, failure isolation, the artifact cache and tracing: the host's
//! promises, against real components.

mod common;

use std::sync::{Arc, Mutex};

use polyplug_bindings::transform::Transform;
use polyplug_bindings::transform::exports::polyplug::plugin::transformer::Message;
use polyplug_host::{Error, Host, Provenance};
use serde_json::json;

fn message(payload: &str) -> Message {
    Message { payload: payload.into(), content_type: "text/plain".into(), headers: vec![] }
}

fn calls_header(message: &Message) -> &str {
    &message.headers.iter().find(|(k, _)| k == "calls").expect("panicky-rust sets `calls`").1
}

#[test]
fn world_is_detected_and_a_wrong_world_is_explained() {
    let host = common::host();
    let plugin = host.load_file(common::guest("transform-rust")).unwrap();
    assert_eq!(plugin.world().name, "polyplug:plugin/transform@0.1.0");
    let info = plugin.info().unwrap();
    assert_eq!((info.name.as_str(), info.version.as_str()), ("transform-rust", "0.1.0"));

    let err = host.loader(common::guest("transform-rust")).world("auth").load().err().unwrap();
    assert!(matches!(err, Error::WorldMismatch { .. }), "{err}");
    assert_eq!(
        err.to_string().lines().next().unwrap(),
        "plugin `transform-rust` does not implement world `polyplug:plugin/auth@0.1.0`: missing export `polyplug:plugin/authenticator@0.1.0`"
    );

    let err = host.loader(common::guest("transform-rust")).world("nope").load().err().unwrap();
    assert!(err.to_string().contains("no world `nope`"), "{err}");
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let host = common::host();

    let err = host.load_file(dir.path().join("missing.wasm")).err().unwrap();
    assert!(err.to_string().starts_with("cannot read plugin file"), "{err}");

    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x0d\0\x01\0 not really").unwrap();
    let err = host.load_file(&garbage).err().unwrap();
    assert!(matches!(err, Error::Compile { .. }), "{err}");
    assert!(err.to_string().contains("plugin `garbage.wasm` is not a valid WebAssembly component"), "{err}");

    let core_module = dir.path().join("core.wasm");
    std::fs::write(&core_module, "(module (func (export \"f\")))").unwrap();
    let err = host.load_file(&core_module).err().unwrap();
    assert!(err.to_string().contains("hint: build it as a component"), "{err}");

    let empty_component = dir.path().join("empty.wasm");
    std::fs::write(&empty_component, "(component)").unwrap();
    let err = host.load_file(&empty_component).err().unwrap();
    assert!(matches!(err, Error::UnknownWorld { .. }), "{err}");
    assert!(err.to_string().contains("implements none of the known worlds"), "{err}");

    let needs_more = dir.path().join("imports.wasm");
    std::fs::write(&needs_more, r#"(component (import "acme:secrets/vault" (instance)))"#).unwrap();
    let err = host.loader(&needs_more).world("base").load().err().unwrap();
    assert!(err.to_string().contains("plugin `imports.wasm`"), "{err}");
}

#[test]
fn a_plugin_refusing_its_configuration_is_reported() {
    let err = common::host().loader(common::guest("auth-rust")).config([("api-keys", "no-equals-sign")]).load();
    let err = err.err().unwrap();
    assert!(matches!(err, Error::Init { .. }), "{err}");
    assert!(err.to_string().contains("entry `no-equals-sign` is not `key=principal`"), "{err}");
}

#[test]
fn a_trap_fails_one_call_and_the_instance_is_never_reused() {
    let host = common::host();
    let panicky = host.load_file(common::guest("panicky-rust")).unwrap();
    let other = host.loader(common::guest("transform-rust")).config([("rename", "a=b")]).load().unwrap();
    let typed = panicky.typed::<Transform>().unwrap();
    let transform = |payload: &str| {
        typed.call("transform", |t, s| t.polyplug_plugin_transformer().call_transform(s, &message(payload)))
    };

    // The same instance serves consecutive calls…
    assert_eq!(calls_header(&transform("ok").unwrap().unwrap().unwrap()), "1");
    assert_eq!(calls_header(&transform("ok").unwrap().unwrap().unwrap()), "2");

    for payload in ["panic", "trap"] {
        let err = transform(payload).unwrap_err();
        let text = err.to_string();
        match payload {
            "panic" => assert_eq!(text, "plugin `panicky-rust` panicked in `transform`: asked to panic"),
            _ => {
                assert!(matches!(err, Error::Trap { .. }), "{text}");
                assert!(text.starts_with("plugin `panicky-rust` failed in `transform`: "), "{text}");
                assert!(text.contains("unreachable"), "{text}");
            }
        }
        // …but after a trap the next call gets a fresh one.
        assert_eq!(calls_header(&transform("ok").unwrap().unwrap().unwrap()), "1");
        // And the other plugin never noticed.
        let out = other.call_json("transformer", "transform", &[json!({"payload": "{\"a\":1}", "content-type": "application/json", "headers": []})]);
        assert_eq!(out.unwrap()["val"]["payload"], json!("{\"b\":1}"));
    }

    // A held instance recovers the same way.
    let mut held = typed.instance().unwrap();
    let mut on_held = |payload: &str| {
        held.call("transform", |t, s| t.polyplug_plugin_transformer().call_transform(s, &message(payload)))
    };
    assert!(matches!(on_held("trap"), Err(Error::Trap { .. })));
    assert_eq!(calls_header(&on_held("ok").unwrap().unwrap().unwrap()), "1");

    // Dynamic calls too.
    let dynamic = |payload: &str| {
        panicky.call_json("transformer", "transform", &[json!({"payload": payload, "content-type": "t", "headers": []})])
    };
    assert_eq!(dynamic("panic").unwrap_err().to_string(), "plugin `panicky-rust` panicked in `transformer/transform`: asked to panic");
    assert_eq!(dynamic("ok").unwrap()["val"]["headers"], json!([["calls", "1"]]));
}

#[test]
fn concurrent_calls_each_get_their_own_instance() {
    let plugin = common::host().load_file(common::guest("panicky-rust")).unwrap();
    let typed = Arc::new(plugin.typed::<Transform>().unwrap());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let typed = typed.clone();
            std::thread::spawn(move || {
                for n in 0..200 {
                    let payload = format!("thread {i} call {n}");
                    let out = typed
                        .call("transform", |t, s| t.polyplug_plugin_transformer().call_transform(s, &message(&payload)))
                        .unwrap()
                        .unwrap()
                        .unwrap();
                    assert_eq!(out.payload, payload);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn compiled_plugins_are_cached_and_a_corrupt_entry_is_recompiled() {
    let cache = tempfile::tempdir().unwrap();
    let host = Host::builder().policy(common::policy()).cache_dir(cache.path()).pooling(false).build().unwrap();
    let path = common::guest("conformance-rust");

    assert_eq!(host.load_file(&path).unwrap().provenance(), Provenance::Compiled);
    assert_eq!(host.load_file(&path).unwrap().provenance(), Provenance::Cached);

    let entries: Vec<_> = walk(cache.path()).into_iter().filter(|p| p.extension().is_some_and(|e| e == "cwasm")).collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];

    // Flip one byte in the middle of the compiled code.
    let mut bytes = std::fs::read(entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(entry, &bytes).unwrap();
    let plugin = host.load_file(&path).unwrap();
    assert_eq!(plugin.provenance(), Provenance::Compiled);
    assert_eq!(plugin.call_json("all-types", "inc-u8", &[json!(1)]).unwrap(), json!(2));

    // Truncate it.
    std::fs::write(entry, &bytes[..100]).unwrap();
    assert_eq!(host.load_file(&path).unwrap().provenance(), Provenance::Compiled);
    assert_eq!(host.load_file(&path).unwrap().provenance(), Provenance::Cached);

    // The allocator is a run-time setting, not a code-generation one: a pooling host shares the entry.
    let pooled = Host::builder().policy(common::policy()).cache_dir(cache.path()).pooling(true).build().unwrap();
    assert_eq!(pooled.load_file(&path).unwrap().provenance(), Provenance::Cached);
}

#[test]
fn the_cache_keeps_to_its_size_cap_evicting_the_least_recently_used() {
    let cache = tempfile::tempdir().unwrap();
    let entries = || walk(cache.path()).into_iter().filter(|p| p.extension().is_some_and(|e| e == "cwasm")).count();
    // Room for one compiled Rust guest, not two.
    let probe = Host::builder().policy(common::policy()).cache_dir(cache.path()).build().unwrap();
    probe.load_file(common::guest("conformance-rust")).unwrap();
    let one: u64 = walk(cache.path()).iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
    let host = Host::builder().policy(common::policy()).cache_dir(cache.path()).cache_max_size(polyplug_limits::ByteSize(one + one / 2)).build().unwrap();
    assert_eq!(host.load_file(common::guest("conformance-rust")).unwrap().provenance(), Provenance::Cached);
    assert_eq!(host.load_file(common::guest("panicky-rust")).unwrap().provenance(), Provenance::Compiled);
    assert_eq!(entries(), 1, "the older entry was evicted to make room");
    assert_eq!(host.load_file(common::guest("panicky-rust")).unwrap().provenance(), Provenance::Cached);
    assert_eq!(host.load_file(common::guest("conformance-rust")).unwrap().provenance(), Provenance::Compiled);
    assert_eq!(entries(), 1);
    // Entries left by another engine configuration (an older wasmtime) count too, and go first.
    let stale = cache.path().join("engine-0000").join("old.cwasm");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, vec![0u8; one as usize]).unwrap();
    let file = std::fs::File::options().append(true).open(&stale).unwrap();
    file.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(host.load_file(common::guest("panicky-rust")).unwrap().provenance(), Provenance::Compiled);
    assert!(!stale.exists(), "the stale entry was evicted first");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

/// Collects `plugin_call` spans: their fields as text.
#[derive(Clone, Default)]
struct SpanLog(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl<S> tracing_subscriber::Layer<S> for SpanLog
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, id: &tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let mut text = attrs.metadata().name().to_string();
        attrs.record(&mut Fields(&mut text));
        ctx.span(id).unwrap().extensions_mut().insert(text);
    }

    fn on_record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(text) = ctx.span(id).unwrap().extensions_mut().get_mut::<String>() {
            values.record(&mut Fields(text));
        }
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(text) = ctx.span(&id).unwrap().extensions().get::<String>() {
            self.0.lock().unwrap().push(text.clone());
        }
    }
}

#[test]
fn every_call_is_a_span_with_plugin_function_duration_and_outcome() {
    use tracing_subscriber::layer::SubscriberExt;
    let log = SpanLog::default();
    let subscriber = tracing_subscriber::registry().with(log.clone());
    tracing::subscriber::with_default(subscriber, || {
        let plugin = common::host().load_file(common::guest("panicky-rust")).unwrap();
        let args = |payload: &str| [json!({"payload": payload, "content-type": "t", "headers": []})];
        plugin.call_json("transformer", "transform", &args("ok")).unwrap();
        plugin.call_json("transformer", "transform", &args("trap")).unwrap_err();
    });
    let spans = log.0.lock().unwrap().clone();
    let calls: Vec<_> = spans.iter().filter(|s| s.starts_with("plugin_call") && s.contains("transformer/transform")).collect();
    assert_eq!(calls.len(), 2, "{spans:#?}");
    for (span, outcome) in calls.iter().zip(["ok", "trap"]) {
        assert!(span.contains("plugin=\"panicky-rust\""), "{span}");
        assert!(span.contains("function=\"transformer/transform\""), "{span}");
        assert!(span.contains(&format!("outcome=\"{outcome}\"")), "{span}");
        assert!(span.contains("duration_us="), "{span}");
    }
}

#[test]
fn a_refused_call_never_runs_guest_code_nor_costs_a_healthy_instance() {
    let policy = format!(
        "[plugins.panicky-rust]\nsha256 = [\"{}\"]\nlimits = {{ calls-per-second = 1, concurrency = 1 }}\n",
        common::digest("panicky-rust")
    );
    let host = Host::builder().policy(polyplug_policy::Policy::from_toml(&policy, "policy").unwrap()).build().unwrap();
    let panicky = host.load_file(common::guest("panicky-rust")).unwrap();
    let typed = panicky.typed::<Transform>().unwrap();
    let mut held = typed.instance().unwrap();
    let mut transform = || held.call("transform", |t, s| t.polyplug_plugin_transformer().call_transform(s, &message("ok")));
    // Loading described and initialized the plugin: the rate budget is untouched by that.
    assert_eq!(calls_header(&transform().unwrap().unwrap().unwrap()), "1");
    // Right after it, the one call per second is spent (a refill would take a whole second).
    let refused = transform().unwrap_err();
    assert!(
        matches!(&refused, Error::Limit { limit: polyplug_limits::LimitError::Rate { limit: 1 }, .. }),
        "{refused:?}"
    );
    // Waiting for the budget to refill is not racing anything: the next call is admitted once it has.
    let answer = loop {
        match transform() {
            Err(Error::Limit { limit: polyplug_limits::LimitError::Rate { .. }, .. }) => std::thread::yield_now(),
            other => break other.unwrap().unwrap().unwrap(),
        }
    };
    // The same instance, its guest never entered by the refused calls.
    assert_eq!(calls_header(&answer), "2");

    // Concurrency: the held instance is the one slot; a pooled call is refused before any instance is made.
    let refused = panicky.call_json("transformer", "transform", &[json!({"payload": "ok", "content-type": "t", "headers": []})]);
    assert!(
        matches!(&refused, Err(Error::Limit { limit: polyplug_limits::LimitError::Concurrency { limit: 1 }, .. })),
        "{refused:?}"
    );
}

#[test]
fn a_panic_tells_its_message_even_without_the_stdio_grant() {
    // panicky-rust requests nothing: no `stdio`, so its stderr reaches no log.
    let plugin = common::host().load_file(common::guest("panicky-rust")).unwrap();
    assert!(!plugin.grant().stdio);
    let call = |payload: &str| plugin.call_json("transformer", "transform", &[json!({"payload": payload, "content-type": "t", "headers": []})]);
    let err = call("panic").unwrap_err();
    assert!(matches!(&err, Error::Panicked { message, .. } if message == "asked to panic"), "{err:?}");
    assert_eq!(err.to_string(), "plugin `panicky-rust` panicked in `transformer/transform`: asked to panic");
    // What an earlier call wrote is not blamed on the next one: a plain trap says nothing of it.
    let err = call("trap").unwrap_err();
    let Error::Trap { reason, .. } = &err else { panic!("{err:?}") };
    assert!(!reason.contains("asked to panic"), "{reason}");
}

#[test]
fn a_typed_view_borrows_the_plugins_instances_and_gives_them_back() {
    let host = Host::builder().no_cache().build().unwrap();
    let panicky = host.load_file(common::guest("panicky-rust")).unwrap();
    {
        let typed = panicky.typed::<Transform>().unwrap();
        let transform = || typed.call("transform", |t, s| t.polyplug_plugin_transformer().call_transform(s, &message("ok")));
        assert_eq!(calls_header(&transform().unwrap().unwrap().unwrap()), "1");
        assert_eq!(calls_header(&transform().unwrap().unwrap().unwrap()), "2");
    }
    // The view is gone; its instance serves the plugin's next call.
    let out = panicky.call_json("transformer", "transform", &[json!({"payload": "ok", "content-type": "t", "headers": []})]).unwrap();
    assert_eq!(out["val"]["headers"], json!([["calls", "3"]]), "{out}");
}
