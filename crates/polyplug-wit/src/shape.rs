//! The structural shape of a WIT function type, as text: what a component's
//! export must match for a world (`polyplug-host` prints the same shape from
//! wasmtime's types and compares the two).
//!
//! The shape keeps what the canonical ABI and the component model's type
//! check see, and drops what they do not: type names and parameter names.
//! `func(string, list<u8>) -> result<record{id: string, roles: list<string>}, string>`;
//! `variant{a(u32), b}`, `enum{x, y}`, `flags{r, w}`, `option<T>`,
//! `result<_, E>` (absent payloads are `_`), `tuple<A, B>`, `own`, `borrow`.

use std::fmt::Write as _;

use wit_parser::{Function, Resolve, Type, TypeDefKind};

/// The shape of `function`, in the format of this module's documentation.
pub fn function_shape(resolve: &Resolve, function: &Function) -> String {
    let params: Vec<String> = function.params.iter().map(|p| type_shape(resolve, &p.ty)).collect();
    let mut out = format!("func({})", params.join(", "));
    if let Some(result) = &function.result {
        let _ = write!(out, " -> {}", type_shape(resolve, result));
    }
    out
}

fn type_shape(resolve: &Resolve, ty: &Type) -> String {
    let id = match ty {
        Type::Bool => return "bool".into(),
        Type::U8 => return "u8".into(),
        Type::U16 => return "u16".into(),
        Type::U32 => return "u32".into(),
        Type::U64 => return "u64".into(),
        Type::S8 => return "s8".into(),
        Type::S16 => return "s16".into(),
        Type::S32 => return "s32".into(),
        Type::S64 => return "s64".into(),
        Type::F32 => return "f32".into(),
        Type::F64 => return "f64".into(),
        Type::Char => return "char".into(),
        Type::String => return "string".into(),
        Type::ErrorContext => return "error-context".into(),
        Type::Id(id) => *id,
    };
    let shape = |ty: &Type| type_shape(resolve, ty);
    let optional = |ty: &Option<Type>| ty.as_ref().map_or_else(|| "_".to_string(), shape);
    match &resolve.types[id].kind {
        TypeDefKind::Type(ty) => shape(ty),
        TypeDefKind::Record(record) => {
            let fields: Vec<String> = record.fields.iter().map(|f| format!("{}: {}", f.name, shape(&f.ty))).collect();
            format!("record{{{}}}", fields.join(", "))
        }
        TypeDefKind::Variant(variant) => {
            let cases: Vec<String> = variant
                .cases
                .iter()
                .map(|c| match &c.ty {
                    Some(ty) => format!("{}({})", c.name, shape(ty)),
                    None => c.name.clone(),
                })
                .collect();
            format!("variant{{{}}}", cases.join(", "))
        }
        TypeDefKind::Enum(e) => {
            let cases: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
            format!("enum{{{}}}", cases.join(", "))
        }
        TypeDefKind::Flags(flags) => {
            let names: Vec<&str> = flags.flags.iter().map(|f| f.name.as_str()).collect();
            format!("flags{{{}}}", names.join(", "))
        }
        TypeDefKind::Tuple(tuple) => {
            let types: Vec<String> = tuple.types.iter().map(shape).collect();
            format!("tuple<{}>", types.join(", "))
        }
        TypeDefKind::Option(ty) => format!("option<{}>", shape(ty)),
        TypeDefKind::Result(result) => format!("result<{}, {}>", optional(&result.ok), optional(&result.err)),
        TypeDefKind::List(ty) => format!("list<{}>", shape(ty)),
        TypeDefKind::FixedLengthList(ty, len) => format!("list<{}, {len}>", shape(ty)),
        TypeDefKind::Map(key, value) => format!("map<{}, {}>", shape(key), shape(value)),
        TypeDefKind::Handle(wit_parser::Handle::Own(_)) => "own".into(),
        TypeDefKind::Handle(wit_parser::Handle::Borrow(_)) => "borrow".into(),
        TypeDefKind::Future(ty) => format!("future<{}>", optional(ty)),
        TypeDefKind::Stream(ty) => format!("stream<{}>", optional(ty)),
        TypeDefKind::Resource => "resource".into(),
        TypeDefKind::Unknown => "unknown".into(),
    }
}
