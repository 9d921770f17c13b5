//! [`Plugin`]: one loaded component, its pool of ready instances, and dynamic calls.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crossbeam_queue::ArrayQueue;
use polyplug_bindings::base::exports::polyplug::plugin::plugin::GuestIndices as BaseIndices;
use polyplug_limits::{CallGate, LimitError, Limits};
use polyplug_linker::{Calls, PluginState, StateParts};
use polyplug_manifest::{LimitsRequest, Manifest};
use polyplug_policy::{EffectiveGrant, Identity};
use polyplug_wit::WorldSpec;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Instance, InstancePre, Val};
use tracing::Instrument;
use wasmtime::{Store, Trap, UpdateDeadline, WasmBacktrace};

use crate::cache::Provenance;
use crate::dependencies::DependencyLink;
use crate::dynamic::{FunctionTable, Vals, to_val};
use crate::host::{EPOCH_TICK, Host};
use crate::tenants::Tenant;
use crate::typed::TypedPlugin;
use crate::world::{HTTP_PROXY_KEY, resolve_world, serves_http};
use crate::{Error, Result};

/// What a plugin says about itself (its `describe` export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// The plugin's name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// What the plugin does.
    pub description: String,
}

/// An exported function, as `polyplug inspect` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSignature {
    /// `interface/function`, the interface by its short name.
    pub name: String,
    /// `(name: type, …) -> type` in WIT syntax.
    pub signature: String,
}

#[derive(Debug, Default)]
pub(crate) struct LoadSpec {
    pub(crate) world: Option<String>,
    pub(crate) config: Vec<(String, String)>,
    pub(crate) defer_init: bool,
    pub(crate) verified_publisher: Option<String>,
    pub(crate) inspect_only: bool,
    pub(crate) own_world: bool,
    /// Plugins exporting interfaces this one imports (its manifest's `[dependencies]`).
    pub(crate) dependencies: Vec<Plugin>,
}

/// A loaded plugin: compiled, checked against its world, pre-instantiated,
/// with a pool of initialized instances ready for calls. Cheap to clone and
/// safe to share between threads.
///
/// A handle calls for no tenant, or, made with [`Plugin::for_tenant`], for
/// one tenant: its calls read that tenant's secrets, and run on instances
/// that serve that tenant alone (an instance never carries one tenant's data
/// into another's call).
#[derive(Clone)]
pub struct Plugin {
    pub(crate) inner: Arc<PluginInner>,
    pub(crate) tenant: Option<Arc<Tenant>>,
}

pub(crate) struct PluginInner {
    host: Host,
    name: Arc<str>,
    info: Option<PluginInfo>,
    world: WorldSpec,
    digest: String,
    size: usize,
    provenance: Provenance,
    component: Component,
    instance_pre: InstancePre<PluginState>,
    base: Option<BaseIndices>,
    config: Arc<[(String, String)]>,
    functions: FunctionTable,
    idle: ArrayQueue<Slot>,
    manifest: Option<Manifest>,
    grant: EffectiveGrant,
    limits: Limits,
    gate: CallGate,
    fuel_used: AtomicU64,
    kv: Option<Arc<polyplug_linker::KvStore>>,
    /// The call deadline in epoch ticks, computed once.
    deadline_ticks: u64,
    /// Its imports that its dependencies provide.
    links: Vec<DependencyLink>,
    /// What asynchronous calls need, made on the first one.
    asynchronous: OnceLock<AsyncSide>,
}

/// A plugin's instances for asynchronous calls: pre-instantiated with the
/// linker whose host functions are awaited, and pooled apart from the
/// synchronous ones (an instance of one kind cannot serve the other).
struct AsyncSide {
    instance_pre: InstancePre<PluginState>,
    idle: ArrayQueue<Slot>,
}

/// Access to the store of an instance slot, typed or not.
pub(crate) trait HasStore {
    fn store(&mut self) -> &mut Store<PluginState>;
}

impl HasStore for Slot {
    fn store(&mut self) -> &mut Store<PluginState> {
        &mut self.store
    }
}

/// One initialized instance and the store it lives in.
pub(crate) struct Slot {
    pub(crate) store: Store<PluginState>,
    pub(crate) instance: Instance,
}

/// Names the plugin, its world, digest and grant: what a log line or a failed
/// `unwrap_err` should show, not the engine's internals.
impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name())
            .field("world", &self.inner.world.name)
            .field("digest", &self.digest())
            .field("grant", self.grant())
            .finish_non_exhaustive()
    }
}

impl Plugin {
    pub(crate) fn load(host: &Host, file_name: &str, bytes: &[u8], spec: LoadSpec) -> Result<Plugin> {
        let manifest = read_manifest(file_name, bytes)?;
        let digest = hex::encode(Sha256::digest(bytes));
        // The manifest names the plugin, else the host's file name: never
        // the plugin's own `describe`, which it could make say anything.
        let name = manifest.as_ref().map_or(file_name, |m| m.plugin.name.as_str()).to_string();
        let wanted_world = match (&spec.world, &manifest) {
            (Some(world), _) => Some(world.clone()),
            (None, Some(manifest)) => Some(manifest.plugin.world.to_string()),
            (None, None) => None,
        };
        let verified = match spec.verified_publisher.clone() {
            Some(publisher) => Some(publisher),
            None => verified_publisher(host, &name, bytes, manifest.as_ref())?,
        };
        let identity = Identity { sha256: &digest, verified_publisher: verified.as_deref() };
        // Refusals by policy come before compiling: they cost nothing.
        let grant = match &manifest {
            // Inspection runs only `describe`: the interfaces it declared, no reach at all.
            Some(manifest) if spec.inspect_only => EffectiveGrant::interfaces_only(&manifest.capabilities),
            Some(manifest) => host.inner.policy.effective(manifest, identity)?,
            None => EffectiveGrant::nothing(),
        };
        let nothing = LimitsRequest::default();
        let requested_limits = match &manifest {
            // Inspection runs under the host's defaults whatever the plugin asks.
            Some(manifest) if !spec.inspect_only => &manifest.limits,
            _ => &nothing,
        };
        let limits = Limits::resolve(&host.inner.default_limits, &grant.limits, requested_limits, host.inner.fuel_metering)
            .map_err(|over| Error::LimitsRefused { plugin: name.clone(), policy: host.inner.policy.origin.clone(), over })?;
        let (component, provenance) = host.compile(file_name, &digest, bytes)?;
        let engine = &host.inner.engine;
        let component_type = component.component_type();
        let extensions = &host.inner.extensions;
        let links = crate::dependencies::resolve(&name, manifest.as_ref(), engine, &component, &spec.dependencies)?;
        // What it may import is checked before what it exports: a refused capability is the first thing to say.
        let serves_http = serves_http(engine, &component);
        let unlinked = component_type
            .imports(engine)
            .map(|(import, _)| import)
            .filter(|import| !links.iter().any(|l| l.import() == *import))
            .filter(|import| !(serves_http && polyplug_linker::is_http_serving_import(import)));
        polyplug_linker::check_imports(&name, unlinked, &grant, extensions)?;
        let world = resolve_world(engine, &host.inner.catalog, &component, &name, wanted_world.as_deref(), spec.own_world)?;
        if let Some(stack) = requested_limits.stack.filter(|s| *s > host.inner.max_wasm_stack) {
            return Err(Error::Link {
                plugin: name.clone(),
                reason: format!(
                    "it asks for {stack} of wasm stack, but this host gives every plugin {}; raise it with `HostBuilder::max_wasm_stack`",
                    host.inner.max_wasm_stack
                ),
            });
        }
        check_pool_share(host, &component, &limits, &name)?;
        let mut linker = polyplug_linker::linker_for(engine, &grant, Calls::Sync, extensions)?;
        if serves_http {
            polyplug_linker::link_http_serving(&mut linker, &grant, Calls::Sync)?;
        }
        crate::dependencies::link(&mut linker, &links, Calls::Sync).map_err(|e| Error::Link { plugin: name.clone(), reason: format!("{e:#}") })?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| Error::Link { plugin: name.clone(), reason: format!("{e:#}") })?;
        // Worlds from a host's own WIT may lack polyplug's base interface: then there is no init/describe.
        let mut config = spec.config.clone();
        config.sort();
        crate::secrets::resolve_config(&name, &mut config, host.inner.secrets.as_deref())?;
        let base = base_indices(engine, &component, &instance_pre, &name)?;
        let mut inner = PluginInner {
            host: host.clone(),
            name: Arc::from(name.as_str()),
            info: None,
            world,
            digest,
            size: bytes.len(),
            provenance,
            functions: FunctionTable::new(engine, &component),
            component,
            instance_pre,
            base,
            config: config.into(),
            idle: ArrayQueue::new(host.inner.max_idle_instances.max(1)),
            manifest,
            gate: CallGate::new(&limits),
            kv: grant.kv_quota.map(|quota| Arc::new(polyplug_linker::KvStore::new(quota.0))),
            deadline_ticks: u64::try_from(limits.timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos()).max(1))
                .unwrap_or(u64::MAX),
            grant,
            limits,
            links,
            fuel_used: AtomicU64::new(0),
            asynchronous: OnceLock::new(),
        };
        // The first instance proves the plugin starts, tells its name and
        // (unless deferred) proves it accepts its configuration; it then
        // serves the first call.
        let mut slot = inner.instantiate_uninitialized(None)?;
        if let Some(base) = &inner.base {
            let guest = base.load(&mut slot.store, &slot.instance).map_err(|e| inner.trap("describe", e))?;
            inner.arm(&mut slot.store, Calls::Sync);
            let info = guest.call_describe(&mut slot.store).map_err(|e| inner.failure("describe", e, slot.store.data().stderr_tail()))?;
            inner.info = Some(PluginInfo { name: info.name, version: info.version, description: info.description });
        }
        if !spec.defer_init && !spec.inspect_only {
            inner.init(&mut slot)?;
            inner.give_back(slot);
        }
        tracing::debug!(
            plugin = %inner.name,
            world = %inner.world.name,
            cached = inner.provenance == Provenance::Cached,
            "plugin loaded"
        );
        Ok(Plugin { inner: Arc::new(inner), tenant: None })
    }

    /// The plugin's name: the one its manifest gives, else its file name
    /// (never what its `describe` says: a plugin does not pick its identity).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// What the plugin says about itself, if its world has polyplug's base interface.
    pub fn info(&self) -> Option<&PluginInfo> {
        self.inner.info.as_ref()
    }

    /// The manifest embedded in the component, if it has one.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.inner.manifest.as_ref()
    }

    /// What the plugin may reach: its requests, as granted by the policy.
    pub fn grant(&self) -> &EffectiveGrant {
        &self.inner.grant
    }

    /// The compiled component, for code that drives wasmtime directly (as
    /// [`Host::engine`](crate::Host::engine) is): benchmarks comparing polyplug with a raw
    /// embedder, tools inspecting its types.
    pub fn component(&self) -> &Component {
        &self.inner.component
    }

    /// The plugin's resolved limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Instances in use right now: calls running and typed instances held
    /// (at most the plugin's `concurrency`).
    pub fn instances_in_use(&self) -> u64 {
        self.inner.gate.in_use()
    }

    /// Fuel used by all calls so far (0 unless the host meters fuel).
    pub fn fuel_used(&self) -> u64 {
        self.inner.fuel_used.load(Ordering::Relaxed)
    }

    /// The world the plugin implements.
    pub fn world(&self) -> &WorldSpec {
        &self.inner.world
    }

    /// SHA-256 of the component's bytes, hex.
    pub fn digest(&self) -> &str {
        &self.inner.digest
    }

    /// Size of the component in bytes.
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// Whether this load compiled the component or took it from the cache.
    pub fn provenance(&self) -> Provenance {
        self.inner.provenance
    }

    /// Everything the component imports, by name (`wasi:cli/environment@0.2.6`, …).
    pub fn imports(&self) -> Vec<String> {
        let engine = &self.inner.host.inner.engine;
        self.inner.component.component_type().imports(engine).map(|(name, _)| name.to_string()).collect()
    }

    /// Every exported function with its signature in WIT syntax.
    pub fn functions(&self) -> Vec<FunctionSignature> {
        self.inner
            .functions
            .entries()
            .iter()
            .map(|entry| {
                let signature = match (&entry.params, &entry.results) {
                    (Ok(params), Ok(results)) => {
                        let params: Vec<_> = params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                        let arrow = results.first().map(|t| format!(" -> {t}")).unwrap_or_default();
                        format!("func({}){arrow}", params.join(", "))
                    }
                    _ => "func(…) (uses resources; typed calls only)".to_string(),
                };
                FunctionSignature { name: entry.display.clone(), signature }
            })
            .collect()
    }

    /// This plugin, calling for `tenant`: every call through the handle (and
    /// through a facade made on it) reads `tenant`'s secrets, and runs on an
    /// instance made for `tenant` alone. Cheap: the plugin is the same, and
    /// its instances for other tenants stay theirs.
    ///
    /// ```no_run
    /// # fn run(plugin: polyplug_host::Plugin) -> polyplug_host::Result<()> {
    /// let for_acme = plugin.for_tenant("acme");
    /// assert_eq!(for_acme.tenant(), Some("acme"));
    /// # Ok(()) }
    /// ```
    pub fn for_tenant(&self, tenant: &str) -> Plugin {
        let host = &self.inner.host.inner;
        Plugin { inner: self.inner.clone(), tenant: Some(host.tenants.account(tenant, &host.policy)) }
    }

    /// The tenant this handle calls for, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_ref().map(|t| &*t.id)
    }


    /// Typed access through a world's generated bindings, e.g.
    /// `plugin.typed::<polyplug_bindings::transform::Transform>()`.
    /// Export lookups and type checks happen here, once.
    pub fn typed<W: polyplug_bindings::World>(&self) -> Result<TypedPlugin<W>> {
        TypedPlugin::new(self.clone())
    }

    /// Calls `interface/function` with JSON arguments (one per parameter, in
    /// order, in polyplug's JSON mapping) and returns the result as JSON
    /// (`null` for a function without result). `interface` is the short name
    /// (`transformer`), the full name, or empty for a function the world
    /// exports directly.
    pub fn call_json(&self, interface: &str, function: &str, args: &[Json]) -> Result<Json> {
        let call = self.inner.json_call(interface, function, args)?;
        let JsonCall { entry, vals, mut results } = call;
        let index = entry.index;
        self.with_instance(&entry.display, |slot| {
            let func = exported_func(slot, index)?;
            func.call(&mut slot.store, &vals, &mut results)
        })?;
        self.inner.json_result(entry, results)
    }

    /// [`Plugin::call_json`] for a tokio host: the call yields to the
    /// runtime between slices of the plugin's work (one deadline tick, 10 ms)
    /// and while it waits in a host call, so it never holds a worker thread
    /// for longer than a slice. When all the plugin's `concurrency`
    /// instances are busy it waits for one (up to its `timeout`) instead of
    /// being refused. Needs a tokio runtime with time enabled.
    ///
    /// ```no_run
    /// # async fn run(plugin: polyplug_host::Plugin) -> polyplug_host::Result<()> {
    /// let out = plugin.call_json_async("transformer", "transform", &[serde_json::json!({
    ///     "payload": "{}", "content-type": "application/json", "headers": []
    /// })]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_json_async(&self, interface: &str, function: &str, args: &[Json]) -> Result<Json> {
        let JsonCall { entry, vals, mut results } = self.inner.json_call(interface, function, args)?;
        let index = entry.index;
        self.with_instance_async(&entry.display, async move |mut slot| {
            let result = match exported_func(&mut slot, index) {
                Ok(func) => func.call_async(&mut slot.store, &vals, &mut results).await.map(|()| results),
                Err(e) => Err(e),
            };
            (slot, result)
        })
        .await
        .and_then(|results| self.inner.json_result(entry, results))
    }

    /// Runs `f` on an idle instance (or a fresh one), inside the call span;
    /// the instance goes back to the pool only if the call succeeded.
    pub(crate) fn with_instance<R>(
        &self,
        function: &str,
        f: impl FnOnce(&mut Slot) -> wasmtime::Result<R>,
    ) -> Result<R> {
        // Refusals come before an instance is taken: they cost no guest code and no instance.
        let _admission = self.inner.admit(function)?;
        self.inner.check_budgets(function, self.tenant.as_deref())?;
        let mut slot = self.inner.take(self.tenant.as_deref())?;
        let result = self.inner.run(&mut slot, function, self.tenant.as_deref(), f);
        if result.is_ok() {
            self.inner.give_back(slot);
        }
        result
    }

    /// [`Plugin::with_instance`] for asynchronous calls: the same steps, on
    /// an instance of the asynchronous pool, waiting for admission. `f`
    /// takes the instance and hands it back with the outcome, so that its
    /// future owns what it borrows.
    pub(crate) async fn with_instance_async<R, F>(&self, function: &str, f: impl FnOnce(Slot) -> F) -> Result<R>
    where
        F: Future<Output = (Slot, wasmtime::Result<R>)>,
    {
        let inner = &*self.inner;
        inner.call_async(function, self.tenant.as_deref(), inner.take_async(self.tenant.as_deref()), f, |slot| inner.give_back_async(slot)).await
    }

    pub(crate) fn inner(&self) -> &PluginInner {
        &self.inner
    }
}

/// An idle instance of `idle` that serves `tenant`. Those serving other
/// tenants stay in the pool for theirs (an instance is never reused for
/// another tenant: its memory may hold its tenant's data); each is looked
/// at once at most.
fn take_idle(idle: &ArrayQueue<Slot>, tenant: Option<&Tenant>) -> Option<Slot> {
    let wanted = tenant.map(|t| &*t.id);
    for _ in 0..idle.len() {
        let slot = idle.pop()?;
        if slot.store.data().tenant() == wanted {
            return Some(slot);
        }
        // Back at the end of the queue; if others filled it meanwhile, the instance is dropped.
        let _ = idle.push(slot);
    }
    None
}

/// The manifest embedded in `bytes`, if any; an invalid one refuses the plugin.
fn read_manifest(file_name: &str, bytes: &[u8]) -> Result<Option<Manifest>> {
    // WAT text (which wasmtime compiles too) has no sections to carry a manifest.
    if !bytes.starts_with(b"\0asm") {
        return Ok(None);
    }
    let text = polyplug_manifest::read_section(bytes)
        .map_err(|e| Error::Compile { plugin: file_name.to_string(), reason: e.to_string() })?;
    text.map(|text| {
        Manifest::from_toml(&text, &format!("{file_name}#{}", polyplug_manifest::SECTION_NAME))
            .map_err(|problem| Error::Manifest { plugin: file_name.to_string(), problem })
    })
    .transpose()
}

/// The message of the last Rust panic in `stderr` (`thread '…' panicked at
/// src/lib.rs:1:2:\n<message>\nnote: …`), if there is one.
fn rust_panic_message(stderr: &str) -> Option<String> {
    let after = &stderr[stderr.rfind("panicked at ")?..];
    let message = after.split_once('\n')?.1;
    let message = message.split("\nnote: ").next().unwrap_or(message).trim();
    (!message.is_empty()).then(|| message.to_string())
}

/// Refuses a plugin whose limits the host's instance pool cannot honour, or
/// which at its instance cap could take more than half of any part of the
/// pool (and so stop other plugins from instantiating). Its cap: `concurrency`
/// instances in use plus the idle ones kept for reuse (the plugin's pool and
/// one typed view's).
fn check_pool_share(host: &Host, component: &Component, limits: &Limits, plugin: &str) -> Result<()> {
    use crate::host::POOL;
    let refuse = |reason: String| Err(Error::PoolShare { plugin: plugin.to_string(), reason });
    if !host.inner.pooling {
        return Ok(());
    }
    if limits.table_elements > POOL.table_elements as u64 {
        return refuse(format!(
            "its `table-elements` limit is {}, but this host's instance pool holds at most {} elements per table; lower the limit",
            limits.table_elements, POOL.table_elements
        ));
    }
    let cap = limits.concurrency.saturating_add(2 * host.inner.max_idle_instances as u64);
    let Some(needs) = component.resources_required() else { return Ok(()) };
    for (what, each, total) in [
        ("component instances", 1, POOL.component_instances),
        ("memories", needs.num_memories, POOL.memories),
        ("tables", needs.num_tables, POOL.tables),
    ] {
        let share = cap.saturating_mul(u64::from(each));
        if share > u64::from(total / 2) {
            return refuse(format!(
                "at its instance cap ({} in use by `concurrency` + {} idle) it would hold {share} of the host's {total} pooled {what}, \
                 more than half, which would stop other plugins from instantiating; lower its `concurrency`",
                limits.concurrency,
                cap - limits.concurrency
            ));
        }
    }
    Ok(())
}

/// The indices of polyplug's base interface (`describe`, `init`) when the
/// component exports it; worlds from a host's own WIT may lack it. Exported
/// with other types than polyplug's, it refuses the plugin: skipping `init`
/// silently would run it unconfigured.
fn base_indices(
    engine: &wasmtime::Engine,
    component: &Component,
    instance_pre: &InstancePre<PluginState>,
    plugin: &str,
) -> Result<Option<BaseIndices>> {
    let exports_base = component
        .component_type()
        .exports(engine)
        .any(|(name, _)| name.split('@').next() == Some("polyplug:plugin/plugin"));
    if !exports_base {
        return Ok(None);
    }
    BaseIndices::new(instance_pre).map(Some).map_err(|e| Error::Link {
        plugin: plugin.to_string(),
        reason: format!(
            "it exports `polyplug:plugin/plugin` with types other than polyplug's: {e:#}\n\
             hint: rebuild it against polyplug's WIT (`describe` and `init` as in wit/base.wit)"
        ),
    })
}

/// A dynamic call's arguments converted and its result types looked up,
/// before an instance is taken.
struct JsonCall<'p> {
    entry: &'p crate::dynamic::FunctionEntry,
    vals: Vec<Val>,
    results: Vec<Val>,
}

/// The exported function at `index` in the slot's instance.
pub(crate) fn exported_func(slot: &mut Slot, index: wasmtime::component::ComponentExportIndex) -> wasmtime::Result<wasmtime::component::Func> {
    slot.instance.get_func(&mut slot.store, index).ok_or_else(|| wasmtime::format_err!("export vanished from the instance"))
}

/// One call in progress: its span, and when it started if anyone listens.
pub(crate) struct CallRecord {
    pub(crate) span: tracing::Span,
    start: Option<Instant>,
}

impl PluginInner {
    /// Finds `interface/function` and converts `args` to its parameter types.
    fn json_call<'p>(&'p self, interface: &str, function: &str, args: &[Json]) -> Result<JsonCall<'p>> {
        let Some(entry) = self.functions.find(interface, function) else {
            let wanted = if interface.is_empty() { function.to_string() } else { format!("{interface}/{function}") };
            return Err(Error::NoSuchFunction {
                plugin: self.name.to_string(),
                function: wanted,
                available: self.functions.names().join(", "),
            });
        };
        let display = entry.display.as_str();
        let unsupported = |reason: &String| Error::Unsupported {
            plugin: self.name.to_string(),
            function: display.to_string(),
            reason: reason.clone(),
        };
        let params = entry.params.as_ref().map_err(unsupported)?;
        let result_types = entry.results.as_ref().map_err(unsupported)?;
        let bad_args = |problem: String| Error::Arguments {
            plugin: self.name.to_string(),
            function: display.to_string(),
            problem,
        };
        if args.len() != params.len() {
            let expected: Vec<_> = params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
            return Err(bad_args(format!(
                "expects {} argument(s) ({}), got {}",
                params.len(),
                expected.join(", "),
                args.len()
            )));
        }
        let vals = params
            .iter()
            .zip(args)
            .map(|((name, ty), json)| ty.from_json(json).map(to_val).map_err(|e| bad_args(e.within(name).to_string())))
            .collect::<Result<Vec<Val>>>()?;
        Ok(JsonCall { entry, vals, results: vec![Val::Bool(false); result_types.len()] })
    }

    /// A dynamic call's result as JSON, refused when larger than the plugin's output limit.
    fn json_result(&self, entry: &crate::dynamic::FunctionEntry, mut results: Vec<Val>) -> Result<Json> {
        let display = entry.display.as_str();
        let result_types = entry.results.as_deref().unwrap_or_default();
        // The result goes straight to JSON, its text's length counted as it is written.
        let mut size = 4;
        let json = match (result_types.first(), results.pop()) {
            (Some(ty), Some(val)) => {
                size = 0;
                ty.view_to_json::<Vals>(&val, &mut size).map_err(|e| Error::Call {
                    plugin: self.name.to_string(),
                    function: display.to_string(),
                    source: format!("returned a value that does not fit its type: {e}").into(),
                })?
            }
            _ => Json::Null,
        };
        if size > self.limits.output.0 {
            return Err(Error::Limit {
                plugin: self.name.to_string(),
                function: display.to_string(),
                limit: LimitError::Output { limit: self.limits.output.0, size },
            });
        }
        Ok(json)
    }

    /// Its exported functions.
    pub(crate) fn functions(&self) -> &FunctionTable {
        &self.functions
    }

    /// Its call deadline, in epoch ticks.
    pub(crate) fn deadline_ticks(&self) -> u64 {
        self.deadline_ticks
    }

    pub(crate) fn max_idle(&self) -> usize {
        self.host.inner.max_idle_instances
    }

    pub(crate) fn instance_pre(&self) -> &InstancePre<PluginState> {
        &self.instance_pre
    }

    /// A new instance in a new store for `tenant`'s calls, initialized with the plugin's configuration.
    pub(crate) fn instantiate(&self, tenant: Option<&Tenant>) -> Result<Slot> {
        let mut slot = self.instantiate_uninitialized(tenant)?;
        self.init(&mut slot)?;
        Ok(slot)
    }

    fn instantiate_uninitialized(&self, tenant: Option<&Tenant>) -> Result<Slot> {
        let mut store = self.new_store(Calls::Sync, tenant)?;
        let instance = self.instance_pre.instantiate(&mut store).map_err(|e| self.trap("instantiation", e))?;
        Ok(Slot { store, instance })
    }

    /// A fresh store for one instance serving `tenant`'s calls (for its
    /// whole life), armed for its first call.
    fn new_store(&self, calls: Calls, tenant: Option<&Tenant>) -> Result<Store<PluginState>> {
        let host = &self.host.inner;
        let parts = StateParts {
            plugin: self.name.clone(),
            config: self.config.clone(),
            audit: host.audit.clone(),
            limits: self.limits.clone(),
            kv: self.kv.clone(),
            secrets: host.secrets.clone(),
            tenant: tenant.map(|t| t.id.clone()),
            tenant_secret_names: tenant.and_then(|t| t.secret_names.clone()),
            ticks: host.ticks.clone(),
            https: host.https.clone(),
            extensions: host.extensions.clone(),
        };
        let state = PluginState::new(parts, &self.grant)?;
        let mut store = Store::new(&host.engine, state);
        store.limiter(|state| state.limiter());
        store.set_hostcall_fuel(self.limits.copy_budget());
        if calls == Calls::Async {
            // Every tick the plugin's code runs, it yields to the runtime, until its deadline.
            store.epoch_deadline_callback(|store| {
                Ok(if store.data().time_left().is_zero() { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(1) })
            });
        }
        self.arm(&mut store, calls);
        Ok(store)
    }

    /// Sets the store's deadline (and fuel) for the next call into the plugin:
    /// a synchronous call traps at the deadline; an asynchronous one yields
    /// at every tick and is interrupted at the deadline.
    fn arm(&self, store: &mut Store<PluginState>, calls: Calls) {
        store.set_epoch_deadline(match calls {
            Calls::Sync => self.deadline_ticks,
            Calls::Async => 1,
        });
        store.data_mut().arm_deadline(self.deadline_ticks);
        if let Some(fuel) = self.limits.fuel {
            // Fails only when the engine does not meter fuel, and then `limits.fuel` is `None`.
            let _ = store.set_fuel(fuel);
        }
    }

    /// Runs the plugin's `init` with its configuration, if its world has one.
    fn init(&self, slot: &mut Slot) -> Result<()> {
        let Some(base) = &self.base else { return Ok(()) };
        let guest = base.load(&mut slot.store, &slot.instance).map_err(|e| self.trap("init", e))?;
        self.arm(&mut slot.store, Calls::Sync);
        let result = guest.call_init(&mut slot.store, &self.config);
        self.init_outcome(slot, result)
    }

    /// `init`'s outcome as the plugin's error, with its stderr when it trapped.
    fn init_outcome(&self, slot: &Slot, result: wasmtime::Result<std::result::Result<(), String>>) -> Result<()> {
        result
            .map_err(|e| self.failure("init", e, slot.store.data().stderr_tail()))?
            .map_err(|message| Error::Init { plugin: self.name.to_string(), message })
    }

    /// The asynchronous side, made on first use: its linker has the same
    /// reach as the synchronous one, with host functions that are awaited.
    fn async_side(&self) -> Result<&AsyncSide> {
        if let Some(side) = self.asynchronous.get() {
            return Ok(side);
        }
        let engine = &self.host.inner.engine;
        let mut linker = polyplug_linker::linker_for(engine, &self.grant, Calls::Async, &self.host.inner.extensions)?;
        if self.world.key == HTTP_PROXY_KEY {
            polyplug_linker::link_http_serving(&mut linker, &self.grant, Calls::Async)?;
        }
        crate::dependencies::link(&mut linker, &self.links, Calls::Async)
            .map_err(|e| Error::Link { plugin: self.name.to_string(), reason: format!("{e:#}") })?;
        let instance_pre = linker
            .instantiate_pre(&self.component)
            .map_err(|e| Error::Link { plugin: self.name.to_string(), reason: format!("{e:#}") })?;
        // Two first calls at once both make one; the second is dropped.
        let _ = self.asynchronous.set(AsyncSide { instance_pre, idle: ArrayQueue::new(self.max_idle().max(1)) });
        Ok(self.asynchronous.get().expect("set just above"))
    }

    /// A new instance for asynchronous calls for `tenant`, initialized with the plugin's configuration.
    pub(crate) async fn instantiate_async(&self, tenant: Option<&Tenant>) -> Result<Slot> {
        let side = self.async_side()?;
        let mut store = self.new_store(Calls::Async, tenant)?;
        let instance = side.instance_pre.instantiate_async(&mut store).await.map_err(|e| self.trap("instantiation", e))?;
        let mut slot = Slot { store, instance };
        if let Some(base) = &self.base {
            let guest = base.load(&mut slot.store, &slot.instance).map_err(|e| self.trap("init", e))?;
            self.arm(&mut slot.store, Calls::Async);
            let result = guest.func_init().call_async(&mut slot.store, (&self.config,)).await.map(|(result,)| result);
            self.init_outcome(&slot, result)?;
        }
        Ok(slot)
    }

    /// An idle instance for asynchronous calls for `tenant`, or a new one.
    pub(crate) async fn take_async(&self, tenant: Option<&Tenant>) -> Result<Slot> {
        match take_idle(&self.async_side()?.idle, tenant) {
            Some(slot) => Ok(slot),
            None => self.instantiate_async(tenant).await,
        }
    }

    /// Returns a healthy instance to the asynchronous pool (or drops it when full).
    pub(crate) fn give_back_async(&self, slot: Slot) {
        if let Some(side) = self.asynchronous.get()
            && self.max_idle() > 0
        {
            let _ = side.idle.push(slot);
        }
    }

    /// An idle instance for `tenant`, or a new one.
    pub(crate) fn take(&self, tenant: Option<&Tenant>) -> Result<Slot> {
        match take_idle(&self.idle, tenant) {
            Some(slot) => Ok(slot),
            None => self.instantiate(tenant),
        }
    }

    /// Returns a healthy instance to the pool (or drops it when the pool is full).
    pub(crate) fn give_back(&self, slot: Slot) {
        if self.max_idle() > 0 {
            // A full pool drops the instance.
            let _ = self.idle.push(slot);
        }
    }

    /// Admits one more instance in use (the plugin's concurrency limit).
    pub(crate) fn admit(&self, function: &str) -> Result<polyplug_limits::Admission<'_>> {
        self.gate.admit().map_err(|limit| self.limit(function, limit))
    }

    /// Admits one more instance in use, waiting up to the plugin's timeout for one to free.
    pub(crate) async fn admit_waiting(&self, function: &str) -> Result<polyplug_limits::Admission<'_>> {
        self.gate.admit_waiting(self.limits.timeout).await.map_err(|limit| self.limit(function, limit))
    }

    /// Takes one call from the plugin's rate budget and, for a tenant's
    /// call, checks the tenant's fuel budget for this second; or refuses it.
    #[inline]
    pub(crate) fn check_budgets(&self, function: &str, tenant: Option<&Tenant>) -> Result<()> {
        if let Err(limit) = self.gate.check_rate() {
            return Err(self.limit(function, limit));
        }
        match tenant.map(Tenant::admit) {
            Some(Err(budget)) => {
                let tenant = tenant.map_or_else(String::new, |t| t.id.to_string());
                tracing::warn!(plugin = &*self.name, function, tenant, "plugin call refused: the tenant's fuel budget for this second is used up");
                Err(Error::TenantBudget { tenant, plugin: self.name.to_string(), function: function.to_string(), fuel_per_second: budget })
            }
            _ => Ok(()),
        }
    }

    /// Runs one call on an admitted instance (rate already checked), armed
    /// with its deadline and fuel, inside a `plugin_call` span recording
    /// outcome, duration and fuel.
    pub(crate) fn run<S: HasStore, R>(
        &self,
        slot: &mut S,
        function: &str,
        tenant: Option<&Tenant>,
        f: impl FnOnce(&mut S) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let call = self.begin(slot.store(), function, Calls::Sync);
        let result = {
            let _entered = call.span.enter();
            f(slot)
        };
        self.finish(call, slot.store(), function, tenant, result)
    }

    /// One asynchronous call: admitted (waiting for a free instance), rate
    /// checked, on the instance `take` gives, run by `f` inside the call's
    /// span, handed to `give_back` if it succeeded. The one asynchronous call
    /// path, for dynamic and typed calls alike; it shares every step but the
    /// waiting with [`PluginInner::run`].
    pub(crate) async fn call_async<S: HasStore, R, F>(
        &self,
        function: &str,
        tenant: Option<&Tenant>,
        take: impl Future<Output = Result<S>>,
        f: impl FnOnce(S) -> F,
        give_back: impl FnOnce(S),
    ) -> Result<R>
    where
        F: Future<Output = (S, wasmtime::Result<R>)>,
    {
        // Refusals come before an instance is taken, as for synchronous calls.
        // Only a call finding every instance busy pays for waiting.
        let _admission = match self.gate.admit() {
            Ok(admission) => admission,
            Err(_) => self.admit_waiting(function).await?,
        };
        self.check_budgets(function, tenant)?;
        let mut slot = take.await?;
        let call = self.begin(slot.store(), function, Calls::Async);
        let (mut slot, result) = f(slot).instrument(call.span.clone()).await;
        let result = self.finish(call, slot.store(), function, tenant, result);
        if result.is_ok() {
            give_back(slot);
        }
        result
    }

    /// Starts a call: its `plugin_call` span, its clock if anyone listens,
    /// and the store armed with its deadline and fuel.
    pub(crate) fn begin(&self, store: &mut Store<PluginState>, function: &str, calls: Calls) -> CallRecord {
        let span = tracing::info_span!(
            "plugin_call",
            plugin = &*self.name,
            function,
            outcome = tracing::field::Empty,
            duration_us = tracing::field::Empty,
            fuel_used = tracing::field::Empty,
        );
        // Timing costs two clock reads; only pay for it when someone listens.
        let start = (!span.is_disabled()).then(Instant::now);
        self.arm(store, calls);
        CallRecord { span, start }
    }

    /// Ends a call: fuel counted (for the plugin and the tenant), the span
    /// completed, a failure made a polyplug error.
    pub(crate) fn finish<R>(
        &self,
        call: CallRecord,
        store: &mut Store<PluginState>,
        function: &str,
        tenant: Option<&Tenant>,
        result: wasmtime::Result<R>,
    ) -> Result<R> {
        let CallRecord { span, start } = call;
        if let Some(limit) = self.limits.fuel {
            let used = limit.saturating_sub(store.get_fuel().unwrap_or(limit));
            self.fuel_used.fetch_add(used, Ordering::Relaxed);
            if let Some(tenant) = tenant {
                tenant.charge(used);
            }
            crate::metering::charge(used);
            span.record("fuel_used", used);
        }
        if let Some(start) = start {
            span.record("duration_us", start.elapsed().as_secs_f64() * 1e6);
            span.record("outcome", if result.is_ok() { "ok" } else { "trap" });
        }
        result.map_err(|e| self.failure(function, e, store.data().stderr_tail()))
    }

    fn limit(&self, function: &str, limit: LimitError) -> Error {
        tracing::warn!(plugin = &*self.name, function, "plugin call stopped: {limit}");
        Error::Limit { plugin: self.name.to_string(), function: function.to_string(), limit }
    }

    /// A wasmtime failure inside `function` as a polyplug error (see [`Self::failure`]).
    pub(crate) fn trap(&self, function: &str, error: wasmtime::Error) -> Error {
        self.failure(function, error, None)
    }

    /// A wasmtime failure inside `function` as a polyplug error: a limit, a
    /// Rust panic with its message (from `stderr`, what the plugin wrote
    /// during the call), a trap with the plugin's last words and its
    /// backtrace, or another failure with its cause.
    pub(crate) fn failure(&self, function: &str, error: wasmtime::Error, stderr: Option<String>) -> Error {
        if let Some(limit) = LimitError::from_call(&error, &self.limits, self.host.inner.max_wasm_stack) {
            return self.limit(function, limit);
        }
        if let Some(full) = error.downcast_ref::<wasmtime::PoolConcurrencyLimitError>() {
            tracing::warn!(plugin = &*self.name, function, "no room for another instance: {full}");
            return Error::Capacity { plugin: self.name.to_string(), reason: full.to_string() };
        }
        // A dependency's failure, whole: the dependency's own error says what it was.
        let error = match error.downcast::<crate::dependencies::DependencyFailed>() {
            Ok(failed) => {
                tracing::warn!(plugin = &*self.name, function, "plugin call failed: {failed}");
                return Error::Call { plugin: self.name.to_string(), function: function.to_string(), source: Box::new(failed) };
            }
            Err(error) => error,
        };
        let Some(trap) = error.downcast_ref::<Trap>() else {
            // Not a trap of the plugin's code: a host function failed, or a
            // value crossing the boundary was invalid. Keep the whole chain.
            tracing::warn!(plugin = &*self.name, function, "plugin call failed: {error:#}");
            return Error::Call { plugin: self.name.to_string(), function: function.to_string(), source: error.into_boxed_dyn_error() };
        };
        if let Some(message) = stderr.as_deref().and_then(rust_panic_message) {
            tracing::warn!(plugin = &*self.name, function, "plugin panicked: {message}");
            return Error::Panicked { plugin: self.name.to_string(), function: function.to_string(), message };
        }
        let last_words = stderr.map(|text| format!("\nits stderr before it stopped: {}", text.trim_end())).unwrap_or_default();
        let reason = match error.downcast_ref::<WasmBacktrace>() {
            Some(backtrace) => format!("{trap}{last_words}\n{backtrace}"),
            None => format!("{trap}{last_words}"),
        };
        tracing::warn!(plugin = &*self.name, function, "plugin call failed: {reason}");
        Error::Trap { plugin: self.name.to_string(), function: function.to_string(), reason }
    }
}

/// The publisher `manifest` claims, if the host's trust file verifies the
/// component's signature for it; a claim that does not verify is refused
/// when signatures are required, else logged and worth nothing.
fn verified_publisher(host: &Host, name: &str, bytes: &[u8], manifest: Option<&Manifest>) -> Result<Option<String>> {
    let refuse = |reason: String| Error::Unverified { plugin: name.to_string(), reason };
    let claimed = manifest.and_then(|m| m.plugin.publisher.clone());
    let Some(trust) = &host.inner.trust else {
        if host.inner.require_signatures {
            return Err(refuse("the host requires signatures but was given no trust file (`HostBuilder::trust`)".into()));
        }
        return Ok(None);
    };
    let Some(publisher) = claimed else {
        if host.inner.require_signatures {
            return Err(refuse("its manifest claims no `publisher`, so no signature can vouch for it; set `publisher` and sign it".into()));
        }
        return Ok(None);
    };
    match trust.verify(name, bytes, &publisher) {
        Ok(verified) => {
            tracing::debug!(plugin = name, publisher = %publisher, key = %verified.key, "publisher verified by signature");
            Ok(Some(publisher))
        }
        Err(e) if host.inner.require_signatures => Err(refuse(e.to_string())),
        Err(e) => {
            tracing::warn!(plugin = name, "{e}; its `[publishers.{publisher}]` grant does not apply");
            Ok(None)
        }
    }
}
