//! `cargo xtask guests`: build every guest plugin (examples and test plugins)
//! into a component, embed its `polyplug.toml` (when it has one) as the
//! manifest section, and put each at `<its directory>/plugin.wasm`.
//!
//! Rust guests are crates built for `wasm32-wasip2`, all in one cargo run.
//! Every other guest (Go, C, Python, JavaScript, TypeScript: a directory with
//! a `polyplug.toml`) is
//! built by `polyplug-build`, exactly as `polyplug build` builds it, with the
//! repository's `sdk/` and missing toolchain pieces installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cargo, root, run, target_dir};

const TARGET: &str = "wasm32-wasip2";

/// Directories holding guest crates; each subdirectory with a `Cargo.toml` is one guest.
const GUEST_DIRS: &[&str] = &["examples", "tests/guests", "tests/conformance"];

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

/// Every guest that is not a Rust crate: a directory with a `polyplug.toml`
/// whose sources are Go, C or Python.
fn other_guests() -> Result<Vec<polyplug_build::Project>> {
    let mut projects = Vec::new();
    for dir in GUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for entry in entries {
            let dir = entry?.path();
            if !dir.join("polyplug.toml").exists() || dir.join("Cargo.toml").exists() {
                continue;
            }
            projects.push(polyplug_build::Project::open(&dir)?);
        }
    }
    projects.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(projects)
}

/// The newest modification time of the files under `dir` (recursively),
/// leaving out what builds write.
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut latest = std::time::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "build" || name == "__pycache__" || name == "plugin.wasm" {
            continue;
        }
        let time = if path.is_dir() { newest(&path) } else { entry.metadata().and_then(|m| m.modified()).unwrap_or(latest) };
        latest = latest.max(time);
    }
    latest
}

/// Builds a Go, C or Python guest with `polyplug-build` (what `polyplug
/// build` runs) unless its component is newer than its sources, `wit/` and the SDKs.
fn build_other(project: &polyplug_build::Project) -> Result<()> {
    let built = std::fs::metadata(project.component_path()).and_then(|m| m.modified()).ok();
    let sdk = root().join("sdk").join(project.language.name());
    let sources = newest(&project.dir).max(newest(&root().join("wit"))).max(newest(&sdk));
    if built.is_some_and(|built| built > sources) {
        return Ok(());
    }
    println!("building {} guest {}…", project.language, project.name());
    let options = polyplug_build::Options {
        target_dir: Some(target_dir()),
        sdk: Some(root().join("sdk")),
        // CI starts from a machine without the C toolchain or componentize-py.
        install_missing: true,
        progress: Some(Box::new(|step| println!("  {step}"))),
        ..Default::default()
    };
    let built = polyplug_build::build(project, &options)?;
    println!("  {} ({} KiB)", relative(&built.component), built.size / 1024);
    Ok(())
}

/// `npm install` and `npm run build` (tsc) in a Node remote plugin's
/// directory, when its sources are newer than its `dist/`.
fn build_node_example(dir: &Path) -> Result<()> {
    let built = dir.join("dist/plugin.js");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let fresh = modified(&built).is_some_and(|built| {
        ["plugin.ts", "package.json", "tsconfig.json"].iter().all(|f| modified(&dir.join(f)).is_some_and(|m| m <= built))
            && newest(&root().join("sdk/remote-node")) <= built
    });
    if fresh {
        return Ok(());
    }
    println!("building the Node remote plugin {}…", relative(dir));
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(dir))
        .context("`npm install` failed (Node 20 and npm are needed)")?;
    run(Command::new("npm").args(["run", "build"]).current_dir(dir))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// Builds every guest and returns them with their components in place;
/// makes the remote Python SDK's virtual environment the remote plugins' tests run in.
pub fn build() -> Result<Vec<Guest>> {
    for project in other_guests()? {
        build_other(&project)?;
    }
    let python = polyplug_build::remote_python_venv(&target_dir(), true)?;
    println!("remote Python SDK ready in {}", relative(&python));
    build_node_example(&root().join("examples/transform-node"))?;
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
    fill_plugin_dir("examples/mock-server/plugins", MOCK_SERVER_PLUGINS)?;
    fill_plugin_dir("examples/pipeline/plugins", PIPELINE_PLUGINS)?;
    Ok(guests)
}

/// The plugins `examples/mock-server/mock.yaml` serves, by the keys it
/// names them with, copied into its plugin directory (git-ignored).
const MOCK_SERVER_PLUGINS: &[(&str, &str)] = &[
    ("basic", "examples/auth-basic-rust"),
    ("keys", "examples/auth-rust"),
    ("fake", "examples/fake-data-python"),
    ("graphql", "examples/response-graphql-ts"),
    ("csv", "examples/datasource-csv-rust"),
    ("jwt", "examples/auth-go-jwt"),
    ("hello", "tests/guests/wasi-http-rust"),
    ("headers", "examples/modifier-headers-go"),
    ("text", "examples/template-text-rust"),
];

/// The plugins `examples/pipeline/pipeline.yaml` runs, by the keys it names
/// them with, copied into its plugin directory (git-ignored).
const PIPELINE_PLUGINS: &[(&str, &str)] = &[("drop-tests", "examples/filter-go"), ("map", "examples/map-fields-ts"), ("enrich", "examples/enrich-rust")];

/// Copies each `(key, example)` of `plugins` into the demo plugin directory `dir` as `<key>.wasm`.
fn fill_plugin_dir(dir: &str, plugins: &[(&str, &str)]) -> Result<()> {
    let dir = root().join(dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (key, example) in plugins {
        let from = root().join(example).join("plugin.wasm");
        let to = dir.join(format!("{key}.wasm"));
        // Unchanged bytes are not rewritten: a running server would reload nothing anyway.
        if std::fs::read(&from).ok() != std::fs::read(&to).ok() {
            std::fs::copy(&from, &to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
        }
    }
    Ok(())
}
