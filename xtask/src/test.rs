//! `cargo xtask test`: everything CI checks, in one command.
//!
//! Builds every guest plugin, checks that generated bindings are fresh, and
//! runs the whole test suite: unit, integration and doc tests (the demo's
//! output included: `examples/host-demo/tests/demo.rs`), and each benchmark
//! once as a test.

use std::process::Command;

use anyhow::{Context, Result};

use crate::{bindgen, cargo, guests};

pub fn run(extra: &[String]) -> Result<()> {
    ensure_openssl()?;
    guests::build()?;
    bindgen::run(true)?;
    crate::run(cargo().arg("test").args(extra))?;
    crate::run(cargo().args(["test", "--benches"]).args(extra))
}

/// The HTTPS tests make their certificate authority with the `openssl`
/// command; install Debian's package when it is missing (CI runs as root).
fn ensure_openssl() -> Result<()> {
    if Command::new("openssl").arg("version").output().is_ok_and(|out| out.status.success()) {
        return Ok(());
    }
    println!("installing `openssl` (Debian package) for the HTTPS tests…");
    crate::run(Command::new("apt-get").arg("update").arg("-qq"))
        .and_then(|()| crate::run(Command::new("apt-get").args(["install", "-y", "-qq", "--no-install-recommends", "openssl"])))
        .context("the HTTPS tests need the `openssl` command: install it (`apt-get install openssl`)")
}
