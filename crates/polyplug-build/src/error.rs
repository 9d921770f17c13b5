//! Why a build failed, in words that say what to do.

use std::path::PathBuf;

use crate::Language;

/// A build that did not make a component.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The directory holds no `polyplug.toml`.
    #[error(
        "no polyplug.toml in {}: a plugin project needs one (`polyplug new <name> --lang <language> --world <world>` makes a project with it)",
        dir.display()
    )]
    NoManifest {
        /// The project directory.
        dir: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The manifest does not parse or is invalid.
    #[error(transparent)]
    Manifest(#[from] polyplug_manifest::ManifestError),
    /// No language's project files are in the directory.
    #[error(
        "cannot tell the language of the project in {}: expected a Cargo.toml (Rust), a go.mod (Go), an app.py (Python) or *.c sources (C) beside polyplug.toml",
        dir.display()
    )]
    UnknownLanguage {
        /// The project directory.
        dir: PathBuf,
    },
    /// A piece of the language's toolchain is not installed.
    #[error("building {language} plugin `{plugin}` needs {missing}, not installed here: {install}")]
    MissingToolchain {
        /// The plugin being built.
        plugin: String,
        /// Its language.
        language: Language,
        /// What is missing, e.g. `clang`.
        missing: String,
        /// Exactly what to run to install it.
        install: String,
    },
    /// The language's SDK is not where polyplug looks for it.
    #[error(
        "the polyplug {language} SDK is not at {}: pass the `sdk/` directory of a polyplug checkout with `--sdk DIR`",
        dir.display()
    )]
    NoSdk {
        /// The language.
        language: Language,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// A tool could not be started at all.
    #[error("could not start {command}: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A tool ran and failed: its own output follows.
    #[error("{step} failed for plugin `{plugin}`\n  command: {command}\n{output}")]
    ToolFailed {
        /// The plugin.
        plugin: String,
        /// The step, e.g. `go build`.
        step: String,
        /// The command line.
        command: String,
        /// What the tool printed.
        output: String,
    },
    /// The plugin's world could not be written or read.
    #[error("the world of plugin `{plugin}`: {message}")]
    World {
        /// The plugin.
        plugin: String,
        /// What went wrong, with the WIT location when there is one.
        message: String,
    },
    /// An SDK's bindings could not be generated from the WIT.
    #[error("generating the {sdk} SDK from {}: {message}", wit.display())]
    Generate {
        /// The SDK's name as people say it: `Go`, `C`, `remote Python`,
        /// `remote Node` (a remote SDK has no [`Language`]).
        sdk: &'static str,
        /// The WIT directory generated from.
        wit: PathBuf,
        /// The generator's reason, with the WIT location when there is one.
        message: String,
    },
    /// The plugin calls a host interface its manifest does not declare.
    #[error(
        "plugin `{plugin}` calls the host interface `{interface}`, but its polyplug.toml does not declare it: add `{declaration}` under [capabilities], or stop calling it"
    )]
    Undeclared {
        /// The plugin.
        plugin: String,
        /// The interface's short name, e.g. `kv`.
        interface: String,
        /// The manifest line that declares it.
        declaration: String,
    },
    /// What the toolchain made could not be turned into a component.
    #[error("making the component of plugin `{plugin}`: {message}")]
    Componentize {
        /// The plugin.
        plugin: String,
        /// wit-component's reason.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}
