//! The local directory registry: the embedded default, needing no server.
//! Each package is a standard OCI image layout directory
//! (`<root>/<namespace>/<name>/`: `oci-layout`, `index.json` naming each
//! version's manifest by the tag annotation, `blobs/sha256/<hex>`), holding
//! exactly the artifacts an OCI registry would, so tools that read image
//! layouts read it too and a push to an OCI registry sends the same bytes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::artifact::{Artifact, Descriptor, MANIFEST_MEDIA_TYPE, digest};
use crate::{PackageName, PackageRef, RegistryError};

/// The annotation an image layout's index names a manifest's tag with.
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A registry in a directory.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// let registry = polyplug_registry::LocalRegistry::new(dir.path());
/// assert!(registry.versions(&"acme:auth-jwt".parse().unwrap()).unwrap().is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct LocalRegistry {
    root: PathBuf,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Index {
    schema_version: u32,
    #[serde(default)]
    manifests: Vec<IndexEntry>,
}

#[derive(Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct IndexEntry {
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

impl LocalRegistry {
    /// The registry in `root` (made on the first push).
    pub fn new(root: impl Into<PathBuf>) -> LocalRegistry {
        LocalRegistry { root: root.into() }
    }

    /// Where it is.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn layout(&self, package: &PackageName) -> PathBuf {
        self.root.join(&package.namespace).join(&package.name)
    }

    fn blob_path(layout: &Path, digest: &str) -> Result<PathBuf, RegistryError> {
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| RegistryError::Format { what: "digest", reason: format!("`{digest}` is not `sha256:<64 hex digits>`") })?;
        Ok(layout.join("blobs").join("sha256").join(hex))
    }

    fn index(layout: &Path) -> Result<Index, RegistryError> {
        let path = layout.join("index.json");
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| RegistryError::Format {
                what: "local registry index",
                reason: format!("{} is not an OCI image index: {e}", path.display()),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index { schema_version: 2, manifests: Vec::new() }),
            Err(source) => Err(RegistryError::Io { path, source }),
        }
    }

    /// Publishes `artifact` as `reference`. Versions are immutable: pushing
    /// the same bytes again is a no-op, pushing different bytes under a
    /// published version is refused. Returns the manifest's digest.
    pub fn push(&self, reference: &PackageRef, artifact: &Artifact) -> Result<String, RegistryError> {
        let layout = self.layout(&reference.package);
        let mut index = Self::index(&layout)?;
        let manifest_digest = artifact.manifest_digest();
        let tag = reference.tag();
        if let Some(existing) = index.manifests.iter().find(|m| m.annotations.get(REF_NAME) == Some(&tag)) {
            if existing.digest == manifest_digest {
                return Ok(manifest_digest);
            }
            return Err(RegistryError::VersionExists { reference: reference.to_string(), registry: self.root.display().to_string() });
        }
        let (config, layer) = artifact.descriptors()?;
        for (descriptor, bytes) in [(&config, &artifact.config), (&layer, &artifact.component)] {
            write_blob(&Self::blob_path(&layout, &descriptor.digest)?, bytes)?;
        }
        write_blob(&Self::blob_path(&layout, &manifest_digest)?, &artifact.manifest)?;
        write_atomically(&layout.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        index.schema_version = 2;
        index.manifests.push(IndexEntry {
            media_type: MANIFEST_MEDIA_TYPE.into(),
            digest: manifest_digest.clone(),
            size: artifact.manifest.len() as u64,
            annotations: [(REF_NAME.to_string(), tag)].into(),
        });
        let bytes = serde_json::to_vec_pretty(&index).map_err(|e| RegistryError::Format { what: "local registry index", reason: e.to_string() })?;
        write_atomically(&layout.join("index.json"), &bytes)?;
        Ok(manifest_digest)
    }

    /// The published versions of `package`, lowest first (tags that are not
    /// semver versions are not versions).
    pub fn versions(&self, package: &PackageName) -> Result<Vec<semver::Version>, RegistryError> {
        let index = Self::index(&self.layout(package))?;
        let mut versions: Vec<semver::Version> =
            index.manifests.iter().filter_map(|m| m.annotations.get(REF_NAME)).filter_map(|tag| tag.parse().ok()).collect();
        versions.sort();
        versions.dedup();
        Ok(versions)
    }

    /// Every package published here, in name order (the registry is its
    /// own index: one directory per namespace, one image layout per package).
    pub fn packages(&self) -> Result<Vec<PackageName>, RegistryError> {
        let mut packages = Vec::new();
        let namespaces = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(packages),
            Err(source) => return Err(RegistryError::Io { path: self.root.clone(), source }),
        };
        for namespace in namespaces.flatten() {
            let Ok(names) = std::fs::read_dir(namespace.path()) else { continue };
            for name in names.flatten() {
                if !name.path().join("index.json").is_file() {
                    continue;
                }
                let text = format!("{}:{}", namespace.file_name().to_string_lossy(), name.file_name().to_string_lossy());
                // Directories that are not package names are not packages.
                if let Ok(package) = text.parse::<PackageName>() {
                    packages.push(package);
                }
            }
        }
        packages.sort_by_key(ToString::to_string);
        Ok(packages)
    }

    /// The description `reference`'s manifest carries, read without the component.
    pub fn description(&self, reference: &PackageRef) -> Result<Option<String>, RegistryError> {
        let layout = self.layout(&reference.package);
        let tag = reference.tag();
        let index = Self::index(&layout)?;
        let Some(entry) = index.manifests.iter().find(|m| m.annotations.get(REF_NAME) == Some(&tag)) else { return Ok(None) };
        let manifest = read_blob(&layout, &Descriptor { media_type: entry.media_type.clone(), digest: entry.digest.clone(), size: entry.size })?;
        Ok(crate::artifact::manifest_description(&manifest))
    }

    /// The artifact published as `reference`, every blob checked against its digest.
    pub fn pull(&self, reference: &PackageRef) -> Result<Artifact, RegistryError> {
        let layout = self.layout(&reference.package);
        let tag = reference.tag();
        let index = Self::index(&layout)?;
        let entry = index.manifests.iter().find(|m| m.annotations.get(REF_NAME) == Some(&tag)).ok_or_else(|| {
            RegistryError::NotFound { reference: reference.to_string(), registry: self.root.display().to_string() }
        })?;
        let manifest = read_blob(&layout, &Descriptor { media_type: entry.media_type.clone(), digest: entry.digest.clone(), size: entry.size })?;
        let probe = Artifact { manifest, config: Vec::new(), component: Vec::new() };
        let (config, layer) = probe.descriptors()?;
        let config_bytes = read_blob(&layout, &config)?;
        let component = read_blob(&layout, &layer)?;
        Artifact::from_parts(probe.manifest, config_bytes, component)
    }
}

/// The blob `descriptor` names, refused if its bytes are not what it names.
fn read_blob(layout: &Path, descriptor: &Descriptor) -> Result<Vec<u8>, RegistryError> {
    let path = LocalRegistry::blob_path(layout, &descriptor.digest)?;
    let bytes = std::fs::read(&path).map_err(|source| RegistryError::Io { path: path.clone(), source })?;
    let actual = digest(&bytes);
    if actual != descriptor.digest {
        return Err(RegistryError::DigestMismatch { what: "local registry blob", expected: descriptor.digest.clone(), actual });
    }
    Ok(bytes)
}

fn write_blob(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    // Content-addressed: a blob already there with this name holds these bytes (it is checked on read).
    if path.exists() {
        return Ok(());
    }
    write_atomically(path, bytes)
}

/// Writes `bytes` to `path` through a temporary file renamed over it, so a
/// reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| RegistryError::Io { path: dir.to_path_buf(), source })?;
    let temporary = dir.join(format!(".{}.partial", path.file_name().and_then(|n| n.to_str()).unwrap_or("blob")));
    std::fs::write(&temporary, bytes).map_err(|source| RegistryError::Io { path: temporary.clone(), source })?;
    std::fs::rename(&temporary, path).map_err(|source| RegistryError::Io { path: path.to_path_buf(), source })
}
