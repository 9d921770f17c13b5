//! The plugin manifest: `polyplug.toml` beside a plugin's source, and the same
//! text embedded in the built component as the custom section
//! [`SECTION_NAME`], so a `.wasm` carries its own identity.
//!
//! A manifest says who the plugin is (name, version, description, authors,
//! license, publisher), which world it implements, which capabilities it
//! requests, which limits it asks for and which plugins it depends on.
//! Requests are only requests: `polyplug-policy` decides what is granted.
//!
//! ```
//! let manifest = polyplug_manifest::Manifest::from_toml(r#"
//!     [plugin]
//!     name = "auth-jwt"
//!     version = "1.2.0"
//!     world = "polyplug:plugin/auth@0.1.0"
//!
//!     [capabilities]
//!     log = true
//!     http = ["https://keys.example.com"]
//! "#, "polyplug.toml").unwrap();
//! assert_eq!(manifest.plugin.name, "auth-jwt");
//! assert_eq!(manifest.capabilities.http[0].host, "keys.example.com");
//! ```
//!
//! This crate knows TOML and the Wasm binary format's section framing, nothing
//! about wasmtime or the network.

mod capabilities;
mod interfaces;
mod section;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

pub use capabilities::{Capabilities, FileAccess, FileRequest, HttpPattern, IpRange, KvRequest, SecretName, SocketPattern, secret_names};
pub use interfaces::{HOST_INTERFACES, HostInterface};
pub use section::{SECTION_NAME, SectionError, embed, read_section};

/// A parsed, validated `polyplug.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Identity and world.
    pub plugin: PluginSection,
    /// What the plugin asks to reach; nothing when absent.
    #[serde(default)]
    pub capabilities: Capabilities,
    /// The limits the plugin asks for; the host's defaults when absent.
    #[serde(default)]
    pub limits: LimitsRequest,
    /// Other plugins this one needs, by name, with a semver requirement:
    /// plugins exporting interfaces this one imports. A host links each
    /// such import to the dependency, which runs in its own sandbox.
    #[serde(default)]
    pub dependencies: BTreeMap<DependencyName, semver::VersionReq>,
}

/// The `[plugin]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PluginSection {
    /// Kebab-case name, e.g. `auth-jwt`.
    pub name: PluginName,
    /// Semver version.
    pub version: semver::Version,
    /// One line saying what the plugin does.
    #[serde(default)]
    pub description: String,
    /// Authors, e.g. `Ada <ada@example.com>`.
    #[serde(default)]
    pub authors: Vec<String>,
    /// SPDX license expression.
    #[serde(default)]
    pub license: Option<String>,
    /// The publisher (registry namespace) the plugin claims. Only a verified
    /// signature makes the claim count for policy.
    #[serde(default)]
    pub publisher: Option<String>,
    /// The world the plugin implements, e.g. `polyplug:plugin/auth@0.1.0`.
    pub world: WorldRef,
    /// Functions (`interface/function`, e.g. `transformer/transform`) that
    /// may safely run twice for one call, so that a host calling the plugin
    /// remotely (`polyplug serve-remote`) may retry them.
    #[serde(default)]
    pub idempotent: Vec<FunctionPath>,
}

/// A function as `interface/function` (the interface by its short name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct FunctionPath(String);

impl TryFrom<String> for FunctionPath {
    type Error = String;

    fn try_from(path: String) -> Result<Self, String> {
        let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        match path.split_once('/') {
            Some((interface, function)) if (word(interface) || interface == "_") && word(function) => Ok(FunctionPath(path)),
            _ => Err(format!("`{path}` is not a function as `interface/function` (e.g. `transformer/transform`)")),
        }
    }
}

impl FunctionPath {
    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plugin name: lower-case ASCII letters, digits and single dashes, starting
/// with a letter, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct PluginName(String);

impl TryFrom<String> for PluginName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.ends_with('-')
            && !name.contains("--");
        if valid {
            Ok(PluginName(name))
        } else {
            Err(format!(
                "`{name}` is not a plugin name: use lower-case letters, digits and single dashes, starting with a letter (e.g. `auth-jwt`)"
            ))
        }
    }
}

impl PluginName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PluginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for PluginName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The plugin a dependency names: `key-cache`, or `acme:key-cache` for one
/// published under another registry namespace than the dependent's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct DependencyName {
    /// The registry namespace, when it is not the dependent's own.
    pub namespace: Option<String>,
    /// The plugin's name (what a host knows it by).
    pub name: PluginName,
}

impl TryFrom<String> for DependencyName {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.split_once(':') {
            None => Ok(DependencyName { namespace: None, name: PluginName::try_from(text)? }),
            Some((namespace, name)) => {
                PluginName::try_from(namespace.to_string()).map_err(|_| {
                    format!("`{text}`: `{namespace}` is not a registry namespace: use lower-case letters, digits and single dashes (e.g. `acme:key-cache`)")
                })?;
                Ok(DependencyName { namespace: Some(namespace.to_string()), name: PluginName::try_from(name.to_string())? })
            }
        }
    }
}

impl fmt::Display for DependencyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{namespace}:{}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

/// A world reference: `namespace:package/world@version`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct WorldRef {
    /// `namespace:package`, e.g. `polyplug:plugin`.
    pub package: String,
    /// The world's name, e.g. `auth`.
    pub name: String,
    /// The package version.
    pub version: semver::Version,
}

impl TryFrom<String> for WorldRef {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let wrong = || format!("`{text}` is not a world: write `namespace:package/world@version`, e.g. `polyplug:plugin/auth@0.1.0`");
        let (path, version) = text.split_once('@').ok_or_else(wrong)?;
        let (package, name) = path.split_once('/').ok_or_else(wrong)?;
        if !package.contains(':') || name.is_empty() {
            return Err(wrong());
        }
        let version = semver::Version::parse(version).map_err(|e| format!("{}: {e}", wrong()))?;
        Ok(WorldRef { package: package.to_string(), name: name.to_string(), version })
    }
}

impl fmt::Display for WorldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}@{}", self.package, self.name, self.version)
    }
}

/// The `[limits]` table: what the plugin asks for; the operator may lower or raise it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsRequest {
    /// Linear memory, e.g. `"64 MiB"`.
    pub memory: Option<ByteSize>,
    /// Table elements.
    pub table_elements: Option<u64>,
    /// Component and core instances.
    pub instances: Option<u64>,
    /// Wasm stack, e.g. `"512 KiB"`.
    pub stack: Option<ByteSize>,
    /// Fuel (instructions, roughly) per call.
    pub fuel: Option<u64>,
    /// Wall-clock deadline per call, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Calls running at once.
    pub concurrency: Option<u64>,
    /// Calls per second (sustained; bursts up to the same number).
    pub calls_per_second: Option<u64>,
    /// Largest result, e.g. `"1 MiB"`.
    pub output: Option<ByteSize>,
}

/// How a limit's value is written: a size (`"16 MiB"`) or a count (`500`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitUnit {
    /// Bytes, written as a size.
    Bytes,
    /// A plain number.
    Count,
}

impl LimitUnit {
    /// `value` as TOML in this unit: `"16 MiB"`, `500`.
    pub fn toml(self, value: u64) -> String {
        match self {
            LimitUnit::Bytes => format!("\"{}\"", ByteSize(value)),
            LimitUnit::Count => value.to_string(),
        }
    }
}

impl LimitsRequest {
    /// Every limit key in the order of `[limits]`, with its value if set
    /// (sizes in bytes) and its unit: the one list of limit keys.
    pub fn values(&self) -> [(&'static str, Option<u64>, LimitUnit); 9] {
        use LimitUnit::{Bytes, Count};
        let bytes = |s: Option<ByteSize>| s.map(|s| s.0);
        [
            ("memory", bytes(self.memory), Bytes),
            ("table-elements", self.table_elements, Count),
            ("instances", self.instances, Count),
            ("stack", bytes(self.stack), Bytes),
            ("fuel", self.fuel, Count),
            ("timeout-ms", self.timeout_ms, Count),
            ("concurrency", self.concurrency, Count),
            ("calls-per-second", self.calls_per_second, Count),
            ("output", bytes(self.output), Bytes),
        ]
    }

    /// The limits set, as `(key, value as TOML)` in the order of `[limits]`:
    /// `("timeout-ms", "500")`, `("memory", "\"16 MiB\"")`.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        self.values().into_iter().filter_map(|(key, value, unit)| Some((key, unit.toml(value?)))).collect()
    }
}

/// A size in bytes, written as a number or as `"<n> B|KiB|MiB|GiB"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "ByteSizeText")]
pub struct ByteSize(pub u64);

#[derive(Deserialize)]
#[serde(untagged)]
enum ByteSizeText {
    Number(u64),
    Text(String),
}

impl TryFrom<ByteSizeText> for ByteSize {
    type Error = String;

    fn try_from(value: ByteSizeText) -> Result<Self, String> {
        match value {
            ByteSizeText::Number(n) => Ok(ByteSize(n)),
            ByteSizeText::Text(text) => text.parse(),
        }
    }
}

impl std::str::FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wrong = || format!("`{text}` is not a size: write e.g. `65536`, `512 KiB`, `64 MiB` or `1 GiB`");
        let trimmed = text.trim();
        let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let number: u64 = number.parse().map_err(|_| wrong())?;
        let scale: u64 = match unit.trim() {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            _ => return Err(wrong()),
        };
        number.checked_mul(scale).map(ByteSize).ok_or_else(wrong)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if n >= scale && n.is_multiple_of(scale) {
                return write!(f, "{} {unit}", n / scale);
            }
        }
        write!(f, "{n} B")
    }
}

/// A manifest that does not parse or does not validate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}:{column}: {message}")]
pub struct ManifestError {
    /// Where the manifest came from (a file path, or `<component>#polyplug-manifest`).
    pub origin: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong, naming the key.
    pub message: String,
}

impl Manifest {
    /// Parses and validates manifest text. `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Manifest, ManifestError> {
        toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            ManifestError { origin: origin.to_string(), line, column, message: e.message().trim().to_string() }
        })
    }
}

#[cfg(test)]
mod tests;
