//! JSON ⇄ component-model values, driven by WIT types.
//!
//! One mapping serves every place where values leave typed Rust: dynamic
//! calls (`polyplug call`), the remote-plugin wire and test fixtures. It is
//! written down in `docs/json-mapping.md`; in short:
//!
//! | WIT | JSON |
//! |---|---|
//! | `bool`, `string` | `true`, `"text"` |
//! | `u8`…`u32`, `s8`…`s32` | number |
//! | `u64`, `s64` | number when `|n| ≤ 2^53`, else decimal string (strings accepted for any size) |
//! | `f32`, `f64` | number; `"NaN"`, `"Infinity"`, `"-Infinity"` as strings |
//! | `char` | one-character string |
//! | `list<u8>` | base64 string (an array of numbers is accepted too) |
//! | `list<T>`, `tuple<…>` | array |
//! | `record` | object with the WIT (kebab-case) field names |
//! | `variant`, `result` | `{"tag": "case", "val": …}` (`val` absent when the case has no payload) |
//! | `enum` | the case name |
//! | `flags` | array of the names that are set |
//! | `option<T>` | `null` or the value; when `T` is itself an option, `some(x)` is `{"some": x}` |
//! | resource handle | the handle number the host gave out |
//!
//! This crate knows WIT types and JSON, nothing about wasmtime: the host
//! converts between [`Value`] and wasmtime's values, the remote bridge
//! between [`Value`] and the wire.
//!
//! ```
//! use polyplug_value::{ValueType, Value};
//! let ty = ValueType::List(Box::new(ValueType::U64));
//! let value = ty.from_json(&serde_json::json!([1, "18446744073709551615"])).unwrap();
//! assert_eq!(value, Value::List(vec![Value::U64(1), Value::U64(u64::MAX)]));
//! assert_eq!(ty.to_json(&value).unwrap(), serde_json::json!([1, "18446744073709551615"]));
//! ```

mod json;
pub mod typed;
mod types;
mod view;

pub use json::ValueError;
pub use typed::{FromValue, ToValue, WitType, from_json, to_json};
pub use types::{Case, Field, Value, ValueType};
pub use view::{ValueView, Values, View};
