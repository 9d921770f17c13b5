//! [`Host`]: the engine, the policy, the deadline clock and the artifact cache, shared by every plugin.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use polyplug_limits::{ByteSize, Limits, Ticks};
use polyplug_policy::{AuditSink, Policy, TracingAudit};
use polyplug_wit::Catalog;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use crate::cache::{ArtifactCache, Provenance};
use crate::plugin::{LoadSpec, Plugin};
use crate::{Error, Result};

/// The polyplug host: owns the wasmtime [`Engine`] and its instance pool,
/// the operator's policy, the WIT catalog, the deadline clock and the
/// compiled-artifact cache (each plugin gets a linker of its own, built from
/// its grant). Cheap to clone; share one per process.
///
/// ```no_run
/// let host = polyplug_host::Host::new()?;
/// let plugin = host.load_file("transform.wasm")?;
/// let out = plugin.call_json("transformer", "transform", &[serde_json::json!({
///     "payload": "{}", "content-type": "application/json", "headers": []
/// })])?;
/// # Ok::<(), polyplug_host::Error>(())
/// ```
#[derive(Clone)]
pub struct Host {
    pub(crate) inner: Arc<HostInner>,
}

pub(crate) struct HostInner {
    pub(crate) engine: Engine,
    pub(crate) catalog: Catalog,
    pub(crate) cache: Option<ArtifactCache>,
    pub(crate) max_idle_instances: usize,
    pub(crate) policy: Policy,
    /// The keys whose signatures verify publishers, and whether a plugin must carry one.
    pub(crate) trust: Option<polyplug_policy::trust::TrustFile>,
    pub(crate) require_signatures: bool,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) default_limits: Limits,
    pub(crate) fuel_metering: bool,
    pub(crate) max_wasm_stack: ByteSize,
    /// Whether instances come from the pooling allocator ([`POOL`]).
    pub(crate) pooling: bool,
    /// The deadline clock, in step with the engine's epoch.
    pub(crate) ticks: Ticks,
    /// The authorities plugins' outgoing `https` trusts.
    pub(crate) https: polyplug_linker::HttpsTrust,
    /// The host application's own host interfaces and their data.
    pub(crate) extensions: Arc<polyplug_linker::Extensions>,
    /// Where the `secrets` interface and `${SECRET:name}` in configuration read.
    pub(crate) secrets: Option<Arc<dyn polyplug_linker::SecretStore>>,
    /// The tenants calls were made for, and what each used.
    pub(crate) tenants: crate::tenants::Tenants,
}

/// How often the engine's epoch advances: the granularity of call deadlines.
pub(crate) const EPOCH_TICK: Duration = polyplug_limits::TICK;

/// The sizes of the pooling allocator, shared by every plugin of a host.
pub(crate) struct PoolSizes {
    pub(crate) component_instances: u32,
    pub(crate) core_instances: u32,
    pub(crate) memories: u32,
    pub(crate) tables: u32,
    pub(crate) memories_per_component: u32,
    pub(crate) tables_per_component: u32,
    pub(crate) core_instances_per_component: u32,
    /// Elements of any one table: the most `table-elements` can be.
    pub(crate) table_elements: usize,
}

/// The pool: per component, room for what language runtimes need (a Python
/// component holds a dozen core modules), and in all, room for any one
/// plugin at its instance cap to take at most half, so that it never stops
/// another from instantiating (`Plugin::load` checks each plugin's share).
pub(crate) const POOL: PoolSizes = PoolSizes {
    component_instances: 1000,
    core_instances: 8000,
    memories: 2000,
    tables: 4000,
    memories_per_component: 16,
    tables_per_component: 32,
    core_instances_per_component: 64,
    table_elements: 100_000,
};

/// Settings for a [`Host`]; start with [`Host::builder`].
#[derive(Clone)]
pub struct HostBuilder {
    cache_dir: Option<PathBuf>,
    cache_max_size: ByteSize,
    pooling: bool,
    catalog: Option<Catalog>,
    max_idle_instances: usize,
    policy: Policy,
    trust: Option<polyplug_policy::trust::TrustFile>,
    require_signatures: bool,
    audit: Arc<dyn AuditSink>,
    default_limits: Limits,
    fuel_metering: bool,
    max_wasm_stack: ByteSize,
    https_roots_pem: Vec<u8>,
    extensions: polyplug_linker::Extensions,
    secrets: Option<Arc<dyn polyplug_linker::SecretStore>>,
}

impl Default for HostBuilder {
    fn default() -> Self {
        HostBuilder {
            cache_dir: default_cache_dir(),
            cache_max_size: ByteSize(1 << 30),
            pooling: true,
            catalog: None,
            max_idle_instances: 16,
            policy: Policy::deny_all(),
            trust: None,
            require_signatures: false,
            audit: Arc::new(TracingAudit),
            default_limits: Limits::default(),
            fuel_metering: false,
            max_wasm_stack: ByteSize(512 << 10),
            https_roots_pem: Vec::new(),
            extensions: polyplug_linker::Extensions::default(),
            secrets: None,
        }
    }
}

/// `$POLYPLUG_CACHE_DIR`, else `$XDG_CACHE_HOME/polyplug`, else `~/.cache/polyplug`.
fn default_cache_dir() -> Option<PathBuf> {
    let env = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("POLYPLUG_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("polyplug")))
        .or_else(|| env("HOME").map(|d| d.join(".cache").join("polyplug")))
}

impl HostBuilder {
    /// Store compiled plugins under `dir` (default: `$POLYPLUG_CACHE_DIR`,
    /// else `$XDG_CACHE_HOME/polyplug`, else `~/.cache/polyplug`).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The most bytes the compiled-plugin cache keeps (default 1 GiB); the
    /// least recently used entries go first. (Measured here: an 18 MB Python
    /// component compiles to 35 MB; a Rust one to well under 1 MB.)
    pub fn cache_max_size(mut self, size: ByteSize) -> Self {
        self.cache_max_size = size;
        self
    }

    /// Compile every plugin on every load; keep nothing on disk.
    pub fn no_cache(mut self) -> Self {
        self.cache_dir = None;
        self
    }

    /// Use wasmtime's pooling instance allocator (default: on). It reserves
    /// address space up front and makes instantiation a matter of
    /// microseconds; turn it off where virtual memory is scarce.
    pub fn pooling(mut self, enabled: bool) -> Self {
        self.pooling = enabled;
        self
    }

    /// The WIT worlds plugins are matched against (default: polyplug's built-in
    /// package). A host application with its own WIT passes its catalog here.
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// How many idle, initialized instances each plugin keeps for reuse (default 16).
    pub fn max_idle_instances(mut self, count: usize) -> Self {
        self.max_idle_instances = count;
        self
    }

    /// The operator's capability policy (default: grant nothing, so only
    /// plugins that request nothing load).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The operator's trust file: a plugin whose manifest claims `publisher =
    /// "acme"` and carries a signature by a key trusted for `acme` is
    /// verified as acme's, so the policy's `[publishers.acme]` grant applies.
    /// A claim that does not verify is logged and grants nothing extra
    /// (see [`require_signatures`](Self::require_signatures) to refuse it).
    pub fn trust(mut self, trust: polyplug_policy::trust::TrustFile) -> Self {
        self.trust = Some(trust);
        self
    }

    /// Refuse to load any plugin that does not carry a signature verified by
    /// the [`trust`](Self::trust) file for the publisher its manifest claims
    /// (default: off; what plugins installed from a registry should get).
    pub fn require_signatures(mut self, required: bool) -> Self {
        self.require_signatures = required;
        self
    }

    /// Where capability denials at run time are reported (default: `tracing`
    /// warnings with target `polyplug::audit`).
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = sink;
        self
    }

    /// The limits of a plugin whose manifest and policy say nothing else.
    pub fn default_limits(mut self, limits: Limits) -> Self {
        self.default_limits = limits;
        self
    }

    /// Count fuel: every call gets a deterministic instruction budget (its
    /// `fuel` limit) and reports what it used. Costs some speed in loops;
    /// default off (calls are still bounded by their wall-clock deadline).
    pub fn fuel_metering(mut self, enabled: bool) -> Self {
        self.fuel_metering = enabled;
        self
    }

    /// The wasm stack every plugin gets (default 512 KiB; at most 2 MiB).
    pub fn max_wasm_stack(mut self, size: ByteSize) -> Self {
        self.max_wasm_stack = size;
        self
    }

    /// Trusts the certificate authorities in `pem` (PEM `CERTIFICATE`
    /// blocks) for plugins' outgoing `https`, besides the public web's
    /// (built in): e.g. a company CA for internal services. Repeatable.
    pub fn trust_https_roots(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.https_roots_pem.extend_from_slice(pem.as_ref());
        self.https_roots_pem.push(b'\n');
        self
    }

    /// Provides the host interface `import` (unversioned, e.g.
    /// `acme:greeter/names`) of the host application's own WIT to the plugins
    /// granted `capability` (`host = ["names"]` in their manifest and their
    /// grant): `link` adds it to a plugin's linker, usually with the
    /// `add_to_linker` that wasmtime generated for it, implemented on
    /// [`PluginState`](polyplug_linker::PluginState). A plugin importing it
    /// without the grant is refused before it runs, like one importing a
    /// built-in host interface it did not declare.
    ///
    /// ```ignore
    /// let host = Host::builder()
    ///     .host_data(Nicknames::default())
    ///     .host_interface("acme:greeter/names", "names", |linker| {
    ///         bindings::acme::greeter::names::add_to_linker::<_, HasSelf<_>>(linker, |state| state)
    ///     })
    ///     .build()?;
    /// ```
    pub fn host_interface(
        mut self,
        import: impl Into<String>,
        capability: impl Into<String>,
        link: impl Fn(&mut wasmtime::component::Linker<polyplug_linker::PluginState>) -> wasmtime::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.extensions.interface(import, capability, link);
        self
    }

    /// Data the host application's interface implementations read with
    /// [`PluginState::host_data`](polyplug_linker::PluginState::host_data),
    /// shared by every plugin; one value per type.
    pub fn host_data<T: std::any::Any + Send + Sync>(mut self, data: T) -> Self {
        self.extensions.data(data);
        self
    }

    /// Where secrets come from (default: nowhere; a plugin granted one gets
    /// `unavailable`): what plugins read through the `secrets` host
    /// interface, each only the names its grant lists, and what
    /// `${SECRET:name}` in a plugin's configuration stands for.
    /// [`SecretsFile`](crate::SecretsFile) reads a file and
    /// [`EnvSecrets`](crate::EnvSecrets) the environment; a vault is an
    /// implementation of [`SecretStore`](polyplug_linker::SecretStore).
    ///
    /// ```no_run
    /// # fn main() -> polyplug_host::Result<()> {
    /// let secrets = polyplug_host::SecretsFile::load("/etc/pipeline/secrets.toml".as_ref())?;
    /// let host = polyplug_host::Host::builder().secrets(std::sync::Arc::new(secrets)).build()?;
    /// # Ok(()) }
    /// ```
    pub fn secrets(mut self, store: Arc<dyn polyplug_linker::SecretStore>) -> Self {
        self.secrets = Some(store);
        self
    }

    /// Builds the engine and starts the clock that enforces call deadlines.
    pub fn build(self) -> Result<Host> {
        if !self.fuel_metering
            && let Some((tenant, _)) = self.policy.tenants.iter().find(|(_, budget)| budget.fuel_per_second.is_some())
        {
            return Err(Error::Setup(format!(
                "{} gives tenant `{tenant}` a fuel budget, but this host does not meter fuel; enable it with `HostBuilder::fuel_metering(true)`",
                self.policy.origin
            )));
        }
        let config = engine_config(self.pooling, self.fuel_metering, self.max_wasm_stack);
        let engine = Engine::new(&config).map_err(|e| Error::Setup(format!("{e:#}")))?;
        let cache = self.cache_dir.map(|dir| ArtifactCache::new(&dir, &engine, self.cache_max_size.0));
        let https = polyplug_linker::HttpsTrust::new(&self.https_roots_pem).map_err(|e| Error::Setup(e.to_string()))?;
        let ticks = Ticks::default();
        start_epoch_clock(&engine, ticks.clone())?;
        Ok(Host {
            inner: Arc::new(HostInner {
                engine,
                catalog: self.catalog.unwrap_or_else(Catalog::builtin),
                cache,
                max_idle_instances: self.max_idle_instances,
                policy: self.policy,
                trust: self.trust,
                require_signatures: self.require_signatures,
                audit: self.audit,
                default_limits: self.default_limits,
                fuel_metering: self.fuel_metering,
                max_wasm_stack: self.max_wasm_stack,
                pooling: self.pooling,
                ticks,
                https,
                extensions: Arc::new(self.extensions),
                secrets: self.secrets,
                tenants: crate::tenants::Tenants::default(),
            }),
        })
    }
}

/// Advances the engine's epoch (and `ticks` with it) every [`EPOCH_TICK`]
/// for as long as the engine lives: a call past its deadline traps at its
/// next loop head or call, and a host call waiting past it gives up.
fn start_epoch_clock(engine: &Engine, ticks: Ticks) -> Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("polyplug-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                ticks.advance();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
        .map_err(|e| Error::Setup(format!("cannot start the deadline clock thread: {e}")))
}

/// The engine configuration: every setting that costs per call and that no
/// built-in world needs is off; deadlines (epoch interruption, cheap) are on.
fn engine_config(pooling: bool, fuel: bool, stack: ByteSize) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Component-model async support costs ~300 ns on every call; the built-in worlds are synchronous.
    config.concurrency_support(false);
    config.cranelift_opt_level(OptLevel::Speed);
    config.epoch_interruption(true);
    config.consume_fuel(fuel);
    config.max_wasm_stack(usize::try_from(stack.0).unwrap_or(usize::MAX));
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        // A component instance holds several core instances (the guest, its
        // adapters and shims); size the pools so components run out last.
        pool.total_component_instances(POOL.component_instances)
            .total_core_instances(POOL.core_instances)
            .total_memories(POOL.memories)
            .total_tables(POOL.tables)
            .max_memories_per_component(POOL.memories_per_component)
            .max_tables_per_component(POOL.tables_per_component)
            .max_core_instances_per_component(POOL.core_instances_per_component)
            .table_elements(POOL.table_elements);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

impl Host {
    /// A host with the default settings (see [`HostBuilder`]).
    pub fn new() -> Result<Host> {
        Self::builder().build()
    }

    /// Settings for a host.
    pub fn builder() -> HostBuilder {
        HostBuilder::default()
    }

    /// What the calls for `tenant` ([`Plugin::for_tenant`](crate::Plugin::for_tenant))
    /// have used since the host started: fuel (with fuel metering), calls,
    /// calls refused by its budget; `None` before the first handle for it.
    pub fn tenant_usage(&self, tenant: &str) -> Option<crate::TenantUsage> {
        self.inner.tenants.usage(tenant)
    }

    /// The wasmtime engine, for code that drives wasmtime directly.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The WIT worlds this host matches plugins against.
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// Loads the plugin component at `path`, detecting its world, with no configuration.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<Plugin> {
        self.loader(path).load()
    }

    /// Starts loading the plugin at `path`, with options: the world it must
    /// implement, its configuration.
    ///
    /// ```no_run
    /// # let host = polyplug_host::Host::new()?;
    /// let plugin = host.loader("auth.wasm").world("auth").config([("keys", "k1,k2")]).load()?;
    /// # Ok::<(), polyplug_host::Error>(())
    /// ```
    pub fn loader(&self, path: impl AsRef<Path>) -> Loader<'_> {
        Loader { host: self, path: path.as_ref().to_path_buf(), spec: LoadSpec::default() }
    }

    /// Compiles (or fetches from the cache) the component in `bytes`.
    /// `digest` is the SHA-256 of `bytes`, hex: the cache's key.
    pub(crate) fn compile(
        &self,
        plugin: &str,
        digest: &str,
        bytes: &[u8],
    ) -> Result<(wasmtime::component::Component, Provenance)> {
        let engine = &self.inner.engine;
        let compiled = match &self.inner.cache {
            Some(cache) => cache.get_or_compile(engine, digest, bytes),
            None => wasmtime::component::Component::new(engine, bytes).map(|c| (c, Provenance::Compiled)),
        };
        compiled.map_err(|e| Error::Compile { plugin: plugin.to_string(), reason: format!("{e:#}") })
    }
}

/// Options for loading one plugin; made by [`Host::loader`].
#[must_use = "a loader does nothing until `.load()`"]
pub struct Loader<'h> {
    host: &'h Host,
    path: PathBuf,
    spec: LoadSpec,
}

impl Loader<'_> {
    /// The world the plugin must implement, by short (`transform`) or full name.
    pub fn world(mut self, world: impl Into<String>) -> Self {
        self.spec.world = Some(world.into());
        self
    }

    /// Configuration entries handed to the plugin's `init` and readable
    /// through the `config` host interface.
    pub fn config<K: Into<String>, V: Into<String>>(mut self, entries: impl IntoIterator<Item = (K, V)>) -> Self {
        self.spec.config.extend(entries.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Do not initialize an instance at load time: the plugin is described
    /// (its `describe` needs no configuration) but its configuration is first
    /// checked at the first call. For inspecting a plugin whose configuration
    /// you do not have.
    pub fn defer_init(mut self) -> Self {
        self.spec.defer_init = true;
        self
    }

    /// Load only to look at the plugin: its manifest is read and `describe`
    /// runs with the host interfaces it declared but no other reach and no
    /// policy check; `init` is not run. The result is for inspection, not for
    /// serving calls (calls get no more than that empty grant).
    pub fn inspect_only(mut self) -> Self {
        self.spec.inspect_only = true;
        self
    }

    /// Accept a component of a world this host has no WIT for: when it
    /// implements none of the catalog's worlds (and names none the catalog
    /// has), its world is what it exports, typed as the component itself
    /// declares. For tools that call any component (`polyplug call`); a host
    /// application serving a world of its own should match it instead.
    pub fn own_world(mut self) -> Self {
        self.spec.own_world = true;
        self
    }

    /// A plugin this one depends on (declared in its manifest's
    /// `[dependencies]`): the imports it exports are linked to it, and each
    /// call into it runs in its own sandbox, under its own grant and limits,
    /// with at most what is left of the caller's deadline.
    ///
    /// ```no_run
    /// # let host = polyplug_host::Host::new()?;
    /// let words = host.load_file("plugins/words.wasm")?;
    /// let summary = host.loader("plugins/summary.wasm").dependency(&words).load()?;
    /// # Ok::<(), polyplug_host::Error>(())
    /// ```
    pub fn dependency(mut self, plugin: &Plugin) -> Self {
        self.spec.dependencies.push(plugin.clone());
        self
    }

    /// The publisher the host has verified for this plugin (e.g. by its
    /// signature); only then do the policy's `[publishers.<name>]` grants apply.
    pub fn verified_publisher(mut self, publisher: impl Into<String>) -> Self {
        self.spec.verified_publisher = Some(publisher.into());
        self
    }

    /// Reads, compiles (or takes from the cache), checks and pre-instantiates
    /// the plugin, then creates and initializes its first instance.
    pub fn load(self) -> Result<Plugin> {
        let bytes = std::fs::read(&self.path).map_err(|reason| Error::Read { path: self.path.clone(), reason })?;
        let file_name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Plugin::load(self.host, &file_name, &bytes, self.spec)
    }
}
