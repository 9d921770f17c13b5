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
    ensure_test_servers()?;
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

/// The registry tests run a real OCI registry: Debian's `docker-registry`
/// (the CNCF distribution server); the pipeline tests a real NATS server:
/// Debian's `nats-server`. Both are unpacked into `<target>/tools/` rather
/// than installed, because their post-install scripts start system services
/// (on :5000 and :4222).
fn ensure_test_servers() -> Result<()> {
    ensure_unpacked("docker-registry", "usr/bin/docker-registry", "the registry tests")?;
    ensure_unpacked("nats-server", "usr/sbin/nats-server", "the pipeline tests")
}

/// Debian's `package`, unpacked into `<target>/tools/<package>/` unless
/// `binary` (a path inside it) is there already.
fn ensure_unpacked(package: &str, binary: &str, for_what: &str) -> Result<()> {
    let tools = crate::target_dir().join("tools");
    let unpacked = tools.join(package);
    if unpacked.join(binary).exists() {
        return Ok(());
    }
    println!("fetching Debian's `{package}` package for {for_what}…");
    std::fs::create_dir_all(&tools)?;
    let download = || crate::run(Command::new("apt-get").args(["download", "-qq", package]).current_dir(&tools));
    download()
        .or_else(|_| crate::run(Command::new("apt-get").arg("update").arg("-qq")).and_then(|()| download()))
        .with_context(|| format!("{for_what} need Debian's `{package}` package: `apt-get download {package}` failed"))?;
    let prefix = format!("{package}_");
    let deb = std::fs::read_dir(&tools)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb")))
        .with_context(|| format!("`apt-get download {package}` wrote no .deb"))?;
    crate::run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked)).with_context(|| format!("unpacking {package}"))
}
