//! What a fresh instance costs: polyplug (instantiate from the pre-instantiated
//! plugin, run `init`, first call) against raw wasmtime (instantiate only),
//! with the pooling allocator; and loading a plugin from the compiled cache.
//!
//! Needs the guests built: `cargo xtask guests`. Run: `cargo bench -p polyplug-host --bench instantiate`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_bindings::conformance::{Conformance, ConformancePre};
use polyplug_host::Host;
use support::{conformance_guest, raw_store};

fn instantiate(c: &mut Criterion) {
    let cache = tempfile::tempdir().unwrap();
    // No idle instances kept: every call instantiates afresh.
    let host = Host::builder().policy(support::policy()).cache_dir(cache.path()).max_idle_instances(0).build().unwrap();
    let plugin = host.load_file(conformance_guest()).unwrap();
    let grant = plugin.grant().clone();
    let typed = plugin.typed::<Conformance>().unwrap();
    let mut group = c.benchmark_group("instantiate");

    let component = wasmtime::component::Component::from_file(host.engine(), conformance_guest()).unwrap();
    let linker = polyplug_linker::linker(host.engine(), &grant).unwrap();
    let pre = ConformancePre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    group.bench_function("raw wasmtime: new store + instantiate_pre", |b| {
        b.iter(|| {
            let mut store = raw_store(&host, &grant);
            black_box(pre.instantiate(&mut store).unwrap());
        })
    });

    group.bench_function("polyplug: new instance + init + one call", |b| {
        b.iter(|| typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, 1)).unwrap())
    });

    group.bench_function("polyplug: load from the compiled cache", |b| {
        b.iter(|| host.load_file(conformance_guest()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, instantiate);
criterion_main!(benches);
