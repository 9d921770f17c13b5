//! `cargo xtask test`: everything CI checks, in one command.
//!
//! Builds every guest plugin, checks that generated bindings are fresh, and
//! runs the whole test suite: unit, integration and doc tests (the demo's
//! output included: `examples/host-demo/tests/demo.rs`), and each benchmark
//! once as a test.

use anyhow::Result;

use crate::{bindgen, cargo, guests};

pub fn run(extra: &[String]) -> Result<()> {
    guests::build()?;
    bindgen::run(true)?;
    crate::run(cargo().arg("test").args(extra))?;
    crate::run(cargo().args(["test", "--benches"]).args(extra))
}
