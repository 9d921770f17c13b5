//! Writing values as JSON from any value representation: [`ValueView`] is
//! what the writer reads, implemented here for [`Value`] and by the host for
//! wasmtime's values, so that a plugin's result goes straight to JSON in the
//! one mapping, with no intermediate copy, and the length of its JSON text
//! is counted as it is written (for the output limit), not by serializing it
//! again.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Number, Value as Json};

use crate::json::{EXACT_JSON_INT, Segment, is_option};
use crate::{Value, ValueError, ValueType};

/// One level of a value, as the JSON writer reads it.
#[derive(Debug)]
pub enum View<'a, V> {
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
    String(&'a str),
    /// `list<T>`
    List(&'a [V]),
    /// A record's fields with their names, in declaration order.
    Record(&'a [(String, V)]),
    /// `tuple<…>`
    Tuple(&'a [V]),
    /// A variant's case and payload.
    Variant(&'a str, Option<&'a V>),
    /// An enum case.
    Enum(&'a str),
    /// `option<T>`
    Option(Option<&'a V>),
    /// `result` with the payload of the side taken.
    Result(Result<Option<&'a V>, Option<&'a V>>),
    /// The names of the flags that are set.
    Flags(&'a [String]),
    /// A resource handle number.
    Resource(u32),
    /// Something the JSON mapping has no form for.
    Unsupported,
}

/// A value representation the JSON writer can read: implemented by a
/// marker type (so that a crate can implement it for a foreign value type,
/// e.g. the host for wasmtime's `Val`).
pub trait ValueView {
    /// The values read.
    type Value: std::fmt::Debug;

    /// A value's outermost level.
    fn view(value: &Self::Value) -> View<'_, Self::Value>;
}

/// [`ValueView`] of polyplug-value's own [`Value`].
#[derive(Debug, Clone, Copy)]
pub struct Values;

impl ValueView for Values {
    type Value = Value;

    fn view(value: &Value) -> View<'_, Value> {
        match value {
            Value::Bool(v) => View::Bool(*v),
            Value::U8(v) => View::U8(*v),
            Value::U16(v) => View::U16(*v),
            Value::U32(v) => View::U32(*v),
            Value::U64(v) => View::U64(*v),
            Value::S8(v) => View::S8(*v),
            Value::S16(v) => View::S16(*v),
            Value::S32(v) => View::S32(*v),
            Value::S64(v) => View::S64(*v),
            Value::F32(v) => View::F32(*v),
            Value::F64(v) => View::F64(*v),
            Value::Char(v) => View::Char(*v),
            Value::String(v) => View::String(v),
            Value::List(items) => View::List(items),
            Value::Record(fields) => View::Record(fields),
            Value::Tuple(items) => View::Tuple(items),
            Value::Variant(case, payload) => View::Variant(case, payload.as_deref()),
            Value::Enum(case) => View::Enum(case),
            Value::Option(v) => View::Option(v.as_deref()),
            Value::Result(Ok(v)) => View::Result(Ok(v.as_deref())),
            Value::Result(Err(v)) => View::Result(Err(v.as_deref())),
            Value::Flags(names) => View::Flags(names),
            Value::Resource(handle) => View::Resource(*handle),
        }
    }
}

/// The length of `s` as a JSON string, quotes and escapes included (as `serde_json` writes it).
fn string_len(s: &str) -> u64 {
    let escaped: usize = s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\u{08}' | '\u{0C}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum();
    2 + escaped as u64
}

fn digits(mut n: u64) -> u64 {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

fn int_len(n: i64) -> u64 {
    digits(n.unsigned_abs()) + u64::from(n < 0)
}

/// A string, counted.
fn string(s: String, size: &mut u64) -> Json {
    *size += string_len(&s);
    Json::String(s)
}

/// An integer as JSON: a number while exact in a double, else a decimal string.
fn int(magnitude: u64, negative: bool, size: &mut u64) -> Json {
    let len = digits(magnitude) + u64::from(negative);
    if magnitude <= EXACT_JSON_INT {
        *size += len;
        let number = if negative { Number::from(-(magnitude as i64)) } else { Number::from(magnitude) };
        Json::Number(number)
    } else {
        *size += len + 2;
        let text = if negative { format!("-{magnitude}") } else { magnitude.to_string() };
        Json::String(text)
    }
}

/// The length of a float as `serde_json` prints it (its own shortest
/// round-trip form, exponent sign included), counted without a buffer.
fn number_len(n: &Number) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a number to a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, n);
    count.0
}

fn float(v: f64, size: &mut u64) -> Json {
    match Number::from_f64(v) {
        Some(n) => {
            *size += number_len(&n);
            Json::Number(n)
        }
        None if v.is_nan() => string("NaN".into(), size),
        None if v > 0.0 => string("Infinity".into(), size),
        None => string("-Infinity".into(), size),
    }
}

/// `{"tag": …, "val": …}`, counted (the payload already is).
fn tagged(tag: &str, val: Option<Json>, size: &mut u64) -> Json {
    let mut object = Map::new();
    // `{"tag":` and `}`, then the tag; `,"val":` when there is a payload.
    *size += 8 + string_len(tag) + if val.is_some() { 7 } else { 0 };
    object.insert("tag".into(), Json::String(tag.into()));
    if let Some(val) = val {
        object.insert("val".into(), val);
    }
    Json::Object(object)
}

/// Brackets and commas of an array or object of `n` items.
fn container(n: usize) -> u64 {
    2 + n.saturating_sub(1) as u64
}

impl ValueType {
    /// Writes `value`, which must be of this type, as JSON, adding the
    /// length of the JSON text (as `serde_json` prints it, compact) to `size`.
    pub fn view_to_json<V: ValueView>(&self, value: &V::Value, size: &mut u64) -> Result<Json, ValueError> {
        let mismatch = || ValueError::new(self, format!("{value:?}"));
        Ok(match (self, V::view(value)) {
            (ValueType::Bool, View::Bool(b)) => {
                *size += if b { 4 } else { 5 };
                Json::Bool(b)
            }
            (ValueType::U8, View::U8(v)) => int(u64::from(v), false, size),
            (ValueType::U16, View::U16(v)) => int(u64::from(v), false, size),
            (ValueType::U32, View::U32(v)) => int(u64::from(v), false, size),
            (ValueType::U64, View::U64(v)) => int(v, false, size),
            (ValueType::S8, View::S8(v)) => int(u64::from(v.unsigned_abs()), v < 0, size),
            (ValueType::S16, View::S16(v)) => int(u64::from(v.unsigned_abs()), v < 0, size),
            (ValueType::S32, View::S32(v)) => int(u64::from(v.unsigned_abs()), v < 0, size),
            (ValueType::S64, View::S64(v)) if v.unsigned_abs() <= EXACT_JSON_INT => {
                *size += int_len(v);
                Json::Number(Number::from(v))
            }
            (ValueType::S64, View::S64(v)) => string(v.to_string(), size),
            (ValueType::F32, View::F32(v)) => float(f64::from(v), size),
            (ValueType::F64, View::F64(v)) => float(v, size),
            (ValueType::Char, View::Char(c)) => string(c.to_string(), size),
            (ValueType::String, View::String(s)) => string(s.to_string(), size),
            (ValueType::List(inner), View::List(items)) if **inner == ValueType::U8 => {
                let bytes = items
                    .iter()
                    .map(|item| match V::view(item) {
                        View::U8(b) => Ok(b),
                        _ => Err(mismatch()),
                    })
                    .collect::<Result<Vec<u8>, _>>()?;
                string(BASE64.encode(bytes), size)
            }
            (ValueType::List(inner), View::List(items)) => {
                *size += container(items.len());
                Json::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| inner.view_to_json::<V>(item, size).map_err(|e| e.at(Segment::Index(i))))
                        .collect::<Result<_, _>>()?,
                )
            }
            (ValueType::Tuple(types), View::Tuple(items)) if types.len() == items.len() => {
                *size += container(items.len());
                Json::Array(
                    types
                        .iter()
                        .zip(items)
                        .enumerate()
                        .map(|(i, (ty, item))| ty.view_to_json::<V>(item, size).map_err(|e| e.at(Segment::Index(i))))
                        .collect::<Result<_, _>>()?,
                )
            }
            (ValueType::Record { fields, .. }, View::Record(values)) if fields.len() == values.len() => {
                *size += container(fields.len());
                let mut object = Map::with_capacity(fields.len());
                for (field, (name, value)) in fields.iter().zip(values) {
                    if &field.name != name {
                        return Err(mismatch());
                    }
                    // `"name":`
                    *size += string_len(name) + 1;
                    let json = field.ty.view_to_json::<V>(value, size).map_err(|e| e.at(Segment::Field(name.clone())))?;
                    object.insert(name.clone(), json);
                }
                Json::Object(object)
            }
            (ValueType::Variant { cases, .. }, View::Variant(tag, val)) => {
                let case = cases.iter().find(|c| c.name == tag).ok_or_else(mismatch)?;
                let payload = payload_to_json::<V>(case.ty.as_ref(), val, size)?;
                tagged(tag, payload, size)
            }
            (ValueType::Enum { cases, .. }, View::Enum(name)) if cases.iter().any(|c| c == name) => string(name.to_string(), size),
            (ValueType::Flags { names, .. }, View::Flags(set)) => {
                if set.iter().any(|flag| !names.contains(flag)) {
                    return Err(mismatch());
                }
                // Declaration order, whatever order the value lists them in.
                let set: Vec<Json> = names.iter().filter(|n| set.contains(n)).map(|n| string(n.clone(), size)).collect();
                *size += container(set.len());
                Json::Array(set)
            }
            (ValueType::Option(_), View::Option(None)) => {
                *size += 4;
                Json::Null
            }
            (ValueType::Option(inner), View::Option(Some(value))) => {
                if is_option(inner) {
                    // `{"some":` and `}`
                    *size += 9;
                    let json = inner.view_to_json::<V>(value, size).map_err(|e| e.at(Segment::Field("some".into())))?;
                    let mut object = Map::new();
                    object.insert("some".into(), json);
                    Json::Object(object)
                } else {
                    inner.view_to_json::<V>(value, size)?
                }
            }
            (ValueType::Result { ok, .. }, View::Result(Ok(val))) => {
                let payload = payload_to_json::<V>(ok.as_deref(), val, size)?;
                tagged("ok", payload, size)
            }
            (ValueType::Result { err, .. }, View::Result(Err(val))) => {
                let payload = payload_to_json::<V>(err.as_deref(), val, size)?;
                tagged("err", payload, size)
            }
            (ValueType::Resource { .. }, View::Resource(handle)) => int(u64::from(handle), false, size),
            _ => return Err(mismatch()),
        })
    }
}

fn payload_to_json<V: ValueView>(ty: Option<&ValueType>, val: Option<&V::Value>, size: &mut u64) -> Result<Option<Json>, ValueError> {
    match (ty, val) {
        (Some(ty), Some(val)) => Ok(Some(ty.view_to_json::<V>(val, size).map_err(|e| e.at(Segment::Field("val".into())))?)),
        (None, None) => Ok(None),
        (Some(ty), None) => Err(ValueError::new(format!("a payload of type {ty}"), "none")),
        (None, Some(_)) => Err(ValueError::new("no payload", "a payload")),
    }
}
