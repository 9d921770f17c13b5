//! Distribution of polyplug plugins, the way container images are shared.
//!
//! This crate owns what a plugin is on the wire and at rest: package names
//! and their OCI mapping ([`PackageName`], [`PackageRef`], [`Requirement`]:
//! `acme:auth-jwt@1.2.0` lives at `<registry>/<prefix>acme/auth-jwt:1.2.0`,
//! as `wkg` maps it), the CNCF Wasm OCI artifact layout ([`Artifact`]), the
//! local directory registry ([`LocalRegistry`], standard OCI image layouts
//! on disk), OCI registries ([`OciRegistry`]) and version resolution against the worlds a host serves
//! ([`select`]; with the plugins' dependencies, [`resolve_graph`]), `polyplug.lock` and the content-addressed cache
//! ([`Lockfile`], [`ContentCache`], [`install_locked`]), and signatures in the format `wasmsign2` reads and
//! writes, checked against an operator's trust file ([`signing`]).
//!
//! It knows nothing about running plugins (no wasmtime), policies or
//! grants: it hands verified bytes to whoever loads them.
//!
//! ```
//! use polyplug_registry::{LocalRegistry, PackageRef};
//! # let dir = tempfile::tempdir().unwrap();
//! let registry = LocalRegistry::new(dir.path());
//! let reference: PackageRef = "acme:auth-jwt@1.2.0".parse()?;
//! assert_eq!(reference.package.repository("plugins/"), "plugins/acme/auth-jwt");
//! assert!(registry.versions(&reference.package)?.is_empty());
//! # Ok::<(), polyplug_registry::RegistryError>(())
//! ```

mod artifact;
mod graph;
pub mod credentials;
mod local;
mod lock;
mod oci;
mod reference;
mod resolve;
/// Signatures and trust files (owned by the policy crate: trust is the operator's).
pub use polyplug_policy::trust as signing;

use std::path::PathBuf;

pub use artifact::{
    Artifact, ArtifactInfo, CONFIG_MEDIA_TYPE, ComponentShape, Descriptor, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, digest, manifest_description,
};
pub use local::LocalRegistry;
pub use lock::{Cached, ContentCache, Installed, Locked, Lockfile, bundle, install_locked};
pub use oci::{OciOptions, OciRegistry, Progress};
pub use reference::{PackageName, PackageRef, Requirement};
pub use graph::{Resolved, Source, resolve_graph};
pub use resolve::{Candidate, select, serves};

/// Why a registry operation failed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A package name, reference or requirement is malformed.
    #[error("`{text}` is not a package reference: {reason}")]
    BadName {
        /// What was given.
        text: String,
        /// What is wrong and how to write it.
        reason: String,
    },
    /// The bytes to publish are not a component.
    #[error("cannot publish: the file is not a WebAssembly component ({reason}); publish what `polyplug build` made")]
    NotAComponent {
        /// What the parser said.
        reason: String,
    },
    /// The component carries no (valid) polyplug manifest.
    #[error("cannot publish: the component's polyplug manifest is missing or invalid: {reason}")]
    NoManifest {
        /// What is wrong.
        reason: String,
    },
    /// A manifest, config or index is not in the expected format.
    #[error("the {what} is not in the Wasm OCI artifact format: {reason}")]
    Format {
        /// Which document.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Bytes are not what their digest says: tampered with or corrupt.
    #[error(
        "the {what} does not match its digest (expected {expected}, got {actual}): it was altered or corrupted; it is not used. \
         Fetch it again, and if it persists, tell the registry's operator"
    )]
    DigestMismatch {
        /// Which blob.
        what: &'static str,
        /// The digest it should have.
        expected: String,
        /// The digest it has.
        actual: String,
    },
    /// A published version cannot be replaced.
    #[error("{reference} is already published in {registry} with different contents; versions are immutable: publish a new version")]
    VersionExists {
        /// The version.
        reference: String,
        /// Where.
        registry: String,
    },
    /// No such version.
    #[error("{reference} is not in {registry}; `polyplug list` shows the versions there are")]
    NotFound {
        /// The version asked for.
        reference: String,
        /// Where it was looked for.
        registry: String,
    },
    /// A registry returned another artifact than the lockfile records.
    #[error(
        "{reference} is locked to {locked} but the registry now serves {actual}: it was republished or tampered with; the locked version is not installed. If the change is intended, remove its entry from polyplug.lock and resolve it again"
    )]
    LockMismatch {
        /// The version.
        reference: String,
        /// The digest polyplug.lock records.
        locked: String,
        /// The digest served.
        actual: String,
    },
    /// Plugins depend on each other in a circle.
    #[error("dependency cycle: {cycle}; a plugin cannot depend on itself, even through others: remove one of these dependencies")]
    Cycle {
        /// The cycle, as `a@1.0.0 → b@2.1.0 → a@1.0.0`.
        cycle: String,
    },
    /// No version fits a requirement.
    #[error("cannot resolve {requirement}: {reason}")]
    Unresolved {
        /// The requirement.
        requirement: String,
        /// Why nothing fits, with what there is.
        reason: String,
    },
    /// Credentials for a registry are incomplete or unreadable.
    #[error("credentials for {registry}: {reason}")]
    Credentials {
        /// The registry.
        registry: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// An OCI registry refused or failed a request.
    #[error("{registry}: {what} failed: {reason}")]
    Remote {
        /// The registry.
        registry: String,
        /// What was being done.
        what: String,
        /// Why, in words to act on.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}
