//! The polyplug host: load plugin components and call them, typed or with JSON.
//!
//! This is the facade a host application uses. It owns the wasmtime engine
//! (configured for cheap calls: no component-model async, the pooling
//! allocator), loads components from files through an on-disk cache of
//! compiled artifacts, checks each against the world it must implement,
//! pre-instantiates it once and keeps a pool of initialized instances.
//!
//! - [`Plugin::typed`] gives typed calls through the generated bindings of a
//!   world (`polyplug-bindings`, or a host application's own).
//! - [`Plugin::call_json`] calls any exported function by name with JSON
//!   arguments, in the mapping of `polyplug-value`.
//!
//! Every call runs in a `plugin_call` tracing span (plugin, function,
//! duration, outcome). A trap or panic in a plugin becomes an [`Error::Trap`]
//! naming the plugin and function; the instance that trapped is dropped, never
//! reused, and the host and every other plugin carry on.
//!
//! This crate knows no particular world: the world a plugin implements comes
//! from a [`polyplug_wit::Catalog`], the typed view from a
//! [`polyplug_bindings::World`].
//!
//! ```no_run
//! use polyplug_host::Host;
//! let host = Host::new()?;
//! let plugin = host.loader("auth.wasm").world("auth").config([("api-keys", "k1")]).load()?;
//! let decision = plugin.call_json(
//!     "authenticator",
//!     "authenticate",
//!     &[
//!         serde_json::json!({"method": "GET", "path": "/", "headers": [], "client-ip": null}),
//!         serde_json::json!({"tag": "api-key", "val": "k1"}),
//!     ],
//! )?;
//! # Ok::<(), polyplug_host::Error>(())
//! ```

mod backend;
mod cache;
mod dependencies;
mod dynamic;
mod error;
mod host;
mod metering;
mod plugin;
mod secrets;
mod serve_http;
mod set;
mod tenants;
mod typed;
mod world;

pub use world::{HTTP_HANDLER, HTTP_PROXY};

pub use backend::{Backend, CallFuture, EndpointStats, FunctionName, RemotePlugin, RemoteStats, WorldHandle};
pub use cache::Provenance;
pub use error::{Code, Error, Result};
pub use host::{Host, HostBuilder, Loader};
pub use metering::{metered, metered_sync};
pub use plugin::{FunctionSignature, Plugin, PluginInfo};
pub use polyplug_linker::{PluginState, Secret, SecretStore};
pub use secrets::{EnvSecrets, SecretsFile};
pub use tenants::TenantUsage;
pub use set::{Lifecycle, Member, PluginSet, PluginSetBuilder, SetEvent};
pub use typed::{TypedInstance, TypedPlugin, TypedSlot};
