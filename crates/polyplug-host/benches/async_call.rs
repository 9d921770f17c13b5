//! Design data for async calls (the host API's next step): what wasmtime 48
//! itself charges for an async call of a trivial export on this engine
//! configuration, against the same call made synchronously, in one run.
//! Raw wasmtime only; polyplug's own async path will be measured against it.
//!
//! Needs the guests built: `cargo xtask guests`. Run: `cargo bench -p polyplug-host --bench async_call`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_host::Host;
use polyplug_policy::EffectiveGrant;
use support::{conformance_guest, raw_store};

fn async_call(c: &mut Criterion) {
    let host = Host::new().unwrap();
    let component = wasmtime::component::Component::from_file(host.engine(), conformance_guest()).unwrap();
    let linker = polyplug_linker::linker(host.engine(), &EffectiveGrant::nothing()).unwrap();
    let mut store = raw_store(&host);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let interface = component.get_export_index(None, "polyplug:plugin/all-types@0.1.0").unwrap();
    let index = component.get_export_index(Some(&interface), "inc-u32").unwrap();
    let inc = instance.get_typed_func::<(u32,), (u32,)>(&mut store, &index).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut group = c.benchmark_group("async_call");

    group.bench_function("raw wasmtime, sync call", |b| b.iter(|| inc.call(&mut store, (black_box(7),)).unwrap()));
    group.bench_function("raw wasmtime, call_async, one block_on per call", |b| {
        b.iter(|| runtime.block_on(inc.call_async(&mut store, (black_box(7),))).unwrap())
    });
    group.bench_function("raw wasmtime, call_async, awaited in a running task", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    inc.call_async(&mut store, (black_box(7),)).await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, async_call);
criterion_main!(benches);
