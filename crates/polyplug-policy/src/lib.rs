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
//! (`[plugins.<name>]`). A plugin's grant is the union of the ones that apply.
//!
//! ```
//! use polyplug_policy::Policy;
//! let policy = Policy::from_toml(r#"
//!     [default]
//!     log = true
//!     [plugins.auth-jwt]
//!     http = ["https://*.example.com"]
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
//! let effective = policy.effective(&manifest, None).unwrap();
//! assert_eq!(effective.http[0].to_string(), "https://keys.example.com");
//! ```
//!
//! This crate knows nothing about wasmtime: the linker turns an
//! [`EffectiveGrant`] into WASI settings, and reports denials at run time as
//! [`AuditEvent`]s.

mod audit;
mod consent;
mod grant;

pub use audit::{AuditEvent, AuditSink, TracingAudit};
pub use consent::{ConsentError, ConsentRecord, record_consent};
pub use grant::{EffectiveGrant, Grant, KvGrant, MissingGrant, Policy, PolicyError, Preopen, Refusal};
pub use polyplug_manifest::{FileAccess, HttpPattern, SocketPattern};

#[cfg(test)]
mod tests;
