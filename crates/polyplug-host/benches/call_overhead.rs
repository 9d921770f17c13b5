//! What a trivial typed call costs through polyplug, against the same call
//! through raw wasmtime (same engine, same configuration, same linker) and a
//! native Rust function, in one run. Also a dynamic (JSON) call.
//!
//! Needs the guests built: `cargo xtask guests`. Run: `cargo bench -p polyplug-host --bench call_overhead`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_bindings::conformance::{Conformance, ConformancePre};
use polyplug_host::Host;
use support::{conformance_guest, raw_store};

#[inline(never)]
fn native_inc(x: u32) -> u32 {
    x.wrapping_add(1)
}

fn call_overhead(c: &mut Criterion) {
    let host = Host::builder().policy(support::policy()).build().unwrap();
    let plugin = host.load_file(conformance_guest()).unwrap();
    let grant = plugin.grant().clone();
    let typed = plugin.typed::<Conformance>().unwrap();
    let mut group = c.benchmark_group("call_overhead");

    group.bench_function("native rust fn", |b| b.iter(|| native_inc(black_box(7))));

    // Raw wasmtime: the engine and linker polyplug uses, driven by hand.
    let component = wasmtime::component::Component::from_file(host.engine(), conformance_guest()).unwrap();
    let linker = polyplug_linker::linker(host.engine(), &grant).unwrap();
    let pre = ConformancePre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    let mut store = raw_store(&host, &grant);
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
