//! Turns a plugin project into one polyplug component.
//!
//! `polyplug build` and `cargo xtask guests` both come here. For a project
//! directory this crate:
//!
//! 1. reads its `polyplug.toml` and detects its language from the files
//!    beside it (`Cargo.toml`, `go.mod`, a C project's `polyplug.toml` with
//!    `*.c` sources, `app.py`, a `package.json` depending on `@polyplug/sdk`
//!    with `plugin.js` or `plugin.ts`);
//! 2. checks the language's toolchain, and names exactly what to install when
//!    a piece is missing ([`BuildError::MissingToolchain`]);
//! 3. writes the world the plugin is built against: its manifest's world,
//!    importing only the host interfaces the manifest declares ([`world`]);
//! 4. runs the toolchain, and turns what it made into a component: core
//!    modules (Go, C) get the narrowed world embedded and WASI preview 1
//!    adapted by the reactor adapter ([`componentize`]);
//! 5. embeds the manifest as the component's `polyplug-manifest` section and
//!    writes `plugin.wasm`.
//!
//! It owns toolchains and componentizing; it knows nothing about running
//! plugins (no wasmtime), policies or registries.
//!
//! A remote plugin project (`polyplug new --lang remote-python|remote-node`)
//! is no component: [`remote`] detects one and prepares the environment its
//! service runs in (a Python venv, `npm install`).
//!
//! ```no_run
//! let project = polyplug_build::Project::open("my-plugin".as_ref())?;
//! let built = polyplug_build::build(&project, &polyplug_build::Options::default())?;
//! println!("{} ({} bytes, world {})", built.component.display(), built.size, built.world);
//! # Ok::<(), polyplug_build::BuildError>(())
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use polyplug_manifest::Manifest;

mod c;
pub mod componentize;
mod error;
mod go;
mod js;
pub mod new;
mod node;
mod python;
pub mod remote;
mod remote_node;
mod remote_python;
mod remote_sdk;
mod rust;
pub mod sdk;
pub mod world;

pub use error::BuildError;

/// A guest language polyplug builds plugins in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Rust with the polyplug SDK (`sdk/rust`), built for `wasm32-wasip2`.
    Rust,
    /// Stock Go (≥ 1.25) with the polyplug Go SDK (`sdk/go`), `GOOS=wasip1`.
    Go,
    /// C with the polyplug C SDK (`sdk/c`), Debian's clang and wasi-libc.
    C,
    /// Python with the polyplug Python SDK (`sdk/python`) and componentize-py.
    Python,
    /// JavaScript (`plugin.js`) with the polyplug JavaScript SDK (`sdk/js`),
    /// bundled by esbuild and made a component by componentize-js.
    JavaScript,
    /// TypeScript (`plugin.ts`) with the same SDK, type-checked by `tsc`
    /// first, then built as JavaScript is.
    TypeScript,
}

impl Language {
    /// Every language, in the order tables list them.
    pub const ALL: [Language; 6] =
        [Language::Rust, Language::Go, Language::C, Language::Python, Language::JavaScript, Language::TypeScript];

    /// The language's short name, as `polyplug new --lang` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Go => "go",
            Language::C => "c",
            Language::Python => "python",
            Language::JavaScript => "js",
            Language::TypeScript => "ts",
        }
    }

    /// The directory of the language's SDK under `sdk/` (JavaScript and
    /// TypeScript share `js`).
    pub fn sdk_name(self) -> &'static str {
        match self {
            Language::TypeScript => "js",
            other => other.name(),
        }
    }

    /// The language named `name` (`rust`, `go`, `c`, `python`, `js`, `ts`).
    pub fn from_name(name: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The language of the project in `dir`, from the files it holds.
    pub fn detect(dir: &Path) -> Option<Language> {
        if dir.join("Cargo.toml").exists() {
            Some(Language::Rust)
        } else if dir.join("go.mod").exists() {
            Some(Language::Go)
        } else if dir.join("app.py").exists() {
            Some(Language::Python)
        } else if js::uses_sdk(dir) {
            Some(if dir.join("plugin.ts").exists() { Language::TypeScript } else { Language::JavaScript })
        } else if has_c_sources(dir) {
            Some(Language::C)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Language::Rust => "Rust",
            Language::Go => "Go",
            Language::C => "C",
            Language::Python => "Python",
            Language::JavaScript => "JavaScript",
            Language::TypeScript => "TypeScript",
        })
    }
}

fn has_c_sources(dir: &Path) -> bool {
    let has_c = |d: &Path| {
        std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "c"))
    };
    has_c(dir) || has_c(&dir.join("src"))
}

/// A plugin project: a directory with a `polyplug.toml` and the sources of one language.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project's directory.
    pub dir: PathBuf,
    /// The language its sources are in.
    pub language: Language,
    /// Its parsed manifest.
    pub manifest: Manifest,
    /// The manifest's text, embedded as it is into the component.
    pub manifest_text: String,
}

impl Project {
    /// Opens the project in `dir`: reads and validates its `polyplug.toml`
    /// and detects its language.
    pub fn open(dir: &Path) -> Result<Project, BuildError> {
        let manifest_path = dir.join("polyplug.toml");
        let manifest_text = std::fs::read_to_string(&manifest_path).map_err(|source| BuildError::NoManifest {
            dir: dir.to_path_buf(),
            source,
        })?;
        let manifest = Manifest::from_toml(&manifest_text, &manifest_path.display().to_string())?;
        let language = Language::detect(dir).ok_or_else(|| BuildError::UnknownLanguage { dir: dir.to_path_buf() })?;
        // Absolute: toolchains run in the project's directory and are given
        // paths inside it, which a relative project path would make wrong there.
        let dir = std::path::absolute(dir).map_err(|source| BuildError::Io { path: dir.to_path_buf(), source })?;
        Ok(Project { dir, language, manifest, manifest_text })
    }

    /// The plugin's name, from its manifest.
    pub fn name(&self) -> &str {
        self.manifest.plugin.name.as_str()
    }

    /// Where the component is written: `<dir>/plugin.wasm`.
    pub fn component_path(&self) -> PathBuf {
        self.dir.join("plugin.wasm")
    }

    /// Where intermediate files go: `<dir>/build/`.
    pub fn work_dir(&self) -> PathBuf {
        self.dir.join("build")
    }
}

/// What [`Options::progress`] is told: each step that takes seconds.
pub type Progress = Box<dyn Fn(&str) + Send + Sync>;

/// How to build.
#[derive(Default)]
pub struct Options {
    /// Cargo's target directory for Rust projects (`CARGO_TARGET_DIR`, else
    /// cargo's own choice), and where the Python tools' virtual environment lives.
    pub target_dir: Option<PathBuf>,
    /// A directory of WIT the plugin's world comes from instead of
    /// polyplug's built-in `wit/` (a host application's own WIT).
    pub wit: Option<PathBuf>,
    /// The directory holding polyplug's guest SDKs (`rust/`, `go/`, `c/`);
    /// default: [`sdk::checkout_sdk`].
    pub sdk: Option<PathBuf>,
    /// Install a missing toolchain piece that a package manager provides
    /// (Debian packages, a Python virtual environment) instead of only
    /// naming it.
    pub install_missing: bool,
    /// Told each step that takes seconds, e.g. `"go build"`.
    pub progress: Option<Progress>,
}

impl Options {
    fn step(&self, what: &str) {
        if let Some(progress) = &self.progress {
            progress(what);
        }
    }

    /// The directory of `language`'s guest SDK (`<sdk>/go`, `<sdk>/c`).
    pub fn sdk_dir(&self, language: Language) -> Result<PathBuf, BuildError> {
        sdk::dir(self.sdk.as_deref(), language)
    }

    fn target_dir_or(&self, project: &Project) -> PathBuf {
        self.target_dir.clone().unwrap_or_else(|| project.work_dir().join("target"))
    }
}

/// A file of a guest SDK generated from WIT (`cargo xtask bindgen` writes
/// and checks them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Where it goes, relative to the SDK's directory (e.g. `sdk/go`).
    pub path: PathBuf,
    /// Its contents, starting with a header saying it is generated.
    pub contents: String,
}

/// The generated files of the Go SDK (relative to `sdk/go`), from the WIT in `wit`.
pub fn go_sdk_files(wit: &Path) -> Result<Vec<GeneratedFile>, BuildError> {
    go::sdk_files(wit)
}

/// The generated files of the C SDK (relative to `sdk/c`), from the WIT in `wit`.
pub fn c_sdk_files(wit: &Path) -> Result<Vec<GeneratedFile>, BuildError> {
    c::sdk_files(wit)
}

/// The generated files of the Python SDK (relative to `sdk/python`), from the
/// WIT in `wit`: a typed module and a componentize-py entry per world.
pub fn python_sdk_files(wit: &Path) -> Result<Vec<GeneratedFile>, BuildError> {
    python::sdk_files(wit)
}

/// The generated files of the JavaScript/TypeScript SDK (relative to
/// `sdk/js`), from the WIT in `wit`: per world its TypeScript declarations,
/// the module serving a plugin object as componentize-js's exports, and the
/// entry module a build starts from.
pub fn js_sdk_files(wit: &Path) -> Result<Vec<GeneratedFile>, BuildError> {
    js::sdk_files(wit)
}

/// The generated files of the remote Python SDK (relative to `sdk/remote-python`),
/// from the WIT in `wit`: typed classes per world for `docs/remote-protocol.md`.
pub fn remote_python_sdk_files(wit: &Path) -> Result<Vec<GeneratedFile>, BuildError> {
    remote_python::sdk_files(wit)
}

/// `<target_dir>/remote-python-venv`: a Python virtual environment holding the
/// remote Python SDK (`sdk/remote-python`) and its pinned dependencies, made
/// once and remade when the SDK or its pins change. Returns its `python`.
/// A missing `python3` or `venv` module is [`BuildError::MissingToolchain`]
/// (installed with `apt-get` when `install_missing` is set).
pub fn remote_python_venv(target_dir: &Path, install_missing: bool) -> Result<PathBuf, BuildError> {
    remote_python::venv(target_dir, install_missing)
}

/// The generated files of the remote Node SDK (relative to `sdk/remote-node`),
/// from the WIT in `wit`: JavaScript and TypeScript types per world for `docs/remote-protocol.md`.
pub fn remote_node_sdk_files(wit: &Path) -> Result<Vec<GeneratedFile>, BuildError> {
    remote_node::sdk_files(wit)
}

/// What a build made.
#[derive(Debug, Clone)]
pub struct Built {
    /// The component written (`<dir>/plugin.wasm`).
    pub component: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// The world it implements, e.g. `polyplug:plugin/transform@0.1.0`.
    pub world: String,
    /// The language it was built from.
    pub language: Language,
    /// The host interfaces and WASI reach its manifest requests, one line each
    /// (e.g. `log`, `kv (quota 64 KiB)`), for the summary a build prints.
    pub requests: Vec<String>,
}

/// Builds `project` into its component (see the crate documentation for the steps).
pub fn build(project: &Project, options: &Options) -> Result<Built, BuildError> {
    let component = match project.language {
        Language::Rust => rust::build(project, options)?,
        Language::Python => python::build(project, options)?,
        Language::JavaScript | Language::TypeScript => js::build(project, options)?,
        Language::Go | Language::C => {
            let world = world::write(&project.work_dir(), &project.manifest, options.wit.as_deref())?;
            let module = match project.language {
                Language::Go => go::core_module(project, &world, options)?,
                _ => c::core_module(project, &world, options)?,
            };
            options.step("componentize (reactor adapter)");
            componentize::componentize(project.name(), &module, &world)?
        }
    };
    finish(project, &component)
}

/// Embeds the manifest into `component` and writes it to the project's `plugin.wasm`.
fn finish(project: &Project, component: &[u8]) -> Result<Built, BuildError> {
    let bytes = polyplug_manifest::embed(component, &project.manifest_text)
        .map_err(|e| BuildError::Componentize { plugin: project.name().to_string(), message: e.to_string() })?;
    let path = project.component_path();
    std::fs::write(&path, &bytes).map_err(|source| BuildError::Io { path: path.clone(), source })?;
    Ok(Built {
        component: path,
        size: bytes.len(),
        world: project.manifest.plugin.world.to_string(),
        language: project.language,
        requests: project.manifest.capabilities.describe(),
    })
}

/// Runs `cmd` for `plugin`'s `step`; a failure carries the tool's own output.
fn run(plugin: &str, step: &str, cmd: &mut Command) -> Result<(), BuildError> {
    let shown = format!("{cmd:?}");
    let output = cmd.output().map_err(|source| BuildError::Spawn { command: shown.clone(), source })?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(BuildError::ToolFailed { plugin: plugin.to_string(), step: step.to_string(), command: shown, output: text })
}

/// Whether `program --version` (or `args`) runs.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).output().is_ok_and(|out| out.status.success())
}
