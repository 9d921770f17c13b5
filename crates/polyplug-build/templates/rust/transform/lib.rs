//! `{{name}}`: a transform plugin that upper-cases message payloads, tags
//! each message with a header, and drops empty messages.

use polyplug_sdk::transform::{self, Message, Plugin, PluginInfo, Transformer, log};

struct Upper;

impl Plugin for Upper {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Upper-cases message payloads and drops empty messages".into(),
        }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl Transformer for Upper {
    fn transform(mut input: Message) -> Result<Option<Message>, String> {
        if input.payload.is_empty() {
            log::log(log::Level::Debug, "dropped an empty message");
            return Ok(None);
        }
        input.payload = input.payload.to_uppercase();
        input.headers.push(("x-transformed-by".into(), "{{name}}".into()));
        Ok(Some(input))
    }
}

transform::export!(Upper);
