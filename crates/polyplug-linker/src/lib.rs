//! The wasmtime [`Linker`] a plugin runs against, and the per-instance state
//! behind it ([`PluginState`]).
//!
//! A plugin sees exactly what is linked here: WASI (with no reach unless the
//! state it runs with grants some: no preopened directories, no environment,
//! no network, no inherited stdio) and polyplug's host interfaces `log` and
//! `config`, implemented once for every world.
//!
//! This crate knows nothing of registries, remote plugins or which world a
//! plugin implements.

use std::sync::Arc;

use polyplug_bindings::base::polyplug::plugin::{config, log, types};
use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The longest log message a plugin may emit in one call; longer ones are cut.
pub const MAX_LOG_MESSAGE: usize = 16 * 1024;

/// What one plugin instance's store holds: its identity, its configuration,
/// and its WASI context.
pub struct PluginState {
    plugin: Arc<str>,
    config: Arc<[(String, String)]>,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl PluginState {
    /// State for an instance of the plugin named `plugin`, configured with
    /// `config` (sorted by key), with no WASI reach at all.
    pub fn new(plugin: Arc<str>, config: Arc<[(String, String)]>) -> Self {
        PluginState { plugin, config, wasi: WasiCtx::builder().build(), table: ResourceTable::new() }
    }

    /// Renames the plugin, e.g. once it has described itself.
    pub fn set_plugin(&mut self, plugin: Arc<str>) {
        self.plugin = plugin;
    }

    /// The plugin's name, as the host knows it.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The plugin's configuration entries, sorted by key.
    pub fn config(&self) -> &[(String, String)] {
        &self.config
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl types::Host for PluginState {}

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

/// A linker with WASI and the polyplug host interfaces, for plugins of any world.
pub fn linker(engine: &Engine) -> wasmtime::Result<Linker<PluginState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    polyplug_bindings::base::Base::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |state| state)?;
    Ok(linker)
}
