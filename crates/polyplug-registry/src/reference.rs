//! Package names (`acme:auth-jwt`), references to one version
//! (`acme:auth-jwt@1.2.0`) and requirements (`acme:auth-jwt@^1.2`), and where
//! each lives in an OCI registry, mapped as `wkg` maps them.

use std::fmt;
use std::str::FromStr;

use crate::RegistryError;

/// A package: `namespace:name`, both kebab-case, as in WIT package names.
/// The namespace is the publisher (the manifest's `publisher`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName {
    /// Who publishes it, e.g. `acme`.
    pub namespace: String,
    /// The plugin's name, e.g. `auth-jwt`.
    pub name: String,
}

/// Whether `word` is kebab-case: lowercase ASCII letters and digits in
/// `-`-separated words, starting with a letter.
fn kebab(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase())
        && word.split('-').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

impl PackageName {
    /// The package `namespace:name`; both parts must be kebab-case.
    pub fn new(namespace: &str, name: &str) -> Result<PackageName, RegistryError> {
        for (what, word) in [("namespace", namespace), ("name", name)] {
            if !kebab(word) {
                return Err(RegistryError::BadName {
                    text: format!("{namespace}:{name}"),
                    reason: format!(
                        "its {what} `{word}` is not kebab-case (lowercase letters, digits and single `-`, starting with a letter)"
                    ),
                });
            }
        }
        Ok(PackageName { namespace: namespace.into(), name: name.into() })
    }

    /// The repository the package's versions are tags of, under `prefix`
    /// (used as written, with its own trailing `/` if it has one, as `wkg`
    /// does): `acme:auth-jwt` with prefix `plugins/` is `plugins/acme/auth-jwt`.
    pub fn repository(&self, prefix: &str) -> String {
        format!("{prefix}{}/{}", self.namespace, self.name)
    }
}

impl FromStr for PackageName {
    type Err = RegistryError;

    fn from_str(text: &str) -> Result<PackageName, RegistryError> {
        let (namespace, name) = text.split_once(':').ok_or_else(|| RegistryError::BadName {
            text: text.into(),
            reason: "write it as `namespace:name`, e.g. `acme:auth-jwt`".into(),
        })?;
        PackageName::new(namespace, name)
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)
    }
}

/// One version of a package: `acme:auth-jwt@1.2.0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageRef {
    /// The package.
    pub package: PackageName,
    /// The exact version.
    pub version: semver::Version,
}

impl PackageRef {
    /// `package@version`. A version with build metadata (`1.0.0+abc`) is
    /// refused: OCI tags cannot carry `+`, so no registry could hold it.
    pub fn new(package: PackageName, version: semver::Version) -> Result<PackageRef, RegistryError> {
        if !version.build.is_empty() {
            return Err(RegistryError::BadName {
                text: format!("{package}@{version}"),
                reason: "a version with build metadata (`+…`) cannot be an OCI tag; publish it without the `+` part".into(),
            });
        }
        Ok(PackageRef { package, version })
    }

    /// The OCI tag of this version: the version itself.
    pub fn tag(&self) -> String {
        self.version.to_string()
    }
}

impl FromStr for PackageRef {
    type Err = RegistryError;

    fn from_str(text: &str) -> Result<PackageRef, RegistryError> {
        let (package, version) = text.split_once('@').ok_or_else(|| RegistryError::BadName {
            text: text.into(),
            reason: "write it as `namespace:name@version`, e.g. `acme:auth-jwt@1.2.0`".into(),
        })?;
        let version = semver::Version::parse(version).map_err(|e| RegistryError::BadName {
            text: text.into(),
            reason: format!("`{version}` is not a semver version ({e}); e.g. `1.2.0`"),
        })?;
        PackageRef::new(package.parse()?, version)
    }
}

impl fmt::Display for PackageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.package, self.version)
    }
}

/// A package and a semver requirement on its version: `acme:auth-jwt@^1.2`,
/// `acme:auth-jwt@~0.3.1`, `acme:auth-jwt@=1.0.0`; `acme:auth-jwt@1.2.0`
/// means `^1.2.0`, as in Cargo. There is no implicit `latest`: a
/// requirement is always written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The package.
    pub package: PackageName,
    /// Which versions will do.
    pub versions: semver::VersionReq,
}

impl FromStr for Requirement {
    type Err = RegistryError;

    fn from_str(text: &str) -> Result<Requirement, RegistryError> {
        let (package, versions) = text.split_once('@').ok_or_else(|| RegistryError::BadName {
            text: text.into(),
            reason: "write it as `namespace:name@requirement`, e.g. `acme:auth-jwt@^1.2` (there is no implicit latest)".into(),
        })?;
        let versions = semver::VersionReq::parse(versions).map_err(|e| RegistryError::BadName {
            text: text.into(),
            reason: format!("`{versions}` is not a semver requirement ({e}); e.g. `^1.2`, `~0.3.1` or `=1.0.0`"),
        })?;
        Ok(Requirement { package: package.parse()?, versions })
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.package, self.versions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_repositories_as_wkg_maps_them() {
        let name: PackageName = "acme:auth-jwt".parse().unwrap();
        assert_eq!(name.repository(""), "acme/auth-jwt");
        assert_eq!(name.repository("plugins/"), "plugins/acme/auth-jwt");
        // The prefix is used as written.
        assert_eq!(name.repository("wasm-"), "wasm-acme/auth-jwt");
        let reference: PackageRef = "acme:auth-jwt@1.2.0-rc.1".parse().unwrap();
        assert_eq!(reference.tag(), "1.2.0-rc.1");
        assert_eq!(reference.to_string(), "acme:auth-jwt@1.2.0-rc.1");
    }

    #[test]
    fn malformed_names_are_refused_saying_how_to_write_them() {
        let cases = [
            ("auth-jwt", "write it as `namespace:name`"),
            ("Acme:auth", "its namespace `Acme` is not kebab-case"),
            ("acme:auth_jwt", "its name `auth_jwt` is not kebab-case"),
            ("acme:-auth", "its name `-auth` is not kebab-case"),
            ("acme:auth--jwt", "its name `auth--jwt` is not kebab-case"),
        ];
        for (text, expected) in cases {
            let err = text.parse::<PackageName>().unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
        let err = "acme:auth@1.0.0+build.5".parse::<PackageRef>().unwrap_err().to_string();
        assert!(err.contains("cannot be an OCI tag"), "{err}");
        let err = "acme:auth@latest".parse::<PackageRef>().unwrap_err().to_string();
        assert!(err.contains("`latest` is not a semver version"), "{err}");
        let err = "acme:auth".parse::<Requirement>().unwrap_err().to_string();
        assert!(err.contains("there is no implicit latest"), "{err}");
    }

    #[test]
    fn requirements_read_as_cargo_reads_them() {
        let req: Requirement = "acme:auth@1.2.0".parse().unwrap();
        assert!(req.versions.matches(&"1.9.0".parse().unwrap()));
        assert!(!req.versions.matches(&"2.0.0".parse().unwrap()));
        let req: Requirement = "acme:auth@~0.3.1".parse().unwrap();
        assert!(req.versions.matches(&"0.3.9".parse().unwrap()));
        assert!(!req.versions.matches(&"0.4.0".parse().unwrap()));
    }
}
