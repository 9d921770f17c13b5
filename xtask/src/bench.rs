//! `cargo xtask bench`: polyplug beside raw wasmtime and Extism 1.30 on the
//! same plugin logic, in one run (`tests/peers/bench`). Kept out of `cargo
//! xtask test`: Extism brings its own wasmtime (43), a build of its own.
//!
//! Builds the two guests (the component for polyplug and raw wasmtime, the
//! Extism plugin for `wasm32-unknown-unknown`), then runs the criterion
//! bench; extra arguments go to criterion (e.g. a filter: `cargo xtask bench no-op`).

use anyhow::{Context, Result};

use crate::{cargo, root, run, target_dir};

/// Each guest: package, target, and where its `plugin.wasm` goes.
const PEER_GUESTS: &[(&str, &str, &str)] = &[
    ("peer-guest-polyplug", "wasm32-wasip2", "tests/peers/guest-polyplug"),
    ("peer-guest-extism", "wasm32-unknown-unknown", "tests/peers/guest-extism"),
];

pub fn run_peers(extra: &[String]) -> Result<()> {
    crate::guests::ensure_target()?;
    crate::guests::ensure_rust_target("wasm32-unknown-unknown")?;
    for (package, target, dir) in PEER_GUESTS {
        run(cargo().args(["build", "--release", "--target", target, "-p", package]))?;
        let built = target_dir().join(target).join("release").join(format!("{}.wasm", package.replace('-', "_")));
        let dest = root().join(dir).join("plugin.wasm");
        std::fs::copy(&built, &dest).with_context(|| format!("copying {} to {}", built.display(), dest.display()))?;
    }
    let mut bench = cargo();
    bench.args(["bench", "-p", "peer-bench", "--bench", "peers"]);
    if !extra.is_empty() {
        bench.arg("--").args(extra);
    }
    run(&mut bench)
}
