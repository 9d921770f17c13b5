//! Plugin directories: how long a replaced plugin file takes to serve its
//! first call from the new version (the watcher's event, the settle time,
//! load from the compiled-artifact cache, the swap), and what loading a
//! 100-plugin directory costs in time and resident memory.
//!
//! Needs the guests built: `cargo xtask guests`. Run: `cargo bench -p polyplug-host --bench reload`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_host::{Host, PluginSet};
use polyplug_policy::Policy;
use sha2::Digest;

fn guest(dir: &str, name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir).join(name).join("plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask guests` first", path.display());
    path
}

fn digest(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// Two versions of a plugin that needs no grant beyond `log`: the transform
/// example, and the same component under another manifest version.
fn versions(dir: &Path) -> [PathBuf; 2] {
    let first = guest("examples", "transform-rust");
    let manifest = std::fs::read_to_string(first.parent().unwrap().join("polyplug.toml")).unwrap().replace("0.1.0\"", "0.1.1\"");
    let second = dir.join("transform-0.1.1.bin");
    std::fs::write(&second, polyplug_manifest::embed(&std::fs::read(&first).unwrap(), &manifest).unwrap()).unwrap();
    [first, second]
}

fn host(versions: &[PathBuf; 2]) -> Host {
    let policy = format!(
        "[plugins.transform-rust]\nlog = true\nsha256 = [\"{}\", \"{}\"]\n",
        digest(&versions[0]),
        digest(&versions[1])
    );
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache");
    Host::builder().policy(Policy::from_toml(&policy, "policy.toml").unwrap()).cache_dir(cache).build().unwrap()
}

fn install(dir: &Path, name: &str, component: &Path) {
    let staging = dir.join(format!(".{name}.partial"));
    std::fs::copy(component, &staging).unwrap();
    std::fs::rename(&staging, dir.join(name)).unwrap();
}

/// Resident memory of this process, in bytes (Linux).
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|pages| pages.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn reload(c: &mut Criterion) {
    let work = tempfile::tempdir().unwrap();
    let versions = versions(work.path());
    let digests = [digest(&versions[0]), digest(&versions[1])];
    let host = host(&versions);
    let message = serde_json::json!({"payload": "{}", "content-type": "application/json", "headers": []});
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "worker.wasm", &versions[0]);
    let set = PluginSet::builder(&host, dir.path()).build().unwrap();
    let mut group = c.benchmark_group("reload");
    group.sample_size(20);
    let mut next = 1;
    group.bench_function("file replaced -> first call answered by the new version (Rust guest)", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                install(dir.path(), "worker.wasm", &versions[next]);
                let start = Instant::now();
                loop {
                    if let Some(plugin) = set.get("worker").filter(|p| p.digest() == digests[next]) {
                        plugin.call_json("transformer", "transform", std::slice::from_ref(&message)).unwrap();
                        break;
                    }
                    std::thread::yield_now();
                }
                total += start.elapsed();
                next = 1 - next;
            }
            total
        })
    });

    let hundred = tempfile::tempdir().unwrap();
    for i in 0..100 {
        install(hundred.path(), &format!("plugin-{i:03}.wasm"), &versions[i % 2]);
    }
    let before = resident();
    let loaded = PluginSet::builder(&host, hundred.path()).watch(false).build().unwrap();
    let grown = resident().saturating_sub(before);
    assert_eq!(loaded.members().iter().filter(|m| m.plugin.is_some()).count(), 100);
    println!("reload/100-plugin directory: resident memory grew by {} KiB ({} KiB per plugin, one instance each)", grown / 1024, grown / 1024 / 100);
    drop(loaded);
    group.bench_function("load a 100-plugin directory (compiled artifacts cached)", |b| {
        b.iter(|| PluginSet::builder(&host, hundred.path()).watch(false).build().unwrap())
    });
    group.finish();
}

criterion_group!(benches, reload);
criterion_main!(benches);
