//! Example `transform` plugin: reshapes JSON messages as its configuration says.
//!
//! Configuration (all keys optional; field paths use dots for nesting):
//!
//! | key | example | effect |
//! |---|---|---|
//! | `rename` | `cust.name=customer,amt=amount` | move each field to its new path |
//! | `map.<field>` | `map.status` = `A=active,I=inactive` | replace the field's value by its mapping (unmapped values stay) |
//! | `drop` | `internal,debug.trace` | remove these fields |
//! | `require` | `customer` | filter out messages that lack this field after renaming |
//!
//! Messages that are not JSON objects are rejected with a reason.

use std::cell::RefCell;

use polyplug_sdk::transform::{self, Message, Plugin, PluginInfo, Transformer, log};
use serde_json::{Map, Value};

/// The parsed configuration of one instance.
#[derive(Default)]
struct Rules {
    renames: Vec<(String, String)>,
    maps: Vec<(String, Vec<(String, String)>)>,
    drops: Vec<String>,
    require: Option<String>,
}

thread_local! {
    static RULES: RefCell<Rules> = RefCell::new(Rules::default());
}

/// `a=b,c=d` as pairs; an entry without `=` is an error naming the key.
fn pairs(key: &str, value: &str) -> Result<Vec<(String, String)>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .split_once('=')
                .map(|(from, to)| (from.trim().to_string(), to.trim().to_string()))
                .ok_or_else(|| format!("config `{key}`: entry `{entry}` is not `from=to`"))
        })
        .collect()
}

fn parse_rules(config: &[(String, String)]) -> Result<Rules, String> {
    let mut rules = Rules::default();
    for (key, value) in config {
        match key.as_str() {
            "rename" => rules.renames = pairs(key, value)?,
            "drop" => rules.drops = value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
            "require" => rules.require = Some(value.trim().to_string()),
            _ => match key.strip_prefix("map.") {
                Some(field) if !field.is_empty() => rules.maps.push((field.to_string(), pairs(key, value)?)),
                _ => {
                    return Err(format!(
                        "unknown config key `{key}`; known keys: rename, drop, require, map.<field>"
                    ));
                }
            },
        }
    }
    Ok(rules)
}

/// Removes the value at a dotted `path`, if there is one.
fn take(object: &mut Map<String, Value>, path: &str) -> Option<Value> {
    match path.split_once('.') {
        None => object.remove(path),
        Some((head, rest)) => take(object.get_mut(head)?.as_object_mut()?, rest),
    }
}

/// Puts `value` at a dotted `path`, creating objects on the way.
fn put(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let child = object.entry(head.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(child) = child {
                put(child, rest, value);
            }
        }
    }
}

fn get<'v>(object: &'v mut Map<String, Value>, path: &str) -> Option<&'v mut Value> {
    match path.split_once('.') {
        None => object.get_mut(path),
        Some((head, rest)) => get(object.get_mut(head)?.as_object_mut()?, rest),
    }
}

impl Rules {
    /// Applies the rules; `None` when the message is filtered out.
    fn apply(&self, mut object: Map<String, Value>) -> Option<Map<String, Value>> {
        for (from, to) in &self.renames {
            if let Some(value) = take(&mut object, from) {
                put(&mut object, to, value);
            }
        }
        for (field, mapping) in &self.maps {
            if let Some(value) = get(&mut object, field) {
                let text = match &*value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if let Some((_, to)) = mapping.iter().find(|(from, _)| *from == text) {
                    *value = Value::String(to.clone());
                }
            }
        }
        for path in &self.drops {
            take(&mut object, path);
        }
        match &self.require {
            Some(path) if get(&mut object, path).is_none() => None,
            _ => Some(object),
        }
    }
}

struct JsonReshaper;

impl Plugin for JsonReshaper {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "transform-rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Renames, maps, drops and filters fields of JSON messages".into(),
        }
    }

    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        let rules = parse_rules(&config)?;
        log::log(
            log::Level::Debug,
            &format!("{} renames, {} value maps, {} drops", rules.renames.len(), rules.maps.len(), rules.drops.len()),
        );
        RULES.with(|r| *r.borrow_mut() = rules);
        Ok(())
    }
}

impl Transformer for JsonReshaper {
    fn transform(input: Message) -> Result<Option<Message>, String> {
        let object = match serde_json::from_str::<Value>(&input.payload) {
            Ok(Value::Object(object)) => object,
            Ok(other) => return Err(format!("payload is JSON but not an object (found {})", kind(&other))),
            Err(e) => return Err(format!("payload is not JSON: {e}")),
        };
        let Some(object) = RULES.with(|r| r.borrow().apply(object)) else {
            return Ok(None);
        };
        let mut headers = input.headers;
        headers.push(("x-transformed-by".into(), "transform-rust".into()));
        Ok(Some(Message { payload: Value::Object(object).to_string(), content_type: "application/json".into(), headers }))
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

transform::export!(JsonReshaper);
