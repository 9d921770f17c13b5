//! Matching a compiled component against the worlds of a WIT catalog.

use polyplug_wit::{Catalog, WorldSpec};
use wasmtime::Engine;
use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

use crate::{Error, Result};

/// What a component's exports lack for `world`: one line per missing
/// interface or function. Empty when it implements the world.
fn missing_exports(engine: &Engine, component: &Component, world: &WorldSpec) -> Vec<String> {
    let ty = component.component_type();
    let mut missing = Vec::new();
    for interface in &world.exports {
        let exported = ty.exports(engine).find(|(name, _)| *name == interface.name);
        match exported.map(|(name, item)| (name, item.ty)) {
            Some((_, ComponentItem::ComponentInstance(instance))) => {
                let functions: Vec<_> = instance.exports(engine).map(|(name, _)| name).collect();
                for function in &interface.functions {
                    if !functions.contains(&function.as_str()) {
                        missing.push(format!("missing function `{function}` in `{}`", interface.name));
                    }
                }
            }
            Some(_) => missing.push(format!("export `{}` is not an interface instance", interface.name)),
            None => missing.push(format!("missing export `{}`", interface.name)),
        }
    }
    for function in &world.export_functions {
        if !ty.exports(engine).any(|(name, _)| name == function) {
            missing.push(format!("missing function `{function}`"));
        }
    }
    missing
}

/// The world of `catalog` that `component` implements: `wanted` when given
/// (an error lists what is missing), else the one with the most exports among
/// those it implements fully.
pub(crate) fn resolve_world(
    engine: &Engine,
    catalog: &Catalog,
    component: &Component,
    plugin: &str,
    wanted: Option<&str>,
) -> Result<WorldSpec> {
    if let Some(wanted) = wanted {
        let world = catalog.world(wanted).map_err(|e| Error::Link { plugin: plugin.into(), reason: e.to_string() })?;
        let missing = missing_exports(engine, component, &world);
        if !missing.is_empty() {
            return Err(Error::WorldMismatch { plugin: plugin.into(), world: world.name, missing });
        }
        return Ok(world);
    }
    let worlds = catalog.worlds();
    worlds
        .iter()
        .filter(|world| missing_exports(engine, component, world).is_empty())
        .max_by_key(|world| world.exports.len() + world.export_functions.len())
        .cloned()
        .ok_or_else(|| Error::UnknownWorld {
            plugin: plugin.into(),
            known: worlds.iter().map(|w| w.name.as_str()).collect::<Vec<_>>().join(", "),
            exports: component
                .component_type()
                .exports(engine)
                .map(|(name, _)| name.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}
