//! Resolving plugins with their dependencies against a real directory
//! registry: one version per plugin, the highest meeting every requirement,
//! dependencies before dependents, and readable errors for conflicts,
//! cycles and missing plugins. The components are a real example
//! (`transform-rust`) with manifests naming other plugins and dependencies.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use polyplug_manifest::WorldRef;
use polyplug_registry::{Artifact, LocalRegistry, PackageRef, RegistryError, Requirement, resolve_graph};

/// Publishes `transform-rust` as `reference`, its manifest depending on `dependencies` (TOML lines).
fn publish(registry: &LocalRegistry, reference: &str, dependencies: &str) {
    let reference: PackageRef = reference.parse().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust");
    let manifest = std::fs::read_to_string(path.join("polyplug.toml")).unwrap();
    let manifest = manifest
        .replace("name = \"transform-rust\"", &format!("name = \"{}\"", reference.package.name))
        .replace("version = \"0.1.0\"", &format!("version = \"{}\"", reference.version));
    let manifest = format!("{manifest}\n[dependencies]\n{dependencies}\n");
    let component = std::fs::read(path.join("plugin.wasm")).expect("examples/transform-rust is built (cargo xtask guests)");
    let component = polyplug_manifest::embed(&component, &manifest).unwrap();
    let artifact = Artifact::from_component(component, UNIX_EPOCH + Duration::from_secs(1_796_000_000), None).unwrap();
    registry.push(&reference, &artifact).unwrap();
}

fn transform_only(world: &WorldRef) -> bool {
    world.to_string() == "polyplug:plugin/transform@0.1.0"
}

fn resolve(registry: &mut LocalRegistry, roots: &[&str]) -> Result<Vec<(String, String)>, RegistryError> {
    let roots: Vec<Requirement> = roots.iter().map(|r| r.parse().unwrap()).collect();
    let resolved = resolve_graph(&roots, registry, &transform_only)?;
    Ok(resolved.into_iter().map(|r| (r.reference.to_string(), r.requirement.to_string())).collect())
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn dependencies_resolve_to_their_highest_fitting_version_and_come_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut registry = LocalRegistry::new(dir.path());
    publish(&registry, "acme:summary@0.3.0", "words = \"^1.1\"");
    for version in ["1.0.0", "1.1.0", "1.4.0", "2.0.0"] {
        publish(&registry, &format!("acme:words@{version}"), "\"globex:stemmer\" = \"~0.2\"");
    }
    publish(&registry, "globex:stemmer@0.2.7", "");
    publish(&registry, "globex:stemmer@0.3.0", "");
    let resolved = resolve(&mut registry, &["acme:summary@^0.3"]).unwrap();
    assert_eq!(resolved, pairs(&[("globex:stemmer@0.2.7", "~0.2"), ("acme:words@1.4.0", "^1.1"), ("acme:summary@0.3.0", "^0.3")]));

    let roots: Vec<Requirement> = vec!["acme:summary@^0.3".parse().unwrap()];
    let graph = resolve_graph(&roots, &mut registry, &transform_only).unwrap();
    assert_eq!(graph[1].required_by, ["acme:summary@0.3.0"]);
    assert_eq!(graph[2].required_by, ["the command line"]);
    assert_eq!(graph[2].depends_on.iter().map(ToString::to_string).collect::<Vec<_>>(), ["acme:words"]);
}

#[test]
fn a_plugin_two_others_need_gets_one_version_meeting_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut registry = LocalRegistry::new(dir.path());
    publish(&registry, "acme:left@1.0.0", "shared = \"^1\"");
    publish(&registry, "acme:right@1.0.0", "shared = \"~1.2\"");
    for version in ["1.2.5", "1.3.0"] {
        publish(&registry, &format!("acme:shared@{version}"), "");
    }
    let resolved = resolve(&mut registry, &["acme:left@^1", "acme:right@^1"]).unwrap();
    let shared = resolved.iter().find(|(r, _)| r.starts_with("acme:shared")).unwrap();
    assert_eq!(shared.0, "acme:shared@1.2.5");
    let mut requirement: Vec<&str> = shared.1.split(", ").collect();
    requirement.sort();
    assert_eq!(requirement, ["^1", "~1.2"]);
}

#[test]
fn requirements_no_version_meets_are_a_conflict_naming_who_asks() {
    let dir = tempfile::tempdir().unwrap();
    let mut registry = LocalRegistry::new(dir.path());
    publish(&registry, "acme:left@1.0.0", "shared = \"^1\"");
    publish(&registry, "acme:right@1.0.0", "shared = \"^2\"");
    publish(&registry, "acme:shared@1.5.0", "");
    publish(&registry, "acme:shared@2.1.0", "");
    let err = resolve(&mut registry, &["acme:left@^1", "acme:right@^1"]).unwrap_err().to_string();
    assert!(err.starts_with("cannot resolve acme:shared: no published version meets all of its requirements ("), "{err}");
    assert!(err.contains("acme:left@1.0.0 needs ^1") && err.contains("acme:right@1.0.0 needs ^2"), "{err}");
    assert!(err.ends_with("; published: 1.5.0, 2.1.0)"), "{err}");
}

#[test]
fn a_dependency_cycle_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut registry = LocalRegistry::new(dir.path());
    publish(&registry, "acme:first@1.0.0", "second = \"^1\"");
    publish(&registry, "acme:second@1.0.0", "third = \"^1\"");
    publish(&registry, "acme:third@1.0.0", "first = \"^1\"");
    let err = resolve(&mut registry, &["acme:first@^1"]).unwrap_err();
    assert!(matches!(err, RegistryError::Cycle { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "dependency cycle: acme:first@1.0.0 → acme:second@1.0.0 → acme:third@1.0.0 → acme:first@1.0.0; \
         a plugin cannot depend on itself, even through others: remove one of these dependencies"
    );
}

#[test]
fn a_missing_dependency_says_what_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let mut registry = LocalRegistry::new(dir.path());
    publish(&registry, "acme:lonely@1.0.0", "friend = \"^3\"");
    publish(&registry, "acme:friend@2.0.0", "");
    let err = resolve(&mut registry, &["acme:lonely@^1"]).unwrap_err().to_string();
    assert_eq!(err, "cannot resolve acme:friend@^3: no published version matches (published: 2.0.0)");
    let err = resolve(&mut registry, &["acme:nobody@^1"]).unwrap_err().to_string();
    assert_eq!(err, "cannot resolve acme:nobody@^1: no published version matches (published: none)");
}
