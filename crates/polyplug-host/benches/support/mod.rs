//! What both benches need: the guest they call and a store made the way a
//! raw wasmtime embedder would make it.

use std::path::{Path, PathBuf};

use polyplug_host::{Host, PluginState};
use polyplug_limits::Limits;
use polyplug_linker::StateParts;
use polyplug_policy::{EffectiveGrant, TracingAudit};
use wasmtime::Store;

/// The conformance guest, built by `cargo xtask guests`.
pub fn conformance_guest() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/conformance-rust/plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask guests` first", path.display());
    path
}

/// A store as a raw wasmtime embedder would make it: same state type, no
/// grant, a far deadline (the engine has epoch interruption on).
pub fn raw_store(host: &Host) -> Store<PluginState> {
    let parts = StateParts {
        plugin: "raw".into(),
        config: Vec::new().into(),
        audit: std::sync::Arc::new(TracingAudit),
        limits: Limits::default(),
        kv: None,
        ticks: polyplug_limits::Ticks::default(),
        https: polyplug_linker::HttpsTrust::default(),
        extensions: Default::default(),
    };
    let mut store = Store::new(host.engine(), PluginState::new(parts, &EffectiveGrant::nothing()).unwrap());
    store.set_epoch_deadline(1 << 40);
    store
}
