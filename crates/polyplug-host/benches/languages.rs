//! The same plugin in every guest language: the conformance plugins of
//! `tests/conformance/<language>/` (the same world, the same behaviour),
//! compared on what a host pays for each: compiling the component, loading it
//! from the compiled cache, a fresh instance (with `init` and one call), and
//! one trivial call (`inc-u32`) on a pooled instance. Component sizes are
//! printed before the measurements.
//!
//! Needs the guests built: `cargo xtask guests`. Run:
//! `cargo bench -p polyplug-host --bench languages`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_bindings::conformance::Conformance;
use polyplug_host::Host;

/// The languages compared (directories of `tests/conformance/`).
const LANGUAGES: &[&str] = &["rust", "go", "c"];

fn component(language: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance").join(language).join("plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask guests` first", path.display());
    path
}

/// A policy granting every conformance plugin what it requests.
fn policy() -> polyplug_policy::Policy {
    use sha2::Digest;
    let mut text = String::new();
    for language in LANGUAGES {
        let digest = hex::encode(sha2::Sha256::digest(std::fs::read(component(language)).unwrap()));
        text.push_str(&format!(
            "[plugins.conformance-{language}]\nsha256 = [\"{digest}\"]\nlog = true\nconfig = true\nkv = {{ quota = \"64 KiB\" }}\nsecrets = [\"conformance-token\", \"conformance-unset\"]\n\n"
        ));
    }
    polyplug_policy::Policy::from_toml(&text, "the bench policy").unwrap()
}

fn languages(c: &mut Criterion) {
    for language in LANGUAGES {
        let bytes = std::fs::metadata(component(language)).unwrap().len();
        println!("component size, {language}: {bytes} bytes ({:.1} KiB)", bytes as f64 / 1024.0);
    }
    let cache = tempfile::tempdir().unwrap();
    let cached = Host::builder().policy(policy()).cache_dir(cache.path()).build().unwrap();
    let fresh = Host::builder().policy(policy()).cache_dir(cache.path()).max_idle_instances(0).build().unwrap();
    let mut group = c.benchmark_group("languages");
    group.sample_size(10).measurement_time(Duration::from_secs(3));

    for language in LANGUAGES {
        let bytes = std::fs::read(component(language)).unwrap();
        group.bench_function(format!("{language}: compile the component (Cranelift)"), |b| {
            b.iter(|| wasmtime::component::Component::new(cached.engine(), black_box(&bytes)).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("languages");
    for language in LANGUAGES {
        // The first load compiles and fills the cache; these are cached loads.
        cached.load_file(component(language)).unwrap();
        group.bench_function(format!("{language}: load from the compiled cache"), |b| {
            b.iter(|| cached.load_file(component(language)).unwrap())
        });
    }
    for language in LANGUAGES {
        let typed = fresh.load_file(component(language)).unwrap().typed::<Conformance>().unwrap();
        group.bench_function(format!("{language}: fresh instance + init + one call"), |b| {
            b.iter(|| typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, 1)).unwrap())
        });
    }
    for language in LANGUAGES {
        let typed = cached.load_file(component(language)).unwrap().typed::<Conformance>().unwrap();
        group.bench_function(format!("{language}: trivial call (inc-u32), pooled instance"), |b| {
            b.iter(|| typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, black_box(7))).unwrap())
        });
        let text = "x".repeat(4096);
        group.bench_function(format!("{language}: 4 KiB string there and back (reverse-string)"), |b| {
            b.iter(|| typed.call("reverse-string", |c, s| c.polyplug_plugin_all_types().call_reverse_string(s, black_box(&text))).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, languages);
criterion_main!(benches);
