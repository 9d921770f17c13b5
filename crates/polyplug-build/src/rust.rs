//! Rust plugins: a `cdylib` crate with the polyplug SDK, built by cargo for
//! `wasm32-wasip2`, which makes the component itself.

use std::process::Command;

use crate::{BuildError, Language, Options, Project, run, runs};

/// The Rust target plugins are built for.
pub const TARGET: &str = "wasm32-wasip2";

pub(crate) fn build(project: &Project, options: &Options) -> Result<Vec<u8>, BuildError> {
    ensure_target(project)?;
    options.step("cargo build --release --target wasm32-wasip2");
    let target_dir = options.target_dir.clone();
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(["build", "--release", "--message-format=json-render-diagnostics", "--target", TARGET, "--manifest-path"])
        .arg(project.dir.join("Cargo.toml"));
    if let Some(dir) = &target_dir {
        cmd.env("CARGO_TARGET_DIR", dir);
    }
    let shown = format!("{cmd:?}");
    let output = cmd.output().map_err(|source| BuildError::Spawn { command: shown.clone(), source })?;
    if !output.status.success() {
        return Err(BuildError::ToolFailed {
            plugin: project.name().to_string(),
            step: "cargo build".into(),
            command: shown,
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    // cargo names every artifact it made; the plugin is the `.wasm` of the project's own package.
    let manifest = project.dir.join("Cargo.toml").canonicalize().map_err(|source| BuildError::Io {
        path: project.dir.join("Cargo.toml"),
        source,
    })?;
    let wasm = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["manifest_path"].as_str() == manifest.to_str())
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(str::to_string))
        .find(|f| f.ends_with(".wasm"));
    let Some(wasm) = wasm else {
        return Err(BuildError::ToolFailed {
            plugin: project.name().to_string(),
            step: "cargo build".into(),
            command: shown,
            output: "cargo made no .wasm: the crate needs `[lib] crate-type = [\"cdylib\"]`".into(),
        });
    };
    std::fs::read(&wasm).map_err(|source| BuildError::Io { path: wasm.into(), source })
}

/// Installs the `wasm32-wasip2` target through rustup when it is missing.
fn ensure_target(project: &Project) -> Result<(), BuildError> {
    let missing = |what: &str| BuildError::MissingToolchain {
        plugin: project.name().to_string(),
        language: Language::Rust,
        missing: what.to_string(),
        install: "install Rust with rustup (https://rustup.rs), then `rustup target add wasm32-wasip2`".into(),
    };
    let Ok(installed) = Command::new("rustup").args(["target", "list", "--installed"]).current_dir(&project.dir).output()
    else {
        // Without rustup, cargo may still have the target (a distribution's Rust).
        return if runs("cargo", &["--version"]) { Ok(()) } else { Err(missing("cargo")) };
    };
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == TARGET) {
        return Ok(());
    }
    run(project.name(), "rustup target add wasm32-wasip2", Command::new("rustup").args(["target", "add", TARGET]).current_dir(&project.dir))
        .map_err(|_| missing("the Rust target wasm32-wasip2"))
}
