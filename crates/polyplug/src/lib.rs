//! polyplug for host applications: load plugins (WebAssembly components, or
//! remote services), and call them through a typed facade per world.
//!
//! ```no_run
//! # async fn run() -> polyplug::Result<()> {
//! use polyplug::transform::{Message, Transform};
//!
//! let host = polyplug::Host::new()?;
//! let transform = Transform::new(host.load_file("transform.wasm")?)?;
//! let message = Message { payload: r#"{"a":1}"#.into(), content_type: "application/json".into(), headers: vec![] };
//! let out = transform.transform(&message).await?;
//! # Ok(()) }
//! ```
//!
//! Each world module (`transform`, `auth`, `template`, `response`,
//! `response_modifier`, `datasource`, `conformance`) holds the world's
//! facade (`Transform`: `async` methods; `blocking::Transform`: the same,
//! synchronous) and re-exports the types its functions take and return. A
//! facade runs over a [`Backend`]: a local [`Plugin`] is called through the
//! world's bindings (lifting and lowering directly), a remote one through the
//! JSON mapping; call sites are the same.
//!
//! This crate gathers `polyplug-host` (the host API) and the facades
//! generated from `wit/` by `cargo xtask bindgen` (`src/generated/`, never
//! edited by hand); its one addition is [`AuthPlugin`], which serves
//! `auth@0.1` plugins through the `auth@0.2` facade. A host application with its own
//! WIT generates the same for its worlds with `polyplug bindgen`.

pub use polyplug_host::{
    Backend, CallFuture, Error, FunctionName, FunctionSignature, Host, HostBuilder, Lifecycle, Loader, Member, Plugin, PluginInfo, PluginSet,
    PluginSetBuilder, PluginState, Provenance, RemotePlugin, RemoteStats, Result, SetEvent, TypedPlugin, TypedSlot, WorldHandle,
};
pub use polyplug_host::{Code, EndpointStats, metered, metered_sync};
pub use polyplug_host::{EnvSecrets, Secret, SecretStore, SecretsFile};

/// The types every world shares (`types` in `wit/base.wit`): the same Rust
/// types in every facade, e.g. `HttpRequest`, `Caller`, `Identity`.
pub mod types {
    pub use polyplug_bindings::base::polyplug::plugin::types::*;
}

mod auth_versions;
pub mod pipeline;
pub use auth_versions::{AuthPlugin, credentials_of};
pub use polyplug_wit::Catalog;
/// The generated host bindings of the built-in worlds, and the `World`
/// trait a host application's own bindings implement.
pub use polyplug_bindings as bindings;
/// The JSON mapping of WIT values.
pub use polyplug_value as value;
/// Remote plugins: services implementing a world over HTTP
/// (`docs/remote-protocol.md`), behind the same [`Backend`] as a local plugin;
/// [`remote::Plugins`], a configuration where each plugin is local or remote.
pub use polyplug_remote as remote;
pub use polyplug_limits::{ByteSize, Limits};
pub use polyplug_policy::Policy;

/// The `transform` world: convert and filter messages.
pub mod transform {
    include!("generated/transform.rs");
}

/// The `auth` world: authenticate requests.
pub mod auth {
    include!("generated/auth.rs");
}

/// The `conformance` world: every WIT type, for proving SDKs equal.
pub mod conformance {
    include!("generated/conformance.rs");
}

/// The `transform` world, version 0.2 (`polyplug:plugin/transform@0.2.0`):
/// convert a message envelope (tenant, payload bytes, steps) for a pipeline step.
pub mod transform_0_2 {
    include!("generated/transform-0.2.rs");
}

/// The `filter` world (`polyplug:plugin/filter@0.2.0`): pass or drop a
/// message envelope, with a reason.
pub mod filter_0_2 {
    include!("generated/filter-0.2.rs");
}

/// The `auth` world, version 0.2 (`polyplug:plugin/auth@0.2.0`): the whole
/// request, a richer identity, the schemes a plugin handles, abstaining.
pub mod auth_0_2 {
    include!("generated/auth-0.2.rs");
}

/// The `template` world: functions for `{{name arg…}}` in mock responses.
pub mod template {
    include!("generated/template.rs");
}

/// The `response` world: answer API requests.
pub mod response {
    include!("generated/response.rs");
}

/// The `response-modifier` world: change answers before they are sent.
pub mod response_modifier {
    include!("generated/response-modifier.rs");
}

/// The `datasource` world: rows for responses, from files, databases or services.
pub mod datasource {
    include!("generated/datasource.rs");
}
