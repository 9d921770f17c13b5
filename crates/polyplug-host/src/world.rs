//! Matching a compiled component against the worlds of a WIT catalog.

use polyplug_wit::{Catalog, WorldSpec};
use wasmtime::Engine;
use wasmtime::component::Component;
use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};

use crate::{Error, Result};

/// The structural shape of a component function type, in the format of
/// [`polyplug_wit::function_shape`], so that the two can be compared.
fn function_shape(func: &ComponentFunc) -> String {
    let params: Vec<String> = func.params().map(|(_, ty)| type_shape(&ty)).collect();
    let mut out = format!("func({})", params.join(", "));
    if let Some(result) = func.results().next() {
        out.push_str(&format!(" -> {}", type_shape(&result)));
    }
    out
}

fn type_shape(ty: &Type) -> String {
    let optional = |ty: Option<Type>| ty.as_ref().map_or_else(|| "_".to_string(), type_shape);
    let joined = |items: Vec<String>| items.join(", ");
    match ty {
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::List(list) => format!("list<{}>", type_shape(&list.ty())),
        Type::FixedLengthList(list) => format!("list<{}, {}>", type_shape(&list.ty()), list.len()),
        Type::Map(map) => format!("map<{}, {}>", type_shape(&map.key()), type_shape(&map.value())),
        Type::Record(record) => {
            format!("record{{{}}}", joined(record.fields().map(|f| format!("{}: {}", f.name, type_shape(&f.ty))).collect()))
        }
        Type::Variant(variant) => format!(
            "variant{{{}}}",
            joined(
                variant
                    .cases()
                    .map(|c| match &c.ty {
                        Some(ty) => format!("{}({})", c.name, type_shape(ty)),
                        None => c.name.to_string(),
                    })
                    .collect()
            )
        ),
        Type::Enum(e) => format!("enum{{{}}}", joined(e.names().map(str::to_string).collect())),
        Type::Flags(f) => format!("flags{{{}}}", joined(f.names().map(str::to_string).collect())),
        Type::Tuple(tuple) => format!("tuple<{}>", joined(tuple.types().map(|t| type_shape(&t)).collect())),
        Type::Option(o) => format!("option<{}>", type_shape(&o.ty())),
        Type::Result(r) => format!("result<{}, {}>", optional(r.ok()), optional(r.err())),
        Type::Own(_) => "own".into(),
        Type::Borrow(_) => "borrow".into(),
        Type::Future(f) => format!("future<{}>", optional(f.ty())),
        Type::Stream(s) => format!("stream<{}>", optional(s.ty())),
    }
}

/// Checks one exported item against the world's function `name` of `shape`.
fn check_function(item: Option<ComponentItem>, name: &str, shape: &str, place: &str, problems: &mut Vec<String>) {
    match item {
        Some(ComponentItem::ComponentFunc(func)) => {
            let actual = function_shape(&func);
            if actual != shape {
                problems.push(format!("function `{name}`{place} has type `{actual}`, but the world says `{shape}`"));
            }
        }
        Some(_) => problems.push(format!("export `{name}`{place} is not a function")),
        None => problems.push(format!("missing function `{name}`{place}")),
    }
}

/// What a component's exports lack for `world`, or have with other types:
/// one line per missing interface or function, or function of another
/// type. Empty when it implements the world.
fn missing_exports(engine: &Engine, component: &Component, world: &WorldSpec) -> Vec<String> {
    let ty = component.component_type();
    let mut missing = Vec::new();
    for interface in &world.exports {
        let exported = ty.exports(engine).find(|(name, _)| *name == interface.name);
        match exported.map(|(name, item)| (name, item.ty)) {
            Some((_, ComponentItem::ComponentInstance(instance))) => {
                let place = format!(" in `{}`", interface.name);
                for (function, shape) in interface.functions.iter().zip(&interface.shapes) {
                    let item = instance.exports(engine).find(|(name, _)| name == function).map(|(_, item)| item.ty);
                    check_function(item, function, shape, &place, &mut missing);
                }
            }
            Some(_) => missing.push(format!("export `{}` is not an interface instance", interface.name)),
            None => missing.push(format!("missing export `{}`", interface.name)),
        }
    }
    for (function, shape) in world.export_functions.iter().zip(&world.export_function_shapes) {
        let item = ty.exports(engine).find(|(name, _)| name == function).map(|(_, item)| item.ty);
        check_function(item, function, shape, "", &mut missing);
    }
    missing
}

/// The standard world of components that serve HTTP (`wasmtime serve`
/// runs them): they export [`HTTP_HANDLER`].
pub const HTTP_PROXY: &str = "wasi:http/proxy";

/// The interface an HTTP-serving component exports, without its version.
pub const HTTP_HANDLER: &str = "wasi:http/incoming-handler";

/// The key of [`HTTP_PROXY`] among a host's worlds ([`WorldSpec::key`]).
pub(crate) const HTTP_PROXY_KEY: &str = "wasi-http-proxy";

/// Whether `component` exports a standard `wasi:http/incoming-handler` (0.2).
pub(crate) fn serves_http(engine: &Engine, component: &Component) -> bool {
    http_world(engine, component).is_some()
}

/// `wasi:http/proxy` at the version `component` exports
/// `wasi:http/incoming-handler` (any 0.2 release), if it does, with a
/// `handle` function of the standard type.
fn http_world(engine: &Engine, component: &Component) -> Option<WorldSpec> {
    let ty = component.component_type();
    let (name, item) = ty.exports(engine).find(|(name, _)| name.split('@').next() == Some(HTTP_HANDLER) && name.contains("@0.2."))?;
    let ComponentItem::ComponentInstance(instance) = item.ty else { return None };
    let handle = instance.exports(engine).find(|(function, _)| *function == "handle").map(|(_, item)| item.ty);
    let Some(ComponentItem::ComponentFunc(func)) = handle else { return None };
    let shape = function_shape(&func);
    if shape != "func(own, own)" {
        return None;
    }
    let version = name.split_once('@').map_or("", |(_, v)| v);
    Some(WorldSpec {
        name: format!("{HTTP_PROXY}@{version}"),
        short_name: "proxy".into(),
        key: HTTP_PROXY_KEY.into(),
        exports: vec![polyplug_wit::InterfaceSpec { name: name.to_string(), functions: vec!["handle".into()], shapes: vec![shape] }],
        export_functions: Vec::new(),
        export_function_shapes: Vec::new(),
        imports: Vec::new(),
    })
}

/// The world a component's own exports make: for a component of a world no
/// catalog knows (the component carries the types of what it exports).
fn own_world(engine: &Engine, component: &Component, plugin: &str) -> WorldSpec {
    let ty = component.component_type();
    let mut exports = Vec::new();
    let mut export_functions = Vec::new();
    let mut export_function_shapes = Vec::new();
    for (name, item) in ty.exports(engine) {
        match item.ty {
            ComponentItem::ComponentInstance(instance) => {
                let (functions, shapes) = instance
                    .exports(engine)
                    .filter_map(|(function, item)| match item.ty {
                        ComponentItem::ComponentFunc(func) => Some((function.to_string(), function_shape(&func))),
                        _ => None,
                    })
                    .unzip();
                exports.push(polyplug_wit::InterfaceSpec { name: name.to_string(), functions, shapes });
            }
            ComponentItem::ComponentFunc(func) => {
                export_functions.push(name.to_string());
                export_function_shapes.push(function_shape(&func));
            }
            _ => {}
        }
    }
    WorldSpec {
        name: format!("the own exports of `{plugin}` (a world this host has no WIT for)"),
        short_name: "own".into(),
        key: "own".into(),
        exports,
        export_functions,
        export_function_shapes,
        imports: Vec::new(),
    }
}

/// The world of `catalog` that `component` implements: `wanted` when given
/// (an error lists what is missing), else the one with the most exports among
/// those it implements fully. With `own_world`, a component that implements
/// none of them (and was asked for no world the catalog has) is taken as the
/// world its own exports make, instead of being refused.
pub(crate) fn resolve_world(
    engine: &Engine,
    catalog: &Catalog,
    component: &Component,
    plugin: &str,
    wanted: Option<&str>,
    own_world_allowed: bool,
) -> Result<WorldSpec> {
    if let Some(wanted) = wanted.filter(|w| w.split('@').next() == Some(HTTP_PROXY)) {
        return http_world(engine, component).ok_or_else(|| Error::WorldMismatch {
            plugin: plugin.into(),
            world: wanted.to_string(),
            missing: vec![format!("missing export `{HTTP_HANDLER}@0.2.x` (a function `handle` taking the request and the response out-parameter)")],
        });
    }
    let wanted = wanted.filter(|wanted| !own_world_allowed || catalog.world(wanted).is_ok());
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
        .or_else(|| http_world(engine, component))
        .or_else(|| own_world_allowed.then(|| own_world(engine, component, plugin)))
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
