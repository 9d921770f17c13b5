//! Running the `polyplug` binary the way a user does, for the command
//! line's integration tests.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `polyplug args…` in `dir`, with the tests' own compiled-plugin cache and
/// none of the caller's polyplug settings. Rust projects share one cargo
/// target directory, so that the SDK's dependencies build once.
pub fn polyplug(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polyplug"))
        .args(args)
        .current_dir(dir)
        .env("POLYPLUG_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"))
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-projects-target"))
        .env_remove("RUST_LOG")
        .env_remove("POLYPLUG_POLICY")
        .env_remove("POLYPLUG_TRUST")
        .output()
        .expect("polyplug runs")
}

/// What a run printed, stdout then stderr.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `polyplug args…` in `dir`, which must succeed; what it printed.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = polyplug(dir, args);
    assert!(out.status.success(), "polyplug {args:?}: {}", text(&out));
    text(&out)
}
