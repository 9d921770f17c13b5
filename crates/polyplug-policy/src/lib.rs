//! Capability policy: what the operator grants each plugin, and what a plugin
//! effectively gets — exactly what it requested, where the grant allows it.
//!
//! Deny by default: a plugin gets nothing its manifest does not request, and
//! it fails to load if it requests anything its grant does not allow. The
//! error lists each missing grant and the policy line that would allow it.
//!
//! The policy file (`policy.toml`) has a `[default]` grant, grants by
//! publisher (`[publishers.<name>]`, applied only when the host has verified
//! the publisher, e.g. by signature) and grants by plugin name
//! (`[plugins.<name>]`, applied only to the components whose digests it
//! lists: a grant binds to the component, never to the name a manifest
//! claims). A plugin's grant is the union of the ones that apply.
//!
//! ```
//! use polyplug_policy::Policy;
//! let policy = Policy::from_toml(r#"
//!     [default]
//!     log = true
//!     [plugins.auth-jwt]
//!     http = ["https://*.example.com"]
//!     sha256 = ["5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269"]
//! "#, "policy.toml").unwrap();
//! let manifest = polyplug_manifest::Manifest::from_toml(r#"
//!     [plugin]
//!     name = "auth-jwt"
//!     version = "1.0.0"
//!     world = "polyplug:plugin/auth@0.1.0"
//!     [capabilities]
//!     log = true
//!     http = ["https://keys.example.com"]
//! "#, "polyplug.toml").unwrap();
//! let identity = polyplug_policy::Identity {
//!     sha256: "5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269",
//!     verified_publisher: None,
//! };
//! let effective = policy.effective(&manifest, identity).unwrap();
//! assert_eq!(effective.http[0].to_string(), "https://keys.example.com");
//! ```
//!
//! This crate knows nothing about wasmtime: the linker turns an
//! [`EffectiveGrant`] into WASI settings, and reports denials at run time as
//! [`AuditEvent`]s.

pub mod trust;
mod audit;
mod consent;
mod grant;

pub use audit::{AuditEvent, AuditSink, TracingAudit};
pub use consent::{ConsentError, ConsentRecord, record_consent};
pub use grant::{
    EffectiveGrant, Grant, Identity, KvGrant, MissingGrant, OtherComponent, Policy, PolicyError, Preopen, Refusal, TenantGrant, Ungranted,
};
pub use polyplug_manifest::{FileAccess, HttpPattern, SocketPattern};

#[cfg(test)]
mod tests;
