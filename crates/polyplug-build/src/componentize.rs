//! A core module (Go, C) made a component: the narrowed world embedded,
//! WASI preview 1 adapted to preview 2 by the reactor adapter.

use polyplug_manifest::HostInterface;
use wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER;
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use crate::BuildError;
use crate::world::GuestWorld;

/// Makes `module`, a core module of plugin `plugin` built against `world`,
/// into a component. A module importing a polyplug host interface its
/// manifest did not declare is refused with [`BuildError::Undeclared`].
pub fn componentize(plugin: &str, module: &[u8], world: &GuestWorld) -> Result<Vec<u8>, BuildError> {
    let fail = |message: String| BuildError::Componentize { plugin: plugin.to_string(), message };
    if let Some(undeclared) = undeclared_import(plugin, module, world) {
        return Err(undeclared);
    }
    let mut resolve = Resolve::new();
    let (package, _) = resolve
        .push_dir(&world.dir)
        .map_err(|e| BuildError::World { plugin: plugin.to_string(), message: resolve.render_error(&e) })?;
    let world_id = resolve
        .select_world(&[package], Some(world.world))
        .map_err(|e| BuildError::World { plugin: plugin.to_string(), message: format!("{e:#}") })?;
    let mut module = module.to_vec();
    wit_component::embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8)
        .map_err(|e| fail(format!("{e:#}")))?;
    ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .and_then(|encoder| encoder.adapter("wasi_snapshot_preview1", WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER))
        .and_then(|mut encoder| encoder.encode())
        .map_err(|e| fail(format!("{e:#}")))
}

/// The first polyplug host interface `module` imports that `world` leaves
/// out (because the manifest does not declare it), as the error to report.
fn undeclared_import(plugin: &str, module: &[u8], world: &GuestWorld) -> Option<BuildError> {
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        let Ok(wasmparser::Payload::ImportSection(imports)) = payload else { continue };
        for import in imports.into_imports().flatten() {
            let Some(short) = import.module.strip_prefix("polyplug:plugin/") else { continue };
            let short = short.split('@').next().unwrap_or(short);
            if world.imports.iter().any(|i| i == short) {
                continue;
            }
            if let Some(row) = HostInterface::polyplug(short) {
                return Some(BuildError::Undeclared {
                    plugin: plugin.to_string(),
                    interface: short.to_string(),
                    declaration: row.declare.to_string(),
                });
            }
        }
    }
    None
}
