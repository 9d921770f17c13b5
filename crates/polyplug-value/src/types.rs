//! The WIT type model ([`ValueType`]) and the value model ([`Value`]).

use std::fmt;

/// A WIT type, as far as values are concerned.
///
/// Named types (records, variants, enums, flags, resources) carry their WIT
/// name when they have one, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// `bool`
    Bool,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `s8`
    S8,
    /// `s16`
    S16,
    /// `s32`
    S32,
    /// `s64`
    S64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `char`: a Unicode scalar value.
    Char,
    /// `string`
    String,
    /// `list<T>`
    List(Box<ValueType>),
    /// `record name { fields }`
    Record {
        /// The record's WIT name, if it has one.
        name: Option<String>,
        /// The fields, in declaration order.
        fields: Vec<Field>,
    },
    /// `tuple<T, …>`
    Tuple(Vec<ValueType>),
    /// `variant name { cases }`
    Variant {
        /// The variant's WIT name, if it has one.
        name: Option<String>,
        /// The cases, in declaration order.
        cases: Vec<Case>,
    },
    /// `enum name { cases }`
    Enum {
        /// The enum's WIT name, if it has one.
        name: Option<String>,
        /// The case names, in declaration order.
        cases: Vec<String>,
    },
    /// `option<T>`
    Option(Box<ValueType>),
    /// `result<ok, err>`; either side may be absent (`result<_, E>`, `result<T>`, `result`).
    Result {
        /// The `ok` payload type.
        ok: Option<Box<ValueType>>,
        /// The `err` payload type.
        err: Option<Box<ValueType>>,
    },
    /// `flags name { names }`
    Flags {
        /// The flags' WIT name, if it has one.
        name: Option<String>,
        /// The flag names, in declaration order.
        names: Vec<String>,
    },
    /// `own<R>` or `borrow<R>` of a resource named `R`.
    Resource {
        /// The resource's WIT name.
        name: String,
        /// `true` for `borrow<R>`.
        borrowed: bool,
    },
}

/// A record field: WIT name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's WIT (kebab-case) name.
    pub name: String,
    /// The field's type.
    pub ty: ValueType,
}

/// A variant case: WIT name and optional payload type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The case's WIT (kebab-case) name.
    pub name: String,
    /// The payload type, if the case carries one.
    pub ty: Option<ValueType>,
}

/// A component-model value.
///
/// Values carry their shape but not their full type: [`ValueType::to_json`]
/// and [`ValueType::from_json`] pair them with a type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `bool`
    Bool(bool),
    /// `u8`
    U8(u8),
    /// `u16`
    U16(u16),
    /// `u32`
    U32(u32),
    /// `u64`
    U64(u64),
    /// `s8`
    S8(i8),
    /// `s16`
    S16(i16),
    /// `s32`
    S32(i32),
    /// `s64`
    S64(i64),
    /// `f32`
    F32(f32),
    /// `f64`
    F64(f64),
    /// `char`
    Char(char),
    /// `string`
    String(String),
    /// `list<T>`
    List(Vec<Value>),
    /// A record's field values, in declaration order, with their names.
    Record(Vec<(String, Value)>),
    /// `tuple<…>`
    Tuple(Vec<Value>),
    /// A variant case and its payload.
    Variant(String, Option<Box<Value>>),
    /// An enum case.
    Enum(String),
    /// `option<T>`
    Option(Option<Box<Value>>),
    /// `result<ok, err>` with the payload of the side taken.
    Result(Result<Option<Box<Value>>, Option<Box<Value>>>),
    /// The names of the flags that are set, in declaration order.
    Flags(Vec<String>),
    /// A resource handle, as numbered by the host that gave it out.
    Resource(u32),
}

impl fmt::Display for ValueType {
    /// Writes the type in WIT syntax; named types by their name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Named types by name; anonymous ones (as wasmtime reports them) spelled out.
        fn list<T>(
            f: &mut fmt::Formatter<'_>,
            items: &[T],
            item: impl Fn(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
        ) -> fmt::Result {
            for (i, it) in items.iter().enumerate() {
                f.write_str(if i == 0 { " " } else { ", " })?;
                item(f, it)?;
            }
            f.write_str(" }")
        }
        match self {
            ValueType::Bool => f.write_str("bool"),
            ValueType::U8 => f.write_str("u8"),
            ValueType::U16 => f.write_str("u16"),
            ValueType::U32 => f.write_str("u32"),
            ValueType::U64 => f.write_str("u64"),
            ValueType::S8 => f.write_str("s8"),
            ValueType::S16 => f.write_str("s16"),
            ValueType::S32 => f.write_str("s32"),
            ValueType::S64 => f.write_str("s64"),
            ValueType::F32 => f.write_str("f32"),
            ValueType::F64 => f.write_str("f64"),
            ValueType::Char => f.write_str("char"),
            ValueType::String => f.write_str("string"),
            ValueType::List(t) => write!(f, "list<{t}>"),
            ValueType::Tuple(ts) => {
                f.write_str("tuple<")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(">")
            }
            ValueType::Option(t) => write!(f, "option<{t}>"),
            ValueType::Result { ok, err } => match (ok, err) {
                (None, None) => f.write_str("result"),
                (Some(ok), None) => write!(f, "result<{ok}>"),
                (None, Some(err)) => write!(f, "result<_, {err}>"),
                (Some(ok), Some(err)) => write!(f, "result<{ok}, {err}>"),
            },
            ValueType::Record { name: Some(name), .. } => write!(f, "record {name}"),
            ValueType::Variant { name: Some(name), .. } => write!(f, "variant {name}"),
            ValueType::Enum { name: Some(name), .. } => write!(f, "enum {name}"),
            ValueType::Flags { name: Some(name), .. } => write!(f, "flags {name}"),
            ValueType::Record { name: None, fields } => {
                f.write_str("record {")?;
                list(f, fields, |f, field| write!(f, "{}: {}", field.name, field.ty))
            }
            ValueType::Variant { name: None, cases } => {
                f.write_str("variant {")?;
                list(f, cases, |f, case| match &case.ty {
                    Some(ty) => write!(f, "{}({ty})", case.name),
                    None => f.write_str(&case.name),
                })
            }
            ValueType::Enum { name: None, cases } => {
                f.write_str("enum {")?;
                list(f, cases, |f, case| f.write_str(case))
            }
            ValueType::Flags { name: None, names } => {
                f.write_str("flags {")?;
                list(f, names, |f, flag| f.write_str(flag))
            }
            ValueType::Resource { name, borrowed: true } => write!(f, "borrow<{name}>"),
            ValueType::Resource { name, borrowed: false } => write!(f, "own<{name}>"),
        }
    }
}
