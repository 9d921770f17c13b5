//! `cargo xtask guests`: build every guest plugin (examples and test plugins)
//! into a component, embed its `polyplug.toml` (when it has one) as the
//! manifest section, and put each at `<its directory>/plugin.wasm`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cargo, root, run, target_dir};

const TARGET: &str = "wasm32-wasip2";

/// Directories holding guest crates; each subdirectory with a `Cargo.toml` is one guest.
const GUEST_DIRS: &[&str] = &["examples", "tests/guests"];

/// A guest crate: its package name and directory.
pub struct Guest {
    pub name: String,
    pub dir: PathBuf,
}

impl Guest {
    /// Where the built component is put.
    pub fn component(&self) -> PathBuf {
        self.dir.join("plugin.wasm")
    }
}

/// Every Rust guest crate (a `cdylib` under a guest directory).
pub fn rust_guests() -> Result<Vec<Guest>> {
    let mut guests = Vec::new();
    for dir in GUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for entry in entries {
            let dir = entry?.path();
            let manifest = dir.join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
            if !text.contains("cdylib") {
                continue;
            }
            let name = text
                .lines()
                .find_map(|line| line.strip_prefix("name = \""))
                .and_then(|rest| rest.strip_suffix('"'))
                .with_context(|| format!("no package name in {}", manifest.display()))?
                .to_string();
            guests.push(Guest { name, dir });
        }
    }
    guests.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(guests)
}

/// Installs the `wasm32-wasip2` target through rustup when it is missing.
pub fn ensure_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .context("could not run `rustup`; polyplug needs a rustup-managed toolchain to add the wasm32-wasip2 target")?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == TARGET) {
        return Ok(());
    }
    println!("installing the Rust target {TARGET} (once)…");
    run(Command::new("rustup").args(["target", "add", TARGET]).current_dir(root()))
}

/// Builds every guest and returns them with their components in place.
pub fn build() -> Result<Vec<Guest>> {
    ensure_target()?;
    let guests = rust_guests()?;
    println!("building {} guest plugins for {TARGET}…", guests.len());
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--target", TARGET]);
    for guest in &guests {
        cmd.args(["-p", &guest.name]);
    }
    run(&mut cmd)?;
    let out_dir = target_dir().join(TARGET).join("release");
    for guest in &guests {
        let built = out_dir.join(format!("{}.wasm", guest.name.replace('-', "_")));
        if !built.exists() {
            bail!("cargo built `{}` but {} is missing", guest.name, built.display());
        }
        let mut component = std::fs::read(&built).with_context(|| format!("reading {}", built.display()))?;
        let manifest_path = guest.dir.join("polyplug.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest_path) {
            // Validate first: a broken manifest fails here, with its line, not at load time.
            polyplug_manifest::Manifest::from_toml(&text, &manifest_path.display().to_string())?;
            component = polyplug_manifest::embed(&component, &text)?;
        }
        std::fs::write(guest.component(), component)
            .with_context(|| format!("writing {}", guest.component().display()))?;
    }
    Ok(guests)
}
