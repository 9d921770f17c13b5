//! The mapping itself, with no plugin in it: the plugin (`lib.rs`) calls it
//! on every message, and the pipeline's benchmark compiles this same file
//! into the service as its native step, so that the two differ only in
//! where the code runs.
//!
//! The behaviour is map-fields-ts's: the new payload holds exactly the
//! mapped targets, in the mapping's order, each taking the value at its
//! source path (dots for nesting) or its default; a source the message
//! lacks with no default is an error.

use serde_json::{Map, Value};

/// An example of the `mapping` configuration, for error messages.
const EXAMPLE: &str = r#"{"orderId": "order.id", "amount": "order.total"}"#;

/// One target field and where its value comes from.
struct Field {
    target: String,
    /// The source path as configured (`order.total`), for messages.
    source: String,
    /// The same, split at its dots.
    path: Vec<String>,
    fallback: Option<Value>,
}

/// The fields a `mapping` (and `defaults`) configure.
pub struct Fields(Vec<Field>);

/// The JSON object in config `key`, or an error naming the key.
fn object(key: &str, text: &str, shape: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(format!("config `{key}` must be a JSON object: {shape}")),
        Err(e) => Err(format!("config `{key}` is not JSON ({e}); it is {shape}")),
    }
}

impl Fields {
    /// The fields of the `mapping` and `defaults` configuration values.
    pub fn parse(mapping: Option<&str>, defaults: Option<&str>) -> Result<Fields, String> {
        let shape = format!("a JSON object from target field to source path, e.g. {EXAMPLE}");
        let mapping = object("mapping", mapping.ok_or_else(|| format!("config `mapping` is missing; set it to {shape}"))?, &shape)?;
        let mut defaults = match defaults {
            Some(text) => object("defaults", text, r#"a JSON object from target field to its value when the source is missing, e.g. {"currency": "EUR"}"#)?,
            None => Map::new(),
        };
        let mut fields = Vec::with_capacity(mapping.len());
        for (target, source) in mapping {
            let source = match source {
                Value::String(source) if !source.split('.').any(str::is_empty) => source,
                other => return Err(format!("config `mapping`: the source of `{target}` must be a dotted path such as `order.total`, not {other}")),
            };
            let fallback = defaults.remove(&target);
            fields.push(Field { path: source.split('.').map(String::from).collect(), source, fallback, target });
        }
        if fields.is_empty() {
            return Err(format!("config `mapping` maps no fields; set it to {shape}"));
        }
        if let Some(target) = defaults.keys().next() {
            return Err(format!("config `defaults`: `{target}` is not a target of `mapping`"));
        }
        Ok(Fields(fields))
    }

    /// The mapped payload of a JSON `payload`.
    pub fn map(&self, payload: &[u8]) -> Result<Vec<u8>, String> {
        let input: Value = serde_json::from_slice(payload).map_err(|e| format!("map-fields takes JSON payloads: {e}"))?;
        let mut output = Map::with_capacity(self.0.len());
        for field in &self.0 {
            // A source that is there with `null` is mapped as `null`, not defaulted.
            let found = field.path.iter().try_fold(&input, |at, name| at.as_object()?.get(name));
            let value = found.or(field.fallback.as_ref()).ok_or_else(|| format!("the message has no `{}`", field.source))?;
            output.insert(field.target.clone(), value.clone());
        }
        serde_json::to_vec(&Value::Object(output)).map_err(|e| e.to_string())
    }
}

/// `application/json`, `application/problem+json`, with or without parameters (`; charset=utf-8`).
pub fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}
