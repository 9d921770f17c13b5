//! `cargo xtask`: polyplug's project automation, one subcommand per task.
//!
//! - `cargo xtask bindgen [--check]`: generate host and guest bindings from `wit/`.
//! - `cargo xtask guests`: build every guest plugin the examples and tests use.
//! - `cargo xtask demo`: build the example plugins and show them working.
//! - `cargo xtask test`: build the guests, then run the whole test suite.

mod bench;
mod bindgen;
mod demo;
mod guests;
mod test;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  bindgen [--check]   generate host and guest bindings from wit/ (--check: fail if stale)
  guests              build the guest plugins (examples and test plugins) for wasm32-wasip2
  demo                build the example plugins, load them and show them working
  test                build the guests and run the whole test suite
  bench [filter]      polyplug beside raw wasmtime and Extism 1.30 on the same plugins, one run
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bindgen") => bindgen::run(args[1..].iter().any(|a| a == "--check")),
        Some("guests") => guests::build().map(|_| ()),
        Some("demo") => demo::run(),
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run_peers(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!("unknown task `{other}`\n\n{USAGE}")),
        None => Err(anyhow::anyhow!("no task given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` or `<root>/target`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// `cargo`, as the one running xtask.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs `cmd`, failing with the command line when it does not succeed.
fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}
