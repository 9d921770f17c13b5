//! Dependencies between plugins, on a real two-plugin chain
//! (`tests/guests/chain-wit`): `summary-rust` imports `words`, which
//! `words-rust` exports. The host links the import to the dependency, which
//! runs in its own sandbox under its own limits; a call into it gets at most
//! what its caller has left; every mismatch between what a plugin declares
//! and what it is given is refused by name; a plugin directory loads
//! dependencies first, follows their reloads and refuses cycles.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyplug_host::{Error, Host, Lifecycle, PluginSet, SetEvent};
use polyplug_limits::Limits;
use polyplug_wit::Catalog;
use serde_json::json;

fn chain_wit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/chain-wit")
}

/// A host serving the chain's worlds, whose calls may last up to `timeout`.
fn host(timeout: Duration) -> Host {
    Host::builder()
        .catalog(Catalog::from_dir(&chain_wit()).unwrap())
        .default_limits(Limits { timeout, ..Limits::default() })
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .build()
        .unwrap()
}

/// The guest `name` with its manifest edited by `edit`, written to `dir/file`.
fn relabelled(name: &str, edit: impl Fn(String) -> String, dir: &Path, file: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests").join(name);
    let manifest = edit(std::fs::read_to_string(root.join("polyplug.toml")).unwrap());
    let path = dir.join(file);
    std::fs::write(&path, polyplug_manifest::embed(&std::fs::read(common::guest(name)).unwrap(), &manifest).unwrap()).unwrap();
    path
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_dependent_calls_its_dependency_through_its_import() {
    let host = host(Duration::from_secs(5));
    let words = host.load_file(common::guest("words-rust")).unwrap();
    let summary = host.loader(common::guest("summary-rust")).dependency(&words).load().unwrap();
    // Records in a list, and a result, cross from one plugin to the other.
    let out = summary.call_json("summary", "summarize", &[json!("The cat and the hat. The end."), json!(2)]).unwrap();
    assert_eq!(out, json!({"tag": "ok", "val": "the×3, and×1"}));
    // The dependency's error comes back as a value the dependent handles.
    let out = summary.call_json("summary", "summarize", &[json!("?!"), json!(1)]).unwrap();
    assert_eq!(out, json!({"tag": "err", "val": "cannot count the words: no words in \"?!\""}));
    // Each plugin is called through its own pool: the dependency's instance went back to it.
    assert_eq!(words.instances_in_use(), 0);
}

#[test]
fn asynchronous_calls_reach_the_dependency_too() {
    let host = host(Duration::from_secs(5));
    let words = host.load_file(common::guest("words-rust")).unwrap();
    let summary = host.loader(common::guest("summary-rust")).dependency(&words).load().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let out = runtime.block_on(summary.call_json_async("summary", "summarize", &[json!("b a b"), json!(5)])).unwrap();
    assert_eq!(out, json!({"tag": "ok", "val": "b×2, a×1"}));
}

#[test]
fn a_dependency_runs_under_its_own_deadline_and_its_failure_names_it() {
    let dir = scratch();
    let host = host(Duration::from_secs(5));
    let words = relabelled("words-rust", |m| format!("{m}\n[limits]\ntimeout-ms = 100\n"), dir.path(), "words.wasm");
    let words = host.load_file(words).unwrap();
    let summary = host.loader(common::guest("summary-rust")).dependency(&words).load().unwrap();
    let err = summary.call_json("summary", "stall", &[json!(u64::MAX)]).unwrap_err();
    assert!(matches!(&err, Error::Call { plugin, .. } if plugin == "summary-rust"), "{err}");
    let text = err.to_string();
    assert!(text.contains("its dependency `words-rust` failed: plugin `words-rust`, `words/spin`: limit `timeout` (100 ms) exceeded"), "{text}");
    // Both keep serving.
    assert_eq!(summary.call_json("summary", "stall", &[json!(3)]).unwrap(), json!(3));
}

#[test]
fn a_call_into_a_dependency_gets_only_what_its_caller_has_left() {
    let dir = scratch();
    // The dependency may run ten minutes; its caller only 100 ms.
    let host = host(Duration::from_secs(600));
    let words = host.load_file(common::guest("words-rust")).unwrap();
    let summary = relabelled("summary-rust", |m| format!("{m}\n[limits]\ntimeout-ms = 100\n"), dir.path(), "summary.wasm");
    let summary = host.loader(summary).dependency(&words).load().unwrap();
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(summary.call_json("summary", "stall", &[json!(u64::MAX)])).unwrap());
    // Not a timing assertion: without the cap this would take ten minutes.
    let err = outcome.recv_timeout(Duration::from_secs(120)).expect("the call ends at its caller's deadline").unwrap_err();
    assert!(
        matches!(&err, Error::Limit { plugin, limit: polyplug_limits::LimitError::Timeout { .. }, .. } if plugin == "summary-rust"),
        "{err}"
    );
    assert!(err.to_string().contains("limit `timeout` (100 ms) exceeded"), "{err}");
    assert_eq!(words.instances_in_use(), 0);
}

#[test]
fn what_a_plugin_is_given_must_be_what_it_declares() {
    let dir = scratch();
    let host = host(Duration::from_secs(5));
    let words = host.load_file(common::guest("words-rust")).unwrap();

    let err = host.load_file(common::guest("summary-rust")).unwrap_err();
    assert!(matches!(err, Error::Dependency { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "plugin `summary-rust` cannot be linked to its dependencies: it depends on `words-rust` ^1.1, which it was not given; \
         load `words-rust` first and pass it with `Loader::dependency`"
    );

    let newer = relabelled("words-rust", |m| m.replace("version = \"1.2.0\"", "version = \"2.0.0\""), dir.path(), "words2.wasm");
    let newer = host.load_file(newer).unwrap();
    let err = host.loader(common::guest("summary-rust")).dependency(&newer).load().unwrap_err();
    assert!(err.to_string().contains("it depends on `words-rust` ^1.1, but the `words-rust` given is version 2.0.0"), "{err}");

    let stranger = relabelled("words-rust", |m| m.replace("name = \"words-rust\"", "name = \"stranger\""), dir.path(), "stranger.wasm");
    let stranger = host.load_file(stranger).unwrap();
    let err = host.loader(common::guest("summary-rust")).dependency(&words).dependency(&stranger).load().unwrap_err();
    assert!(
        err.to_string().contains(
            "it is given `stranger` as a dependency, but its manifest does not declare it; add `stranger = \"^1.2.0\"` to `[dependencies]`"
        ),
        "{err}"
    );

    // Declared and given, but it does not export what the dependent imports.
    let impostor = relabelled("summary-rust", |m| m.replace("name = \"summary-rust\"", "name = \"words-rust\"").replace("0.3.0", "1.5.0"), dir.path(), "impostor.wasm");
    let impostor = host.loader(impostor).dependency(&words).load().unwrap();
    let err = host.loader(common::guest("summary-rust")).dependency(&impostor).load().unwrap_err();
    assert!(err.to_string().contains("imports `polyplug-test:chain/words@0.1.0` which nothing in this host provides"), "{err}");
}

fn events() -> (Arc<Mutex<Vec<SetEvent>>>, impl Fn(&SetEvent) + Send + Sync + 'static) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    (seen, move |event: &SetEvent| record.lock().unwrap().push(event.clone()))
}

#[test]
fn a_directory_loads_dependencies_first_and_follows_their_reloads() {
    let dir = scratch();
    // `a-summary` sorts before `words`: the set loads the dependency first all the same.
    std::fs::copy(common::guest("summary-rust"), dir.path().join("a-summary.wasm")).unwrap();
    std::fs::copy(common::guest("words-rust"), dir.path().join("words.wasm")).unwrap();
    let host = host(Duration::from_secs(5));
    let (seen, record) = events();
    let set = PluginSet::builder(&host, dir.path()).on_event(record).build().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            SetEvent::Loaded { key: "words".into(), plugin: "words-rust 1.2.0".into() },
            SetEvent::Loaded { key: "a-summary".into(), plugin: "summary-rust 0.3.0".into() },
        ]
    );
    let summarize = || set.get("a-summary").unwrap().call_json("summary", "summarize", &[json!("x y x"), json!(1)]).unwrap();
    assert_eq!(summarize(), json!({"tag": "ok", "val": "x×2"}));

    // A new version of the dependency: its dependent is reloaded, linked to it.
    let staging = relabelled("words-rust", |m| m.replace("1.2.0", "1.3.0"), dir.path(), ".words.partial");
    std::fs::rename(staging, dir.path().join("words.wasm")).unwrap();
    common::wait_until("the dependent follows its dependency's reload", || {
        seen.lock().unwrap().iter().any(|e| matches!(e, SetEvent::Reloaded { key, .. } if key == "a-summary"))
    });
    assert!(seen.lock().unwrap().contains(&SetEvent::Reloaded {
        key: "words".into(),
        from: "words-rust 1.2.0".into(),
        to: "words-rust 1.3.0".into()
    }));
    assert_eq!(summarize(), json!({"tag": "ok", "val": "x×2"}));
}

#[test]
fn a_dependent_waits_for_its_dependency_to_arrive() {
    let dir = scratch();
    std::fs::copy(common::guest("summary-rust"), dir.path().join("summary.wasm")).unwrap();
    let host = host(Duration::from_secs(5));
    let set = PluginSet::builder(&host, dir.path()).build().unwrap();
    let member = set.members().remove(0);
    assert_eq!(member.lifecycle, Lifecycle::Failed);
    assert_eq!(
        member.last_error.as_deref(),
        Some("plugin `summary-rust` depends on `words-rust`, which is not in this directory; it loads as soon as `words-rust` does")
    );
    let staging = dir.path().join(".words.partial");
    std::fs::copy(common::guest("words-rust"), &staging).unwrap();
    std::fs::rename(staging, dir.path().join("words.wasm")).unwrap();
    common::wait_until("the dependent loads once its dependency has", || set.get("summary").is_some());
    let out = set.get("summary").unwrap().call_json("summary", "summarize", &[json!("hi"), json!(1)]).unwrap();
    assert_eq!(out, json!({"tag": "ok", "val": "hi×1"}));
}

#[test]
fn a_dependency_cycle_in_a_directory_is_refused_naming_it() {
    let dir = scratch();
    relabelled("words-rust", |m| format!("{m}\n[dependencies]\nsummary-rust = \"*\"\n"), dir.path(), "words.wasm");
    std::fs::copy(common::guest("summary-rust"), dir.path().join("summary.wasm")).unwrap();
    let host = host(Duration::from_secs(5));
    let set = PluginSet::builder(&host, dir.path()).watch(false).build().unwrap();
    for member in set.members() {
        assert_eq!(member.lifecycle, Lifecycle::Failed, "{}", member.key);
        let error = member.last_error.unwrap();
        assert!(error.contains("is in a dependency cycle (") && error.contains("a plugin cannot depend on itself, even through others"), "{error}");
    }
    let summary_error = set.members().into_iter().find(|m| m.key == "summary").unwrap().last_error.unwrap();
    assert!(summary_error.contains("(summary-rust → words-rust → summary-rust)"), "{summary_error}");
}
