//! What the big guests cost to start: the Python and TypeScript conformance
//! plugins (an interpreter or a JS engine in every component: ~18 MiB and
//! ~12 MiB), with the Rust one for scale. For each: wasmtime's own part of a
//! fresh instance (new store + `instantiate` from an `InstancePre`), a fresh
//! instance through polyplug (with `init` and one call), a trivial call on a
//! pooled instance, and a cold start from the compiled cache. Before the
//! measurements it prints what criterion cannot: page faults per fresh
//! instance and the memory an idle, initialized instance keeps resident.
//!
//! Needs the guests built: `cargo xtask guests`. Run:
//! `cargo bench -p polyplug-host --bench big_guests`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_bindings::conformance::Conformance;
use polyplug_host::{Host, PluginState};
use wasmtime::component::{InstancePre, Val};

const LANGUAGES: &[&str] = &["rust", "python", "ts"];

fn component(language: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance").join(language).join("plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask guests` first", path.display());
    path
}

fn policy() -> polyplug_policy::Policy {
    use sha2::Digest;
    let mut text = String::new();
    for language in LANGUAGES {
        let digest = hex::encode(sha2::Sha256::digest(std::fs::read(component(language)).unwrap()));
        text.push_str(&format!(
            "[plugins.conformance-{language}]\nsha256 = [\"{digest}\"]\nlog = true\nconfig = true\nkv = {{ quota = \"64 KiB\" }}\nsecrets = [\"conformance-token\", \"conformance-unset\"]\nlimits = {{ memory = \"256 MiB\" }}\n\n"
        ));
    }
    polyplug_policy::Policy::from_toml(&text, "the bench policy").unwrap()
}

/// This process's minor page faults so far (`/proc/self/stat`, field 10).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    after_name.split(' ').nth(7).unwrap().parse().unwrap()
}

/// This process's resident memory, in bytes (`/proc/self/statm`).
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    statm.split(' ').nth(1).unwrap().parse::<u64>().unwrap() * 4096
}

/// `init` with no configuration and one `inc-u32`, through untyped calls: what
/// makes an instance ready for work.
fn init_and_call(store: &mut wasmtime::Store<PluginState>, instance: &wasmtime::component::Instance) {
    let plugin = instance.get_export_index(&mut *store, None, "polyplug:plugin/plugin@0.1.0").unwrap();
    let init = instance.get_export_index(&mut *store, Some(&plugin), "init").unwrap();
    let init = instance.get_func(&mut *store, init).unwrap();
    let mut out = [Val::Bool(false)];
    init.call(&mut *store, &[Val::List(Vec::new())], &mut out).unwrap();
    let all = instance.get_export_index(&mut *store, None, "polyplug:plugin/all-types@0.1.0").unwrap();
    let inc = instance.get_export_index(&mut *store, Some(&all), "inc-u32").unwrap();
    let inc = instance.get_func(&mut *store, inc).unwrap();
    let mut out = [Val::U32(0)];
    inc.call(&mut *store, &[Val::U32(1)], &mut out).unwrap();
}

fn big_guests(c: &mut Criterion) {
    // The tests' compiled cache: an 18 MiB component is compiled once, whoever loads it first.
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache");
    let cached = Host::builder().policy(policy()).cache_dir(&cache).build().unwrap();
    let fresh = Host::builder().policy(policy()).cache_dir(&cache).max_idle_instances(0).build().unwrap();
    let mut pres: Vec<(&str, InstancePre<PluginState>, polyplug_policy::EffectiveGrant)> = Vec::new();
    for language in LANGUAGES {
        let bytes = std::fs::metadata(component(language)).unwrap().len();
        let plugin = cached.load_file(component(language)).unwrap();
        let grant = plugin.grant().clone();
        let linker = polyplug_linker::linker(cached.engine(), &grant).unwrap();
        let pre = linker.instantiate_pre(plugin.component()).unwrap();

        // Faults and resident memory of fresh instances, kept alive.
        const KEPT: u64 = 20;
        let (faults, rss) = (minor_faults(), resident());
        let mut kept = Vec::new();
        for _ in 0..KEPT {
            let mut store = support::raw_store(&cached, &grant);
            let instance = pre.instantiate(&mut store).unwrap();
            kept.push((store, instance));
        }
        let (instantiated_faults, instantiated_rss) = (minor_faults(), resident());
        for (store, instance) in &mut kept {
            init_and_call(store, instance);
        }
        let (ready_faults, ready_rss) = (minor_faults(), resident());
        println!(
            "{language}: component {:.1} MiB; per fresh instance: {} page faults instantiating, {} more in init + one call; \
             resident {:.2} MiB instantiated, {:.2} MiB after init + one call",
            bytes as f64 / (1024.0 * 1024.0),
            (instantiated_faults - faults) / KEPT,
            (ready_faults - instantiated_faults) / KEPT,
            (instantiated_rss.saturating_sub(rss)) as f64 / KEPT as f64 / (1024.0 * 1024.0),
            (ready_rss.saturating_sub(rss)) as f64 / KEPT as f64 / (1024.0 * 1024.0),
        );
        drop(kept);
        pres.push((language, pre, grant));
    }

    let mut group = c.benchmark_group("big_guests");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    for (language, pre, grant) in &pres {
        group.bench_function(format!("{language}: raw wasmtime: new store + instantiate"), |b| {
            b.iter(|| {
                let mut store = support::raw_store(&cached, grant);
                black_box(pre.instantiate(&mut store).unwrap());
            })
        });
        group.bench_function(format!("{language}: raw wasmtime: new store + instantiate + init + one call"), |b| {
            b.iter(|| {
                let mut store = support::raw_store(&cached, grant);
                let instance = pre.instantiate(&mut store).unwrap();
                init_and_call(&mut store, &instance);
            })
        });
    }
    for language in LANGUAGES {
        let typed = fresh.load_file(component(language)).unwrap().typed::<Conformance>().unwrap();
        group.bench_function(format!("{language}: polyplug: fresh instance + init + one call"), |b| {
            b.iter(|| typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, 1)).unwrap())
        });
        let typed = cached.load_file(component(language)).unwrap().typed::<Conformance>().unwrap();
        group.bench_function(format!("{language}: polyplug: trivial call (inc-u32), pooled instance"), |b| {
            b.iter(|| typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, black_box(7))).unwrap())
        });
        group.bench_function(format!("{language}: polyplug: cold start from the compiled cache"), |b| {
            b.iter(|| cached.load_file(component(language)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, big_guests);
criterion_main!(benches);
