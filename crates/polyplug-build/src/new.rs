//! `polyplug new`: a plugin project that builds and passes its own tests out
//! of the box.
//!
//! A project is made from two layers of templates under `templates/`: the
//! world's files, the same in every language (`common/<world>/`: the
//! `polyplug.toml` and the `tests/*.json` cases `polyplug test` runs), and the
//! language's files (`<language>/common/`: the build files; and
//! `<language>/<world>/`: the plugin's source; a file several of a
//! language's worlds use has a directory of its own, e.g. `c/json/json.h`,
//! and a row per world). A new language is one more directory of templates
//! and its rows in [`FILES`]; a new world, one `common/<world>/` and one
//! source per language.
//!
//! Components have templates for every world of the mock-server use case
//! too (`template`, `response`, `response-modifier`, `datasource`, and
//! `auth@0.2`), with the same behaviour in every language, so that one set
//! of cases tests them all. A later version of a world is spelled with its
//! version (`--world auth@0.2`, or its catalog key `auth-0.2`); its
//! directories are named by the key (`common/auth-0.2/`), as the SDKs name
//! its files.
//!
//! A project is a component in a [`Language`], or a remote plugin (a
//! service) written with a remote SDK, a [`RemoteLanguage`]
//! (`remote-python/`, `remote-node/`): [`Template`] is either.

use std::path::{Path, PathBuf};

pub use crate::remote::RemoteLanguage;
use crate::{BuildError, Language};

/// What a project is made in: a language polyplug builds components from,
/// or a remote SDK (the plugin is then a service, not a component).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// A component in this language.
    Component(Language),
    /// A remote plugin with this SDK.
    Remote(RemoteLanguage),
}

impl Template {
    /// Every kind, components first, in the order tables list them.
    pub fn all() -> Vec<Template> {
        let components = Language::ALL.into_iter().map(Template::Component);
        components.chain(RemoteLanguage::ALL.into_iter().map(Template::Remote)).collect()
    }

    /// The name `polyplug new --lang` takes: `rust`, …, `remote-python`, `remote-node`.
    pub fn name(self) -> &'static str {
        match self {
            Template::Component(language) => language.name(),
            Template::Remote(language) => language.name(),
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Template> {
        Template::all().into_iter().find(|t| t.name() == name)
    }
}

impl From<Language> for Template {
    fn from(language: Language) -> Template {
        Template::Component(language)
    }
}

impl From<RemoteLanguage> for Template {
    fn from(language: RemoteLanguage) -> Template {
        Template::Remote(language)
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Template::Component(language) => language.fmt(f),
            Template::Remote(language) => language.fmt(f),
        }
    }
}

/// One template file: for which language (`None`: every language) and which
/// world (`None`: every world), where it goes in the project, and its text
/// with `{{name}}` and `{{sdk}}` to fill in.
struct TemplateFile {
    language: Option<Template>,
    world: Option<&'static str>,
    path: &'static str,
    text: &'static str,
}

macro_rules! template {
    ($language:expr, $world:expr, $path:literal, $file:literal) => {
        TemplateFile { language: $language, world: $world, path: $path, text: include_str!(concat!("../templates/", $file)) }
    };
}

const RUST: Option<Template> = Some(Template::Component(Language::Rust));
const GO: Option<Template> = Some(Template::Component(Language::Go));
const C: Option<Template> = Some(Template::Component(Language::C));
const PYTHON: Option<Template> = Some(Template::Component(Language::Python));
const JS: Option<Template> = Some(Template::Component(Language::JavaScript));
const TS: Option<Template> = Some(Template::Component(Language::TypeScript));
const REMOTE_PYTHON: Option<Template> = Some(Template::Remote(RemoteLanguage::Python));
const REMOTE_NODE: Option<Template> = Some(Template::Remote(RemoteLanguage::Node));

const FILES: &[TemplateFile] = &[
    template!(None, Some("transform"), "polyplug.toml", "common/transform/polyplug.toml"),
    template!(None, Some("transform"), "tests/transform.json", "common/transform/tests/transform.json"),
    template!(None, Some("auth"), "polyplug.toml", "common/auth/polyplug.toml"),
    template!(None, Some("auth"), "tests/authenticate.json", "common/auth/tests/authenticate.json"),
    template!(None, Some("auth@0.2"), "polyplug.toml", "common/auth-0.2/polyplug.toml"),
    template!(None, Some("auth@0.2"), "tests/authenticate.json", "common/auth-0.2/tests/authenticate.json"),
    template!(None, Some("auth@0.2"), "tests/unconfigured.json", "common/auth-0.2/tests/unconfigured.json"),
    template!(None, Some("template"), "polyplug.toml", "common/template/polyplug.toml"),
    template!(None, Some("template"), "tests/greet.json", "common/template/tests/greet.json"),
    template!(None, Some("response"), "polyplug.toml", "common/response/polyplug.toml"),
    template!(None, Some("response"), "tests/hello.json", "common/response/tests/hello.json"),
    template!(None, Some("response-modifier"), "polyplug.toml", "common/response-modifier/polyplug.toml"),
    template!(None, Some("response-modifier"), "tests/modify.json", "common/response-modifier/tests/modify.json"),
    template!(None, Some("datasource"), "polyplug.toml", "common/datasource/polyplug.toml"),
    template!(None, Some("datasource"), "tests/people.json", "common/datasource/tests/people.json"),
    template!(RUST, None, "Cargo.toml", "rust/common/Cargo.toml"),
    template!(RUST, None, ".gitignore", "rust/common/.gitignore"),
    template!(RUST, Some("transform"), "src/lib.rs", "rust/transform/lib.rs"),
    template!(RUST, Some("auth"), "src/lib.rs", "rust/auth/lib.rs"),
    template!(RUST, Some("auth@0.2"), "src/lib.rs", "rust/auth-0.2/lib.rs"),
    template!(RUST, Some("template"), "src/lib.rs", "rust/template/lib.rs"),
    template!(RUST, Some("response"), "src/lib.rs", "rust/response/lib.rs"),
    template!(RUST, Some("response-modifier"), "src/lib.rs", "rust/response-modifier/lib.rs"),
    template!(RUST, Some("datasource"), "src/lib.rs", "rust/datasource/lib.rs"),
    template!(GO, None, "go.mod", "go/common/go.mod"),
    template!(GO, None, ".gitignore", "go/common/.gitignore"),
    template!(GO, Some("transform"), "main.go", "go/transform/main.go"),
    template!(GO, Some("auth"), "main.go", "go/auth/main.go"),
    template!(GO, Some("auth@0.2"), "main.go", "go/auth-0.2/main.go"),
    template!(GO, Some("template"), "main.go", "go/template/main.go"),
    template!(GO, Some("response"), "main.go", "go/response/main.go"),
    template!(GO, Some("response-modifier"), "main.go", "go/response-modifier/main.go"),
    template!(GO, Some("datasource"), "main.go", "go/datasource/main.go"),
    template!(C, None, ".gitignore", "c/common/.gitignore"),
    template!(C, Some("transform"), "plugin.c", "c/transform/plugin.c"),
    template!(C, Some("auth"), "plugin.c", "c/auth/plugin.c"),
    template!(C, Some("auth@0.2"), "plugin.c", "c/auth-0.2/plugin.c"),
    template!(C, Some("template"), "plugin.c", "c/template/plugin.c"),
    template!(C, Some("template"), "json.h", "c/json/json.h"),
    template!(C, Some("response"), "plugin.c", "c/response/plugin.c"),
    template!(C, Some("response"), "json.h", "c/json/json.h"),
    template!(C, Some("response-modifier"), "plugin.c", "c/response-modifier/plugin.c"),
    template!(C, Some("datasource"), "plugin.c", "c/datasource/plugin.c"),
    template!(C, Some("datasource"), "json.h", "c/json/json.h"),
    template!(PYTHON, None, ".gitignore", "python/common/.gitignore"),
    template!(PYTHON, Some("transform"), "app.py", "python/transform/app.py"),
    template!(PYTHON, Some("auth"), "app.py", "python/auth/app.py"),
    template!(PYTHON, Some("auth@0.2"), "app.py", "python/auth-0.2/app.py"),
    template!(PYTHON, Some("template"), "app.py", "python/template/app.py"),
    template!(PYTHON, Some("response"), "app.py", "python/response/app.py"),
    template!(PYTHON, Some("response-modifier"), "app.py", "python/response-modifier/app.py"),
    template!(PYTHON, Some("datasource"), "app.py", "python/datasource/app.py"),
    template!(JS, None, "package.json", "js/common/package.json"),
    template!(JS, None, ".gitignore", "js/common/.gitignore"),
    template!(JS, Some("transform"), "plugin.js", "js/transform/plugin.js"),
    template!(JS, Some("auth"), "plugin.js", "js/auth/plugin.js"),
    template!(JS, Some("auth@0.2"), "plugin.js", "js/auth-0.2/plugin.js"),
    template!(JS, Some("template"), "plugin.js", "js/template/plugin.js"),
    template!(JS, Some("response"), "plugin.js", "js/response/plugin.js"),
    template!(JS, Some("response-modifier"), "plugin.js", "js/response-modifier/plugin.js"),
    template!(JS, Some("datasource"), "plugin.js", "js/datasource/plugin.js"),
    template!(TS, None, "package.json", "ts/common/package.json"),
    template!(TS, None, "tsconfig.json", "ts/common/tsconfig.json"),
    template!(TS, None, ".gitignore", "ts/common/.gitignore"),
    template!(TS, Some("transform"), "plugin.ts", "ts/transform/plugin.ts"),
    template!(TS, Some("auth"), "plugin.ts", "ts/auth/plugin.ts"),
    template!(TS, Some("auth@0.2"), "plugin.ts", "ts/auth-0.2/plugin.ts"),
    template!(TS, Some("template"), "plugin.ts", "ts/template/plugin.ts"),
    template!(TS, Some("response"), "plugin.ts", "ts/response/plugin.ts"),
    template!(TS, Some("response-modifier"), "plugin.ts", "ts/response-modifier/plugin.ts"),
    template!(TS, Some("datasource"), "plugin.ts", "ts/datasource/plugin.ts"),
    template!(REMOTE_PYTHON, None, "requirements.txt", "remote-python/common/requirements.txt"),
    template!(REMOTE_PYTHON, None, ".gitignore", "remote-python/common/.gitignore"),
    template!(REMOTE_PYTHON, Some("transform"), "plugin.py", "remote-python/transform/plugin.py"),
    template!(REMOTE_PYTHON, Some("auth"), "plugin.py", "remote-python/auth/plugin.py"),
    template!(REMOTE_NODE, None, "package.json", "remote-node/common/package.json"),
    template!(REMOTE_NODE, None, ".gitignore", "remote-node/common/.gitignore"),
    template!(REMOTE_NODE, Some("transform"), "plugin.mjs", "remote-node/transform/plugin.mjs"),
    template!(REMOTE_NODE, Some("auth"), "plugin.mjs", "remote-node/auth/plugin.mjs"),
];

/// The worlds `polyplug new` has templates for in `language` (a
/// [`Language`], a [`RemoteLanguage`] or a [`Template`]).
pub fn worlds(language: impl Into<Template>) -> Vec<&'static str> {
    let language = language.into();
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
        language: Template,
        /// The world asked for.
        world: String,
        /// The worlds with templates, comma separated.
        known: String,
    },
    /// The remote SDK is not in the `sdk/` directory given.
    #[error(
        "the polyplug {language} SDK is not at {}: pass the `sdk/` directory of a polyplug checkout with `--sdk DIR`",
        dir.display()
    )]
    NoRemoteSdk {
        /// The remote language.
        language: RemoteLanguage,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// The directory exists and holds files.
    #[error("{} already exists and is not empty: choose another name or directory", .0.display())]
    Exists(PathBuf),
    /// A file could not be written.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// Creates the project `name` in `language` (a [`Language`], a
/// [`RemoteLanguage`] or a [`Template`]) for `world` at `dir` (which must not
/// exist, or be empty), using the SDKs under `sdk` (a polyplug checkout's
/// `sdk/`). Returns the files written, relative to `dir`.
pub fn create(dir: &Path, name: &str, language: impl Into<Template>, world: &str, sdk: &Path) -> Result<Vec<PathBuf>, NewError> {
    let language = language.into();
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !valid {
        return Err(NewError::BadName(name.to_string()));
    }
    let spelled = spelling(world);
    let files: Vec<&TemplateFile> = FILES
        .iter()
        .filter(|f| f.language.is_none_or(|l| l == language) && f.world.is_none_or(|w| w == spelled))
        .collect();
    if !files.iter().any(|f| f.language == Some(language) && f.world == Some(&spelled)) {
        let known = worlds(language);
        let known = if known.is_empty() { "none yet (its SDK comes later)".to_string() } else { known.join(", ") };
        return Err(NewError::NoTemplate { language, world: world.to_string(), known });
    }
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(NewError::Exists(dir.to_path_buf()));
    }
    let sdk = match language {
        Template::Component(language) => sdk.canonicalize().map_err(|_| BuildError::NoSdk { language, dir: sdk.to_path_buf() })?,
        Template::Remote(language) => {
            // The project names the SDK's own directory (`{{sdk}}/remote-python`): it must be there.
            let own = sdk.join(language.name());
            if !own.is_dir() {
                return Err(NewError::NoRemoteSdk { language, dir: own });
            }
            sdk.canonicalize().map_err(|_| NewError::NoRemoteSdk { language, dir: own })?
        }
    };
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

/// `world` as [`FILES`] names it: a later version of a world by its short
/// name and version (`auth@0.2`), which its catalog key (`auth-0.2`, the
/// SDKs' name for it) names too; any other name as it is.
fn spelling(world: &str) -> String {
    let number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let major_minor = |version: &str| version.split_once('.').is_some_and(|(major, minor)| number(major) && number(minor));
    match world.rsplit_once('-') {
        Some((short, version)) if !short.is_empty() && major_minor(version) => format!("{short}@{version}"),
        _ => world.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every world, with templates for every component language.
    const WORLDS: [&str; 7] = ["transform", "auth", "auth@0.2", "template", "response", "response-modifier", "datasource"];

    /// The full name a project's manifest gives `world` (as [`WORLDS`] spells it).
    fn full_name(world: &str) -> String {
        match world.split_once('@') {
            Some((short, version)) => format!("polyplug:plugin/{short}@{version}.0"),
            None => format!("polyplug:plugin/{world}@0.1.0"),
        }
    }

    #[test]
    fn component_projects_exist_for_every_world_with_their_manifest_cases_and_source() {
        let parent = tempfile::tempdir().unwrap();
        let sdk = crate::sdk::checkout_sdk();
        for language in Language::ALL {
            assert_eq!(worlds(language), WORLDS, "{language}");
            for world in WORLDS {
                let dir = parent.path().join(format!("{}-{world}", language.name()));
                let files = create(&dir, "my-plugin", language, world, &sdk).unwrap();
                let manifest = std::fs::read_to_string(dir.join("polyplug.toml")).unwrap();
                assert!(manifest.contains(&format!("world = \"{}\"", full_name(world))), "{language} {world}: {manifest}");
                let cases: Vec<&PathBuf> = files.iter().filter(|f| f.starts_with("tests") && f.extension().is_some_and(|e| e == "json")).collect();
                assert!(!cases.is_empty(), "{language} {world}: {files:?}");
                for file in cases {
                    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
                    assert!(json["cases"].as_array().is_some_and(|c| !c.is_empty()), "{language} {world}: {}", file.display());
                }
                for file in &files {
                    let text = std::fs::read_to_string(dir.join(file)).unwrap();
                    assert!(!text.contains("{{name}}") && !text.contains("{{sdk}}"), "{language} {world}: {} is not filled in", file.display());
                }
                assert_eq!(Language::detect(&dir), Some(language), "{}", dir.display());
            }
        }
    }

    #[test]
    fn a_later_version_of_a_world_is_spelled_with_its_version_or_by_its_key() {
        assert_eq!(spelling("auth-0.2"), "auth@0.2");
        for name in ["auth@0.2", "auth", "response-modifier", "x-1", "-0.2", "auth-0.", "auth-a.2"] {
            assert_eq!(spelling(name), name);
        }
        let parent = tempfile::tempdir().unwrap();
        let sdk = crate::sdk::checkout_sdk();
        let files = create(&parent.path().join("by-key"), "my-plugin", Language::Go, "auth-0.2", &sdk).unwrap();
        assert_eq!(files, create(&parent.path().join("by-version"), "my-plugin", Language::Go, "auth@0.2", &sdk).unwrap());
        let err = create(&parent.path().join("x"), "x", Language::Rust, "auth@0.3", &sdk).unwrap_err().to_string();
        assert!(err.contains("no Rust template for the world `auth@0.3`; Rust templates exist for: transform, auth, auth@0.2, template"), "{err}");
        let err = create(&parent.path().join("x"), "x", RemoteLanguage::Python, "auth@0.2", &sdk).unwrap_err().to_string();
        assert!(err.contains("remote Python templates exist for: transform, auth"), "{err}");
    }

    #[test]
    fn remote_projects_get_their_sdks_files_and_the_worlds_manifest_and_cases() {
        let parent = tempfile::tempdir().unwrap();
        let sdk = crate::sdk::checkout_sdk();
        for language in RemoteLanguage::ALL {
            assert_eq!(worlds(language), ["transform", "auth"], "{language}");
            for world in ["transform", "auth"] {
                let dir = parent.path().join(format!("{}-{world}", language.name()));
                let files = create(&dir, "my-plugin", language, world, &sdk).unwrap();
                let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                assert!(names.contains(&"polyplug.toml".to_string()), "{names:?}");
                assert!(names.iter().any(|n| n.starts_with("tests/") && n.ends_with(".json")), "{names:?}");
                let own = match language {
                    RemoteLanguage::Python => ["plugin.py", "requirements.txt"],
                    RemoteLanguage::Node => ["plugin.mjs", "package.json"],
                };
                for file in own {
                    let text = std::fs::read_to_string(dir.join(file)).unwrap();
                    assert!(!text.contains("{{"), "{file}: {text}");
                }
                assert_eq!(RemoteLanguage::detect(&dir), Some(language), "{}", dir.display());
                assert_eq!(crate::Language::detect(&dir), None, "a remote project is no component project");
            }
        }
        let err = create(&parent.path().join("x"), "x", RemoteLanguage::Node, "auth", parent.path()).unwrap_err();
        assert!(err.to_string().contains("the polyplug remote Node SDK is not at"), "{err}");
        assert_eq!(Template::from_name("remote-python"), Some(Template::Remote(RemoteLanguage::Python)));
        assert_eq!(Template::from_name("go"), Some(Template::Component(Language::Go)));
    }
}
