//! `map-fields-rust`: a `transform@0.2` converter that maps the fields of
//! JSON messages to the shape the next system takes; configuration and
//! behaviour are map-fields-ts's (see `fields.rs`):
//!
//! | key        | example                                              | effect |
//! |------------|------------------------------------------------------|--------|
//! | `mapping`  | `{"orderId": "order.id", "amount": "order.total"}`   | the new payload: each target field, in this order, takes the value at its source path |
//! | `defaults` | `{"currency": "EUR"}` (optional)                     | the value of a target whose source the message lacks |
//!
//! A message that is not JSON, or lacks a source with no default, is
//! rejected (the pipeline retries it, then dead-letters it with the reason).
//! The envelope keeps everything else, with `x-mapped-by` added to its headers.

mod fields;

use std::sync::OnceLock;

use fields::Fields;
use polyplug_sdk::transform_0_2::{self, Context, Converter, Envelope, Plugin, PluginInfo};

const NAME: &str = "map-fields-rust";

/// The fields `init` parsed, for every message of this instance.
static FIELDS: OnceLock<Fields> = OnceLock::new();

struct MapFields;

impl Plugin for MapFields {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Maps the fields of JSON messages to new ones, as its configuration says".into(),
        }
    }

    fn init(entries: Vec<(String, String)>) -> Result<(), String> {
        if let Some((key, _)) = entries.iter().find(|(key, _)| key != "mapping" && key != "defaults") {
            return Err(format!("unknown config key `{key}`; known keys: mapping, defaults"));
        }
        let value = |wanted: &str| entries.iter().find(|(key, _)| key == wanted).map(|(_, value)| value.as_str());
        let fields = Fields::parse(value("mapping"), value("defaults"))?;
        // `init` runs once per instance; a second call keeps the first mapping, as the configuration is the same.
        let _ = FIELDS.set(fields);
        Ok(())
    }
}

impl Converter for MapFields {
    fn convert(mut message: Envelope, _context: Context) -> Result<Envelope, String> {
        if !fields::is_json(&message.content_type) {
            return Err(format!("map-fields takes JSON payloads: this message's content type is `{}`", message.content_type));
        }
        let fields = FIELDS.get().ok_or("map-fields-rust was not initialised")?;
        message.payload = fields.map(&message.payload)?;
        message.content_type = "application/json".into();
        message.headers.push(("x-mapped-by".into(), NAME.into()));
        Ok(message)
    }
}

transform_0_2::export!(MapFields);
