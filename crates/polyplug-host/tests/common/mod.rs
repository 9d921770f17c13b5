//! Shared helpers for the host's integration tests: where the guest plugins
//! are, and one host per test binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use polyplug_host::Host;

/// The component built by `cargo xtask guests` for the guest crate `name`
/// (under `tests/guests/` or `examples/`).
pub fn guest(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for dir in ["tests/guests", "examples"] {
        let path = root.join(dir).join(name).join("plugin.wasm");
        if path.exists() {
            return path;
        }
    }
    panic!("guest plugin `{name}` is not built; run `cargo xtask test` (or `cargo xtask guests` first)");
}

/// One host for the whole test binary, caching compiled plugins in the
/// target directory.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        Host::builder()
            .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
            .build()
            .expect("the host starts")
    })
}
