//! Typed calls through a world's generated bindings.

use std::future::Future;

use crossbeam_queue::ArrayQueue;

use polyplug_bindings::World;
use polyplug_linker::PluginState;
use wasmtime::Store;

use crate::plugin::{Plugin, Slot};
use crate::Result;

/// A plugin seen through the generated bindings of its world `W`: export
/// lookups and type checks done once, calls as fast as raw wasmtime.
///
/// ```no_run
/// use polyplug_bindings::transform::Transform;
/// use polyplug_bindings::transform::exports::polyplug::plugin::transformer::Message;
/// # let plugin = polyplug_host::Host::new()?.load_file("transform.wasm")?;
/// let transform = plugin.typed::<Transform>()?;
/// let message = Message { payload: "{}".into(), content_type: "application/json".into(), headers: vec![] };
/// let out = transform.call("transform", |t, store| t.polyplug_plugin_transformer().call_transform(store, &message))?;
/// # Ok::<(), polyplug_host::Error>(())
/// ```
pub struct TypedPlugin<W: World> {
    plugin: Plugin,
    indices: W::Indices,
    /// Idle instances, lock-free. Boxed: a slot holds every export's handle,
    /// too big to move per call.
    idle: ArrayQueue<Box<TypedSlot<W>>>,
    /// Idle instances for asynchronous calls (made with the asynchronous linker).
    idle_async: ArrayQueue<Box<TypedSlot<W>>>,
}

/// One instance with its world's bindings loaded: what a typed call runs on.
pub struct TypedSlot<W> {
    slot: Slot,
    bindings: W,
}

impl<W> TypedSlot<W> {
    /// The world's bindings for this instance.
    pub fn bindings(&self) -> &W {
        &self.bindings
    }

    /// The bindings and the store they are called with.
    pub fn parts(&mut self) -> (&W, &mut Store<PluginState>) {
        (&self.bindings, &mut self.slot.store)
    }
}

impl<W> crate::plugin::HasStore for Box<TypedSlot<W>> {
    fn store(&mut self) -> &mut Store<PluginState> {
        &mut self.slot.store
    }
}

impl<W: World> TypedPlugin<W> {
    pub(crate) fn new(plugin: Plugin) -> Result<Self> {
        let indices = W::indices(plugin.inner().instance_pre()).map_err(|e| crate::Error::WorldMismatch {
            plugin: plugin.name().to_string(),
            world: W::NAME.to_string(),
            missing: vec![format!("{e:#}")],
        })?;
        let capacity = plugin.inner().max_idle().max(1);
        Ok(TypedPlugin { plugin, indices, idle: ArrayQueue::new(capacity), idle_async: ArrayQueue::new(capacity) })
    }

    /// The plugin behind these bindings.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    /// Calls the plugin on a pooled instance: `f` gets the bindings and the
    /// store; `function` names the call in traces and errors. A trap discards
    /// the instance; a later call gets a fresh one.
    pub fn call<R>(&self, function: &str, f: impl FnOnce(&W, &mut Store<PluginState>) -> wasmtime::Result<R>) -> Result<R> {
        let inner = self.plugin.inner();
        // The same steps as `instance()?.call(..)`, without a `TypedInstance`
        // made and dropped around them: this is the hottest path.
        let _admission = inner.admit(function)?;
        inner.check_budgets(function, self.plugin.tenant.as_deref())?;
        let mut slot = match self.idle.pop() {
            Some(slot) => slot,
            None => self.new_slot()?,
        };
        let result = inner.run(&mut slot, function, self.plugin.tenant.as_deref(), |s| f(&s.bindings, &mut s.slot.store));
        // Never reuse an instance that failed mid-call.
        if result.is_ok() {
            self.give_back(slot);
        }
        result
    }

    /// Returns a healthy instance to the typed pool, or, when that is full,
    /// to the plugin's own.
    fn give_back(&self, slot: Box<TypedSlot<W>>) {
        if self.plugin.inner().max_idle() > 0
            && let Err(slot) = self.idle.push(slot)
        {
            self.plugin.inner().give_back(slot.slot);
        }
    }

    /// Takes one instance for exclusive use, e.g. one per worker thread: calls
    /// on it skip the pool entirely. It counts against the plugin's
    /// concurrency limit while held, and returns to the pool when dropped.
    pub fn instance(&self) -> Result<TypedInstance<'_, W>> {
        let admission = self.plugin.inner().admit("instance")?;
        let slot = match self.idle.pop() {
            Some(slot) => slot,
            None => self.new_slot()?,
        };
        Ok(TypedInstance { plugin: self, slot: Some(slot), _admission: admission })
    }

    /// Calls the plugin asynchronously (see [`Plugin::call_json_async`] for
    /// how it yields and waits) on a pooled instance: `f` takes the instance
    /// and gives it back with the outcome, so that its future owns all it
    /// borrows. Generated facades call this; by hand it reads:
    ///
    /// ```no_run
    /// use polyplug_bindings::transform::Transform;
    /// use polyplug_bindings::transform::exports::polyplug::plugin::transformer::Message;
    /// # async fn run(plugin: polyplug_host::Plugin) -> polyplug_host::Result<()> {
    /// let transform = plugin.typed::<Transform>()?;
    /// let message = Message { payload: "{}".into(), content_type: "application/json".into(), headers: vec![] };
    /// let out = transform
    ///     .call_async("transformer/transform", async |mut slot| {
    ///         let (bindings, store) = slot.parts();
    ///         let func = bindings.polyplug_plugin_transformer().func_transform();
    ///         let result = func.call_async(store, (&message,)).await.map(|(out,)| out);
    ///         (slot, result)
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_async<R, F>(&self, function: &str, f: impl FnOnce(Box<TypedSlot<W>>) -> F) -> Result<R>
    where
        F: Future<Output = (Box<TypedSlot<W>>, wasmtime::Result<R>)>,
    {
        let inner = self.plugin.inner();
        let take = async {
            if let Some(slot) = self.idle_async.pop() {
                return Ok(slot);
            }
            let mut slot = inner.take_async(self.plugin.tenant.as_deref()).await?;
            let bindings = W::load(&self.indices, &mut slot.store, &slot.instance).map_err(|e| inner.trap("loading bindings", e))?;
            Ok(Box::new(TypedSlot { slot, bindings }))
        };
        let give_back = |slot: Box<TypedSlot<W>>| {
            // A full typed pool hands the instance back to the plugin's own.
            if let Err(slot) = self.idle_async.push(slot) {
                inner.give_back_async(slot.slot);
            }
        };
        inner.call_async(function, self.plugin.tenant.as_deref(), take, f, give_back).await
    }

    fn new_slot(&self) -> Result<Box<TypedSlot<W>>> {
        let inner = self.plugin.inner();
        let mut slot = inner.take(self.plugin.tenant.as_deref())?;
        let bindings = W::load(&self.indices, &mut slot.store, &slot.instance)
            .map_err(|e| inner.trap("loading bindings", e))?;
        Ok(Box::new(TypedSlot { slot, bindings }))
    }
}

/// One instance of a plugin held for exclusive use; see [`TypedPlugin::instance`].
pub struct TypedInstance<'p, W: World> {
    plugin: &'p TypedPlugin<W>,
    /// `None` after a trap: the next call replaces it.
    slot: Option<Box<TypedSlot<W>>>,
    _admission: polyplug_limits::Admission<'p>,
}

impl<W: World> TypedInstance<'_, W> {
    /// Calls the plugin on this instance; see [`TypedPlugin::call`].
    pub fn call<R>(
        &mut self,
        function: &str,
        f: impl FnOnce(&W, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let inner = self.plugin.plugin.inner();
        // A refused call never reaches, or costs, the instance.
        let tenant = self.plugin.plugin.tenant.as_deref();
        inner.check_budgets(function, tenant)?;
        let slot = match &mut self.slot {
            Some(slot) => slot,
            empty => empty.insert(self.plugin.new_slot()?),
        };
        let result = inner.run(slot, function, tenant, |s| f(&s.bindings, &mut s.slot.store));
        if result.is_err() {
            // Never reuse an instance that failed mid-call.
            self.slot = None;
        }
        result
    }
}

impl<W: World> Drop for TypedInstance<'_, W> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.plugin.give_back(slot);
        }
    }
}

impl<W: World> Drop for TypedPlugin<W> {
    /// The idle instances go back to the plugin's pool: a typed view is a
    /// way to call a plugin's instances, not a second set of them.
    fn drop(&mut self) {
        while let Some(slot) = self.idle.pop() {
            self.plugin.inner().give_back(slot.slot);
        }
        while let Some(slot) = self.idle_async.pop() {
            self.plugin.inner().give_back_async(slot.slot);
        }
    }
}
