//! `cargo xtask test`: everything CI checks, in one command.
//!
//! Builds every guest plugin, checks that generated bindings are fresh, runs
//! the whole test suite (unit, integration, doc tests, and each benchmark
//! once as a test), then runs the demo as a newcomer would.

use anyhow::Result;

use crate::{bindgen, cargo, demo, guests};

pub fn run(extra: &[String]) -> Result<()> {
    guests::build()?;
    bindgen::run(true)?;
    crate::run(cargo().arg("test").args(extra))?;
    crate::run(cargo().args(["test", "--benches"]).args(extra))?;
    demo::run()
}
