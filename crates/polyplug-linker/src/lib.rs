//! The wasmtime [`Linker`] one plugin runs against, and the per-instance
//! state behind it ([`PluginState`]), both built from the plugin's effective
//! grant (`polyplug-policy`).
//!
//! What a plugin can reach is decided here:
//!
//! - Imports are checked before anything runs ([`check_imports`]): a host
//!   interface the plugin did not declare, or an interface nothing provides,
//!   refuses the plugin, naming the import.
//! - WASI is linked whole, because language runtimes import interfaces they
//!   may never use (a Python component always imports `wasi:sockets` and
//!   `wasi:filesystem`); its reach is what the grant says: only the granted
//!   directories are preopened, only granted variables are in the
//!   environment, sockets connect only to granted addresses, the clocks are
//!   frozen (the wall clock at zero, the monotonic one at 1 ns) and randomness is a fixed sequence unless granted, stdout and
//!   stderr go to the host's logs only if granted (otherwise nowhere).
//! - Outgoing HTTP (`wasi:http`) is linked only for a plugin granted origins,
//!   and a request hook lets through only those origins.
//! - Denials at run time are reported as audit events: an HTTP origin or a
//!   socket address not granted, a key-value write past the quota, a secret
//!   its grant does not name, and a path that leads out
//!   of its directory (judged lexically; symlinks that lead out are refused
//!   by wasmtime-wasi without an event).
//!
//! This crate knows nothing of registries, remote plugins or which world a
//! plugin implements.

mod bounded;
mod extensions;
mod http;
mod https;
mod kv;
mod secrets;
mod stdio;

pub use extensions::{Extensions, HostImport, LinkFn};
pub use https::HttpsTrust;
pub use kv::KvStore;
pub use secrets::{Secret, SecretStore};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use polyplug_bindings::base::polyplug::plugin::{config, kv as kv_api, log, types};
// Types only, like `types`: the message envelope of `transform@0.2` and `filter@0.2`.
use polyplug_bindings::transform_0_2::polyplug::plugin0_2_0::envelopes;
use polyplug_limits::{Deadline, Limiter, Ticks};
use polyplug_manifest::{HOST_INTERFACES, HostInterface};
use polyplug_policy::{AuditEvent, AuditSink, EffectiveGrant};
use wasmtime::component::{HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{Engine, StoreContextMut};
use wasmtime_wasi::filesystem::WasiFilesystemView;
use wasmtime_wasi::p2::bindings::sync::filesystem::types as fs;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The longest log message a plugin may emit in one call; longer ones are cut.
pub const MAX_LOG_MESSAGE: usize = 16 * 1024;

/// The WASI version wasmtime-wasi 48 registers its interfaces under; guests
/// importing any `0.2.x` resolve to it.
const WASI_VERSION: &str = "0.2.12";

/// A plugin the linker refuses, or whose grant cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// An import the grant does not allow, or that nothing provides.
    #[error("plugin `{plugin}` imports `{import}` {reason}")]
    Import {
        /// The plugin.
        plugin: String,
        /// The import, e.g. `polyplug:plugin/log@0.1.0`.
        import: String,
        /// Why it is refused and what to do.
        reason: String,
    },
    /// A granted directory that cannot be opened on the host.
    #[error("plugin `{plugin}` is granted host directory `{host}` as `{guest}`, but it cannot be opened: {reason}")]
    Preopen {
        /// The plugin.
        plugin: String,
        /// The host directory.
        host: String,
        /// The guest path.
        guest: String,
        /// Why.
        reason: String,
    },
    /// The extra certificate authorities given for outgoing `https` are unusable.
    #[error("cannot set up outgoing HTTPS: {0}")]
    Trust(String),
    /// wasmtime refused the linker definitions (a bug, not a plugin problem).
    #[error("cannot build the linker: {0}")]
    Wasmtime(String),
}

/// Checks every import of a plugin against its grant (and the host
/// application's own interfaces, `extensions`), before it runs.
pub fn check_imports<'a>(
    plugin: &str,
    imports: impl IntoIterator<Item = &'a str>,
    grant: &EffectiveGrant,
    extensions: &Extensions,
) -> Result<(), LinkError> {
    for import in imports {
        let refuse = |reason: String| LinkError::Import { plugin: plugin.into(), import: import.into(), reason };
        let unversioned = import.split('@').next().unwrap_or(import);
        let (package, _) = unversioned.split_once('/').unwrap_or((unversioned, ""));
        if let Some(row) = HostInterface::of_import(import) {
            if !grant.links(row) {
                return Err(refuse(row.undeclared()));
            }
            continue;
        }
        if let Some(row) = extensions.import(import) {
            if !grant.host.contains(&row.capability) {
                return Err(refuse(format!(
                    "but does not declare the host capability `{cap}`; add `host = [\"{cap}\"]` to `[capabilities]` in its polyplug.toml \
                     (and grant it), or rebuild without it",
                    cap = row.capability
                )));
            }
            continue;
        }
        match (package, unversioned) {
            (_, "polyplug:plugin/types" | "polyplug:plugin/envelopes") => {}
            ("wasi:cli" | "wasi:io" | "wasi:clocks" | "wasi:random" | "wasi:filesystem" | "wasi:sockets", _) => {}
            _ => {
                return Err(refuse(
                    "which nothing in this host provides; rebuild the plugin without it, or load it in a host that provides it"
                        .into(),
                ));
            }
        }
    }
    Ok(())
}

/// What one plugin instance's store holds: its identity, configuration,
/// effective grant, limiter and WASI context.
pub struct PluginState {
    plugin: Arc<str>,
    config: Arc<[(String, String)]>,
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: Limiter,
    audit: Arc<dyn AuditSink>,
    kv: Option<Arc<KvStore>>,
    /// Where the `secrets` interface reads, and the names the grant allows.
    secrets: Option<Arc<dyn SecretStore>>,
    secret_names: Arc<[String]>,
    /// The tenant this instance serves: whose secrets it reads.
    tenant: Option<Arc<str>>,
    /// The names that tenant's calls may read, when the policy lists them.
    tenant_secret_names: Option<Arc<[String]>>,
    http: WasiHttpCtx,
    http_hooks: http::OriginAllowlist,
    deadline: Deadline,
    stderr_tail: Arc<stdio::StderrTail>,
    extensions: Arc<Extensions>,
}

/// A clock that never moves: what a plugin without the `clocks` grant sees.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    /// One nanosecond, not zero: Go's runtime refuses to start on a
    /// monotonic clock reading zero (`nanotime returning zero`).
    fn now(&self) -> u64 {
        1
    }
}

/// Everything a store needs besides the grant.
pub struct StateParts {
    /// The plugin's name.
    pub plugin: Arc<str>,
    /// Its configuration, sorted by key.
    pub config: Arc<[(String, String)]>,
    /// Where run-time denials go.
    pub audit: Arc<dyn AuditSink>,
    /// Its resource limits.
    pub limits: polyplug_limits::Limits,
    /// Its key-value store, when granted one (shared by all its instances).
    pub kv: Option<Arc<KvStore>>,
    /// The host's secret store, if it has one.
    pub secrets: Option<Arc<dyn SecretStore>>,
    /// The tenant this instance serves, for its whole life (`None`: calls
    /// for no tenant): whose secrets it reads.
    pub tenant: Option<Arc<str>>,
    /// The secret names the policy lets that tenant's calls read
    /// (`[tenants.<id>] secrets`), if it lists any: then a read needs both
    /// the plugin's grant and this list to name the secret.
    pub tenant_secret_names: Option<Arc<[String]>>,
    /// The host's deadline clock.
    pub ticks: Ticks,
    /// The authorities outgoing `https` trusts.
    pub https: HttpsTrust,
    /// The host application's own interfaces and their data.
    pub extensions: Arc<Extensions>,
}

impl PluginState {
    /// State for one instance, with exactly the reach `grant` allows.
    pub fn new(parts: StateParts, grant: &EffectiveGrant) -> Result<Self, LinkError> {
        let StateParts { plugin, config, audit, limits, kv, secrets, tenant, tenant_secret_names, ticks, https, extensions } = parts;
        let mut wasi = WasiCtx::builder();
        for name in &grant.env {
            if let Ok(value) = std::env::var(name) {
                wasi.env(name, value);
            }
        }
        for preopen in &grant.preopens {
            let perms = match preopen.access {
                polyplug_policy::FileAccess::ReadOnly => FsPerms::ReadOnly,
                polyplug_policy::FileAccess::ReadWrite => FsPerms::ReadWrite,
            };
            wasi.preopened_dir(&preopen.host, &preopen.guest, perms).map_err(|e| LinkError::Preopen {
                plugin: plugin.to_string(),
                host: preopen.host.display().to_string(),
                guest: preopen.guest.clone(),
                reason: format!("{e:#}"),
            })?;
        }
        if !grant.clocks {
            wasi.wall_clock(FrozenClock).monotonic_clock(FrozenClock);
        }
        if !grant.random {
            // Without the grant no entropy reaches the plugin: every generator
            // is a fixed sequence. Not a trap: language runtimes (CPython
            // seeds `random` at start-up) read randomness whatever the plugin
            // does, and must still run.
            let fixed = || wasmtime_wasi::Deterministic::new((0u8..=255).collect());
            wasi.secure_random(fixed()).insecure_random(fixed()).insecure_random_seed(0);
        }
        let stderr_tail = Arc::new(stdio::StderrTail::default());
        wasi.stderr(stdio::LogStream::stderr(plugin.clone(), stderr_tail.clone(), grant.stdio));
        if grant.stdio {
            wasi.stdout(stdio::LogStream::new(plugin.clone(), "stdout"));
        }
        // Sockets may be created, but every address is checked against the
        // grant, and every refusal audited. Name lookup is off: socket
        // patterns are IP addresses only, so no name is ever granted, and a
        // lookup is egress of its own (to the resolver, carrying whatever the
        // plugin puts in the name).
        let sockets = grant.sockets.clone();
        let check_plugin = plugin.clone();
        let check_audit = audit.clone();
        wasi.allow_tcp(true).allow_udp(true).allow_ip_name_lookup(false).socket_addr_check(
            move |addr: SocketAddr, usage: SocketAddrUse| {
                let protocol = match usage {
                    SocketAddrUse::UdpBind | SocketAddrUse::UdpSend | SocketAddrUse::UdpReceive => "udp",
                    _ => "tcp",
                };
                // Every outgoing connection starts by binding an ephemeral
                // local port; that reaches nothing. The destination is what counts.
                let ephemeral_bind = matches!(usage, SocketAddrUse::TcpBind | SocketAddrUse::UdpBind)
                    && addr.ip().is_unspecified()
                    && addr.port() == 0;
                let allowed = ephemeral_bind || sockets.iter().any(|pattern| pattern.matches(protocol, addr));
                if !allowed {
                    check_audit.record(AuditEvent {
                        plugin: check_plugin.to_string(),
                        capability: "sockets",
                        target: format!("{protocol}:{addr}"),
                        reason: format!("{usage:?} to an address not in the grant; grant it with `sockets = [\"{protocol}:{}:{}\"]`", addr.ip(), addr.port()),
                    });
                }
                Box::pin(async move { allowed })
            },
        );
        Ok(PluginState {
            config,
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: Limiter::new(&limits),
            http: WasiHttpCtx::new(),
            http_hooks: http::OriginAllowlist {
                plugin: plugin.clone(),
                allowed: grant.http.clone(),
                private_ranges: grant.private_ranges.as_slice().into(),
                audit: audit.clone(),
                time_left: Duration::ZERO,
                https,
            },
            deadline: Deadline::new(ticks, limits.timeout),
            stderr_tail,
            plugin,
            audit,
            kv,
            secrets,
            secret_names: grant.secrets.as_slice().into(),
            tenant,
            tenant_secret_names,
            extensions,
        })
    }

    /// The tenant this instance serves (set by the host when it made the
    /// instance; a plugin cannot change it).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The plugin's name, as the host knows it.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The plugin's configuration entries, sorted by key.
    pub fn config(&self) -> &[(String, String)] {
        &self.config
    }

    /// Starts a call that must end `ticks` deadline ticks from now: host
    /// calls that wait give up then (Wasm code is stopped by the engine's
    /// epoch deadline, which the host sets alongside). Forgets the stderr
    /// an earlier call wrote.
    pub fn arm_deadline(&mut self, ticks: u64) {
        self.deadline.arm(ticks);
        self.stderr_tail.clear();
    }

    /// Data the host application gave its host interfaces
    /// (`HostBuilder::host_data`), by type; `None` if it gave none of `T`.
    pub fn host_data<T: std::any::Any + Send + Sync>(&self) -> Option<&T> {
        self.extensions.get()
    }

    /// What is left of the current call's time (zero once its deadline passed).
    pub fn time_left(&self) -> Duration {
        self.deadline.time_left()
    }

    /// What the plugin wrote to stderr during the current call (its last
    /// few KiB, control characters escaped), whatever its `stdio` grant:
    /// for the error when the call fails.
    pub fn stderr_tail(&self) -> Option<String> {
        self.stderr_tail.text()
    }

    /// The store's resource limiter, for `Store::limiter`.
    pub fn limiter(&mut self) -> &mut Limiter {
        &mut self.limiter
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for PluginState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        // An outgoing request may wait no longer than the call has left.
        self.http_hooks.time_left = self.deadline.time_left();
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.http_hooks }
    }
}

impl types::Host for PluginState {}

impl envelopes::Host for PluginState {}

impl log::Host for PluginState {
    fn log(&mut self, level: log::Level, message: String) {
        let mut message = message;
        if message.len() > MAX_LOG_MESSAGE {
            let mut cut = MAX_LOG_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str("… (cut)");
        }
        let plugin = &*self.plugin;
        match level {
            log::Level::Trace => tracing::trace!(target: "polyplug::plugin", plugin, "{message}"),
            log::Level::Debug => tracing::debug!(target: "polyplug::plugin", plugin, "{message}"),
            log::Level::Info => tracing::info!(target: "polyplug::plugin", plugin, "{message}"),
            log::Level::Warn => tracing::warn!(target: "polyplug::plugin", plugin, "{message}"),
            log::Level::Error => tracing::error!(target: "polyplug::plugin", plugin, "{message}"),
        }
    }
}

impl config::Host for PluginState {
    fn get(&mut self, key: String) -> Option<String> {
        self.config.binary_search_by(|(k, _)| k.as_str().cmp(&key)).ok().map(|i| self.config[i].1.clone())
    }

    fn entries(&mut self) -> Vec<(String, String)> {
        self.config.to_vec()
    }
}

impl kv_api::Host for PluginState {
    fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.kv.as_ref()?.get(&key)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), kv_api::KvError> {
        let Some(kv) = &self.kv else {
            // Unreachable: `kv` is linked only with the grant, and the grant brings a store.
            return Err(kv_api::KvError::QuotaExceeded(kv_api::QuotaUse { quota: 0, used: 0, needed: 0 }));
        };
        let result = kv.set(key.clone(), value);
        if let Err(kv_api::KvError::QuotaExceeded(usage)) = &result {
            self.audit.record(AuditEvent {
                plugin: self.plugin.to_string(),
                capability: "kv",
                target: key,
                reason: format!(
                    "the write needs {} bytes of a {}-byte quota ({} in use); raise `kv = {{ quota = … }}` in the grant",
                    usage.needed, usage.quota, usage.used
                ),
            });
        }
        result
    }

    fn delete(&mut self, key: String) -> bool {
        self.kv.as_ref().is_some_and(|kv| kv.delete(&key))
    }

    fn keys(&mut self) -> Vec<String> {
        self.kv.as_ref().map(|kv| kv.keys()).unwrap_or_default()
    }
}

/// How a plugin's calls are made, and so how its host functions wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calls {
    /// Synchronous calls (`Func::call`): a host function that waits blocks
    /// the calling thread, bounded by the call's deadline.
    Sync,
    /// Asynchronous calls (`Func::call_async`) on the host's tokio runtime:
    /// a host function that waits (a sleep, a socket, an HTTP response, a
    /// file) is awaited there, so the worker thread serves other tasks meanwhile.
    Async,
}

/// The linker for one plugin with `grant`, for synchronous calls: WASI, the
/// host interfaces it was granted, outgoing HTTP if granted, and `open-at`
/// wrapped to audit escapes.
pub fn linker(engine: &Engine, grant: &EffectiveGrant) -> Result<Linker<PluginState>, LinkError> {
    linker_for(engine, grant, Calls::Sync, &Extensions::default())
}

/// The linker for one plugin with `grant`, for calls made as `calls` says.
/// The reach is the same for both; only how host functions wait differs
/// (instances of an asynchronous linker must be called with `call_async`).
/// The host application's interfaces (`extensions`) are linked where granted.
pub fn linker_for(
    engine: &Engine,
    grant: &EffectiveGrant,
    calls: Calls,
    extensions: &Extensions,
) -> Result<Linker<PluginState>, LinkError> {
    let wasm = |e: wasmtime::Error| LinkError::Wasmtime(format!("{e:#}"));
    let mut linker = Linker::new(engine);
    match calls {
        Calls::Sync => wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(wasm)?,
        Calls::Async => wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(wasm)?,
    }
    types::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s).map_err(wasm)?;
    envelopes::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s).map_err(wasm)?;
    for row in HOST_INTERFACES.iter().filter(|row| grant.links(row)) {
        add_host_interface(&mut linker, row, calls).map_err(wasm)?;
    }
    extensions.link_granted(&mut linker, &grant.host).map_err(wasm)?;
    linker.allow_shadowing(true);
    audit_path_escapes(&mut linker, calls).map_err(wasm)?;
    bounded::bound_waits(&mut linker, calls).map_err(wasm)?;
    linker.allow_shadowing(false);
    Ok(linker)
}

/// Whether `import` is `wasi:http/types` (any version): what a plugin that
/// serves HTTP (exports `wasi:http/incoming-handler`) needs to take a request
/// and give a response, and may have without the `http` grant, which is about
/// reaching other servers.
pub fn is_http_serving_import(import: &str) -> bool {
    import.split('@').next() == Some("wasi:http/types")
}

/// Links `wasi:http/types` for a plugin that serves HTTP but is not granted
/// `http` (a granted one has it already). `wasi:http/outgoing-handler` comes
/// with it in wasmtime-wasi-http, but [`check_imports`] refuses a plugin
/// importing it without the grant, and the origin allowlist (empty without
/// the grant) refuses every request anyway.
pub fn link_http_serving(linker: &mut Linker<PluginState>, grant: &EffectiveGrant, calls: Calls) -> Result<(), LinkError> {
    if grant.http_interface {
        return Ok(());
    }
    let linked = match calls {
        Calls::Sync => wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker),
        Calls::Async => wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker),
    };
    linked.map_err(|e| LinkError::Wasmtime(format!("{e:#}")))
}

/// Links the implementation of the host interface `row` (one arm per row of
/// [`HOST_INTERFACES`]; a test checks that every row has one).
fn add_host_interface(linker: &mut Linker<PluginState>, row: &HostInterface, calls: Calls) -> wasmtime::Result<()> {
    match row.capability {
        "log" => log::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |s| s),
        "config" => config::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |s| s),
        "kv" => kv_api::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |s| s),
        "secrets" => polyplug_bindings::base::polyplug::plugin::secrets::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |s| s),
        "http" => match calls {
            Calls::Sync => wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker),
            Calls::Async => wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker),
        },
        other => Err(wasmtime::format_err!("no implementation of the host interface behind capability `{other}`")),
    }
}

/// Whether `path`, resolved lexically against a directory, leaves it:
/// absolute, or more `..` than names before it.
fn escapes(path: &str) -> bool {
    if path.starts_with('/') {
        return true;
    }
    let mut depth = 0usize;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            _ => depth += 1,
        }
    }
    false
}

/// Opening a path that leads out of its directory is refused by
/// wasmtime-wasi whatever happens; this wrapper makes the attempt an audit
/// event too, then lets wasmtime-wasi's own `open-at` do the real work.
fn audit_path_escapes(linker: &mut Linker<PluginState>, calls: Calls) -> wasmtime::Result<()> {
    type Args = (Resource<fs::Descriptor>, fs::PathFlags, String, fs::OpenFlags, fs::DescriptorFlags);
    type Ret = (Result<Resource<fs::Descriptor>, fs::ErrorCode>,);
    // The bindings for asynchronous calls have types of their own, the same in WIT.
    use wasmtime_wasi::p2::bindings::filesystem::types as async_fs;
    type AsyncArgs =
        (Resource<async_fs::Descriptor>, async_fs::PathFlags, String, async_fs::OpenFlags, async_fs::DescriptorFlags);
    /// Records an escape as an audit event; `true` when `path` escapes.
    fn audited_escape(state: &PluginState, path: &str) -> bool {
        let escape = escapes(path);
        if escape {
            state.audit.record(AuditEvent {
                plugin: state.plugin.to_string(),
                capability: "files",
                target: path.to_string(),
                reason: "a path outside the granted directories".into(),
            });
        }
        escape
    }
    let mut types = linker.instance(&format!("wasi:filesystem/types@{WASI_VERSION}"))?;
    const OPEN_AT: &str = "[method]descriptor.open-at";
    match calls {
        Calls::Sync => types.func_wrap(
            OPEN_AT,
            |mut store: StoreContextMut<'_, PluginState>, (dir, path_flags, path, open_flags, flags): Args| -> wasmtime::Result<Ret> {
                let state = store.data_mut();
                if audited_escape(state, &path) {
                    return Ok((Err(fs::ErrorCode::NotPermitted),));
                }
                let mut view = state.filesystem();
                match fs::HostDescriptor::open_at(&mut view, dir, path_flags, path, open_flags, flags) {
                    Ok(file) => Ok((Ok(file),)),
                    Err(e) => Ok((Err(fs::Host::convert_error_code(&mut view, e)?),)),
                }
            },
        ),
        Calls::Async => types.func_wrap_async(
            OPEN_AT,
            |mut store: StoreContextMut<'_, PluginState>, (dir, path_flags, path, open_flags, flags): AsyncArgs| {
                Box::new(async move {
                    let state = store.data_mut();
                    if audited_escape(state, &path) {
                        return Ok((Err(async_fs::ErrorCode::NotPermitted),));
                    }
                    let mut view = state.filesystem();
                    match async_fs::HostDescriptor::open_at(&mut view, dir, path_flags, path, open_flags, flags).await {
                        Ok(file) => Ok((Ok(file),)),
                        Err(e) => Ok((Err(async_fs::Host::convert_error_code(&mut view, e)?),)),
                    }
                })
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_interface_of_the_table_is_implemented() {
        let engine = Engine::default();
        for row in HOST_INTERFACES {
            for calls in [Calls::Sync, Calls::Async] {
                let mut linker = Linker::<PluginState>::new(&engine);
                add_host_interface(&mut linker, row, calls).unwrap_or_else(|e| panic!("`{}` ({calls:?}): {e:#}", row.capability));
            }
        }
    }
}
