//! `cargo xtask guests`: build every guest plugin (examples and test plugins)
//! into a component, embed its `polyplug.toml` (when it has one) as the
//! manifest section, and put each at `<its directory>/plugin.wasm`.
//!
//! Rust guests are crates built for `wasm32-wasip2`. Python guests are
//! directories with an `app.py`, built with componentize-py (installed from
//! `tests/guests/requirements.txt` into a virtual environment under the
//! target directory) against the world their manifest declares.

use std::path::{Path, PathBuf};
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
    ensure_rust_target(TARGET)
}

/// Installs the Rust target `target` through rustup when it is missing.
pub fn ensure_rust_target(target: &str) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .with_context(|| format!("could not run `rustup`; polyplug needs a rustup-managed toolchain to add the {target} target"))?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == target) {
        return Ok(());
    }
    println!("installing the Rust target {target} (once)…");
    run(Command::new("rustup").args(["target", "add", target]).current_dir(root()))
}

/// Every Python guest (a directory with an `app.py`).
fn python_guests() -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for dir in GUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for entry in entries {
            let dir = entry?.path();
            if dir.join("app.py").exists() {
                dirs.push(dir);
            }
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// `componentize-py` from a virtual environment under the target directory,
/// created and filled from `tests/guests/requirements.txt` when missing.
fn componentize_py() -> Result<PathBuf> {
    let venv = target_dir().join("python-venv");
    let tool = venv.join("bin").join("componentize-py");
    let requirements = root().join("tests/guests/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)?;
    let stamp = venv.join("requirements.txt");
    if tool.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(tool);
    }
    println!("installing the Python guest tools (componentize-py) into {}…", venv.display());
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin").join("pip")).args(["install", "--quiet", "--disable-pip-version-check", "-r"]).arg(&requirements))?;
    std::fs::write(stamp, wanted)?;
    Ok(tool)
}

/// The newest modification time of the files under `dir` (recursively).
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut newest = std::time::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let time = if path.is_dir() { newest_file_in(&path) } else { entry.metadata().and_then(|m| m.modified()).unwrap_or(newest) };
        newest = newest.max(time);
    }
    newest
}

fn newest_file_in(dir: &Path) -> std::time::SystemTime {
    if dir.file_name().is_some_and(|n| n == "wit-world" || n == "__pycache__") {
        return std::time::UNIX_EPOCH;
    }
    newest(dir)
}

/// Builds the Python guest in `dir` unless its component is newer than its sources and `wit/`.
fn build_python(tool: &Path, dir: &Path) -> Result<()> {
    let component = dir.join("plugin.wasm");
    let built = std::fs::metadata(&component).and_then(|m| m.modified()).ok();
    let sources = newest(dir).max(newest(&root().join("wit")));
    if built.is_some_and(|built| built > sources) {
        return Ok(());
    }
    let manifest_path = dir.join("polyplug.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("a Python guest needs a polyplug.toml: {}", manifest_path.display()))?;
    let manifest = polyplug_manifest::Manifest::from_toml(&text, &manifest_path.display().to_string())?;
    let wit = crate::world::write(dir, &manifest)?;
    println!("building Python guest {} with componentize-py…", manifest.plugin.name);
    let raw = dir.join("wit-world").join("component.wasm");
    run(Command::new(tool)
        .arg("-d")
        .arg(&wit)
        .args(["-w", "plugin", "componentize", "app", "-p"])
        .arg(dir)
        .arg("-o")
        .arg(&raw))?;
    let bytes = polyplug_manifest::embed(&std::fs::read(&raw)?, &text)?;
    std::fs::write(&component, bytes)?;
    Ok(())
}

/// Builds every guest and returns them with their components in place.
pub fn build() -> Result<Vec<Guest>> {
    let python = python_guests()?;
    if !python.is_empty() {
        let tool = componentize_py()?;
        for dir in &python {
            build_python(&tool, dir)?;
        }
    }
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
