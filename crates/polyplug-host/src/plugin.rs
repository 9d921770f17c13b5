//! [`Plugin`]: one loaded component, its pool of ready instances, and dynamic calls.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use polyplug_bindings::base::exports::polyplug::plugin::plugin::GuestIndices as BaseIndices;
use polyplug_linker::PluginState;
use polyplug_value::ValueType;
use polyplug_wit::WorldSpec;
use serde_json::Value as Json;
use wasmtime::component::{Component, Instance, InstancePre, Val};
use wasmtime::{Store, Trap, WasmBacktrace};

use crate::cache::Provenance;
use crate::dynamic::{FunctionTable, from_val, to_val};
use crate::host::Host;
use crate::typed::TypedPlugin;
use crate::world::resolve_world;
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
}

/// A loaded plugin: compiled, checked against its world, pre-instantiated,
/// with a pool of initialized instances ready for calls. Cheap to clone and
/// safe to share between threads.
#[derive(Clone)]
pub struct Plugin {
    pub(crate) inner: Arc<PluginInner>,
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
    idle: Mutex<Vec<Slot>>,
}

/// One initialized instance and the store it lives in.
pub(crate) struct Slot {
    pub(crate) store: Store<PluginState>,
    pub(crate) instance: Instance,
}

impl Plugin {
    pub(crate) fn load(host: &Host, file_name: &str, bytes: &[u8], spec: LoadSpec) -> Result<Plugin> {
        let (component, provenance, digest) = host.compile(file_name, bytes)?;
        let engine = &host.inner.engine;
        let world = resolve_world(engine, &host.inner.catalog, &component, file_name, spec.world.as_deref())?;
        let instance_pre = host
            .inner
            .linker
            .instantiate_pre(&component)
            .map_err(|e| Error::Link { plugin: file_name.to_string(), reason: format!("{e:#}") })?;
        // Worlds from a host's own WIT may lack polyplug's base interface: then there is no init/describe.
        let base = BaseIndices::new(&instance_pre).ok();
        let mut config = spec.config.clone();
        config.sort();
        let mut inner = PluginInner {
            host: host.clone(),
            name: Arc::from(file_name),
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
            idle: Mutex::new(Vec::new()),
        };
        // The first instance proves the plugin starts, tells its name and
        // (unless deferred) proves it accepts its configuration; it then
        // serves the first call.
        let mut slot = inner.instantiate_uninitialized()?;
        if let Some(base) = &inner.base {
            let guest = base.load(&mut slot.store, &slot.instance).map_err(|e| inner.trap("describe", e))?;
            let info = guest.call_describe(&mut slot.store).map_err(|e| inner.trap("describe", e))?;
            inner.name = Arc::from(info.name.as_str());
            slot.store.data_mut().set_plugin(inner.name.clone());
            inner.info = Some(PluginInfo { name: info.name, version: info.version, description: info.description });
        }
        if !spec.defer_init {
            inner.init(&mut slot)?;
            inner.idle.get_mut().unwrap_or_else(|e| e.into_inner()).push(slot);
        }
        tracing::debug!(
            plugin = %inner.name,
            world = %inner.world.name,
            cached = inner.provenance == Provenance::Cached,
            "plugin loaded"
        );
        Ok(Plugin { inner: Arc::new(inner) })
    }

    /// The plugin's name: what it calls itself, else its file name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// What the plugin says about itself, if its world has polyplug's base interface.
    pub fn info(&self) -> Option<&PluginInfo> {
        self.inner.info.as_ref()
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
                FunctionSignature { name: entry.display_name(), signature }
            })
            .collect()
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
        let inner = &self.inner;
        let Some(entry) = inner.functions.find(interface, function) else {
            let wanted = if interface.is_empty() { function.to_string() } else { format!("{interface}/{function}") };
            return Err(Error::NoSuchFunction {
                plugin: inner.name.to_string(),
                function: wanted,
                available: inner.functions.names().join(", "),
            });
        };
        let display = entry.display_name();
        let unsupported = |reason: &String| Error::Unsupported {
            plugin: inner.name.to_string(),
            function: display.clone(),
            reason: reason.clone(),
        };
        let params = entry.params.as_ref().map_err(unsupported)?;
        let result_types = entry.results.as_ref().map_err(unsupported)?;
        let bad_args = |problem: String| Error::Arguments {
            plugin: inner.name.to_string(),
            function: display.clone(),
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
        let mut results = vec![Val::Bool(false); result_types.len()];
        let index = entry.index;
        self.with_instance(&display, |slot| {
            let func = slot
                .instance
                .get_func(&mut slot.store, index)
                .ok_or_else(|| wasmtime::format_err!("export vanished from the instance"))?;
            func.call(&mut slot.store, &vals, &mut results)
        })?;
        match (result_types.first(), results.pop()) {
            (Some(ty), Some(val)) => result_to_json(ty, val).map_err(|problem| Error::Trap {
                plugin: inner.name.to_string(),
                function: display.clone(),
                reason: problem,
            }),
            _ => Ok(Json::Null),
        }
    }

    /// Runs `f` on an idle instance (or a fresh one), inside the call span;
    /// the instance goes back to the pool only if the call succeeded.
    pub(crate) fn with_instance<R>(
        &self,
        function: &str,
        f: impl FnOnce(&mut Slot) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let mut slot = self.inner.take()?;
        let result = self.inner.run(&mut slot, function, f);
        if result.is_ok() {
            self.inner.give_back(slot);
        }
        result
    }

    pub(crate) fn inner(&self) -> &PluginInner {
        &self.inner
    }
}

fn result_to_json(ty: &ValueType, val: Val) -> std::result::Result<Json, String> {
    let value = from_val(val).ok_or_else(|| format!("returned a value of type {ty} that JSON cannot carry"))?;
    ty.to_json(&value).map_err(|e| format!("returned a value that does not fit its type: {e}"))
}

impl PluginInner {
    pub(crate) fn max_idle(&self) -> usize {
        self.host.inner.max_idle_instances
    }

    pub(crate) fn instance_pre(&self) -> &InstancePre<PluginState> {
        &self.instance_pre
    }

    /// A new instance in a new store, initialized with the plugin's configuration.
    pub(crate) fn instantiate(&self) -> Result<Slot> {
        let mut slot = self.instantiate_uninitialized()?;
        self.init(&mut slot)?;
        Ok(slot)
    }

    fn instantiate_uninitialized(&self) -> Result<Slot> {
        let engine = &self.host.inner.engine;
        let mut store = Store::new(engine, PluginState::new(self.name.clone(), self.config.clone()));
        let instance = self.instance_pre.instantiate(&mut store).map_err(|e| self.trap("instantiation", e))?;
        Ok(Slot { store, instance })
    }

    /// Runs the plugin's `init` with its configuration, if its world has one.
    fn init(&self, slot: &mut Slot) -> Result<()> {
        let Some(base) = &self.base else { return Ok(()) };
        let guest = base.load(&mut slot.store, &slot.instance).map_err(|e| self.trap("init", e))?;
        guest
            .call_init(&mut slot.store, &self.config)
            .map_err(|e| self.trap("init", e))?
            .map_err(|message| Error::Init { plugin: self.name.to_string(), message })
    }

    /// An idle instance, or a new one.
    pub(crate) fn take(&self) -> Result<Slot> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(slot) => Ok(slot),
            None => self.instantiate(),
        }
    }

    /// Returns a healthy instance to the pool (or drops it when the pool is full).
    pub(crate) fn give_back(&self, slot: Slot) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle() {
            idle.push(slot);
        }
    }

    /// Runs one call inside a `plugin_call` span recording outcome and duration.
    pub(crate) fn run<S, R>(
        &self,
        slot: &mut S,
        function: &str,
        f: impl FnOnce(&mut S) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let span = tracing::info_span!(
            "plugin_call",
            plugin = &*self.name,
            function,
            outcome = tracing::field::Empty,
            duration_us = tracing::field::Empty,
        );
        let _entered = span.enter();
        // Timing costs two clock reads; only pay for it when someone listens.
        let start = (!span.is_disabled()).then(Instant::now);
        let result = f(slot);
        if let Some(start) = start {
            span.record("duration_us", start.elapsed().as_secs_f64() * 1e6);
            span.record("outcome", if result.is_ok() { "ok" } else { "trap" });
        }
        result.map_err(|e| self.trap(function, e))
    }

    /// A wasmtime failure inside `function` as a polyplug error: the trap
    /// first, then the guest's backtrace.
    pub(crate) fn trap(&self, function: &str, error: wasmtime::Error) -> Error {
        let reason = match error.downcast_ref::<Trap>() {
            Some(trap) => match error.downcast_ref::<WasmBacktrace>() {
                Some(backtrace) => format!("{trap}\n{backtrace}"),
                None => trap.to_string(),
            },
            None => format!("{error:#}"),
        };
        tracing::warn!(plugin = &*self.name, function, "plugin call failed: {reason}");
        Error::Trap { plugin: self.name.to_string(), function: function.to_string(), reason }
    }
}
