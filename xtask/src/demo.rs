//! `cargo xtask demo`: build the example plugins and run the demo host
//! (`examples/host-demo`), which loads them and shows them working.
//!
//! The demo binary is built by `cargo test --no-run`, not `cargo run`: the
//! same invocation as `cargo xtask test`, so both share one build of wasmtime
//! instead of compiling it twice with different feature sets.

use std::process::Command;

use anyhow::Result;

use crate::{cargo, guests, target_dir};

pub fn run() -> Result<()> {
    guests::build()?;
    println!("building the demo host (the first time this compiles wasmtime: several minutes)…");
    crate::run(cargo().args(["test", "--no-run", "--quiet"]))?;
    let binary = target_dir().join("debug").join(format!("host-demo{}", std::env::consts::EXE_SUFFIX));
    crate::run(&mut Command::new(binary))
}
