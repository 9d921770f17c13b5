//! The JSON mapping: [`ValueType::from_json`] and [`ValueType::to_json`].

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value as Json;

use crate::{Value, ValueType};

/// The largest integer magnitude a JSON number carries exactly in every
/// common JSON implementation (JavaScript's `Number.MAX_SAFE_INTEGER` + 1).
pub(crate) const EXACT_JSON_INT: u64 = 1 << 53;

/// A JSON value that does not fit its WIT type, or a value that does not fit
/// its type when turned into JSON.
///
/// The message names where (`$.points[2].x`), what the type wanted and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// Path segments from the innermost outwards; reversed when displayed.
    path: Vec<Segment>,
    expected: String,
    found: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Field(String),
    Index(usize),
}

impl ValueError {
    pub(crate) fn new(expected: impl fmt::Display, found: impl Into<String>) -> Self {
        ValueError { path: Vec::new(), expected: expected.to_string(), found: found.into() }
    }

    fn mismatch(ty: &ValueType, json: &Json) -> Self {
        Self::new(describe_type(ty), describe_json(json))
    }

    pub(crate) fn at(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    /// Places the error inside a named outer value, e.g. a function
    /// parameter: `$.points` becomes `$.input.points`.
    pub fn within(self, name: &str) -> Self {
        self.at(Segment::Field(name.to_string()))
    }

    /// Where the bad value is, e.g. `$.points[2].x` (`$` is the value itself).
    pub fn path(&self) -> String {
        let mut out = String::from("$");
        for segment in self.path.iter().rev() {
            match segment {
                Segment::Field(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// What the WIT type called for.
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// What was found instead.
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: expected {}, found {}", self.path(), self.expected, self.found)
    }
}

impl std::error::Error for ValueError {}

/// A short description of a JSON value for error messages.
fn describe_json(json: &Json) -> String {
    let text = match json {
        Json::Null => return "null".into(),
        Json::Bool(b) => format!("boolean {b}"),
        Json::Number(n) => format!("number {n}"),
        Json::String(s) => format!("string {}", Json::String(s.clone())),
        Json::Array(a) => format!("an array of {} items", a.len()),
        Json::Object(o) => {
            let keys: Vec<_> = o.keys().map(String::as_str).collect();
            format!("an object with keys [{}]", keys.join(", "))
        }
    };
    const MAX: usize = 80;
    if text.chars().count() > MAX {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    } else {
        text
    }
}

/// How a type is spelled in JSON, for error messages.
fn describe_type(ty: &ValueType) -> String {
    match ty {
        ValueType::Bool => "bool (true or false)".into(),
        ValueType::U8 => "u8 (a whole number from 0 to 255)".into(),
        ValueType::U16 => "u16 (a whole number from 0 to 65535)".into(),
        ValueType::U32 => "u32 (a whole number from 0 to 4294967295)".into(),
        ValueType::U64 => "u64 (a whole number from 0 to 18446744073709551615, as a number or a string)".into(),
        ValueType::S8 => "s8 (a whole number from -128 to 127)".into(),
        ValueType::S16 => "s16 (a whole number from -32768 to 32767)".into(),
        ValueType::S32 => "s32 (a whole number from -2147483648 to 2147483647)".into(),
        ValueType::S64 => {
            "s64 (a whole number from -9223372036854775808 to 9223372036854775807, as a number or a string)".into()
        }
        ValueType::F32 | ValueType::F64 => format!("{ty} (a number, or \"NaN\", \"Infinity\", \"-Infinity\")"),
        ValueType::Char => "char (a string of exactly one character)".into(),
        ValueType::String => "string".into(),
        ValueType::List(inner) if **inner == ValueType::U8 => {
            "list<u8> (a base64 string, or an array of numbers 0 to 255)".into()
        }
        ValueType::List(_) | ValueType::Tuple(_) => format!("{ty} (an array)"),
        ValueType::Record { fields, .. } => {
            let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
            format!("{ty} (an object with fields [{}])", names.join(", "))
        }
        ValueType::Variant { cases, .. } => {
            let names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
            format!("{ty} ({{\"tag\": one of [{}], \"val\": …}})", names.join(", "))
        }
        ValueType::Enum { cases, .. } => format!("{ty} (one of the strings [{}])", cases.join(", ")),
        ValueType::Flags { names, .. } => format!("{ty} (an array of names from [{}])", names.join(", ")),
        ValueType::Option(inner) if is_option(inner) => {
            format!("{ty} (null, or {{\"some\": …}} because the inner type is an option too)")
        }
        ValueType::Option(_) => format!("{ty} (null or the value)"),
        ValueType::Result { .. } => format!("{ty} ({{\"tag\": \"ok\" or \"err\", \"val\": …}})"),
        ValueType::Resource { .. } => format!("{ty} (a resource handle number)"),
    }
}

pub(crate) fn is_option(ty: &ValueType) -> bool {
    matches!(ty, ValueType::Option(_))
}

fn int_from_json<T: TryFrom<i128>>(ty: &ValueType, json: &Json) -> Result<T, ValueError> {
    let wide: Option<i128> = match json {
        Json::Number(n) => n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)),
        Json::String(s) => s.trim().parse::<i128>().ok(),
        _ => None,
    };
    wide.and_then(|v| T::try_from(v).ok()).ok_or_else(|| ValueError::mismatch(ty, json))
}

fn float_from_json(ty: &ValueType, json: &Json) -> Result<f64, ValueError> {
    match json {
        Json::Number(n) => n.as_f64().ok_or_else(|| ValueError::mismatch(ty, json)),
        Json::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(ValueError::mismatch(ty, json)),
        },
        _ => Err(ValueError::mismatch(ty, json)),
    }
}

fn tagged_from_json<'a>(ty: &ValueType, json: &'a Json) -> Result<(&'a str, Option<&'a Json>), ValueError> {
    let Json::Object(object) = json else {
        return Err(ValueError::mismatch(ty, json));
    };
    let Some(Json::String(tag)) = object.get("tag") else {
        return Err(ValueError::mismatch(ty, json));
    };
    if let Some(extra) = object.keys().find(|k| *k != "tag" && *k != "val") {
        return Err(ValueError::new(describe_type(ty), format!("an unexpected key `{extra}`")));
    }
    Ok((tag, object.get("val")))
}

fn payload_from_json(
    case: &str,
    ty: Option<&ValueType>,
    val: Option<&Json>,
) -> Result<Option<Box<Value>>, ValueError> {
    let inside = |e: ValueError| e.at(Segment::Field("val".into()));
    match (ty, val) {
        (Some(ty), Some(val)) => Ok(Some(Box::new(ty.from_json(val).map_err(inside)?))),
        (Some(ty), None) => Err(ValueError::new(
            format!("a `val` of type {ty} for case `{case}`"),
            "no `val`",
        )),
        (None, None | Some(Json::Null)) => Ok(None),
        (None, Some(val)) => Err(inside(ValueError::new(
            format!("no `val`: case `{case}` carries no payload"),
            describe_json(val),
        ))),
    }
}

impl ValueType {
    /// Reads `json` as a value of this type, following the mapping in the crate docs.
    pub fn from_json(&self, json: &Json) -> Result<Value, ValueError> {
        let mismatch = || ValueError::mismatch(self, json);
        Ok(match self {
            ValueType::Bool => Value::Bool(json.as_bool().ok_or_else(mismatch)?),
            ValueType::U8 => Value::U8(int_from_json(self, json)?),
            ValueType::U16 => Value::U16(int_from_json(self, json)?),
            ValueType::U32 => Value::U32(int_from_json(self, json)?),
            ValueType::U64 => Value::U64(int_from_json(self, json)?),
            ValueType::S8 => Value::S8(int_from_json(self, json)?),
            ValueType::S16 => Value::S16(int_from_json(self, json)?),
            ValueType::S32 => Value::S32(int_from_json(self, json)?),
            ValueType::S64 => Value::S64(int_from_json(self, json)?),
            ValueType::F32 => {
                let wide = float_from_json(self, json)?;
                let narrow = wide as f32;
                if wide.is_finite() && !narrow.is_finite() {
                    return Err(ValueError::new("f32 (a number within ±3.4e38)", describe_json(json)));
                }
                Value::F32(narrow)
            }
            ValueType::F64 => Value::F64(float_from_json(self, json)?),
            ValueType::Char => {
                let s = json.as_str().ok_or_else(mismatch)?;
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Value::Char(c),
                    _ => return Err(mismatch()),
                }
            }
            ValueType::String => Value::String(json.as_str().ok_or_else(mismatch)?.to_owned()),
            ValueType::List(inner) if **inner == ValueType::U8 => match json {
                Json::String(s) => {
                    let bytes = BASE64.decode(s).map_err(|e| {
                        ValueError::new(describe_type(self), format!("a string that is not base64 ({e})"))
                    })?;
                    Value::List(bytes.into_iter().map(Value::U8).collect())
                }
                Json::Array(items) => Value::List(list_from_json(inner, items)?),
                _ => return Err(mismatch()),
            },
            ValueType::List(inner) => Value::List(list_from_json(inner, json.as_array().ok_or_else(mismatch)?)?),
            ValueType::Tuple(types) => {
                let items = json.as_array().ok_or_else(mismatch)?;
                if items.len() != types.len() {
                    return Err(ValueError::new(
                        format!("{self} (an array of {} items)", types.len()),
                        describe_json(json),
                    ));
                }
                Value::Tuple(list_from_json_each(types.iter(), items)?)
            }
            ValueType::Record { fields, .. } => {
                let object = json.as_object().ok_or_else(mismatch)?;
                if let Some(unknown) = object.keys().find(|k| !fields.iter().any(|f| &f.name == *k)) {
                    return Err(ValueError::new(describe_type(self), format!("an unknown field `{unknown}`")));
                }
                let mut values = Vec::with_capacity(fields.len());
                for field in fields {
                    let value = match object.get(&field.name) {
                        Some(json) => {
                            field.ty.from_json(json).map_err(|e| e.at(Segment::Field(field.name.clone())))?
                        }
                        // A missing optional field is `none`: convenient for hand-written JSON.
                        None if is_option(&field.ty) => Value::Option(None),
                        None => {
                            return Err(ValueError::new(
                                format!("field `{}` of type {}", field.name, field.ty),
                                "no such key",
                            ));
                        }
                    };
                    values.push((field.name.clone(), value));
                }
                Value::Record(values)
            }
            ValueType::Variant { cases, .. } => {
                // A case without payload may be written as its bare name.
                if let Json::String(tag) = json {
                    match cases.iter().find(|c| &c.name == tag) {
                        Some(case) if case.ty.is_none() => return Ok(Value::Variant(tag.clone(), None)),
                        _ => return Err(mismatch()),
                    }
                }
                let (tag, val) = tagged_from_json(self, json)?;
                let case = cases.iter().find(|c| c.name == tag).ok_or_else(mismatch)?;
                Value::Variant(case.name.clone(), payload_from_json(tag, case.ty.as_ref(), val)?)
            }
            ValueType::Enum { cases, .. } => {
                let name = json.as_str().ok_or_else(mismatch)?;
                let case = cases.iter().find(|c| *c == name).ok_or_else(mismatch)?;
                Value::Enum(case.clone())
            }
            ValueType::Flags { names, .. } => {
                let items = json.as_array().ok_or_else(mismatch)?;
                let mut set = vec![false; names.len()];
                for (i, item) in items.iter().enumerate() {
                    let position = item
                        .as_str()
                        .and_then(|name| names.iter().position(|n| n == name))
                        .ok_or_else(|| ValueError::mismatch(self, item).at(Segment::Index(i)))?;
                    set[position] = true;
                }
                Value::Flags(names.iter().zip(set).filter(|(_, on)| *on).map(|(n, _)| n.clone()).collect())
            }
            ValueType::Option(inner) => match json {
                Json::Null => Value::Option(None),
                _ if is_option(inner) => {
                    let some = json
                        .as_object()
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.get("some"))
                        .ok_or_else(mismatch)?;
                    let value = inner.from_json(some).map_err(|e| e.at(Segment::Field("some".into())))?;
                    Value::Option(Some(Box::new(value)))
                }
                _ => Value::Option(Some(Box::new(inner.from_json(json)?))),
            },
            ValueType::Result { ok, err } => {
                let (tag, val) = tagged_from_json(self, json)?;
                match tag {
                    "ok" => Value::Result(Ok(payload_from_json(tag, ok.as_deref(), val)?)),
                    "err" => Value::Result(Err(payload_from_json(tag, err.as_deref(), val)?)),
                    _ => return Err(mismatch()),
                }
            }
            ValueType::Resource { .. } => Value::Resource(int_from_json(self, json)?),
        })
    }

    /// Writes `value`, which must be of this type, as JSON.
    pub fn to_json(&self, value: &Value) -> Result<Json, ValueError> {
        self.view_to_json::<crate::Values>(value, &mut 0)
    }
}

fn list_from_json(inner: &ValueType, items: &[Json]) -> Result<Vec<Value>, ValueError> {
    list_from_json_each(std::iter::repeat(inner), items)
}

fn list_from_json_each<'t>(
    types: impl Iterator<Item = &'t ValueType>,
    items: &[Json],
) -> Result<Vec<Value>, ValueError> {
    types
        .zip(items)
        .enumerate()
        .map(|(i, (ty, item))| ty.from_json(item).map_err(|e| e.at(Segment::Index(i))))
        .collect()
}
