//! One handle for a plugin wherever it runs: [`Backend`] is a local
//! component ([`Plugin`]) or a remote service ([`RemotePlugin`], implemented
//! by the remote bridge), and [`WorldHandle`] is what a generated typed
//! facade holds. Call sites do not change with the backend: a local call
//! lifts and lowers directly through the world's bindings; a remote one goes
//! through the JSON mapping of `polyplug-value`, the one the wire carries.
//!
//! This module knows no transport: a remote backend is whatever implements
//! [`RemotePlugin`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use polyplug_bindings::World;
use polyplug_value::FromValue;
use serde_json::Value as Json;

use crate::{Error, Plugin, Result, TypedPlugin};

/// A future a [`RemotePlugin`] returns.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Json>> + Send + 'a>>;

/// A plugin served by something other than a local component (the remote
/// bridge: a service over HTTP or gRPC). Arguments and results are in the
/// JSON mapping of `polyplug-value`, one argument per parameter; errors name
/// the plugin and the function like a local plugin's do.
pub trait RemotePlugin: Send + Sync + 'static {
    /// The plugin's name.
    fn name(&self) -> &str;

    /// The full name of the world it serves, e.g. `polyplug:plugin/auth@0.1.0`.
    fn world(&self) -> &str;

    /// Calls `interface/function`, blocking the calling thread.
    fn call_json(&self, interface: &str, function: &str, args: &[Json]) -> Result<Json>;

    /// Calls `interface/function` on the caller's tokio runtime.
    fn call_json_async<'a>(&'a self, interface: &'a str, function: &'a str, args: &'a [Json]) -> CallFuture<'a>;

    /// What the plugin's calls have done so far, and the state of its endpoints.
    fn stats(&self) -> RemoteStats;
}

/// A remote plugin's counters since it was registered, and its endpoints now
/// ([`RemotePlugin::stats`], [`Backend::remote_stats`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteStats {
    /// Calls made (each counted once, however many attempts it took).
    pub calls: u64,
    /// Calls that failed, by the code of their last failure.
    pub failures: std::collections::BTreeMap<crate::Code, u64>,
    /// Calls answered with the configured default value after a failure (fail-open).
    pub fallbacks: u64,
    /// Attempts beyond the first (retries), over all calls.
    pub retries: u64,
    /// Call latency: `(upper bound, calls at most that long)` per bucket,
    /// cumulative, the last bucket unbounded (`Duration::MAX`).
    pub latency: Vec<(std::time::Duration, u64)>,
    /// Each endpoint, in configuration order.
    pub endpoints: Vec<EndpointStats>,
}

/// One endpoint of a remote plugin, now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStats {
    /// Its URL.
    pub url: String,
    /// Whether its last health checks say it serves (and its describe matched).
    pub healthy: bool,
    /// Its circuit breaker: `closed`, `open` or `half-open`.
    pub breaker: &'static str,
    /// Attempts sent to it.
    pub attempts: u64,
    /// Attempts it failed.
    pub failures: u64,
}

/// Where a plugin runs. Cheap to clone.
#[derive(Clone)]
pub enum Backend {
    /// A component loaded in this process.
    Local(Plugin),
    /// A plugin served elsewhere.
    Remote(Arc<dyn RemotePlugin>),
}

impl From<Plugin> for Backend {
    fn from(plugin: Plugin) -> Self {
        Backend::Local(plugin)
    }
}

impl From<Arc<dyn RemotePlugin>> for Backend {
    fn from(remote: Arc<dyn RemotePlugin>) -> Self {
        Backend::Remote(remote)
    }
}

impl Backend {
    /// The plugin's name.
    pub fn name(&self) -> &str {
        match self {
            Backend::Local(plugin) => plugin.name(),
            Backend::Remote(remote) => remote.name(),
        }
    }

    /// The full name of the world the plugin implements, e.g.
    /// `polyplug:plugin/auth@0.1.0`: what a host serving several versions of
    /// a world picks the facade by.
    pub fn world(&self) -> &str {
        match self {
            Backend::Local(plugin) => &plugin.world().name,
            Backend::Remote(remote) => remote.world(),
        }
    }

    /// A remote plugin's counters and endpoint states; `None` for a local plugin.
    pub fn remote_stats(&self) -> Option<RemoteStats> {
        match self {
            Backend::Local(_) => None,
            Backend::Remote(remote) => Some(remote.stats()),
        }
    }

    /// The local component, if the plugin is one.
    pub fn local(&self) -> Option<&Plugin> {
        match self {
            Backend::Local(plugin) => Some(plugin),
            Backend::Remote(_) => None,
        }
    }

    /// [`Plugin::call_json`], wherever the plugin runs.
    pub fn call_json(&self, interface: &str, function: &str, args: &[Json]) -> Result<Json> {
        match self {
            Backend::Local(plugin) => plugin.call_json(interface, function, args),
            Backend::Remote(remote) => remote.call_json(interface, function, args),
        }
    }

    /// [`Plugin::call_json_async`], wherever the plugin runs.
    pub async fn call_json_async(&self, interface: &str, function: &str, args: &[Json]) -> Result<Json> {
        match self {
            Backend::Local(plugin) => plugin.call_json_async(interface, function, args).await,
            Backend::Remote(remote) => remote.call_json_async(interface, function, args).await,
        }
    }
}

/// A function as a generated facade names it: its interface (full name,
/// empty for a function of the world itself), its WIT name, and
/// `interface/function` for spans and errors.
#[derive(Debug, Clone, Copy)]
pub struct FunctionName {
    /// The full interface name, e.g. `polyplug:plugin/transformer@0.1.0`.
    pub interface: &'static str,
    /// The WIT function name, e.g. `transform`.
    pub function: &'static str,
    /// `transformer/transform`.
    pub display: &'static str,
}

/// What a generated facade of world `W` holds: the backend, and for a
/// local plugin its typed view (export lookups and type checks done once).
pub struct WorldHandle<W: World> {
    backend: Backend,
    typed: Option<TypedPlugin<W>>,
}

impl<W: World> WorldHandle<W> {
    /// A handle on `backend`; a local plugin is checked against `W`'s bindings here.
    pub fn new(backend: impl Into<Backend>) -> Result<Self> {
        let backend = backend.into();
        let typed = backend.local().map(Plugin::typed::<W>).transpose()?;
        Ok(WorldHandle { backend, typed })
    }

    /// The backend behind the handle.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The typed view of a local plugin; `None` for a remote one.
    pub fn typed(&self) -> Option<&TypedPlugin<W>> {
        self.typed.as_ref()
    }

    /// Calls `function` through the JSON mapping (a remote plugin), blocking.
    pub fn call_mapped<R: FromValue>(&self, function: &FunctionName, args: &[Json]) -> Result<R> {
        let json = self.backend.call_json(function.interface, function.function, args)?;
        self.read_result(function, &json)
    }

    /// Calls `function` through the JSON mapping (a remote plugin), on the caller's runtime.
    pub async fn call_mapped_async<R: FromValue>(&self, function: &FunctionName, args: &[Json]) -> Result<R> {
        let json = self.backend.call_json_async(function.interface, function.function, args).await?;
        self.read_result(function, &json)
    }

    fn read_result<R: FromValue>(&self, function: &FunctionName, json: &Json) -> Result<R> {
        polyplug_value::from_json(json).map_err(|e| Error::Call {
            plugin: self.backend.name().to_string(),
            function: function.display.to_string(),
            source: format!("it answered a value that does not fit the result type: {e}").into(),
        })
    }
}
