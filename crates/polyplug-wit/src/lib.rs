//! The polyplug WIT packages, embedded, parsed, and described as a catalog of worlds.
//!
//! `wit/` at the repository root is the single source of truth for every
//! interface polyplug knows; this crate embeds those files so that a host
//! binary carries them, parses them with `wit-parser`, and answers the
//! questions the rest of polyplug asks of a world: which interfaces it
//! exports (and with which functions), which it imports, and its WIT text.
//!
//! A host application may bring its own WIT: [`Catalog::from_dir`] builds the
//! same catalog from any directory of WIT files.
//!
//! This crate knows nothing about wasmtime: it deals in WIT, not in components.
//!
//! ```
//! let catalog = polyplug_wit::Catalog::builtin();
//! let transform = catalog.world("transform").unwrap();
//! assert_eq!(transform.name, "polyplug:plugin/transform@0.1.0");
//! assert!(transform.exports.iter().any(|i| i.name == "polyplug:plugin/transformer@0.1.0"));
//! ```

use std::path::Path;

use wit_parser::{PackageId, Resolve, WorldId, WorldItem, WorldKey};

mod shape;
pub use shape::function_shape;

pub use wit_parser;

/// The version of the polyplug plugin API: the version of the `polyplug:plugin` package.
pub const API_VERSION: &str = "0.1.0";

/// The name of the built-in package, with its version.
pub const PACKAGE: &str = "polyplug:plugin@0.1.0";

/// One embedded WIT file: its file name in `wit/` and its text.
#[derive(Debug, Clone, Copy)]
pub struct WitFile {
    /// File name within `wit/`, e.g. `base.wit`.
    pub name: &'static str,
    /// The WIT source text.
    pub source: &'static str,
}

/// The built-in WIT files, exactly as they are in `wit/`.
pub const WIT_FILES: &[WitFile] = &[
    WitFile { name: "auth.wit", source: include_str!("../../../wit/auth.wit") },
    WitFile { name: "base.wit", source: include_str!("../../../wit/base.wit") },
    WitFile { name: "conformance.wit", source: include_str!("../../../wit/conformance.wit") },
    WitFile { name: "datasource.wit", source: include_str!("../../../wit/datasource.wit") },
    WitFile { name: "response.wit", source: include_str!("../../../wit/response.wit") },
    WitFile { name: "template.wit", source: include_str!("../../../wit/template.wit") },
    WitFile { name: "transform.wit", source: include_str!("../../../wit/transform.wit") },
];

/// Later versions of the built-in package, as they are in `wit/deps/` (each
/// a package of its own that includes `base@0.1.0`, so that its plugins keep
/// the host interfaces of 0.1.0): file name relative to `wit/`, and text.
pub const WIT_DEP_FILES: &[WitFile] = &[
    WitFile { name: "deps/polyplug-plugin-0.2.0/auth.wit", source: include_str!("../../../wit/deps/polyplug-plugin-0.2.0/auth.wit") },
    WitFile { name: "deps/polyplug-plugin-0.2.0/transform.wit", source: include_str!("../../../wit/deps/polyplug-plugin-0.2.0/transform.wit") },
];

/// Why a WIT package could not be loaded or a world not found.
#[derive(Debug, thiserror::Error)]
pub enum WitError {
    /// The WIT text does not parse or does not resolve.
    #[error("invalid WIT in {origin}: {message}")]
    Invalid {
        /// Where the WIT came from (a directory, or "the built-in package").
        origin: String,
        /// What wit-parser reported, with file and line.
        message: String,
    },
    /// No world of that name exists in the package.
    #[error("no world `{wanted}` in {package}; known worlds: {known}")]
    UnknownWorld {
        /// The world asked for.
        wanted: String,
        /// The package searched.
        package: String,
        /// The worlds that do exist, comma separated.
        known: String,
    },
}

/// An interface a world imports or exports, with the functions it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceSpec {
    /// The full interface name as a component names its instance,
    /// e.g. `polyplug:plugin/transformer@0.1.0`.
    pub name: String,
    /// The interface's functions, by their WIT names, e.g. `transform`,
    /// `[constructor]counter`, `[method]counter.increment`.
    pub functions: Vec<String>,
    /// Each function's type as a structural shape (see [`function_shape`]),
    /// in the order of `functions`.
    pub shapes: Vec<String>,
}

/// A world: its name and what a component targeting it imports and exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldSpec {
    /// The fully qualified world name, e.g. `polyplug:plugin/transform@0.1.0`.
    pub name: String,
    /// The short world name, e.g. `transform`.
    pub short_name: String,
    /// The world's name among the catalog's: its short name in the main
    /// package, `<short>-<major>.<minor>` in another version of it (e.g.
    /// `auth-0.2`). Code generators name a world's files by it.
    pub key: String,
    /// Interfaces the world exports: a component targeting it must export all of them.
    pub exports: Vec<InterfaceSpec>,
    /// Functions the world exports directly (not inside an interface).
    pub export_functions: Vec<String>,
    /// Their types as structural shapes, in the order of `export_functions`.
    pub export_function_shapes: Vec<String>,
    /// Interfaces the world imports: the host may provide them.
    pub imports: Vec<InterfaceSpec>,
}

/// The digest of a WIT text as the remote protocol carries it:
/// `sha256:` and the lowercase hex SHA-256 of the text's UTF-8 bytes.
///
/// ```
/// assert_eq!(
///     polyplug_wit::wit_digest(""),
///     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn wit_digest(text: &str) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(text.as_bytes())))
}

impl WorldSpec {
    /// How a world `served` by a plugin differs from this one in what a
    /// caller can see: its exported functions and their types. `None` when
    /// every function of this world is served with the same type (a served
    /// world may export more; imports do not matter to a caller). The text
    /// names the interface or function that differs and shows both types
    /// from the first place they part.
    pub fn mismatch(&self, served: &WorldSpec) -> Option<String> {
        if let Some(missing) = self.export_functions.iter().position(|f| !served.export_functions.contains(f)) {
            return Some(format!("it does not export the function `{}`", self.export_functions[missing]));
        }
        for (i, function) in self.export_functions.iter().enumerate() {
            let at = served.export_functions.iter().position(|f| f == function).unwrap_or_default();
            if let Some(text) = shape_mismatch(function, &self.export_function_shapes[i], &served.export_function_shapes[at]) {
                return Some(text);
            }
        }
        for expected in &self.exports {
            let Some(got) = served.exports.iter().find(|i| i.name == expected.name) else {
                let short = short_name(&expected.name);
                let near: Vec<&str> = served
                    .exports
                    .iter()
                    .filter(|i| short_name(&i.name) == short)
                    .map(|i| i.name.as_str())
                    .collect();
                return Some(if near.is_empty() {
                    format!("it does not export the interface `{}`", expected.name)
                } else {
                    format!("it exports `{}` where `{}` is expected", near.join("`, `"), expected.name)
                });
            };
            for (function, shape) in expected.functions.iter().zip(&expected.shapes) {
                let name = format!("{}/{function}", short_name(&expected.name));
                let Some(at) = got.functions.iter().position(|f| f == function) else {
                    return Some(format!("it does not export the function `{name}`"));
                };
                if let Some(text) = shape_mismatch(&name, shape, &got.shapes[at]) {
                    return Some(text);
                }
            }
        }
        None
    }
}

/// `transformer` for `polyplug:plugin/transformer@0.1.0`.
fn short_name(interface: &str) -> &str {
    let tail = interface.rsplit_once('/').map_or(interface, |(_, tail)| tail);
    tail.split('@').next().unwrap_or(tail)
}

fn shape_mismatch(function: &str, expected: &str, served: &str) -> Option<String> {
    if expected == served {
        return None;
    }
    let common = expected.bytes().zip(served.bytes()).take_while(|(a, b)| a == b).count();
    // Show both types from the start of the innermost item where they part.
    let from = expected[..common].rfind(['(', '{', '<', ' ']).map_or(0, |i| i + 1);
    let tail = |s: &str| {
        let rest = &s[from..];
        if rest.len() > 80 { format!("{}…", &rest[..rest.floor_char_boundary(80)]) } else { rest.to_string() }
    };
    Some(format!(
        "the function `{function}` has another type: the host expects `{expected}`, the plugin serves `{served}` (they differ at `{}` vs `{}`)",
        tail(expected),
        tail(served)
    ))
}

/// A parsed WIT package and the worlds it defines, with the other versions
/// of the same package its resolve holds (polyplug's `wit/deps/` holds
/// `polyplug:plugin@0.2.0` beside the main `0.1.0`).
#[derive(Debug, Clone)]
pub struct Catalog {
    resolve: Resolve,
    package: PackageId,
    /// The main package first, then its other versions, oldest first.
    packages: Vec<PackageId>,
}

impl Catalog {
    /// The built-in polyplug package (`polyplug:plugin`), parsed from the embedded files.
    pub fn builtin() -> Catalog {
        let mut map = wit_parser::SourceMap::new();
        for file in WIT_FILES {
            map.push_str(file.name, file.source);
        }
        // The embedded files are checked by this crate's tests; failing here is a build defect.
        let broken = |e: String| -> ! { panic!("polyplug's built-in WIT is broken: {e}") };
        let mut catalog = Self::from_source_map(map, "the built-in package").unwrap_or_else(|e| broken(e.to_string()));
        // One package per directory of `wit/deps/`, however many files it has.
        let mut directories: Vec<&str> = WIT_DEP_FILES.iter().filter_map(|file| file.name.rsplit_once('/').map(|(dir, _)| dir)).collect();
        directories.dedup();
        for directory in directories {
            let mut map = wit_parser::SourceMap::new();
            for file in WIT_DEP_FILES.iter().filter(|file| file.name.rsplit_once('/').is_some_and(|(dir, _)| dir == directory)) {
                map.push_str(file.name, file.source);
            }
            let group = map.parse().unwrap_or_else(|(map, e)| broken(e.render(&map)));
            catalog.resolve.push_group(group).unwrap_or_else(|e| broken(format!("{e}")));
        }
        catalog.packages = versions_of(&catalog.resolve, catalog.package);
        catalog
    }

    /// A catalog of the WIT package in `dir` (with its dependencies in `dir/deps`),
    /// for host applications that bring their own worlds.
    pub fn from_dir(dir: &Path) -> Result<Catalog, WitError> {
        let mut resolve = Resolve::new();
        let (package, _) = resolve.push_dir(dir).map_err(|e| WitError::Invalid {
            origin: dir.display().to_string(),
            // `render_error` adds the file, line and the offending source line.
            message: resolve.render_error(&e),
        })?;
        let packages = versions_of(&resolve, package);
        Ok(Catalog { resolve, package, packages })
    }

    /// A catalog of one WIT document (a package in one text, as
    /// [`Catalog::world_wit`] prints it); `origin` names where it came from in errors.
    pub fn from_wit_text(text: &str, origin: &str) -> Result<Catalog, WitError> {
        let mut map = wit_parser::SourceMap::new();
        map.push_str(origin, text);
        Self::from_source_map(map, origin)
    }

    fn from_source_map(map: wit_parser::SourceMap, origin: &str) -> Result<Catalog, WitError> {
        let invalid = |message: String| WitError::Invalid { origin: origin.to_string(), message };
        let group = map.parse().map_err(|(map, e)| invalid(e.render(&map)))?;
        let mut resolve = Resolve::new();
        let package = resolve.push_group(group).map_err(|e| invalid(format!("{e}")))?;
        let packages = versions_of(&resolve, package);
        Ok(Catalog { resolve, package, packages })
    }

    /// The underlying `wit-parser` resolve, for code generators and type walkers.
    pub fn resolve(&self) -> &Resolve {
        &self.resolve
    }

    /// The id of the main package in [`Catalog::resolve`].
    pub fn package(&self) -> PackageId {
        self.package
    }

    /// The package's name with its version, e.g. `polyplug:plugin@0.1.0`.
    pub fn package_name(&self) -> String {
        self.resolve.packages[self.package].name.to_string()
    }

    /// Every world of the package and of its other versions, sorted by key
    /// (`auth`, `auth-0.2`, `base`, …).
    pub fn worlds(&self) -> Vec<WorldSpec> {
        let mut worlds: Vec<_> = self
            .packages
            .iter()
            .flat_map(|package| self.resolve.packages[*package].worlds.values())
            .map(|id| self.spec(*id))
            .collect();
        worlds.sort_by(|a, b| a.key.cmp(&b.key));
        worlds
    }

    /// The world named `name`: its short name (`transform`, in the main
    /// package), its key (`auth-0.2`) or its full name
    /// (`polyplug:plugin/auth@0.2.0`; without a version, the main package's).
    pub fn world(&self, name: &str) -> Result<WorldSpec, WitError> {
        self.world_id(name).map(|id| self.spec(id))
    }

    /// The `wit-parser` id of the world named `name` (short name, key or full name).
    pub fn world_id(&self, name: &str) -> Result<WorldId, WitError> {
        let main = &self.resolve.packages[self.package];
        let unknown = || WitError::UnknownWorld {
            wanted: name.to_string(),
            package: self.package_name(),
            known: self.worlds().iter().map(|w| w.key.clone()).collect::<Vec<_>>().join(", "),
        };
        let prefix = format!("{}:{}/", main.name.namespace, main.name.name);
        let (package, short) = match name.strip_prefix(&prefix) {
            Some(rest) => match rest.split_once('@') {
                Some((short, version)) => {
                    let wanted = semver::Version::parse(version).map_err(|_| unknown())?;
                    // The exact version, else the newest semver-compatible one (0.1.1 → 0.1.0, as wasmtime links them).
                    let version_of = |p: &PackageId| self.resolve.packages[*p].name.version.clone();
                    let compatible = |v: &semver::Version| v.major == wanted.major && (wanted.major > 0 || v.minor == wanted.minor);
                    let package = self
                        .packages
                        .iter()
                        .find(|p| version_of(p).as_ref() == Some(&wanted))
                        .or_else(|| self.packages.iter().filter(|p| version_of(p).as_ref().is_some_and(compatible)).max_by_key(|p| version_of(p)))
                        .ok_or_else(unknown)?;
                    (*package, short)
                }
                None => (self.package, rest),
            },
            None => match self.worlds().into_iter().find(|w| w.key == name) {
                Some(spec) => return self.world_id(&spec.name),
                None => (self.package, name),
            },
        };
        self.resolve.packages[package].worlds.get(short).copied().ok_or_else(unknown)
    }

    /// The WIT text that describes world `name` over the remote protocol
    /// (`docs/remote-protocol.md`): its whole package as one self-contained
    /// WIT document, with doc comments, as `wit-component` prints it. A
    /// remote plugin serves this text (and its [`wit_digest`]) from
    /// `GET /v1/describe`; the host parses what it is served with
    /// [`Catalog::from_wit_text`] and compares worlds with [`WorldSpec::mismatch`].
    pub fn world_wit(&self, name: &str) -> Result<String, WitError> {
        let world = self.world_id(name)?;
        let package = self.package_of(world);
        // A later version includes the main package's `base`: its text carries that package nested.
        let nested: Vec<PackageId> = if package == self.package { Vec::new() } else { vec![self.package] };
        let mut printer = wit_component::WitPrinter::default();
        printer.print(&self.resolve, package, &nested).map_err(|e| WitError::Invalid {
            origin: self.package_name(),
            message: format!("it cannot be printed as WIT: {e}"),
        })?;
        Ok(printer.output.to_string())
    }

    /// The package that defines world `id`.
    fn package_of(&self, id: WorldId) -> PackageId {
        match self.resolve.worlds[id].package {
            Some(package) => package,
            None => self.package,
        }
    }

    fn spec(&self, id: WorldId) -> WorldSpec {
        let world = &self.resolve.worlds[id];
        let package_id = self.package_of(id);
        let package = &self.resolve.packages[package_id];
        let interfaces = |items: &wit_parser::IndexMap<WorldKey, WorldItem>| {
            items
                .iter()
                .filter_map(|(key, item)| match item {
                    WorldItem::Interface { id, .. } => {
                        let functions = &self.resolve.interfaces[*id].functions;
                        Some(InterfaceSpec {
                            name: self.resolve.name_world_key(key),
                            functions: functions.keys().cloned().collect(),
                            shapes: functions.values().map(|f| function_shape(&self.resolve, f)).collect(),
                        })
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let version = package.name.version.as_ref().map(|v| format!("@{v}")).unwrap_or_default();
        let key = match (&package.name.version, package_id == self.package) {
            (Some(v), false) => format!("{}-{}.{}", world.name, v.major, v.minor),
            _ => world.name.clone(),
        };
        WorldSpec {
            name: format!("{}:{}/{}{version}", package.name.namespace, package.name.name, world.name),
            short_name: world.name.clone(),
            key,
            exports: interfaces(&world.exports),
            export_functions: world
                .exports
                .values()
                .filter_map(|item| match item {
                    WorldItem::Function(f) => Some(f.name.clone()),
                    _ => None,
                })
                .collect(),
            export_function_shapes: world
                .exports
                .values()
                .filter_map(|item| match item {
                    WorldItem::Function(f) => Some(function_shape(&self.resolve, f)),
                    _ => None,
                })
                .collect(),
            imports: interfaces(&world.imports),
        }
    }
}

/// `main` and the other versions of the same package in `resolve`, the
/// others oldest first.
fn versions_of(resolve: &Resolve, main: PackageId) -> Vec<PackageId> {
    let name = &resolve.packages[main].name;
    let mut others: Vec<PackageId> = resolve
        .packages
        .iter()
        .filter(|(id, p)| *id != main && p.name.namespace == name.namespace && p.name.name == name.name)
        .map(|(id, _)| id)
        .collect();
    others.sort_by(|a, b| resolve.packages[*a].name.version.cmp(&resolve.packages[*b].name.version));
    std::iter::once(main).chain(others).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_are_exactly_the_wit_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit");
        let mut on_disk: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".wit"))
            .collect();
        on_disk.sort();
        let embedded: Vec<_> = WIT_FILES.iter().map(|f| f.name.to_string()).collect();
        assert_eq!(embedded, on_disk, "add every file in wit/ to WIT_FILES");
    }

    #[test]
    fn builtin_worlds_are_catalogued() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.package_name(), PACKAGE);
        let keys: Vec<_> = catalog.worlds().into_iter().map(|w| w.key).collect();
        assert_eq!(keys, ["auth", "auth-0.2", "base", "conformance", "datasource", "filter-0.2", "response", "response-modifier", "template", "transform", "transform-0.2"]);

        let auth = catalog.world("polyplug:plugin/auth@0.1.0").unwrap();
        let exports: Vec<_> = auth.exports.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(exports, ["polyplug:plugin/authenticator@0.1.0", "polyplug:plugin/plugin@0.1.0"]);
        let imports: Vec<_> = auth.imports.iter().map(|i| i.name.as_str()).collect();
        assert!(imports.contains(&"polyplug:plugin/log@0.1.0"), "{imports:?}");
        assert!(imports.contains(&"polyplug:plugin/config@0.1.0"), "{imports:?}");
    }

    #[test]
    fn a_later_version_of_a_world_is_served_beside_the_first_with_the_same_host_interfaces() {
        let catalog = Catalog::builtin();
        let old = catalog.world("auth").unwrap();
        let new = catalog.world("polyplug:plugin/auth@0.2.0").unwrap();
        assert_eq!((old.name.as_str(), old.key.as_str()), ("polyplug:plugin/auth@0.1.0", "auth"));
        assert_eq!((new.name.as_str(), new.short_name.as_str(), new.key.as_str()), ("polyplug:plugin/auth@0.2.0", "auth", "auth-0.2"));
        assert_eq!(catalog.world("auth-0.2").unwrap(), new);
        assert_eq!(catalog.world("polyplug:plugin/auth").unwrap(), old, "without a version: the main package's");
        let exports: Vec<_> = new.exports.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(exports, ["polyplug:plugin/authenticator@0.2.0", "polyplug:plugin/plugin@0.1.0"]);
        let imports: Vec<_> = new.imports.iter().map(|i| i.name.as_str()).collect();
        assert!(imports.contains(&"polyplug:plugin/log@0.1.0") && imports.contains(&"polyplug:plugin/types@0.1.0"), "{imports:?}");
        assert!(catalog.world("polyplug:plugin/auth@0.3.0").is_err());
        // A semver-compatible version finds its version's world: a plugin built against 0.1.1 or 0.2.4.
        assert_eq!(catalog.world("polyplug:plugin/auth@0.1.1").unwrap(), old);
        assert_eq!(catalog.world("polyplug:plugin/auth@0.2.4").unwrap(), new);
        // Its text carries the 0.1.0 package it includes, and reads back to the same world.
        let text = catalog.world_wit("auth-0.2").unwrap();
        assert!(text.contains("package polyplug:plugin@0.2.0;") && text.contains("package polyplug:plugin@0.1.0 {"), "{text}");
        let back = Catalog::from_wit_text(&text, "describe").unwrap();
        assert_eq!(back.package_name(), "polyplug:plugin@0.2.0");
        let served = back.world("polyplug:plugin/auth@0.2.0").unwrap();
        assert_eq!(new.mismatch(&served), None);
        assert_eq!(catalog.world_wit("transform").unwrap(), catalog.world_wit("auth").unwrap(), "0.1.0's text is unchanged");
    }

    #[test]
    fn embedded_dependency_files_are_exactly_the_wit_deps_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit/deps");
        let mut on_disk = Vec::new();
        for package in std::fs::read_dir(&dir).unwrap() {
            let package = package.unwrap();
            for file in std::fs::read_dir(package.path()).unwrap() {
                on_disk.push(format!("deps/{}/{}", package.file_name().to_string_lossy(), file.unwrap().file_name().to_string_lossy()));
            }
        }
        on_disk.sort();
        let embedded: Vec<_> = WIT_DEP_FILES.iter().map(|f| f.name.to_string()).collect();
        assert_eq!(embedded, on_disk, "add every file in wit/deps/ to WIT_DEP_FILES");
    }

    #[test]
    fn unknown_world_lists_the_known_ones() {
        let err = Catalog::builtin().world("transfrom").unwrap_err().to_string();
        assert!(err.contains("no world `transfrom`"), "{err}");
        assert!(err.contains("transform"), "{err}");
    }

    #[test]
    fn world_wit_is_self_contained_and_reads_back_to_the_same_world() {
        let catalog = Catalog::builtin();
        let text = catalog.world_wit("transform").unwrap();
        assert!(text.starts_with("/// polyplug's built-in plugin worlds"), "docs are kept: {text}");
        assert!(text.contains("interface transformer {"), "{text}");
        let back = Catalog::from_wit_text(&text, "describe").unwrap();
        for world in ["transform", "auth", "conformance"] {
            // The printer may order an interface's functions differently; what counts is the same functions with the same types.
            let (served, expected) = (back.world(world).unwrap(), catalog.world(world).unwrap());
            assert_eq!(expected.mismatch(&served), None, "{world}");
            assert_eq!(served.mismatch(&expected), None, "{world}");
        }
    }

    #[test]
    fn mismatch_names_the_function_and_where_types_part() {
        let catalog = Catalog::builtin();
        let expected = catalog.world("transform").unwrap();
        assert_eq!(expected.mismatch(&expected), None);
        let edited = catalog
            .world_wit("transform")
            .unwrap()
            .replace("content-type: string", "content-type: u32");
        let served = Catalog::from_wit_text(&edited, "describe").unwrap().world("transform").unwrap();
        let text = expected.mismatch(&served).unwrap();
        assert!(text.contains("`transformer/transform` has another type"), "{text}");
        assert!(text.contains("vs `u32, headers"), "{text}");
        let auth = catalog.world("auth").unwrap();
        let text = expected.mismatch(&auth).unwrap();
        assert_eq!(text, "it does not export the interface `polyplug:plugin/transformer@0.1.0`");
        let newer = catalog.world_wit("transform").unwrap().replace("package polyplug:plugin@0.1.0", "package polyplug:plugin@0.2.0");
        let served = Catalog::from_wit_text(&newer, "describe").unwrap().world("transform").unwrap();
        let text = expected.mismatch(&served).unwrap();
        assert!(text.contains("exports `polyplug:plugin/transformer@0.2.0` where `polyplug:plugin/transformer@0.1.0` is expected"), "{text}");
    }

    #[test]
    fn digest_is_of_the_text() {
        let text = Catalog::builtin().world_wit("auth").unwrap();
        assert_eq!(wit_digest(&text), wit_digest(&text.clone()));
        assert_ne!(wit_digest(&text), wit_digest(&format!("{text}\n")));
        assert_eq!(wit_digest("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn function_shapes_are_structural_and_nameless() {
        let transform = Catalog::builtin().world("transform").unwrap();
        let transformer = transform.exports.iter().find(|i| i.name.contains("transformer")).unwrap();
        assert_eq!(transformer.functions, ["transform"]);
        assert_eq!(
            transformer.shapes,
            ["func(record{payload: string, content-type: string, headers: list<tuple<string, string>>}) -> result<option<record{payload: string, content-type: string, headers: list<tuple<string, string>>}>, string>"]
        );
        let conformance = Catalog::builtin().world("conformance").unwrap();
        let shapes: Vec<&String> = conformance.exports.iter().flat_map(|i| &i.shapes).collect();
        assert!(shapes.iter().any(|s| s.contains("borrow")), "methods take `borrow`: {shapes:?}");
    }
}
