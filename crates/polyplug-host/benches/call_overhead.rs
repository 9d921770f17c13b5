//! What a trivial typed call costs through polyplug, against the same call
//! through raw wasmtime (same engine, same configuration, same linker) and a
//! native Rust function, in one run. Also a dynamic (JSON) call.
//!
//! Needs the guests built: `cargo xtask guests`. Run: `cargo bench -p polyplug-host --bench call_overhead`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_bindings::conformance::{Conformance, ConformancePre};
use polyplug_host::{Host, PluginState};
use polyplug_limits::Limits;
use polyplug_linker::StateParts;
use polyplug_policy::{EffectiveGrant, TracingAudit};
use wasmtime::Store;

/// A store as a raw wasmtime embedder would make it: same state type, no
/// grant, a far deadline (the engine has epoch interruption on).
fn raw_store(host: &Host) -> Store<PluginState> {
    let parts = StateParts {
        plugin: "raw".into(),
        config: Vec::new().into(),
        audit: std::sync::Arc::new(TracingAudit),
        limits: Limits::default(),
        kv: None,
    };
    let mut store = Store::new(host.engine(), PluginState::new(parts, &EffectiveGrant::nothing()).unwrap());
    store.set_epoch_deadline(1 << 40);
    store
}

fn conformance_guest() -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/conformance-rust/plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask guests` first", path.display());
    path
}

#[inline(never)]
fn native_inc(x: u32) -> u32 {
    x.wrapping_add(1)
}

fn call_overhead(c: &mut Criterion) {
    let host = Host::new().unwrap();
    let plugin = host.load_file(conformance_guest()).unwrap();
    let typed = plugin.typed::<Conformance>().unwrap();
    let mut group = c.benchmark_group("call_overhead");

    group.bench_function("native rust fn", |b| b.iter(|| native_inc(black_box(7))));

    // Raw wasmtime: the engine and linker polyplug uses, driven by hand.
    let component = wasmtime::component::Component::from_file(host.engine(), conformance_guest()).unwrap();
    let linker = polyplug_linker::linker(host.engine(), &EffectiveGrant::nothing()).unwrap();
    let pre = ConformancePre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    let mut store = raw_store(&host);
    let raw = pre.instantiate(&mut store).unwrap();
    group.bench_function("raw wasmtime typed call", |b| {
        b.iter(|| raw.polyplug_plugin_all_types().call_inc_u32(&mut store, black_box(7)).unwrap())
    });

    let mut instance = typed.instance().unwrap();
    group.bench_function("polyplug typed call, held instance", |b| {
        b.iter(|| instance.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, black_box(7))).unwrap())
    });
    drop(instance);

    group.bench_function("polyplug typed call, pooled instance", |b| {
        b.iter(|| typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, black_box(7))).unwrap())
    });

    let args = [serde_json::json!(7)];
    group.bench_function("polyplug dynamic JSON call", |b| {
        b.iter(|| plugin.call_json("all-types", "inc-u32", black_box(&args)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, call_overhead);
criterion_main!(benches);
