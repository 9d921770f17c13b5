//! polyplug, raw wasmtime and Extism 1.30, one run, the same plugin logic
//! (`tests/peers/wit/peer.wit` as a component; `tests/peers/guest-extism`
//! in Extism's ABI): a no-op call, counting the vowels of a 4 KiB string,
//! and a fresh instance with its first call.
//!
//! Raw wasmtime is what an embedder writes by hand on polyplug's engine
//! (same configuration): wasmtime-wasi's own context, no grant checks, no
//! deadline but the engine's epoch. Run with `cargo xtask bench`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use peer_bench::peer::{self, bindings::PeerPre};
use wasmtime::Store;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// A raw embedder's store state: WASI and nothing else.
struct Raw {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Raw {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

fn raw_store(engine: &wasmtime::Engine) -> Store<Raw> {
    let mut store = Store::new(engine, Raw { wasi: WasiCtx::builder().build(), table: ResourceTable::new() });
    // polyplug's engine interrupts by epoch: a raw embedder sets a far deadline.
    store.set_epoch_deadline(1 << 40);
    store
}

fn extism_plugin() -> extism::Plugin {
    let manifest = extism::Manifest::new([extism::Wasm::file(peer_bench::guest("guest-extism"))]);
    extism::Plugin::new(&manifest, [], false).expect("the Extism guest loads")
}

fn peers(c: &mut Criterion) {
    let text = peer_bench::text();
    let cache = tempfile::tempdir().unwrap();
    let catalog = polyplug::Catalog::from_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")).unwrap();
    let host_with_peer = polyplug::Host::builder().cache_dir(cache.path()).catalog(catalog.clone()).build().unwrap();
    let component_path = peer_bench::guest("guest-polyplug");
    let facade = peer::Peer::new(host_with_peer.load_file(&component_path).unwrap()).unwrap().blocking();

    let engine = host_with_peer.engine();
    let component = Component::from_file(engine, &component_path).unwrap();
    let mut linker = Linker::<Raw>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let pre = PeerPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    let mut store = raw_store(engine);
    let raw = pre.instantiate(&mut store).unwrap();

    let mut extism = extism_plugin();
    assert_eq!(extism.call::<&str, u32>("count_vowels", &text).unwrap(), facade.count_vowels(&text).unwrap(), "same logic, same answer");

    let mut group = c.benchmark_group("peers");
    group.bench_function("no-op: raw wasmtime", |b| b.iter(|| raw.bench_peer_ops().call_noop(&mut store).unwrap()));
    group.bench_function("no-op: polyplug facade (pooled instance)", |b| b.iter(|| facade.noop().unwrap()));
    group.bench_function("no-op: Extism 1.30", |b| b.iter(|| extism.call::<(), ()>("noop", ()).unwrap()));

    group.bench_function("count vowels, 4 KiB: raw wasmtime", |b| {
        b.iter(|| raw.bench_peer_ops().call_count_vowels(&mut store, black_box(&text)).unwrap())
    });
    group.bench_function("count vowels, 4 KiB: polyplug facade (pooled instance)", |b| {
        b.iter(|| facade.count_vowels(black_box(&text)).unwrap())
    });
    group.bench_function("count vowels, 4 KiB: Extism 1.30", |b| {
        b.iter(|| extism.call::<&str, u32>("count_vowels", black_box(&text)).unwrap())
    });

    group.bench_function("fresh instance + no-op: raw wasmtime", |b| {
        b.iter(|| {
            let mut store = raw_store(engine);
            pre.instantiate(&mut store).unwrap().bench_peer_ops().call_noop(&mut store).unwrap()
        })
    });
    // No idle instances kept: every call instantiates afresh.
    let fresh = polyplug::Host::builder().cache_dir(cache.path()).catalog(catalog).max_idle_instances(0).build().unwrap();
    let fresh = peer::Peer::new(fresh.load_file(&component_path).unwrap()).unwrap().blocking();
    group.bench_function("fresh instance + no-op: polyplug", |b| b.iter(|| fresh.noop().unwrap()));
    let compiled = extism::CompiledPlugin::new(extism::PluginBuilder::new(extism::Manifest::new([extism::Wasm::file(
        peer_bench::guest("guest-extism"),
    )])))
    .unwrap();
    group.bench_function("fresh instance + no-op: Extism 1.30 (precompiled)", |b| {
        b.iter(|| extism::Plugin::new_from_compiled(&compiled).unwrap().call::<(), ()>("noop", ()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, peers);
criterion_main!(benches);
