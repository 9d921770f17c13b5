//! What the benches share: the guest they call, its grant, and a store made
//! the way a raw wasmtime embedder would make it.

// Each bench uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use polyplug_host::{Host, PluginState};
use polyplug_limits::Limits;
use polyplug_linker::StateParts;
use polyplug_policy::{EffectiveGrant, TracingAudit};
use wasmtime::Store;

/// The conformance guest, built by `cargo xtask guests`.
pub fn conformance_guest() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/rust/plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask guests` first", path.display());
    path
}

/// A policy granting the conformance guest what it requests (`log`,
/// `config`, `kv`, `secrets`: its `host-round-trip` and `read-secret` call
/// them; the benches do not).
pub fn policy() -> polyplug_policy::Policy {
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(conformance_guest()).unwrap()));
    let text = format!("[plugins.conformance-rust]\nsha256 = [\"{digest}\"]\nlog = true\nconfig = true\nkv = {{ quota = \"64 KiB\" }}\nsecrets = [\"conformance-token\", \"conformance-unset\"]\n");
    polyplug_policy::Policy::from_toml(&text, "the bench policy").unwrap()
}

/// A store as a raw wasmtime embedder would make it: same state type, the
/// plugin's `grant`, a far deadline (the engine has epoch interruption on).
pub fn raw_store(host: &Host, grant: &EffectiveGrant) -> Store<PluginState> {
    let parts = StateParts {
        plugin: "raw".into(),
        config: Vec::new().into(),
        audit: std::sync::Arc::new(TracingAudit),
        limits: Limits::default(),
        kv: None,
        secrets: None,
        tenant: None,
        tenant_secret_names: None,
        ticks: polyplug_limits::Ticks::default(),
        https: polyplug_linker::HttpsTrust::default(),
        extensions: Default::default(),
    };
    let mut store = Store::new(host.engine(), PluginState::new(parts, grant).unwrap());
    store.set_epoch_deadline(1 << 40);
    store
}
