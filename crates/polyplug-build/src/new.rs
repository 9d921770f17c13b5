//! `polyplug new`: a plugin project that builds and passes its own tests out
//! of the box.
//!
//! A project is made from two layers of templates under `templates/`: the
//! world's files, the same in every language (`common/<world>/`: the
//! `polyplug.toml` and the `tests/*.json` cases `polyplug test` runs), and the
//! language's files (`<language>/common/`: the build files; and
//! `<language>/<world>/`: the plugin's source). A new language is one more
//! directory of templates and its rows in [`FILES`]; a new world, one
//! `common/<world>/` and one source per language.

use std::path::{Path, PathBuf};

use crate::{BuildError, Language};

/// One template file: for which language (`None`: every language) and which
/// world (`None`: every world), where it goes in the project, and its text
/// with `{{name}}` and `{{sdk}}` to fill in.
struct TemplateFile {
    language: Option<Language>,
    world: Option<&'static str>,
    path: &'static str,
    text: &'static str,
}

macro_rules! template {
    ($language:expr, $world:expr, $path:literal, $file:literal) => {
        TemplateFile { language: $language, world: $world, path: $path, text: include_str!(concat!("../templates/", $file)) }
    };
}

const FILES: &[TemplateFile] = &[
    template!(None, Some("transform"), "polyplug.toml", "common/transform/polyplug.toml"),
    template!(None, Some("transform"), "tests/transform.json", "common/transform/tests/transform.json"),
    template!(None, Some("auth"), "polyplug.toml", "common/auth/polyplug.toml"),
    template!(None, Some("auth"), "tests/authenticate.json", "common/auth/tests/authenticate.json"),
    template!(Some(Language::Rust), None, "Cargo.toml", "rust/common/Cargo.toml"),
    template!(Some(Language::Rust), None, ".gitignore", "rust/common/.gitignore"),
    template!(Some(Language::Rust), Some("transform"), "src/lib.rs", "rust/transform/lib.rs"),
    template!(Some(Language::Rust), Some("auth"), "src/lib.rs", "rust/auth/lib.rs"),
    template!(Some(Language::Go), None, "go.mod", "go/common/go.mod"),
    template!(Some(Language::Go), None, ".gitignore", "go/common/.gitignore"),
    template!(Some(Language::Go), Some("transform"), "main.go", "go/transform/main.go"),
    template!(Some(Language::Go), Some("auth"), "main.go", "go/auth/main.go"),
    template!(Some(Language::C), None, ".gitignore", "c/common/.gitignore"),
    template!(Some(Language::C), Some("transform"), "plugin.c", "c/transform/plugin.c"),
    template!(Some(Language::C), Some("auth"), "plugin.c", "c/auth/plugin.c"),
];

/// The worlds `polyplug new` has templates for in `language`.
pub fn worlds(language: Language) -> Vec<&'static str> {
    let mut worlds: Vec<&str> = FILES
        .iter()
        .filter(|f| f.language == Some(language))
        .filter_map(|f| f.world)
        .collect();
    worlds.dedup();
    worlds
}

/// Why a project could not be made.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The name is not a plugin name.
    #[error("`{0}` is not a plugin name: use lowercase letters, digits and `-`, starting with a letter (e.g. `auth-jwt`)")]
    BadName(String),
    /// No template for this language and world.
    #[error("no {language} template for the world `{world}`; {language} templates exist for: {known}")]
    NoTemplate {
        /// The language asked for.
        language: Language,
        /// The world asked for.
        world: String,
        /// The worlds with templates, comma separated.
        known: String,
    },
    /// The directory exists and holds files.
    #[error("{} already exists and is not empty: choose another name or directory", .0.display())]
    Exists(PathBuf),
    /// A file could not be written.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// Creates the project `name` in `language` for `world` at `dir` (which
/// must not exist, or be empty), using the SDKs under `sdk` (a polyplug
/// checkout's `sdk/`). Returns the files written, relative to `dir`.
pub fn create(dir: &Path, name: &str, language: Language, world: &str, sdk: &Path) -> Result<Vec<PathBuf>, NewError> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !valid {
        return Err(NewError::BadName(name.to_string()));
    }
    let files: Vec<&TemplateFile> = FILES
        .iter()
        .filter(|f| f.language.is_none_or(|l| l == language) && f.world.is_none_or(|w| w == world))
        .collect();
    if !files.iter().any(|f| f.language == Some(language) && f.world == Some(world)) {
        let known = worlds(language);
        let known = if known.is_empty() { "none yet (its SDK comes later)".to_string() } else { known.join(", ") };
        return Err(NewError::NoTemplate { language, world: world.to_string(), known });
    }
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(NewError::Exists(dir.to_path_buf()));
    }
    let sdk = sdk.canonicalize().map_err(|_| BuildError::NoSdk { language, dir: sdk.to_path_buf() })?;
    let mut written = Vec::new();
    for file in files {
        let path = dir.join(file.path);
        let io = |source| BuildError::Io { path: path.clone(), source };
        std::fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(io)?;
        let text = file.text.replace("{{name}}", name).replace("{{sdk}}", &sdk.display().to_string());
        std::fs::write(&path, text).map_err(io)?;
        written.push(PathBuf::from(file.path));
    }
    Ok(written)
}
