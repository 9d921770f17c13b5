//! Plugin directories: every plugin of a directory loaded with the host's
//! policy, reloaded when its file changes while calls keep coming (none
//! fails), a version that does not load refused while the old one serves,
//! a removed file unloaded.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use polyplug_host::{Lifecycle, PluginSet, SetEvent};
use serde_json::{Value as Json, json};

fn message() -> Json {
    json!({"payload": r#"{"a":1}"#, "content-type": "application/json", "headers": []})
}

/// Puts `component` at `dir/name` the way deployments should: written
/// beside it, then renamed over it in one step.
fn install(dir: &Path, name: &str, component: &Path) {
    let staging = dir.join(format!(".{name}.partial"));
    std::fs::copy(component, &staging).unwrap();
    std::fs::rename(&staging, dir.join(name)).unwrap();
}

fn events() -> (Arc<Mutex<Vec<SetEvent>>>, impl Fn(&SetEvent) + Send + Sync + 'static) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    (seen, move |event: &SetEvent| record.lock().unwrap().push(event.clone()))
}

fn guest(name: &str) -> PathBuf {
    common::guest(name)
}

#[test]
fn a_directory_loads_every_plugin_and_reports_each_one() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "transform.wasm", &guest("transform-rust"));
    std::fs::write(dir.path().join("broken.wasm"), b"\0asm not really").unwrap();
    install(dir.path(), "picky.wasm", &guest("transform-rust"));
    std::fs::write(dir.path().join("notes.txt"), "not a plugin").unwrap();
    let set = PluginSet::builder(common::host(), dir.path()).config("picky", [("bogus", "1")]).watch(false).build().unwrap();
    let members = set.members();
    let keys: Vec<_> = members.iter().map(|m| (m.key.as_str(), m.lifecycle)).collect();
    assert_eq!(keys, [("broken", Lifecycle::Failed), ("picky", Lifecycle::Failed), ("transform", Lifecycle::Serving)]);
    assert!(members[0].last_error.as_deref().unwrap().contains("broken.wasm"), "{:?}", members[0].last_error);
    assert_eq!(
        members[1].last_error.as_deref().unwrap(),
        "plugin `transform-rust` refused its configuration: unknown config key `bogus`; known keys: rename, drop, require, map.<field>\nhint: fix the plugin's config entries and load it again"
    );
    let out = set.get("transform").unwrap().call_json("transformer", "transform", &[message()]).unwrap();
    assert_eq!(out["val"]["payload"], r#"{"a":1}"#);
    assert!(set.get("broken").is_none() && set.get("notes").is_none());
}

#[test]
fn a_plugin_replaced_twenty_times_under_load_fails_no_call() {
    let dir = tempfile::tempdir().unwrap();
    let versions = [guest("transform-rust"), guest("hostile-rust")];
    let digests = [common::digest("transform-rust"), common::digest("hostile-rust")];
    install(dir.path(), "worker.wasm", &versions[0]);
    let (seen, record) = events();
    let set = PluginSet::builder(common::host(), dir.path()).config("worker", [("rename", "a=b")]).on_event(record).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let (set, stop) = (set.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let plugin = set.get("worker").expect("the worker is always in the set");
                    answers.push(plugin.call_json("transformer", "transform", &[message()]).map(|out| out["val"]["payload"].clone()));
                }
                answers
            })
        })
        .collect();
    let mut generation = set.generation();
    for round in 1..=20 {
        let next = round % 2;
        install(dir.path(), "worker.wasm", &versions[next]);
        common::wait_until(&format!("version {next} serves after replacement {round}"), || {
            set.get("worker").is_some_and(|p| p.digest() == digests[next])
        });
        // Each replacement is a new generation: a cache made before it is stale.
        assert!(set.generation() > generation, "replacement {round} changed the generation");
        generation = set.generation();
    }
    stop.store(true, Ordering::Relaxed);
    let answers: Vec<_> = callers.into_iter().flat_map(|c| c.join().unwrap()).collect();
    let failed: Vec<_> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    assert!(failed.is_empty(), "{} of {} calls failed, e.g. {:?}", failed.len(), answers.len(), failed.first());
    let from_transform = answers.iter().filter(|a| a.as_ref().unwrap() == r#"{"b":1}"#).count();
    let from_hostile = answers.iter().filter(|a| a.as_ref().unwrap() == "ok").count();
    assert_eq!(from_transform + from_hostile, answers.len(), "every answer is one of the two versions'");
    assert!(from_transform > 0 && from_hostile > 0, "both versions served ({from_transform}, {from_hostile})");
    let reloads = seen.lock().unwrap().iter().filter(|e| matches!(e, SetEvent::Reloaded { .. })).count();
    assert_eq!(reloads, 20);
    // The last version (round 20: transform-rust) serves from now on.
    let out = set.get("worker").unwrap().call_json("transformer", "transform", &[message()]).unwrap();
    assert_eq!(out["val"]["payload"], r#"{"b":1}"#);
}

#[test]
fn a_version_that_does_not_load_is_refused_and_the_old_one_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "worker.wasm", &guest("transform-rust"));
    let (seen, record) = events();
    let set = PluginSet::builder(common::host(), dir.path()).on_event(record).build().unwrap();
    let refusals = || seen.lock().unwrap().iter().filter(|e| matches!(e, SetEvent::Refused { .. })).count();
    let serving = common::digest("transform-rust");
    let still_serves = |set: &PluginSet| {
        let plugin = set.get("worker").unwrap();
        assert_eq!(plugin.digest(), serving);
        assert!(plugin.call_json("transformer", "transform", &[message()]).is_ok());
    };

    // Not a component at all.
    std::fs::write(dir.path().join(".partial"), b"\0asm garbage").unwrap();
    std::fs::rename(dir.path().join(".partial"), dir.path().join("worker.wasm")).unwrap();
    common::wait_until("the broken version is refused", || refusals() >= 1);
    still_serves(&set);
    let member = set.members().remove(0);
    assert_eq!(member.lifecycle, Lifecycle::Serving);
    assert!(member.last_error.unwrap().contains("worker.wasm"));

    // A component claiming a granted name with a digest the policy never saw.
    let impostor = dir.path().join("impostor.bin");
    let manifest = "[plugin]\nname = \"transform-rust\"\nversion = \"9.9.9\"\nworld = \"polyplug:plugin/transform@0.1.0\"\n";
    std::fs::write(&impostor, polyplug_manifest::embed(&std::fs::read(guest("hostile-rust")).unwrap(), manifest).unwrap()).unwrap();
    install(dir.path(), "worker.wasm", &impostor);
    // The watcher may report the broken file more than once (its write and
    // its rename, when the machine is slow): wait for the impostor's own refusal.
    let impostor_refused = || {
        seen.lock().unwrap().iter().any(|e| {
            matches!(e, SetEvent::Refused { key, reason } if key == "worker" && reason.contains("sha256") && reason.contains("polyplug grant"))
        })
    };
    common::wait_until("the impostor is refused with both digests", impostor_refused);
    still_serves(&set);

    // Removed: unloaded.
    std::fs::remove_file(dir.path().join("worker.wasm")).unwrap();
    common::wait_until("the removed plugin is unloaded", || set.get("worker").is_none());
    assert!(seen.lock().unwrap().contains(&SetEvent::Unloaded { key: "worker".into() }));
}
