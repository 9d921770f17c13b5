//! Host interfaces a host application brings: imports of its own WIT that it
//! implements, each behind a capability its operator grants by name
//! (`host = ["names"]`), like the built-in ones; and the data its
//! implementations read from the store ([`PluginState::host_data`]).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::Linker;

use crate::PluginState;

/// How a host interface is added to a plugin's linker, e.g. with the
/// generated `add_to_linker` of the host application's bindings.
pub type LinkFn = dyn Fn(&mut Linker<PluginState>) -> wasmtime::Result<()> + Send + Sync;

/// One host interface of a host application.
#[derive(Clone)]
pub struct HostImport {
    /// The interface a plugin imports, unversioned: `acme:greeter/names`.
    pub import: String,
    /// The capability a plugin declares (`host = ["names"]` in its
    /// manifest) and its grant must give, to link it.
    pub capability: String,
    link: Arc<LinkFn>,
}

impl std::fmt::Debug for HostImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostImport").field("import", &self.import).field("capability", &self.capability).finish_non_exhaustive()
    }
}

/// What a host application adds to every plugin: its host interfaces and
/// the data their implementations read. Cheap to clone.
#[derive(Clone, Default)]
pub struct Extensions {
    imports: Vec<HostImport>,
    data: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl Extensions {
    /// Adds the host interface `import` (unversioned, `acme:greeter/names`),
    /// linked by `link` for plugins granted `capability`.
    pub fn interface(
        &mut self,
        import: impl Into<String>,
        capability: impl Into<String>,
        link: impl Fn(&mut Linker<PluginState>) -> wasmtime::Result<()> + Send + Sync + 'static,
    ) {
        self.imports.push(HostImport { import: import.into(), capability: capability.into(), link: Arc::new(link) });
    }

    /// Makes `data` readable by host interface implementations, by its type
    /// ([`PluginState::host_data`]); one value per type.
    pub fn data<T: Any + Send + Sync>(&mut self, data: T) {
        self.data.insert(TypeId::of::<T>(), Arc::new(data));
    }

    /// The host interface a component's import names, if this host has it.
    pub fn import(&self, import: &str) -> Option<&HostImport> {
        let unversioned = import.split('@').next().unwrap_or(import);
        self.imports.iter().find(|row| row.import == unversioned)
    }

    pub(crate) fn link_granted(&self, linker: &mut Linker<PluginState>, granted: &[String]) -> wasmtime::Result<()> {
        for row in self.imports.iter().filter(|row| granted.contains(&row.capability)) {
            (row.link)(linker)?;
        }
        Ok(())
    }

    pub(crate) fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.data.get(&TypeId::of::<T>())?.downcast_ref()
    }
}
