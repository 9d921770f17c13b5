//! Instruction counts of one trivial call, raw wasmtime against polyplug's
//! typed calls, for `valgrind --tool=callgrind` (wall time on this machine
//! is too noisy to tell 10 ns apart). Each path runs `CALLS` times inside a
//! function of its own, so callgrind can count it alone:
//!
//! ```sh
//! cargo xtask guests
//! cargo build --release -p polyplug-host --example call_instructions
//! for path in raw held pooled; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$path \
//!     --toggle-collect='call_instructions::calls_*' \
//!     target/release/examples/call_instructions $path
//! done
//! callgrind_annotate /tmp/cg.pooled | head -40
//! ```
//!
//! The pooling allocator is off: valgrind cannot reserve its address space.

// A measuring tool: any failure should stop it, loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use polyplug_bindings::conformance::{Conformance, ConformancePre};
use polyplug_host::{Host, PluginState, TypedPlugin};
use polyplug_linker::StateParts;
use polyplug_policy::TracingAudit;
use wasmtime::Store;

const CALLS: u32 = 10_000;

#[inline(never)]
fn calls_raw(raw: &Conformance, store: &mut Store<PluginState>) {
    for _ in 0..CALLS {
        black_box(raw.polyplug_plugin_all_types().call_inc_u32(&mut *store, black_box(7)).unwrap());
    }
}

#[inline(never)]
fn calls_held(typed: &TypedPlugin<Conformance>) {
    let mut instance = typed.instance().unwrap();
    for _ in 0..CALLS {
        black_box(instance.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, black_box(7))).unwrap());
    }
}

#[inline(never)]
fn calls_pooled(typed: &TypedPlugin<Conformance>) {
    for _ in 0..CALLS {
        black_box(typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, black_box(7))).unwrap());
    }
}

fn main() {
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/rust/plugin.wasm");
    assert!(guest.exists(), "{} is missing: run `cargo xtask guests` first", guest.display());
    // The guest's `host-round-trip` imports log, config and kv, its `read-secret` secrets: grant them (no call here uses them).
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&guest).unwrap()));
    let policy = format!("[plugins.conformance-rust]\nsha256 = [\"{digest}\"]\nlog = true\nconfig = true\nkv = {{ quota = \"64 KiB\" }}\nsecrets = [\"conformance-token\", \"conformance-unset\"]\n");
    let policy = polyplug_policy::Policy::from_toml(&policy, "policy").unwrap();
    let host = Host::builder().pooling(false).no_cache().policy(policy).build().unwrap();
    let plugin = host.load_file(&guest).unwrap();
    match std::env::args().nth(1).as_deref() {
        Some("raw") => {
            let component = wasmtime::component::Component::from_file(host.engine(), &guest).unwrap();
            let linker = polyplug_linker::linker(host.engine(), plugin.grant()).unwrap();
            let pre = ConformancePre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
            let parts = StateParts {
                plugin: "raw".into(),
                config: Vec::new().into(),
                audit: Arc::new(TracingAudit),
                limits: polyplug_limits::Limits::default(),
                kv: None,
                secrets: None,
                tenant: None,
                tenant_secret_names: None,
                ticks: polyplug_limits::Ticks::default(),
                https: polyplug_linker::HttpsTrust::default(),
                extensions: Default::default(),
            };
            let mut store = Store::new(host.engine(), PluginState::new(parts, plugin.grant()).unwrap());
            store.set_epoch_deadline(1 << 40);
            let raw = pre.instantiate(&mut store).unwrap();
            calls_raw(&raw, &mut store);
        }
        Some(path @ ("held" | "pooled")) => {
            let typed = plugin.typed::<Conformance>().unwrap();
            // Warm: the first call instantiates.
            typed.call("inc-u32", |c, s| c.polyplug_plugin_all_types().call_inc_u32(s, 1)).unwrap();
            if path == "held" { calls_held(&typed) } else { calls_pooled(&typed) }
        }
        _ => eprintln!("usage: call_instructions raw|held|pooled"),
    }
}
