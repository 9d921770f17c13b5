//! The local directory registry with real components (the examples built by
//! `cargo xtask guests`): publish, list, pull byte for byte, the artifact
//! layout `wkg` expects, immutable versions, and tampering caught on read.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use polyplug_registry::{Artifact, LocalRegistry, PackageRef, RegistryError};
use serde_json::Value;

fn example(name: &str) -> Vec<u8> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("plugin.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask guests` first", path.display()))
}

fn published_at() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_000_000)
}

fn artifact(name: &str) -> Artifact {
    Artifact::from_component(example(name), published_at(), Some("https://github.com/polyplug/polyplug")).unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn a_component_is_published_in_the_layout_wkg_reads() {
    let artifact = artifact("transform-rust");
    let manifest = json(&artifact.manifest);
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(manifest["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "exactly one layer");
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    assert_eq!(layers[0]["digest"], polyplug_registry::digest(&artifact.component));
    assert_eq!(layers[0]["size"], artifact.component.len());
    let annotations = &manifest["annotations"];
    assert_eq!(annotations["org.opencontainers.image.version"], "0.1.0");
    assert_eq!(annotations["org.opencontainers.image.title"], "transform-rust");
    assert_eq!(annotations["org.opencontainers.image.description"], "Renames, maps, drops and filters fields of JSON messages");
    assert_eq!(annotations["org.opencontainers.image.licenses"], "Apache-2.0 WITH LLVM-exception");
    assert_eq!(annotations["org.opencontainers.image.source"], "https://github.com/polyplug/polyplug");

    let config = json(&artifact.config);
    assert_eq!(config["created"], "2026-11-30T00:53:20Z");
    assert_eq!(config["author"], "polyplug developers");
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasip2");
    assert_eq!(config["layerDigests"], serde_json::json!([layers[0]["digest"]]));
    assert_eq!(config["component"]["target"], "polyplug:plugin/transform@0.1.0");
    let exports: Vec<&str> = config["component"]["exports"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(exports.contains(&"polyplug:plugin/transformer@0.1.0") && exports.contains(&"polyplug:plugin/plugin@0.1.0"), "{exports:?}");
    let imports: Vec<&str> = config["component"]["imports"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(imports.contains(&"polyplug:plugin/log@0.1.0"), "{imports:?}");
    // The same component and time give the same artifact: publishing is reproducible.
    assert_eq!(self::artifact("transform-rust").manifest_digest(), artifact.manifest_digest());
}

#[test]
fn publish_list_and_pull_give_back_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let registry = LocalRegistry::new(dir.path());
    let published = artifact("transform-rust");
    let first: PackageRef = "acme:reshaper@0.1.0".parse().unwrap();
    let second: PackageRef = "acme:reshaper@0.2.0".parse().unwrap();
    let digest = registry.push(&first, &published).unwrap();
    assert_eq!(digest, published.manifest_digest());
    registry.push(&second, &artifact("transform-python")).unwrap();
    let versions: Vec<String> = registry.versions(&first.package).unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(versions, ["0.1.0", "0.2.0"]);
    let pulled = registry.pull(&first).unwrap();
    assert_eq!(pulled.component, published.component, "byte for byte");
    assert_eq!(pulled.manifest_digest(), digest);
    let info = pulled.info().unwrap();
    assert_eq!(info.target.as_deref(), Some("polyplug:plugin/transform@0.1.0"));
    // A standard OCI image layout: tools that read layouts read it.
    let layout = dir.path().join("acme/reshaper");
    assert_eq!(std::fs::read_to_string(layout.join("oci-layout")).unwrap(), r#"{"imageLayoutVersion":"1.0.0"}"#);
    let index = json(&std::fs::read(layout.join("index.json")).unwrap());
    assert_eq!(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "0.1.0");
    let err = registry.pull(&"acme:reshaper@0.3.0".parse().unwrap()).unwrap_err().to_string();
    assert!(err.starts_with("acme:reshaper@0.3.0 is not in ") && err.ends_with("`polyplug list` shows the versions there are"), "{err}");
}

#[test]
fn a_published_version_is_immutable() {
    let dir = tempfile::tempdir().unwrap();
    let registry = LocalRegistry::new(dir.path());
    let reference: PackageRef = "acme:reshaper@1.0.0".parse().unwrap();
    registry.push(&reference, &artifact("transform-rust")).unwrap();
    registry.push(&reference, &artifact("transform-rust")).expect("the same bytes again: a no-op");
    let err = registry.push(&reference, &artifact("transform-python")).unwrap_err();
    assert!(matches!(err, RegistryError::VersionExists { .. }), "{err}");
    assert!(err.to_string().contains("acme:reshaper@1.0.0 is already published in"), "{err}");
    assert!(err.to_string().ends_with("versions are immutable: publish a new version"), "{err}");
}

#[test]
fn a_tampered_blob_is_refused_on_pull() {
    let dir = tempfile::tempdir().unwrap();
    let registry = LocalRegistry::new(dir.path());
    let reference: PackageRef = "acme:reshaper@1.0.0".parse().unwrap();
    let published = artifact("transform-rust");
    registry.push(&reference, &published).unwrap();
    let layer = polyplug_registry::digest(&published.component);
    let blob = dir.path().join("acme/reshaper/blobs/sha256").join(layer.strip_prefix("sha256:").unwrap());
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let err = registry.pull(&reference).unwrap_err();
    assert!(matches!(err, RegistryError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&format!("does not match its digest (expected {layer}, got sha256:")), "{err}");
}

#[test]
fn what_is_not_a_polyplug_component_is_not_published() {
    let core = core_module();
    let err = Artifact::from_component(core, published_at(), None).unwrap_err().to_string();
    assert!(err.contains("not a WebAssembly component (it is a core module, not a component)"), "{err}");
    let err = Artifact::from_component(b"not wasm at all".to_vec(), published_at(), None).unwrap_err().to_string();
    assert!(err.contains("cannot publish: the file is not a WebAssembly component"), "{err}");
}

/// The smallest core module: the magic number and version 1.
fn core_module() -> Vec<u8> {
    b"\0asm\x01\0\0\0".to_vec()
}

#[test]
fn what_a_registry_returns_is_checked_as_wkg_checks_it() {
    let good = artifact("transform-rust");
    let mut manifest = json(&good.manifest);
    let reparse = |m: &Value| Artifact::from_parts(serde_json::to_vec(m).unwrap(), good.config.clone(), good.component.clone());
    assert!(reparse(&manifest).is_ok());

    let mut no_media_type = manifest.clone();
    no_media_type.as_object_mut().unwrap().remove("mediaType");
    assert!(reparse(&no_media_type).unwrap_err().to_string().contains("it has no mediaType"));

    let mut two_layers = manifest.clone();
    let layer = two_layers["layers"][0].clone();
    two_layers["layers"].as_array_mut().unwrap().push(layer);
    assert!(reparse(&two_layers).unwrap_err().to_string().contains("it has 2 layers; a Wasm component artifact has exactly one"));

    let mut image_config = manifest.clone();
    image_config["config"]["mediaType"] = "application/vnd.oci.image.config.v1+json".into();
    assert!(reparse(&image_config).unwrap_err().to_string().contains("not a Wasm component's `application/vnd.wasm.config.v0+json`"));

    let mut config = json(&good.config);
    config.as_object_mut().unwrap().remove("created");
    let config = serde_json::to_vec(&config).unwrap();
    manifest["config"]["digest"] = polyplug_registry::digest(&config).into();
    manifest["config"]["size"] = config.len().into();
    let err = Artifact::from_parts(serde_json::to_vec(&manifest).unwrap(), config, good.component.clone()).unwrap_err();
    assert!(err.to_string().contains("the config is not in the Wasm OCI artifact format: it has no `created`"), "{err}");
}
