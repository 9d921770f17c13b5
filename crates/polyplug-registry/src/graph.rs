//! Resolving requirements together with the dependencies of the plugins
//! they choose: one version per plugin (a host knows each plugin by its
//! name), the highest that meets every requirement on it and whose world
//! the host serves, the whole graph checked for cycles.
//!
//! A dependency is named in the dependent's manifest (`[dependencies]`,
//! `words = "^1.1"`, or `acme:words` for another namespace than the
//! dependent's own); its artifact is pulled to read its own manifest, so a
//! resolution pulls each candidate it considers once.

use std::collections::{BTreeMap, HashMap};

use polyplug_manifest::{Manifest, WorldRef};

use crate::{Artifact, PackageName, PackageRef, RegistryError, Requirement};

/// Where resolution finds versions and artifacts: a registry, usually.
pub trait Source {
    /// The versions of `package` published there.
    fn versions(&mut self, package: &PackageName) -> Result<Vec<semver::Version>, RegistryError>;
    /// The artifact of one version, its blobs checked against their digests.
    fn pull(&mut self, reference: &PackageRef) -> Result<Artifact, RegistryError>;
}

/// One plugin of a resolved graph.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The version chosen.
    pub reference: PackageRef,
    /// Its artifact.
    pub artifact: Artifact,
    /// Every requirement on it, joined (`^1.1, ^1.2`): what the lockfile records.
    pub requirement: semver::VersionReq,
    /// Who asked for it: `the command line`, or the dependents' references.
    pub required_by: Vec<String>,
    /// The plugins it depends on (their package names).
    pub depends_on: Vec<PackageName>,
}

/// Who asks for what: the requirements on one package.
struct Wanted {
    package: PackageName,
    requirements: Vec<(semver::VersionReq, String)>,
}

/// A candidate that fits, with what it depends on.
struct Chosen {
    reference: PackageRef,
    dependencies: Vec<Requirement>,
}

/// How many times resolution may change its mind before it gives up (each
/// change follows a requirement the previous choice did not meet).
const ROUNDS: usize = 64;

/// Resolves `roots` and everything they depend on, with `serves(world)`
/// saying which worlds the host serves. The result lists dependencies
/// before their dependents.
pub fn resolve_graph(
    roots: &[Requirement],
    source: &mut dyn Source,
    serves: &dyn Fn(&WorldRef) -> bool,
) -> Result<Vec<Resolved>, RegistryError> {
    let mut pulled: HashMap<String, Artifact> = HashMap::new();
    let mut versions: HashMap<String, Vec<semver::Version>> = HashMap::new();
    let mut chosen: BTreeMap<String, Chosen> = BTreeMap::new();
    for _ in 0..ROUNDS {
        let wanted = requirements(roots, &chosen);
        chosen.retain(|package, _| wanted.contains_key(package));
        let mut changed = false;
        for (key, wanted) in &wanted {
            if let Some(current) = chosen.get(key)
                && wanted.requirements.iter().all(|(req, _)| req.matches(&current.reference.version))
            {
                continue;
            }
            let pick = best(wanted, source, serves, &mut pulled, &mut versions)?;
            chosen.insert(key.clone(), pick);
            changed = true;
        }
        if !changed {
            return finish(roots, chosen, wanted, pulled);
        }
    }
    Err(RegistryError::Unresolved {
        requirement: roots.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        reason: format!("the dependencies did not settle after {ROUNDS} rounds: their requirements keep contradicting each other"),
    })
}

/// The requirements on every package reachable from `roots` through the
/// dependencies of what is chosen.
fn requirements(roots: &[Requirement], chosen: &BTreeMap<String, Chosen>) -> BTreeMap<String, Wanted> {
    let mut wanted: BTreeMap<String, Wanted> = BTreeMap::new();
    let mut queue: Vec<(Requirement, String)> = roots.iter().map(|r| (r.clone(), "the command line".to_string())).collect();
    while let Some((requirement, by)) = queue.pop() {
        let key = requirement.package.to_string();
        let entry = wanted.entry(key.clone()).or_insert_with(|| Wanted { package: requirement.package.clone(), requirements: Vec::new() });
        if entry.requirements.iter().any(|(r, b)| *r == requirement.versions && *b == by) {
            continue;
        }
        let first = entry.requirements.is_empty();
        entry.requirements.push((requirement.versions.clone(), by));
        if first && let Some(current) = chosen.get(&key) {
            for dependency in &current.dependencies {
                queue.push((dependency.clone(), current.reference.to_string()));
            }
        }
    }
    wanted
}

/// The highest version meeting every requirement on `wanted` whose world is served.
fn best(
    wanted: &Wanted,
    source: &mut dyn Source,
    serves: &dyn Fn(&WorldRef) -> bool,
    pulled: &mut HashMap<String, Artifact>,
    versions: &mut HashMap<String, Vec<semver::Version>>,
) -> Result<Chosen, RegistryError> {
    let key = wanted.package.to_string();
    if !versions.contains_key(&key) {
        versions.insert(key.clone(), source.versions(&wanted.package)?);
    }
    let published = &versions[&key];
    let mut matching: Vec<&semver::Version> =
        published.iter().filter(|v| wanted.requirements.iter().all(|(req, _)| req.matches(v))).collect();
    matching.sort();
    let mut unserved = Vec::new();
    for version in matching.into_iter().rev() {
        let reference = PackageRef::new(wanted.package.clone(), version.clone())?;
        let artifact = match pulled.get(&reference.to_string()) {
            Some(artifact) => artifact.clone(),
            None => {
                let artifact = source.pull(&reference)?;
                pulled.insert(reference.to_string(), artifact.clone());
                artifact
            }
        };
        let target = artifact.info()?.target.unwrap_or_default();
        if WorldRef::try_from(target.clone()).is_ok_and(|world| serves(&world)) {
            let dependencies = dependencies_of(&reference, &artifact)?;
            return Ok(Chosen { reference, dependencies });
        }
        unserved.push(format!("{version} targets {target}"));
    }
    let asked: Vec<String> = wanted.requirements.iter().map(|(req, by)| format!("{by} needs {req}")).collect();
    let published: Vec<String> = published.iter().map(ToString::to_string).collect();
    let published = if published.is_empty() { "none".to_string() } else { published.join(", ") };
    let reason = match (unserved.is_empty(), wanted.requirements.len()) {
        (false, _) => format!("the matching versions target worlds this polyplug does not serve ({})", unserved.join("; ")),
        (true, 1) => format!("no published version matches (published: {published})"),
        (true, _) => format!("no published version meets all of its requirements ({}; published: {published})", asked.join(", ")),
    };
    let requirement = match wanted.requirements.as_slice() {
        [(req, _)] => format!("{}@{req}", wanted.package),
        _ => wanted.package.to_string(),
    };
    Err(RegistryError::Unresolved { requirement, reason })
}

/// The dependencies the manifest embedded in `artifact` declares.
fn dependencies_of(reference: &PackageRef, artifact: &Artifact) -> Result<Vec<Requirement>, RegistryError> {
    let bad = |reason: String| RegistryError::Unresolved { requirement: reference.to_string(), reason };
    let Some(text) = polyplug_manifest::read_section(&artifact.component).map_err(|e| bad(e.to_string()))? else {
        return Ok(Vec::new());
    };
    let manifest = Manifest::from_toml(&text, &reference.to_string()).map_err(|e| bad(format!("its manifest is invalid: {e}")))?;
    Ok(manifest
        .dependencies
        .iter()
        .map(|(name, versions)| Requirement {
            package: PackageName {
                namespace: name.namespace.clone().unwrap_or_else(|| reference.package.namespace.clone()),
                name: name.name.to_string(),
            },
            versions: versions.clone(),
        })
        .collect())
}

/// The chosen graph, checked for cycles, dependencies first.
fn finish(
    roots: &[Requirement],
    chosen: BTreeMap<String, Chosen>,
    wanted: BTreeMap<String, Wanted>,
    mut pulled: HashMap<String, Artifact>,
) -> Result<Vec<Resolved>, RegistryError> {
    let mut order: Vec<String> = Vec::new();
    let mut visiting: Vec<String> = Vec::new();
    fn visit(key: &str, chosen: &BTreeMap<String, Chosen>, order: &mut Vec<String>, visiting: &mut Vec<String>) -> Result<(), RegistryError> {
        if order.iter().any(|k| k == key) {
            return Ok(());
        }
        if let Some(at) = visiting.iter().position(|k| k == key) {
            let mut cycle: Vec<String> = visiting[at..].iter().map(|k| chosen[k].reference.to_string()).collect();
            cycle.push(chosen[key].reference.to_string());
            return Err(RegistryError::Cycle { cycle: cycle.join(" → ") });
        }
        visiting.push(key.to_string());
        for dependency in &chosen[key].dependencies {
            visit(&dependency.package.to_string(), chosen, order, visiting)?;
        }
        visiting.pop();
        order.push(key.to_string());
        Ok(())
    }
    for root in roots {
        visit(&root.package.to_string(), &chosen, &mut order, &mut visiting)?;
    }
    Ok(order
        .into_iter()
        .map(|key| {
            let Chosen { reference, dependencies } = &chosen[&key];
            let requirements = &wanted[&key].requirements;
            let comparators = requirements.iter().flat_map(|(req, _)| req.comparators.clone()).collect();
            Resolved {
                artifact: pulled.remove(&reference.to_string()).expect("every chosen version was pulled"),
                reference: reference.clone(),
                requirement: semver::VersionReq { comparators },
                required_by: requirements.iter().map(|(_, by)| by.clone()).collect(),
                depends_on: dependencies.iter().map(|d| d.package.clone()).collect(),
            }
        })
        .collect())
}

impl Source for crate::LocalRegistry {
    fn versions(&mut self, package: &PackageName) -> Result<Vec<semver::Version>, RegistryError> {
        crate::LocalRegistry::versions(self, package)
    }

    fn pull(&mut self, reference: &PackageRef) -> Result<Artifact, RegistryError> {
        crate::LocalRegistry::pull(self, reference)
    }
}
