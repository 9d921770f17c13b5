//! What an asynchronous call costs over a synchronous one, for a trivial
//! export, in one run: raw wasmtime (`call` against `call_async`), and
//! polyplug's pooled typed and dynamic calls, each sync and async. Async
//! calls are awaited inside one running task, as a tokio host makes them.
//!
//! Needs the guests built: `cargo xtask guests`. Run: `cargo bench -p polyplug-host --bench async_call`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_host::Host;
use support::{conformance_guest, raw_store};

fn async_call(c: &mut Criterion) {
    let host = Host::builder().policy(support::policy()).build().unwrap();
    let plugin = host.load_file(conformance_guest()).unwrap();
    let grant = plugin.grant().clone();
    let component = wasmtime::component::Component::from_file(host.engine(), conformance_guest()).unwrap();
    let linker = polyplug_linker::linker(host.engine(), &grant).unwrap();
    let mut store = raw_store(&host, &grant);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let interface = component.get_export_index(None, "polyplug:plugin/all-types@0.1.0").unwrap();
    let index = component.get_export_index(Some(&interface), "inc-u32").unwrap();
    let inc = instance.get_typed_func::<(u32,), (u32,)>(&mut store, &index).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
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

    let typed = plugin.typed::<polyplug_bindings::conformance::Conformance>().unwrap();
    group.bench_function("polyplug typed call, pooled, sync", |b| {
        b.iter(|| typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, black_box(7))).unwrap())
    });
    group.bench_function("polyplug typed call, pooled, async", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    typed
                        .call_async("inc-u32", async |mut slot| {
                            let (bindings, store) = slot.parts();
                            let inc = bindings.polyplug_plugin_all_types().func_inc_u32();
                            let result = inc.call_async(store, (black_box(7),)).await.map(|(out,)| out);
                            (slot, result)
                        })
                        .await
                        .unwrap();
                }
                start.elapsed()
            })
        })
    });
    let args = [serde_json::json!(7)];
    group.bench_function("polyplug dynamic JSON call, sync", |b| {
        b.iter(|| plugin.call_json("all-types", "inc-u32", black_box(&args)).unwrap())
    });
    group.bench_function("polyplug dynamic JSON call, async", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    plugin.call_json_async("all-types", "inc-u32", black_box(&args)).await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, async_call);
criterion_main!(benches);
