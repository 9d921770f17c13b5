//! Dependencies between plugins: a plugin importing an interface that
//! another plugin exports, linked at run time.
//!
//! The dependent's import is defined in its linker by host functions that
//! call the dependency, a [`Plugin`] loaded before it: values cross by copy
//! (lifted from one instance, lowered into the other), and the dependency
//! runs in its own store, under its own grant, limits and pool, exactly as
//! if the host had called it. Composing the two components into one (with
//! `wac-graph`) would save that copy but merge their sandboxes: the
//! dependency's imports would become the composite's and be linked under
//! the dependent's grant, and one plugin's trap or memory would be the
//! other's. Here a dependency is never granted more than its own policy
//! says, and can be reloaded without rebuilding its dependents.
//!
//! A call into a dependency gets at most what is left of its caller's
//! deadline: a dependent cannot outlive its deadline by waiting on a slow
//! dependency. Resources cannot cross between plugins (a handle means
//! nothing in another store), so an interface with resource types is
//! refused at load.

use std::time::Duration;

use polyplug_manifest::Manifest;
use polyplug_value::ValueType;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, StoreContextMut, Trap};

use crate::dynamic::{short_interface, value_type};
use crate::host::EPOCH_TICK;
use crate::plugin::exported_func;
use crate::{Error, Plugin, Result};
use polyplug_linker::{Calls, PluginState};

/// One import of a dependent, linked to the plugin that exports it.
#[derive(Clone)]
pub(crate) struct DependencyLink {
    /// The import as the dependent names it, e.g. `polyplug-test:chain/words@0.1.0`.
    import: String,
    /// The dependency exporting it.
    dependency: Plugin,
    /// Each function of the import: its name and the dependency's entry for it.
    functions: Vec<(String, usize)>,
}

impl DependencyLink {
    /// The import this link provides.
    pub(crate) fn import(&self) -> &str {
        &self.import
    }
}

/// Checks `given` against what the manifest of `plugin` declares, and
/// matches each import of `component` to the dependency exporting it, with
/// the same function types.
pub(crate) fn resolve(
    plugin: &str,
    manifest: Option<&Manifest>,
    engine: &Engine,
    component: &Component,
    given: &[Plugin],
) -> Result<Vec<DependencyLink>> {
    let refuse = |reason: String| Error::Dependency { plugin: plugin.to_string(), reason };
    let declared = manifest.map(|m| &m.dependencies);
    for (i, dependency) in given.iter().enumerate() {
        if given[..i].iter().any(|earlier| earlier.name() == dependency.name()) {
            return Err(refuse(format!("it is given two plugins named `{}` as dependencies; give one", dependency.name())));
        }
        let Some((_, requirement)) = declared.and_then(|d| d.iter().find(|(name, _)| name.name == dependency.name())) else {
            let version = dependency.manifest().map_or("*".to_string(), |m| format!("^{}", m.plugin.version));
            return Err(refuse(format!(
                "it is given `{}` as a dependency, but its manifest does not declare it; add `{} = \"{version}\"` to `[dependencies]` \
                 in its polyplug.toml, or do not give it",
                dependency.name(),
                dependency.name()
            )));
        };
        match dependency.manifest() {
            Some(m) if requirement.matches(&m.plugin.version) => {}
            Some(m) => {
                return Err(refuse(format!(
                    "it depends on `{}` {requirement}, but the `{}` given is version {}; give a version that meets the requirement",
                    dependency.name(),
                    dependency.name(),
                    m.plugin.version
                )));
            }
            None => {
                return Err(refuse(format!(
                    "it depends on `{}` {requirement}, but the `{}` given carries no manifest, so it has no version to check; \
                     give a build with its polyplug.toml embedded",
                    dependency.name(),
                    dependency.name()
                )));
            }
        }
    }
    for (name, requirement) in declared.into_iter().flatten() {
        if !given.iter().any(|d| d.name() == name.name.as_str()) {
            return Err(refuse(format!(
                "it depends on `{name}` {requirement}, which it was not given; load `{}` first and pass it with `Loader::dependency`",
                name.name
            )));
        }
    }

    let mut links = Vec::new();
    for (import, item) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else { continue };
        let exporters: Vec<&Plugin> = given.iter().filter(|d| exports_interface(d, import)).collect();
        let dependency = match exporters.as_slice() {
            [] => continue,
            [one] => *one,
            several => {
                let names: Vec<String> = several.iter().map(|d| format!("`{}`", d.name())).collect();
                return Err(refuse(format!(
                    "it imports `{import}`, which {} all export; a dependent's import must have one provider, so give one of them",
                    names.join(" and ")
                )));
            }
        };
        let mut functions = Vec::new();
        for (function, item) in instance.exports(engine) {
            // Types come along with the functions that use them (and resources are refused with those).
            let ComponentItem::ComponentFunc(wanted) = item.ty else { continue };
            let display = format!("{}/{function}", short_interface(import));
            let (index, entry) = dependency
                .inner()
                .functions()
                .entries()
                .iter()
                .enumerate()
                .find(|(_, e)| same_interface(&e.interface, import) && e.name == function)
                .ok_or_else(|| {
                    refuse(format!(
                        "it imports `{display}`, which its dependency `{}` does not export; give a version of `{}` that has it",
                        dependency.name(),
                        dependency.name()
                    ))
                })?;
            let (wanted_params, wanted_results) = signature(&wanted).map_err(|why| {
                refuse(format!("it imports `{display}`, which cannot be linked to another plugin: {why}"))
            })?;
            let offered_params: Result<Vec<ValueType>, String> =
                entry.params.as_ref().map(|ps| ps.iter().map(|(_, ty)| ty.clone()).collect()).map_err(Clone::clone);
            let offered = offered_params.and_then(|ps| entry.results.clone().map(|rs| (ps, rs)));
            match offered {
                Ok((params, results)) if params == wanted_params && results == wanted_results => {}
                Ok((params, results)) => {
                    return Err(refuse(format!(
                        "it imports `{display}` as {}, but its dependency `{}` exports it as {}; rebuild them against the same WIT",
                        show(&wanted_params, &wanted_results),
                        dependency.name(),
                        show(&params, &results)
                    )));
                }
                Err(why) => return Err(refuse(format!("it imports `{display}`, which cannot be linked to another plugin: {why}"))),
            }
            functions.push((function.to_string(), index));
        }
        links.push(DependencyLink { import: import.to_string(), dependency: dependency.clone(), functions });
    }
    Ok(links)
}

/// Defines every linked import in `linker`, as host functions calling the
/// dependency (awaited, for an asynchronous linker).
pub(crate) fn link(linker: &mut Linker<PluginState>, links: &[DependencyLink], calls: Calls) -> wasmtime::Result<()> {
    for link in links {
        let mut instance = linker.instance(&link.import)?;
        for (function, entry) in &link.functions {
            let dependency = link.dependency.clone();
            let entry = *entry;
            match calls {
                Calls::Sync => instance.func_new(
                    function,
                    move |store: StoreContextMut<'_, PluginState>, _: ComponentFunc, params: &[Val], results: &mut [Val]| {
                        let left = store.data().time_left();
                        let outcome = dependency.call_as_dependency(entry, deadline_ticks(left), params);
                        deliver(&store, &dependency, outcome, results)
                    },
                )?,
                Calls::Async => instance.func_new_async(
                    function,
                    move |store: StoreContextMut<'_, PluginState>, _: ComponentFunc, params: &[Val], results: &mut [Val]| {
                        let dependency = dependency.clone();
                        Box::new(async move {
                            let left = store.data().time_left();
                            let outcome = dependency.call_as_dependency_async(entry, deadline_ticks(left), params).await;
                            deliver(&store, &dependency, outcome, results)
                        })
                    },
                )?,
            }
        }
    }
    Ok(())
}

/// The dependency's results into the dependent's, or its failure as the
/// dependent's: the dependent's own deadline when that is what ran out.
fn deliver(store: &StoreContextMut<'_, PluginState>, dependency: &Plugin, outcome: Result<Vec<Val>>, results: &mut [Val]) -> wasmtime::Result<()> {
    match outcome {
        Ok(values) => {
            for (slot, value) in results.iter_mut().zip(values) {
                *slot = value;
            }
            Ok(())
        }
        Err(_) if store.data().time_left().is_zero() => Err(Trap::Interrupt.into()),
        Err(error) => Err(wasmtime::Error::new(DependencyFailed { dependency: dependency.name().to_string(), error })),
    }
}

/// A dependency's failure, as its dependent's call reports it.
#[derive(Debug, thiserror::Error)]
#[error("its dependency `{dependency}` failed: {error}")]
pub(crate) struct DependencyFailed {
    dependency: String,
    #[source]
    error: Error,
}

/// `d` exports the interface `import` names (the same package and name, and
/// a semver-compatible version no older than the import's).
fn exports_interface(d: &Plugin, import: &str) -> bool {
    d.inner().functions().entries().iter().any(|e| same_interface(&e.interface, import))
}

/// Whether the export `offered` serves the import `wanted`: the same name,
/// and versions equal, or semver-compatible with the export no older.
fn same_interface(offered: &str, wanted: &str) -> bool {
    let split = |full: &str| -> (String, Option<semver::Version>) {
        match full.split_once('@') {
            Some((name, version)) => (name.to_string(), semver::Version::parse(version).ok()),
            None => (full.to_string(), None),
        }
    };
    let ((offered_name, offered_version), (wanted_name, wanted_version)) = (split(offered), split(wanted));
    if offered_name != wanted_name || offered.is_empty() {
        return false;
    }
    match (offered_version, wanted_version) {
        (None, None) => true,
        (Some(o), Some(w)) => {
            let compatible = if w.major > 0 { o.major == w.major } else { o.major == 0 && o.minor == w.minor };
            compatible && o >= w
        }
        _ => false,
    }
}

/// The parameter and result types of `func`; `Err` names a type that
/// cannot cross between plugins.
fn signature(func: &ComponentFunc) -> std::result::Result<(Vec<ValueType>, Vec<ValueType>), String> {
    let params = func.params().map(|(_, ty)| value_type(&ty)).collect::<std::result::Result<_, _>>()?;
    let results = func.results().map(|ty| value_type(&ty)).collect::<std::result::Result<_, _>>()?;
    Ok((params, results))
}

/// `func(a, b) -> c`, for errors.
fn show(params: &[ValueType], results: &[ValueType]) -> String {
    let params: Vec<String> = params.iter().map(ToString::to_string).collect();
    match results {
        [] => format!("func({})", params.join(", ")),
        results => format!("func({}) -> {}", params.join(", "), results.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// `left` in epoch ticks, at least one.
pub(crate) fn deadline_ticks(left: Duration) -> u64 {
    u64::try_from(left.as_nanos().div_ceil(EPOCH_TICK.as_nanos()).max(1)).unwrap_or(u64::MAX)
}

impl Plugin {
    /// Calls this plugin's function `entry` for a dependent, with at most
    /// `cap` ticks (what the dependent has left) before its deadline.
    fn call_as_dependency(&self, entry: usize, cap: u64, params: &[Val]) -> Result<Vec<Val>> {
        let entry = &self.inner().functions().entries()[entry];
        let (index, count) = (entry.index, entry.results.as_ref().map_or(0, Vec::len));
        self.with_instance(&entry.display, |slot| {
            let ticks = cap.min(self.inner().deadline_ticks());
            slot.store.set_epoch_deadline(ticks);
            slot.store.data_mut().arm_deadline(ticks);
            let func = exported_func(slot, index)?;
            let mut results = vec![Val::Bool(false); count];
            func.call(&mut slot.store, params, &mut results)?;
            Ok(results)
        })
    }

    /// [`Plugin::call_as_dependency`] for an asynchronous dependent.
    async fn call_as_dependency_async(&self, entry: usize, cap: u64, params: &[Val]) -> Result<Vec<Val>> {
        let entry = &self.inner().functions().entries()[entry];
        let (index, count) = (entry.index, entry.results.as_ref().map_or(0, Vec::len));
        let ticks = cap.min(self.inner().deadline_ticks());
        self.with_instance_async(&entry.display, async move |mut slot| {
            // An asynchronous store yields at every tick and stops at the state's deadline.
            slot.store.data_mut().arm_deadline(ticks);
            let mut results = vec![Val::Bool(false); count];
            let outcome = match exported_func(&mut slot, index) {
                Ok(func) => func.call_async(&mut slot.store, params, &mut results).await.map(|()| results),
                Err(e) => Err(e),
            };
            (slot, outcome)
        })
        .await
    }
}
