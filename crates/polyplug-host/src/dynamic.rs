//! Dynamic calls: a table of a component's exported functions with their
//! types (built once per plugin), and the conversion between wasmtime's
//! values and `polyplug-value`'s.

use std::collections::HashMap;

use polyplug_value::{Case, Field, Value, ValueType, ValueView, View};
use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::{Component, ComponentExportIndex, Val};

/// One exported function: where to find it and its types.
#[derive(Debug, Clone)]
pub(crate) struct FunctionEntry {
    /// Full interface name (`polyplug:plugin/transformer@0.1.0`), empty for
    /// a function the world exports directly.
    pub(crate) interface: String,
    /// The function's WIT name, e.g. `transform` or `[method]counter.value`.
    pub(crate) name: String,
    /// `interface/function` with the interface's short name, as users write
    /// it (and as spans and errors name the call): made once, not per call.
    pub(crate) display: String,
    pub(crate) index: ComponentExportIndex,
    /// Parameter names and types; `Err` says why JSON cannot carry one.
    pub(crate) params: Result<Vec<(String, ValueType)>, String>,
    /// Result types (zero or one).
    pub(crate) results: Result<Vec<ValueType>, String>,
}


/// `polyplug:plugin/transformer@0.1.0` → `transformer`.
pub(crate) fn short_interface(full: &str) -> &str {
    let name = full.rsplit_once('/').map_or(full, |(_, name)| name);
    name.split_once('@').map_or(name, |(name, _)| name)
}

/// Every exported function of a component, with its types, found by
/// interface (short or full name, empty for world-level functions) and
/// function name in two hash lookups, without building a key per call.
#[derive(Debug, Default)]
pub(crate) struct FunctionTable {
    entries: Vec<FunctionEntry>,
    by_interface: HashMap<Box<str>, HashMap<Box<str>, usize>>,
}

impl FunctionTable {
    pub(crate) fn new(engine: &Engine, component: &Component) -> FunctionTable {
        let mut entries = Vec::new();
        for (name, item) in component.component_type().exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(func) => {
                    if let Some(index) = component.get_export_index(None, name) {
                        entries.push(entry(String::new(), name, index, &func));
                    }
                }
                ComponentItem::ComponentInstance(instance) => {
                    let Some(instance_index) = component.get_export_index(None, name) else { continue };
                    for (function, item) in instance.exports(engine) {
                        let ComponentItem::ComponentFunc(func) = item.ty else { continue };
                        if let Some(index) = component.get_export_index(Some(&instance_index), function) {
                            entries.push(entry(name.to_string(), function, index, &func));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut by_interface: HashMap<Box<str>, HashMap<Box<str>, usize>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            for key in [entry.interface.as_str(), short_interface(&entry.interface)] {
                // A short name two interfaces share finds the first; the full name finds each.
                by_interface.entry(key.into()).or_default().entry(entry.name.as_str().into()).or_insert(i);
            }
        }
        FunctionTable { entries, by_interface }
    }

    /// The function `function` of `interface` (short or full name; empty for world-level functions).
    pub(crate) fn find(&self, interface: &str, function: &str) -> Option<&FunctionEntry> {
        let index = *self.by_interface.get(interface)?.get(function)?;
        self.entries.get(index)
    }

    /// Every function, as `interface/function`.
    pub(crate) fn names(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.display.clone()).collect()
    }

    pub(crate) fn entries(&self) -> &[FunctionEntry] {
        &self.entries
    }
}

fn entry(interface: String, name: &str, index: ComponentExportIndex, func: &ComponentFunc) -> FunctionEntry {
    let display = match short_interface(&interface) {
        "" => name.to_string(),
        short => format!("{short}/{name}"),
    };
    FunctionEntry {
        interface,
        name: name.to_string(),
        display,
        index,
        params: func.params().map(|(name, ty)| Ok((name.to_string(), value_type(&ty)?))).collect(),
        results: func.results().map(|ty| value_type(&ty)).collect(),
    }
}

/// The `polyplug-value` type of a wasmtime component type; `Err` names a
/// type JSON cannot carry.
pub(crate) fn value_type(ty: &Type) -> Result<ValueType, String> {
    Ok(match ty {
        Type::Bool => ValueType::Bool,
        Type::S8 => ValueType::S8,
        Type::U8 => ValueType::U8,
        Type::S16 => ValueType::S16,
        Type::U16 => ValueType::U16,
        Type::S32 => ValueType::S32,
        Type::U32 => ValueType::U32,
        Type::S64 => ValueType::S64,
        Type::U64 => ValueType::U64,
        Type::Float32 => ValueType::F32,
        Type::Float64 => ValueType::F64,
        Type::Char => ValueType::Char,
        Type::String => ValueType::String,
        Type::List(list) => ValueType::List(Box::new(value_type(&list.ty())?)),
        Type::Record(record) => ValueType::Record {
            name: None,
            fields: record
                .fields()
                .map(|f| Ok(Field { name: f.name.to_string(), ty: value_type(&f.ty)? }))
                .collect::<Result<_, String>>()?,
        },
        Type::Tuple(tuple) => ValueType::Tuple(tuple.types().map(|t| value_type(&t)).collect::<Result<_, _>>()?),
        Type::Variant(variant) => ValueType::Variant {
            name: None,
            cases: variant
                .cases()
                .map(|c| Ok(Case { name: c.name.to_string(), ty: c.ty.as_ref().map(value_type).transpose()? }))
                .collect::<Result<_, String>>()?,
        },
        Type::Enum(e) => ValueType::Enum { name: None, cases: e.names().map(str::to_string).collect() },
        Type::Option(o) => ValueType::Option(Box::new(value_type(&o.ty())?)),
        Type::Result(r) => ValueType::Result {
            ok: r.ok().as_ref().map(value_type).transpose()?.map(Box::new),
            err: r.err().as_ref().map(value_type).transpose()?.map(Box::new),
        },
        Type::Flags(f) => ValueType::Flags { name: None, names: f.names().map(str::to_string).collect() },
        Type::Own(_) | Type::Borrow(_) => {
            return Err("resources cannot cross a dynamic (JSON) call; call this function through typed bindings".into());
        }
        Type::Map(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext | Type::FixedLengthList(_) => {
            return Err(format!("the type {ty:?} has no JSON mapping yet; call this function through typed bindings"));
        }
    })
}

/// A `polyplug-value` value as a wasmtime value.
pub(crate) fn to_val(value: Value) -> Val {
    let boxed = |v: Option<Box<Value>>| v.map(|v| Box::new(to_val(*v)));
    match value {
        Value::Bool(v) => Val::Bool(v),
        Value::U8(v) => Val::U8(v),
        Value::U16(v) => Val::U16(v),
        Value::U32(v) => Val::U32(v),
        Value::U64(v) => Val::U64(v),
        Value::S8(v) => Val::S8(v),
        Value::S16(v) => Val::S16(v),
        Value::S32(v) => Val::S32(v),
        Value::S64(v) => Val::S64(v),
        Value::F32(v) => Val::Float32(v),
        Value::F64(v) => Val::Float64(v),
        Value::Char(v) => Val::Char(v),
        Value::String(v) => Val::String(v),
        Value::List(items) => Val::List(items.into_iter().map(to_val).collect()),
        Value::Record(fields) => Val::Record(fields.into_iter().map(|(n, v)| (n, to_val(v))).collect()),
        Value::Tuple(items) => Val::Tuple(items.into_iter().map(to_val).collect()),
        Value::Variant(case, payload) => Val::Variant(case, boxed(payload)),
        Value::Enum(case) => Val::Enum(case),
        Value::Option(v) => Val::Option(boxed(v)),
        Value::Result(Ok(v)) => Val::Result(Ok(boxed(v))),
        Value::Result(Err(v)) => Val::Result(Err(boxed(v))),
        Value::Flags(names) => Val::Flags(names),
        // Function types with resources are refused before values are built.
        Value::Resource(_) => unreachable!("resource values are refused by `value_type`"),
    }
}

/// wasmtime's values as the JSON writer of `polyplug-value` reads them: a
/// plugin's result goes straight to JSON, with no intermediate copy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vals;

impl ValueView for Vals {
    type Value = Val;

    fn view(value: &Val) -> View<'_, Val> {
        match value {
            Val::Bool(v) => View::Bool(*v),
            Val::U8(v) => View::U8(*v),
            Val::U16(v) => View::U16(*v),
            Val::U32(v) => View::U32(*v),
            Val::U64(v) => View::U64(*v),
            Val::S8(v) => View::S8(*v),
            Val::S16(v) => View::S16(*v),
            Val::S32(v) => View::S32(*v),
            Val::S64(v) => View::S64(*v),
            Val::Float32(v) => View::F32(*v),
            Val::Float64(v) => View::F64(*v),
            Val::Char(v) => View::Char(*v),
            Val::String(v) => View::String(v),
            Val::List(items) => View::List(items),
            Val::Record(fields) => View::Record(fields),
            Val::Tuple(items) => View::Tuple(items),
            Val::Variant(case, payload) => View::Variant(case, payload.as_deref()),
            Val::Enum(case) => View::Enum(case),
            Val::Option(v) => View::Option(v.as_deref()),
            Val::Result(Ok(v)) => View::Result(Ok(v.as_deref())),
            Val::Result(Err(v)) => View::Result(Err(v.as_deref())),
            Val::Flags(names) => View::Flags(names),
            // Refused by `value_type` before any call is made.
            Val::Map(_) | Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) | Val::FixedLengthList(_) => {
                View::Unsupported
            }
        }
    }
}
