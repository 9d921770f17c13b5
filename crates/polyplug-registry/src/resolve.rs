//! Choosing a version: the highest one that meets the requirement and whose
//! world the host serves. A host's world versions are part of compatibility,
//! as Zed does with its extension API versions: a plugin built for
//! `polyplug:plugin/auth@0.2.0` does not resolve for a host that serves only
//! `auth@0.1.0`, however well its own version matches.

use polyplug_manifest::WorldRef;

use crate::{Requirement, RegistryError};

/// A published version and the world it targets (from its artifact's config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The version.
    pub version: semver::Version,
    /// The world it implements, e.g. `polyplug:plugin/auth@0.1.0`.
    pub target: WorldRef,
}

/// Whether a host serving `served` can run a plugin built for `target`: the
/// same world, at a semver-compatible version (the same major version; for
/// `0.x`, the same minor), as wasmtime links semver-compatible interfaces.
pub fn serves(served: &WorldRef, target: &WorldRef) -> bool {
    let (a, b) = (&served.version, &target.version);
    served.package == target.package
        && served.name == target.name
        && a.major == b.major
        && (a.major > 0 || a.minor == b.minor)
        && (a.major > 0 || a.minor > 0 || a.patch == b.patch)
}

/// The highest candidate meeting `requirement` whose world one of `served`
/// serves; the error lists what there is and why none fits.
pub fn select<'c>(requirement: &Requirement, candidates: &'c [Candidate], served: &[WorldRef]) -> Result<&'c Candidate, RegistryError> {
    let matching: Vec<&Candidate> = candidates.iter().filter(|c| requirement.versions.matches(&c.version)).collect();
    if let Some(best) = matching.iter().copied().filter(|c| served.iter().any(|s| serves(s, &c.target))).max_by(|a, b| a.version.cmp(&b.version)) {
        return Ok(best);
    }
    let mut available: Vec<String> = candidates.iter().map(|c| c.version.to_string()).collect();
    if available.is_empty() {
        available.push("none".into());
    }
    let served_list: Vec<String> = served.iter().map(ToString::to_string).collect();
    let reason = if matching.is_empty() {
        format!("no published version matches `{}` (published: {})", requirement.versions, available.join(", "))
    } else {
        let targets: Vec<String> = matching.iter().map(|c| format!("{} targets {}", c.version, c.target)).collect();
        format!(
            "the versions matching `{}` target worlds this host does not serve ({}; it serves {})",
            requirement.versions,
            targets.join(", "),
            if served_list.is_empty() { "none".to_string() } else { served_list.join(", ") }
        )
    };
    Err(RegistryError::Unresolved { requirement: requirement.to_string(), reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(text: &str) -> WorldRef {
        WorldRef::try_from(text.to_string()).unwrap()
    }

    fn candidates(list: &[(&str, &str)]) -> Vec<Candidate> {
        list.iter().map(|(v, w)| Candidate { version: v.parse().unwrap(), target: world(w) }).collect()
    }

    const AUTH_01: &str = "polyplug:plugin/auth@0.1.0";
    const AUTH_02: &str = "polyplug:plugin/auth@0.2.0";

    #[test]
    fn the_highest_compatible_version_is_chosen() {
        let all = candidates(&[("1.0.0", AUTH_01), ("1.2.0", AUTH_01), ("1.3.0-rc.1", AUTH_01), ("2.0.0", AUTH_01), ("0.3.4", AUTH_01)]);
        let pick = |req: &str| select(&req.parse().unwrap(), &all, &[world(AUTH_01)]).map(|c| c.version.to_string());
        assert_eq!(pick("acme:auth@^1.0").unwrap(), "1.2.0", "a pre-release is not chosen unless asked for");
        assert_eq!(pick("acme:auth@^1.3.0-rc.1").unwrap(), "1.3.0-rc.1");
        assert_eq!(pick("acme:auth@~0.3.1").unwrap(), "0.3.4");
        assert_eq!(pick("acme:auth@=1.0.0").unwrap(), "1.0.0");
        assert_eq!(pick("acme:auth@>=1").unwrap(), "2.0.0");
        let err = pick("acme:auth@^3").unwrap_err().to_string();
        assert!(err.contains("no published version matches `^3` (published: 1.0.0, 1.2.0, 1.3.0-rc.1, 2.0.0, 0.3.4)"), "{err}");
    }

    #[test]
    fn a_version_for_a_world_the_host_does_not_serve_does_not_resolve() {
        let all = candidates(&[("1.0.0", AUTH_01), ("1.1.0", AUTH_02)]);
        let req = "acme:auth@^1".parse().unwrap();
        assert_eq!(select(&req, &all, &[world(AUTH_01)]).unwrap().version.to_string(), "1.0.0");
        assert_eq!(select(&req, &all, &[world(AUTH_01), world(AUTH_02)]).unwrap().version.to_string(), "1.1.0");
        let only_new = candidates(&[("1.1.0", AUTH_02)]);
        let err = select(&req, &only_new, &[world(AUTH_01)]).unwrap_err().to_string();
        assert!(
            err.contains("target worlds this host does not serve (1.1.0 targets polyplug:plugin/auth@0.2.0; it serves polyplug:plugin/auth@0.1.0)"),
            "{err}"
        );
    }

    #[test]
    fn world_compatibility_is_semver_compatibility() {
        assert!(serves(&world("polyplug:plugin/auth@0.1.3"), &world(AUTH_01)));
        assert!(!serves(&world(AUTH_01), &world(AUTH_02)));
        assert!(serves(&world("polyplug:plugin/auth@1.4.0"), &world("polyplug:plugin/auth@1.0.0")));
        assert!(!serves(&world("polyplug:plugin/auth@2.0.0"), &world("polyplug:plugin/auth@1.0.0")));
        assert!(!serves(&world("polyplug:plugin/transform@0.1.0"), &world(AUTH_01)));
        assert!(!serves(&world("polyplug:plugin/auth@0.0.1"), &world("polyplug:plugin/auth@0.0.2")));
    }
}
