//! Python plugins: an `app.py`, made a component by componentize-py against
//! the narrowed world. componentize-py is installed, at the version this
//! crate pins (`python-requirements.txt`), into a virtual environment of
//! polyplug's own.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{BuildError, Language, Options, Project, run, runs};

/// The Python packages the build needs, pinned.
pub const REQUIREMENTS: &str = include_str!("../python-requirements.txt");

pub(crate) fn build(project: &Project, options: &Options) -> Result<Vec<u8>, BuildError> {
    let tool = componentize_py(project, &options.target_dir_or(project), options)?;
    let work = project.work_dir();
    let world = crate::world::write(&work, &project.manifest, options.wit.as_deref())?;
    let raw = work.join("component.wasm");
    options.step("componentize-py");
    run(
        project.name(),
        "componentize-py",
        Command::new(&tool)
            .arg("-d")
            .arg(&world.dir)
            .args(["-w", world.world, "componentize", "app", "-p"])
            .arg(&project.dir)
            .arg("-o")
            .arg(&raw),
    )?;
    std::fs::read(&raw).map_err(|source| BuildError::Io { path: raw, source })
}

/// `componentize-py` from `<target>/python-venv`, created and filled from
/// [`REQUIREMENTS`] when missing or stale.
fn componentize_py(project: &Project, target: &Path, options: &Options) -> Result<PathBuf, BuildError> {
    let venv = target.join("python-venv");
    let tool = venv.join("bin").join("componentize-py");
    let stamp = venv.join("requirements.txt");
    if tool.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(REQUIREMENTS) {
        return Ok(tool);
    }
    if !runs("python3", &["--version"]) {
        return Err(BuildError::MissingToolchain {
            plugin: project.name().to_string(),
            language: Language::Python,
            missing: "python3 (3.10 or newer, with venv)".into(),
            install: "`apt-get install python3 python3-venv`".into(),
        });
    }
    options.step("installing componentize-py into a virtual environment (once)");
    run(project.name(), "python3 -m venv", Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    let requirements = venv.join("wanted.txt");
    std::fs::write(&requirements, REQUIREMENTS).map_err(|source| BuildError::Io { path: requirements.clone(), source })?;
    run(
        project.name(),
        "pip install componentize-py",
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
    )?;
    std::fs::write(&stamp, REQUIREMENTS).map_err(|source| BuildError::Io { path: stamp, source })?;
    Ok(tool)
}
