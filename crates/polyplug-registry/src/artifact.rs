//! A component as an OCI artifact, in the CNCF Wasm OCI artifact layout that
//! `wkg` writes and reads: an image manifest
//! (`application/vnd.oci.image.manifest.v1+json`), a config
//! (`application/vnd.wasm.config.v0+json`: `created`, `author`,
//! `architecture: "wasm"`, `os: "wasip2"`, `layerDigests`, and `component`
//! with its imports, exports and target world) and exactly one layer
//! (`application/wasm`, the component's bytes, signature included).
//! [`Artifact::from_parts`] checks what it reads as strictly as `wkg` does.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use crate::RegistryError;

/// The media type of the image manifest.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of the config blob.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of the one layer: the component.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";

/// `sha256:<hex>` of `bytes`: how OCI names a blob.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A blob as a manifest points at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// What it is.
    pub media_type: String,
    /// `sha256:<hex>` of its bytes.
    pub digest: String,
    /// Its length in bytes.
    pub size: u64,
}

impl Descriptor {
    fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor { media_type: media_type.into(), digest: digest(bytes), size: bytes.len() as u64 }
    }
}

/// The top-level imports and exports of a component, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentShape {
    /// What it imports, e.g. `polyplug:plugin/log@0.1.0`.
    pub imports: Vec<String>,
    /// What it exports, e.g. `polyplug:plugin/transformer@0.1.0`.
    pub exports: Vec<String>,
}

impl ComponentShape {
    /// The shape of `component`, or why it is not a component.
    pub fn of(component: &[u8]) -> Result<ComponentShape, String> {
        let mut shape = ComponentShape::default();
        // Nested modules and components start with their own `Version` and
        // end with their own `End`; only the outermost component's count.
        let mut depth = 0usize;
        for payload in wasmparser::Parser::new(0).parse_all(component) {
            match payload.map_err(|e| e.to_string())? {
                wasmparser::Payload::Version { encoding, .. } => {
                    if depth == 0 && encoding != wasmparser::Encoding::Component {
                        return Err("it is a core module, not a component".into());
                    }
                    depth += 1;
                }
                wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
                wasmparser::Payload::ComponentImportSection(reader) if depth == 1 => {
                    for import in reader {
                        shape.imports.push(import.map_err(|e| e.to_string())?.name.name.to_string());
                    }
                }
                wasmparser::Payload::ComponentExportSection(reader) if depth == 1 => {
                    for export in reader {
                        shape.exports.push(export.map_err(|e| e.to_string())?.name.name.to_string());
                    }
                }
                _ => {}
            }
        }
        Ok(shape)
    }
}

/// A component ready to push, or as pulled: the manifest, config and layer,
/// each as its exact bytes (digests are over these bytes).
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The image manifest, JSON.
    pub manifest: Vec<u8>,
    /// The config, JSON.
    pub config: Vec<u8>,
    /// The component.
    pub component: Vec<u8>,
}

/// What the annotations and config say about the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactInfo {
    /// `org.opencontainers.image.version`.
    pub version: Option<String>,
    /// `org.opencontainers.image.title`.
    pub title: Option<String>,
    /// `org.opencontainers.image.description`.
    pub description: Option<String>,
    /// The world the component targets (the config's `component.target`).
    pub target: Option<String>,
    /// When it was published (the config's `created`).
    pub created: String,
}

impl Artifact {
    /// The artifact of `component`, described from the polyplug manifest it
    /// embeds (name, version, description, license, authors, world) and its
    /// imports and exports; `created` is the publication time (give a
    /// fixed one for a reproducible artifact).
    pub fn from_component(component: Vec<u8>, created: SystemTime, source: Option<&str>) -> Result<Artifact, RegistryError> {
        let shape = ComponentShape::of(&component).map_err(|reason| RegistryError::NotAComponent { reason })?;
        let manifest = polyplug_manifest::read_section(&component)
            .map_err(|e| RegistryError::NoManifest { reason: e.to_string() })?
            .ok_or_else(|| RegistryError::NoManifest {
                reason: "it has no `polyplug-manifest` section; build it with `polyplug build`, which embeds polyplug.toml".into(),
            })?;
        let manifest = polyplug_manifest::Manifest::from_toml(&manifest, "the component's embedded polyplug.toml")
            .map_err(|e| RegistryError::NoManifest { reason: e.to_string() })?;
        let plugin = &manifest.plugin;
        let layer = Descriptor::of(LAYER_MEDIA_TYPE, &component);
        let config = json!({
            "created": humantime::format_rfc3339_seconds(created).to_string(),
            "author": plugin.authors.join(", "),
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [layer.digest],
            "component": {
                "exports": shape.exports,
                "imports": shape.imports,
                "target": plugin.world.to_string(),
            },
        });
        let config = serde_json::to_vec(&config).map_err(|e| RegistryError::Format { what: "config", reason: e.to_string() })?;
        let mut annotations = Map::new();
        let mut annotate = |key: &str, value: &str| {
            if !value.is_empty() {
                annotations.insert(format!("org.opencontainers.image.{key}"), Value::String(value.into()));
            }
        };
        annotate("version", &plugin.version.to_string());
        annotate("title", plugin.name.as_str());
        annotate("description", &plugin.description);
        annotate("licenses", plugin.license.as_deref().unwrap_or_default());
        annotate("source", source.unwrap_or_default());
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": Descriptor::of(CONFIG_MEDIA_TYPE, &config),
            "layers": [layer],
            "annotations": annotations,
        });
        let manifest = serde_json::to_vec(&manifest).map_err(|e| RegistryError::Format { what: "manifest", reason: e.to_string() })?;
        Ok(Artifact { manifest, config, component })
    }

    /// `sha256:<hex>` of the manifest: what names this artifact for good.
    pub fn manifest_digest(&self) -> String {
        digest(&self.manifest)
    }

    /// The manifest's descriptors: the config's and the one layer's.
    pub fn descriptors(&self) -> Result<(Descriptor, Descriptor), RegistryError> {
        let manifest: ImageManifest = parse("manifest", &self.manifest)?;
        let layer = manifest.layers.into_iter().next().ok_or_else(|| format_error("manifest", "it has no layer"))?;
        Ok((manifest.config, layer))
    }

    /// An artifact from bytes a registry returned, checked as `wkg` checks
    /// them: the manifest's `mediaType`, the config's media type and fields,
    /// exactly one `application/wasm` layer, and every digest against the
    /// bytes it names (a tampered blob is refused here).
    pub fn from_parts(manifest: Vec<u8>, config: Vec<u8>, component: Vec<u8>) -> Result<Artifact, RegistryError> {
        let parsed: ImageManifest = parse("manifest", &manifest)?;
        match parsed.media_type.as_deref() {
            Some(MANIFEST_MEDIA_TYPE) => {}
            Some(other) => return Err(format_error("manifest", &format!("its mediaType is `{other}`, not `{MANIFEST_MEDIA_TYPE}`"))),
            None => return Err(format_error("manifest", "it has no mediaType")),
        }
        if parsed.config.media_type != CONFIG_MEDIA_TYPE {
            return Err(format_error(
                "manifest",
                &format!("its config is `{}`, not a Wasm component's `{CONFIG_MEDIA_TYPE}`", parsed.config.media_type),
            ));
        }
        let [layer] = parsed.layers.as_slice() else {
            return Err(format_error("manifest", &format!("it has {} layers; a Wasm component artifact has exactly one", parsed.layers.len())));
        };
        if layer.media_type != LAYER_MEDIA_TYPE {
            return Err(format_error("manifest", &format!("its layer is `{}`, not `{LAYER_MEDIA_TYPE}`", layer.media_type)));
        }
        check_blob("config", &parsed.config, &config)?;
        check_blob("component", layer, &component)?;
        let fields: Value = parse("config", &config)?;
        for field in ["created", "architecture", "os", "layerDigests"] {
            if fields.get(field).is_none() {
                return Err(format_error("config", &format!("it has no `{field}`")));
            }
        }
        if fields["layerDigests"].as_array().is_none_or(|d| d.len() != 1 || d[0] != layer.digest.as_str()) {
            return Err(format_error("config", "its `layerDigests` do not name the manifest's one layer"));
        }
        Ok(Artifact { manifest, config, component })
    }

    /// What the annotations and the config say.
    pub fn info(&self) -> Result<ArtifactInfo, RegistryError> {
        let manifest: ImageManifest = parse("manifest", &self.manifest)?;
        let config: Value = parse("config", &self.config)?;
        let annotation = |key: &str| manifest.annotations.get(&format!("org.opencontainers.image.{key}")).cloned();
        Ok(ArtifactInfo {
            version: annotation("version"),
            title: annotation("title"),
            description: annotation("description"),
            target: config["component"]["target"].as_str().map(str::to_string),
            created: config["created"].as_str().unwrap_or_default().to_string(),
        })
    }
}

/// The `org.opencontainers.image.description` of an artifact's manifest
/// (`None` when it has none or is not an image manifest): what a search
/// shows without downloading the component.
pub fn manifest_description(manifest: &[u8]) -> Option<String> {
    serde_json::from_slice::<ImageManifest>(manifest).ok()?.annotations.get("org.opencontainers.image.description").cloned()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageManifest {
    media_type: Option<String>,
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

fn format_error(what: &'static str, reason: &str) -> RegistryError {
    RegistryError::Format { what, reason: reason.into() }
}

fn parse<T: serde::de::DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, RegistryError> {
    serde_json::from_slice(bytes).map_err(|e| format_error(what, &format!("it is not the JSON expected: {e}")))
}

/// `bytes` are what `descriptor` names: its size and its digest.
fn check_blob(what: &'static str, descriptor: &Descriptor, bytes: &[u8]) -> Result<(), RegistryError> {
    let actual = digest(bytes);
    if descriptor.size != bytes.len() as u64 || descriptor.digest != actual {
        return Err(RegistryError::DigestMismatch { what, expected: descriptor.digest.clone(), actual });
    }
    Ok(())
}
