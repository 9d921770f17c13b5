//! What call deadlines cost: the same raw wasmtime calls on two engines that
//! differ only in epoch interruption (the mechanism behind every deadline:
//! wasmtime adds a check of the epoch counter at each function entry and
//! loop header of the guest). A trivial call, a loop over 4,096 numbers
//! (`sum-list`) and a 4 KiB string there and back (`reverse-string`).
//!
//! Needs the guests built: `cargo xtask guests`. Run:
//! `cargo bench -p polyplug-host --bench deadline`.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use polyplug_bindings::conformance::ConformancePre;
use polyplug_host::{Host, PluginState};
use polyplug_linker::StateParts;
use polyplug_policy::TracingAudit;
use support::conformance_guest;
use wasmtime::{Config, Engine, OptLevel, Store};

/// The host's engine settings (see `engine_config` in host.rs), with epoch
/// interruption as given.
fn engine(epochs: bool) -> Engine {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.concurrency_support(false);
    config.cranelift_opt_level(OptLevel::Speed);
    config.epoch_interruption(epochs);
    Engine::new(&config).unwrap()
}

fn deadline(c: &mut Criterion) {
    // The grant the guest needs to link (its `host-round-trip` imports log, config, kv; its `read-secret` secrets).
    let host = Host::builder().policy(support::policy()).build().unwrap();
    let grant = host.load_file(conformance_guest()).unwrap().grant().clone();
    let numbers: Vec<i64> = (0..4096).collect();
    let text = "é".repeat(2048);
    let mut group = c.benchmark_group("deadline");
    for epochs in [false, true] {
        let engine = engine(epochs);
        let component = wasmtime::component::Component::from_file(&engine, conformance_guest()).unwrap();
        let linker = polyplug_linker::linker(&engine, &grant).unwrap();
        let pre = ConformancePre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
        let parts = StateParts {
            plugin: "raw".into(),
            config: Vec::new().into(),
            audit: std::sync::Arc::new(TracingAudit),
            limits: polyplug_limits::Limits::default(),
            kv: None,
            secrets: None,
            tenant: None,
            tenant_secret_names: None,
            ticks: polyplug_limits::Ticks::default(),
            https: polyplug_linker::HttpsTrust::default(),
            extensions: Default::default(),
        };
        let mut store = Store::new(&engine, PluginState::new(parts, &grant).unwrap());
        if epochs {
            store.set_epoch_deadline(1 << 40);
        }
        let raw = pre.instantiate(&mut store).unwrap();
        let t = raw.polyplug_plugin_all_types();
        let with = if epochs { "epoch checks" } else { "no deadline checks" };
        group.bench_function(format!("trivial call (inc-u32), {with}"), |b| {
            b.iter(|| t.call_inc_u32(&mut store, black_box(7)).unwrap())
        });
        group.bench_function(format!("loop over 4096 numbers (sum-list), {with}"), |b| {
            b.iter(|| t.call_sum_list(&mut store, black_box(&numbers)).unwrap())
        });
        group.bench_function(format!("4 KiB string there and back (reverse-string), {with}"), |b| {
            b.iter(|| t.call_reverse_string(&mut store, black_box(&text)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, deadline);
criterion_main!(benches);
