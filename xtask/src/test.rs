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
    ensure_docker_registry()?;
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
/// (the CNCF distribution server), unpacked into `<target>/tools/` rather
/// than installed, because the package's post-install script starts a
/// system service on :5000.
fn ensure_docker_registry() -> Result<()> {
    let tools = crate::target_dir().join("tools");
    let unpacked = tools.join("docker-registry");
    if unpacked.join("usr/bin/docker-registry").exists() {
        return Ok(());
    }
    println!("fetching Debian's `docker-registry` package for the registry tests…");
    std::fs::create_dir_all(&tools)?;
    let download = || crate::run(Command::new("apt-get").args(["download", "-qq", "docker-registry"]).current_dir(&tools));
    download()
        .or_else(|_| crate::run(Command::new("apt-get").arg("update").arg("-qq")).and_then(|()| download()))
        .context("the registry tests need Debian's `docker-registry` package: `apt-get download docker-registry` failed")?;
    let package = std::fs::read_dir(&tools)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("docker-registry_") && n.ends_with(".deb")))
        .context("`apt-get download docker-registry` wrote no .deb")?;
    crate::run(Command::new("dpkg-deb").arg("-x").arg(&package).arg(&unpacked)).context("unpacking docker-registry")
}