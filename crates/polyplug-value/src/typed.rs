//! Rust types that stand for WIT types: their [`ValueType`], and conversions
//! to and from [`Value`] and so to and from the JSON mapping.
//!
//! Implemented here for Rust's own types (numbers, `bool`, `char`, strings,
//! `Vec`, slices, `Option`, `Result`, tuples, references); the bindings
//! generator (`polyplug-bindgen`) implements them for every record, variant,
//! enum and flags type of a world. A typed facade uses them only when its
//! plugin is remote: a local call lifts and lowers directly.
//!
//! ```
//! use polyplug_value::{from_json, to_json};
//! let json = to_json(&(7u8, "seven", Some(vec![1u64 << 60])));
//! assert_eq!(json, serde_json::json!([7, "seven", ["1152921504606846976"]]));
//! let back: (u8, String, Option<Vec<u64>>) = from_json(&json).unwrap();
//! assert_eq!(back, (7, "seven".to_string(), Some(vec![1 << 60])));
//! ```

use serde_json::Value as Json;

use crate::{Value, ValueError, ValueType};

/// A Rust type with a WIT type.
pub trait WitType {
    /// The WIT type this Rust type stands for.
    fn wit_type() -> ValueType;
}

/// A Rust value that converts to a [`Value`] of its WIT type.
pub trait ToValue: WitType {
    /// This value as a [`Value`].
    fn to_value(&self) -> Value;
}

/// A Rust type whose values convert from [`Value`]s of its WIT type.
pub trait FromValue: WitType + Sized {
    /// The Rust value of `value`; an error when `value` has another shape.
    fn from_value(value: Value) -> Result<Self, ValueError>;
}

/// `value` in the JSON mapping.
pub fn to_json<T: ToValue + ?Sized>(value: &T) -> Json {
    // A value built from a Rust type always fits that type's WIT type; if an
    // impl broke that, say so loudly rather than send something else.
    T::wit_type()
        .to_json(&value.to_value())
        .unwrap_or_else(|e| panic!("a ToValue impl disagrees with its WitType ({e}): a bug in that impl"))
}

/// The Rust value of `json`, read in the JSON mapping of `T`'s WIT type.
pub fn from_json<T: FromValue>(json: &Json) -> Result<T, ValueError> {
    T::from_value(T::wit_type().from_json(json)?)
}

/// The error for a value of another shape than its type's.
pub fn wrong_shape<T: WitType + ?Sized>(value: &Value) -> ValueError {
    ValueError::new(T::wit_type(), format!("{value:?}"))
}

/// The fields of a record value, in declaration order (for generated `FromValue` impls).
pub fn record_fields<T: WitType + ?Sized>(value: Value, count: usize) -> Result<std::vec::IntoIter<Value>, ValueError> {
    match value {
        Value::Record(fields) if fields.len() == count => Ok(fields.into_iter().map(|(_, v)| v).collect::<Vec<_>>().into_iter()),
        other => Err(wrong_shape::<T>(&other)),
    }
}

/// The next field of a record (for generated `FromValue` impls).
pub fn field<F: FromValue>(fields: &mut std::vec::IntoIter<Value>, name: &str) -> Result<F, ValueError> {
    let value = fields.next().ok_or_else(|| ValueError::new(F::wit_type(), "nothing").within(name))?;
    F::from_value(value).map_err(|e| e.within(name))
}

/// A variant value's case and payload (for generated `FromValue` impls).
pub fn variant_case<T: WitType + ?Sized>(value: Value) -> Result<(String, Option<Value>), ValueError> {
    match value {
        Value::Variant(case, payload) => Ok((case, payload.map(|p| *p))),
        other => Err(wrong_shape::<T>(&other)),
    }
}

/// A variant case's payload (for generated `FromValue` impls).
pub fn payload<P: FromValue>(payload: Option<Value>) -> Result<P, ValueError> {
    let value = payload.ok_or_else(|| ValueError::new(P::wit_type(), "no payload"))?;
    P::from_value(value).map_err(|e| e.within("val"))
}

/// An enum value's case (for generated `FromValue` impls).
pub fn enum_case<T: WitType + ?Sized>(value: Value) -> Result<String, ValueError> {
    match value {
        Value::Enum(case) => Ok(case),
        other => Err(wrong_shape::<T>(&other)),
    }
}

/// A flags value's names (for generated `FromValue` impls).
pub fn flag_names<T: WitType + ?Sized>(value: Value) -> Result<Vec<String>, ValueError> {
    match value {
        Value::Flags(names) => Ok(names),
        other => Err(wrong_shape::<T>(&other)),
    }
}

/// The error for a case name the type does not have.
pub fn unknown_case<T: WitType + ?Sized>(case: &str) -> ValueError {
    ValueError::new(T::wit_type(), format!("the case `{case}`"))
}

macro_rules! primitive {
    ($($rust:ty => $wit:ident),* $(,)?) => {$(
        impl WitType for $rust {
            fn wit_type() -> ValueType {
                ValueType::$wit
            }
        }
        impl ToValue for $rust {
            fn to_value(&self) -> Value {
                Value::$wit(*self)
            }
        }
        impl FromValue for $rust {
            fn from_value(value: Value) -> Result<Self, ValueError> {
                match value {
                    Value::$wit(v) => Ok(v),
                    other => Err(wrong_shape::<Self>(&other)),
                }
            }
        }
    )*};
}

primitive!(bool => Bool, u8 => U8, u16 => U16, u32 => U32, u64 => U64, i8 => S8, i16 => S16, i32 => S32, i64 => S64, f32 => F32, f64 => F64, char => Char);

impl WitType for str {
    fn wit_type() -> ValueType {
        ValueType::String
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

impl WitType for String {
    fn wit_type() -> ValueType {
        ValueType::String
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(wrong_shape::<Self>(&other)),
        }
    }
}

impl<T: WitType + ?Sized> WitType for &T {
    fn wit_type() -> ValueType {
        T::wit_type()
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: WitType> WitType for [T] {
    fn wit_type() -> ValueType {
        ValueType::List(Box::new(T::wit_type()))
    }
}

impl<T: ToValue> ToValue for [T] {
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(ToValue::to_value).collect())
    }
}

impl<T: WitType> WitType for Vec<T> {
    fn wit_type() -> ValueType {
        ValueType::List(Box::new(T::wit_type()))
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        self.as_slice().to_value()
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::List(items) => items.into_iter().map(T::from_value).collect(),
            other => Err(wrong_shape::<Self>(&other)),
        }
    }
}

impl<T: WitType> WitType for Option<T> {
    fn wit_type() -> ValueType {
        ValueType::Option(Box::new(T::wit_type()))
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        Value::Option(self.as_ref().map(|v| Box::new(v.to_value())))
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Option(v) => v.map(|v| T::from_value(*v)).transpose(),
            other => Err(wrong_shape::<Self>(&other)),
        }
    }
}

/// A side of a `result`: a type, or `()` for a side without payload.
pub trait ResultSide {
    /// The side's type, `None` without payload.
    fn side_type() -> Option<Box<ValueType>>;
    /// The side's payload value.
    fn side_value(&self) -> Option<Box<Value>>;
    /// The side from its payload value.
    fn from_side(value: Option<Box<Value>>) -> Result<Self, ValueError>
    where
        Self: Sized;
}

impl ResultSide for () {
    fn side_type() -> Option<Box<ValueType>> {
        None
    }
    fn side_value(&self) -> Option<Box<Value>> {
        None
    }
    fn from_side(_: Option<Box<Value>>) -> Result<Self, ValueError> {
        Ok(())
    }
}

impl<T: FromValue + ToValue> ResultSide for T {
    fn side_type() -> Option<Box<ValueType>> {
        Some(Box::new(T::wit_type()))
    }
    fn side_value(&self) -> Option<Box<Value>> {
        Some(Box::new(self.to_value()))
    }
    fn from_side(value: Option<Box<Value>>) -> Result<Self, ValueError> {
        payload(value.map(|v| *v))
    }
}

impl<T: ResultSide, E: ResultSide> WitType for Result<T, E> {
    fn wit_type() -> ValueType {
        ValueType::Result { ok: T::side_type(), err: E::side_type() }
    }
}

impl<T: ResultSide, E: ResultSide> ToValue for Result<T, E> {
    fn to_value(&self) -> Value {
        Value::Result(match self {
            Ok(v) => Ok(v.side_value()),
            Err(e) => Err(e.side_value()),
        })
    }
}

impl<T: ResultSide, E: ResultSide> FromValue for Result<T, E> {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Result(Ok(v)) => Ok(Ok(T::from_side(v)?)),
            Value::Result(Err(e)) => Ok(Err(E::from_side(e)?)),
            other => Err(wrong_shape::<Self>(&other)),
        }
    }
}

macro_rules! tuple {
    ($(($($name:ident $index:tt),+)),* $(,)?) => {$(
        impl<$($name: WitType),+> WitType for ($($name,)+) {
            fn wit_type() -> ValueType {
                ValueType::Tuple(vec![$($name::wit_type()),+])
            }
        }
        impl<$($name: ToValue),+> ToValue for ($($name,)+) {
            fn to_value(&self) -> Value {
                Value::Tuple(vec![$(self.$index.to_value()),+])
            }
        }
        impl<$($name: FromValue),+> FromValue for ($($name,)+) {
            fn from_value(value: Value) -> Result<Self, ValueError> {
                match value {
                    Value::Tuple(items) if items.len() == [$($index),+].len() => {
                        let mut items = items.into_iter();
                        Ok(($(field::<$name>(&mut items, stringify!($index))?,)+))
                    }
                    other => Err(wrong_shape::<Self>(&other)),
                }
            }
        }
    )*};
}

tuple!((A 0), (A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3), (A 0, B 1, C 2, D 3, E 4), (A 0, B 1, C 2, D 3, E 4, F 5));
