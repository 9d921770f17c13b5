//! Remote plugin projects: services written with a remote SDK
//! (`sdk/remote-python`, `sdk/remote-node`), made by `polyplug new --lang
//! remote-python|remote-node`.
//!
//! A remote plugin is not a component: nothing is compiled. "Building" one
//! prepares the environment it runs in, beside its sources:
//!
//! - **remote Python** (`plugin.py` and `requirements.txt` beside
//!   `polyplug.toml`): a virtual environment at `.venv`, made with `python3 -m
//!   venv` and filled with `pip install -r requirements.txt`. It is redone
//!   only when `requirements.txt`, a requirements file it includes (`-r`), or
//!   a local package it names (`… @ file:///…`, such as the SDK of a polyplug
//!   checkout) has changed since.
//! - **remote Node** (a `package.json` depending on `@polyplug/remote`):
//!   `npm install`, redone only when `package.json` or `package-lock.json`
//!   has changed since (the SDK itself is linked, not copied).
//!
//! The service then runs as [`RemoteProject::command`] says: it listens on
//! `POLYPLUG_LISTEN` and reads its configuration from `POLYPLUG_CONFIG`
//! (`docs/remote-plugins.md`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use polyplug_manifest::Manifest;

use crate::{BuildError, Options, run, runs};

/// The SDK a remote plugin project is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemoteLanguage {
    /// Python with the remote Python SDK (`sdk/remote-python`, FastAPI).
    Python,
    /// Node (≥ 20) with the remote Node SDK (`sdk/remote-node`).
    Node,
}

impl RemoteLanguage {
    /// Every remote language, in the order tables list them.
    pub const ALL: [RemoteLanguage; 2] = [RemoteLanguage::Python, RemoteLanguage::Node];

    /// The name `polyplug new --lang` takes: `remote-python`, `remote-node`
    /// (also the SDK's directory under `sdk/`).
    pub fn name(self) -> &'static str {
        match self {
            RemoteLanguage::Python => "remote-python",
            RemoteLanguage::Node => "remote-node",
        }
    }

    /// The remote language named `name` (`remote-python`, `remote-node`).
    pub fn from_name(name: &str) -> Option<RemoteLanguage> {
        RemoteLanguage::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The remote language of the project in `dir`, from the files it
    /// holds: `plugin.py` and `requirements.txt` (Python), or a
    /// `package.json` depending on `@polyplug/remote` (Node).
    pub fn detect(dir: &Path) -> Option<RemoteLanguage> {
        if dir.join("plugin.py").is_file() && dir.join("requirements.txt").is_file() {
            return Some(RemoteLanguage::Python);
        }
        let package: serde_json::Value = std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())?;
        let depends = ["dependencies", "devDependencies"].iter().any(|key| package[key].get("@polyplug/remote").is_some());
        depends.then_some(RemoteLanguage::Node)
    }
}

impl std::fmt::Display for RemoteLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RemoteLanguage::Python => "remote Python",
            RemoteLanguage::Node => "remote Node",
        })
    }
}

/// Why a remote plugin's environment could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// A tool the SDK runs on is not installed.
    #[error("preparing {language} plugin `{plugin}` needs {missing}, not installed here: {install}")]
    MissingTool {
        /// The plugin being prepared.
        plugin: String,
        /// Its remote language.
        language: RemoteLanguage,
        /// What is missing, e.g. `node (20 or newer)`.
        missing: String,
        /// Exactly what to run to install it.
        install: String,
    },
    /// Reading the project or running a tool failed.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// A remote plugin project: a `polyplug.toml` and a service's sources.
#[derive(Debug, Clone)]
pub struct RemoteProject {
    /// The project's directory.
    pub dir: PathBuf,
    /// The SDK its sources use.
    pub language: RemoteLanguage,
    /// Its parsed manifest (the world it serves; its name and version).
    pub manifest: Manifest,
}

/// What [`prepare`] did.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The environment prepared, relative to the project (`.venv`, `node_modules`).
    pub environment: PathBuf,
    /// The steps run, e.g. `pip install -r requirements.txt`; empty when the
    /// environment was already up to date.
    pub steps: Vec<String>,
}

impl RemoteProject {
    /// Opens the remote project in `dir`, if it is one (see
    /// [`RemoteLanguage::detect`]): `None` for any other directory; an error
    /// when it is one but its `polyplug.toml` is missing or invalid.
    pub fn open(dir: &Path) -> Result<Option<RemoteProject>, BuildError> {
        let Some(language) = RemoteLanguage::detect(dir) else { return Ok(None) };
        let manifest_path = dir.join("polyplug.toml");
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|source| BuildError::NoManifest { dir: dir.to_path_buf(), source })?;
        let manifest = Manifest::from_toml(&text, &manifest_path.display().to_string())?;
        Ok(Some(RemoteProject { dir: dir.to_path_buf(), language, manifest }))
    }

    /// The plugin's name, from its manifest.
    pub fn name(&self) -> &str {
        self.manifest.plugin.name.as_str()
    }

    /// The program and arguments that run the service, relative to the
    /// project's directory: `.venv/bin/python plugin.py`, `node plugin.mjs`.
    pub fn command_line(&self) -> Vec<String> {
        match self.language {
            RemoteLanguage::Python => vec![".venv/bin/python".into(), "plugin.py".into()],
            RemoteLanguage::Node => vec!["node".into(), self.node_entry()],
        }
    }

    /// The command that runs the service, in the project's directory (set
    /// `POLYPLUG_LISTEN` and `POLYPLUG_CONFIG` on it).
    pub fn command(&self) -> Command {
        let line = self.command_line();
        let program = match self.language {
            RemoteLanguage::Python => self.dir.join(&line[0]),
            RemoteLanguage::Node => PathBuf::from(&line[0]),
        };
        let mut command = Command::new(program);
        command.args(&line[1..]).current_dir(&self.dir);
        command
    }

    /// The Node service's entry: `plugin.mjs`, else `plugin.js`, else `package.json`'s `main`.
    fn node_entry(&self) -> String {
        for entry in ["plugin.mjs", "plugin.js"] {
            if self.dir.join(entry).is_file() {
                return entry.into();
            }
        }
        std::fs::read_to_string(self.dir.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|package| package["main"].as_str().map(str::to_string))
            .unwrap_or_else(|| "plugin.mjs".into())
    }
}

/// Prepares `project`'s environment (see the module's documentation).
/// `options.install_missing` installs a missing `python3`, `venv` module,
/// `node` or `npm` with `apt-get`; `options.progress` is told each step.
pub fn prepare(project: &RemoteProject, options: &Options) -> Result<Prepared, PrepareError> {
    match project.language {
        RemoteLanguage::Python => prepare_python(project, options),
        RemoteLanguage::Node => prepare_node(project, options),
    }
}

fn missing(project: &RemoteProject, what: &str, install: &str) -> PrepareError {
    PrepareError::MissingTool {
        plugin: project.name().to_string(),
        language: project.language,
        missing: what.into(),
        install: install.into(),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io { path: path.to_path_buf(), source }
}

/// The venv at `.venv`, as `remote_python::venv` makes the SDK's own.
fn prepare_python(project: &RemoteProject, options: &Options) -> Result<Prepared, PrepareError> {
    let who = project.name();
    let has_venv = || runs("python3", &["-c", "import venv, ensurepip"]);
    if !runs("python3", &["--version"]) || !has_venv() {
        if options.install_missing && runs("apt-get", &["--version"]) {
            options.step("apt-get install python3 python3-venv");
            run(who, "apt-get install python3 python3-venv", Command::new("apt-get").args(["install", "-y", "python3", "python3-venv"]))?;
        }
        if !runs("python3", &["--version"]) {
            return Err(missing(project, "python3 (3.10 or newer, with venv)", "`apt-get install python3 python3-venv`"));
        }
        if !has_venv() {
            return Err(missing(project, "the python3 venv module", "`apt-get install python3-venv`"));
        }
    }
    if !runs("python3", &["-c", "import sys; sys.exit(sys.version_info < (3, 10))"]) {
        return Err(missing(project, "python3 3.10 or newer", "`apt-get install python3 python3-venv` (Debian 12 or newer ships 3.11)"));
    }
    let venv = project.dir.join(".venv");
    let python = venv.join("bin").join("python");
    let stamp_path = venv.join("polyplug.stamp");
    let requirements = project.dir.join("requirements.txt");
    let stamp = python_stamp(&requirements)?;
    let mut steps = Vec::new();
    if python.exists() && std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(Prepared { environment: ".venv".into(), steps });
    }
    if !python.exists() {
        let step = "python3 -m venv .venv";
        options.step(step);
        run(who, step, Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv))?;
        steps.push(step.to_string());
    }
    let _ = std::fs::remove_file(&stamp_path);
    let step = "pip install -r requirements.txt";
    options.step(step);
    // pip reinstalls a local package named by `file://` each time: a changed SDK is picked up.
    run(
        who,
        step,
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"])
            .current_dir(&project.dir),
    )?;
    steps.push(step.to_string());
    std::fs::write(&stamp_path, &stamp).map_err(io(&stamp_path))?;
    Ok(Prepared { environment: ".venv".into(), steps })
}

/// What a venv was made from: the text of `requirements` and of the files it
/// includes, and the size and modification time of every file of the local
/// packages they name by `file://`.
fn python_stamp(requirements: &Path) -> Result<String, BuildError> {
    let mut text = String::new();
    let mut local = BTreeMap::new();
    requirement_files(requirements, &mut text, &mut local, 0)?;
    for (path, (len, modified)) in local {
        let _ = write!(text, "\n{path} {len} {modified}");
    }
    Ok(text)
}

fn requirement_files(path: &Path, text: &mut String, local: &mut BTreeMap<String, (u64, u128)>, depth: usize) -> Result<(), BuildError> {
    let contents = std::fs::read_to_string(path).map_err(io(path))?;
    let _ = write!(text, "{}\n{contents}\n", path.display());
    let base = path.parent().unwrap_or(Path::new("."));
    for line in contents.lines() {
        let line = line.split(" #").next().unwrap_or_default().trim();
        if line.starts_with('#') {
            continue;
        }
        let included = ["-r ", "--requirement ", "-c ", "--constraint "].iter().find_map(|flag| line.strip_prefix(flag));
        if let Some(included) = included.map(str::trim).filter(|_| depth < 8) {
            // A missing included file is pip's error to report, in its own words.
            let _ = requirement_files(&base.join(included), text, local, depth + 1);
            continue;
        }
        if let Some((_, url)) = line.split_once("file://") {
            let end = url.find(|c: char| c.is_whitespace() || c == ';' || c == '#').unwrap_or(url.len());
            files_under(Path::new(&url[..end]), local);
        }
    }
    Ok(())
}

/// The size and modification time of every file under `path`, leaving out
/// what builds and Python write beside sources.
fn files_under(path: &Path, out: &mut BTreeMap<String, (u64, u128)>) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name.starts_with('.') || name == "__pycache__" || name.ends_with(".egg-info") || name == "build" || name == "dist" {
        return;
    }
    let Ok(meta) = std::fs::metadata(path) else { return };
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            files_under(&entry.path(), out);
        }
    } else {
        let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        out.insert(path.display().to_string(), (meta.len(), modified));
    }
}

/// `npm install`, unless `package.json` and `package-lock.json` are as they were after the last one.
fn prepare_node(project: &RemoteProject, options: &Options) -> Result<Prepared, PrepareError> {
    let who = project.name();
    if let Err(tool) = crate::node::check(options) {
        return Err(missing(project, tool.missing, tool.install));
    }
    let steps = crate::node::npm_install(&project.dir, who, options)?.into_iter().map(str::to_string).collect();
    Ok(Prepared { environment: "node_modules".into(), steps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_projects_are_told_apart_by_their_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(RemoteLanguage::detect(dir.path()), None);
        std::fs::write(dir.path().join("plugin.py"), "").unwrap();
        assert_eq!(RemoteLanguage::detect(dir.path()), None, "plugin.py alone is not a project");
        std::fs::write(dir.path().join("requirements.txt"), "").unwrap();
        assert_eq!(RemoteLanguage::detect(dir.path()), Some(RemoteLanguage::Python));

        let node = tempfile::tempdir().unwrap();
        std::fs::write(node.path().join("package.json"), r#"{"dependencies": {"left-pad": "1"}}"#).unwrap();
        assert_eq!(RemoteLanguage::detect(node.path()), None, "any Node package is not a remote plugin");
        std::fs::write(node.path().join("package.json"), r#"{"dependencies": {"@polyplug/remote": "file:../sdk"}}"#).unwrap();
        assert_eq!(RemoteLanguage::detect(node.path()), Some(RemoteLanguage::Node));
        // Detected, but no manifest: the same error as for a component project.
        let err = RemoteProject::open(node.path()).unwrap_err();
        assert!(err.to_string().contains("no polyplug.toml in"), "{err}");
        assert!(RemoteProject::open(dir.path().join("nowhere").as_path()).unwrap().is_none());
    }

    #[test]
    fn a_venv_stamp_follows_requirements_and_local_packages() {
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("pkg");
        std::fs::create_dir_all(package.join("__pycache__")).unwrap();
        std::fs::write(package.join("mod.py"), "x = 1\n").unwrap();
        std::fs::write(package.join("__pycache__/mod.pyc"), "junk").unwrap();
        std::fs::write(dir.path().join("pins.txt"), "fastapi==1\n").unwrap();
        let requirements = dir.path().join("requirements.txt");
        std::fs::write(&requirements, format!("# comment\n-r pins.txt\npkg @ file://{}\n", package.display())).unwrap();
        let first = python_stamp(&requirements).unwrap();
        assert!(first.contains("fastapi==1") && first.contains("mod.py") && !first.contains("mod.pyc"), "{first}");
        assert_eq!(python_stamp(&requirements).unwrap(), first);
        std::fs::write(package.join("mod.py"), "x = 22\n").unwrap();
        assert_ne!(python_stamp(&requirements).unwrap(), first, "a changed local package remakes the venv");
    }
}
