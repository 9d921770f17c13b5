//! Node and npm, as both the JavaScript/TypeScript component builds and the
//! remote Node SDK's projects use them: is a Node ≥ 20 with npm here, and
//! `npm install` only when the project's package files changed.

use std::path::Path;
use std::process::Command;

use crate::{BuildError, Options, run, runs};

/// A piece of Node's toolchain that is missing, and how to install it.
pub(crate) struct MissingTool {
    pub missing: &'static str,
    pub install: &'static str,
}

/// Whether Node ≥ 20 and npm run here; `options.install_missing` installs
/// them with `apt-get` first when they do not.
pub(crate) fn check(options: &Options) -> Result<(), MissingTool> {
    let node_20 = || runs("node", &["-e", "process.exit(Number(process.versions.node.split('.')[0]) < 20 ? 1 : 0)"]);
    if !runs("node", &["--version"]) || !runs("npm", &["--version"]) {
        if options.install_missing && runs("apt-get", &["--version"]) {
            options.step("apt-get install nodejs npm");
            // A failed install shows as the checks below failing, with their hint.
            let _ = Command::new("apt-get").args(["install", "-y", "nodejs", "npm"]).status();
        }
        if !runs("node", &["--version"]) {
            return Err(MissingTool {
                missing: "node (20 or newer)",
                install: "`apt-get install nodejs npm` (Debian 13 or newer ships Node 20)",
            });
        }
        if !runs("npm", &["--version"]) {
            return Err(MissingTool { missing: "npm", install: "`apt-get install npm`" });
        }
    }
    if !node_20() {
        return Err(MissingTool {
            missing: "node 20 or newer",
            install: "`apt-get install nodejs` from Debian 13 or newer (Node 20), or another source of Node 20",
        });
    }
    Ok(())
}

/// `npm install` in `dir` for plugin `who`, unless `package.json` and
/// `package-lock.json` are as they were after the last one. Returns the step
/// run, if any.
pub(crate) fn npm_install(dir: &Path, who: &str, options: &Options) -> Result<Option<&'static str>, BuildError> {
    let modules = dir.join("node_modules");
    let stamp_path = modules.join(".polyplug.stamp");
    let stamp = || {
        ["package.json", "package-lock.json"]
            .iter()
            .map(|file| format!("{file}\n{}\n", std::fs::read_to_string(dir.join(file)).unwrap_or_default()))
            .collect::<String>()
    };
    if modules.is_dir() && std::fs::read_to_string(&stamp_path).ok() == Some(stamp()) {
        return Ok(None);
    }
    let step = "npm install";
    options.step(step);
    run(who, step, Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(dir))?;
    // After the install: it may have written package-lock.json.
    std::fs::write(&stamp_path, stamp()).map_err(|source| BuildError::Io { path: stamp_path.clone(), source })?;
    Ok(Some(step))
}
