//! Example `template` plugin: text and id functions a mock server's bodies
//! and headers use, all pure (the same arguments, the same answer):
//!
//! | function | example | answer |
//! |---|---|---|
//! | `text.upper` | `{{text.upper "ada"}}` | `"ADA"` |
//! | `text.slug` | `{{text.slug "Grace Hopper!"}}` | `"grace-hopper"` |
//! | `text.id` | `{{text.id "orders" path.id}}` | `"ord-"` and 16 hex digits: a stable id from any values |
//!
//! Arguments and results are JSON values, as their text.

use polyplug_sdk::template::{self, Json, Parameter, Plugin, PluginInfo, TemplateFunction, TemplateFunctions, ValueKind};
use serde_json::Value;

struct Text;

impl Plugin for Text {
    fn describe() -> PluginInfo {
        PluginInfo { name: "template-text-rust".into(), version: env!("CARGO_PKG_VERSION").into(), description: "Text and id functions for mock responses".into() }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

fn text_parameter(description: &str) -> Parameter {
    Parameter { name: "text".into(), kind: ValueKind::Text, description: description.into(), required: true, default: None, var_args: false }
}

fn function(name: &str, description: &str, parameters: Vec<Parameter>, example: &str) -> TemplateFunction {
    TemplateFunction {
        name: name.into(),
        description: description.into(),
        parameters,
        returns: ValueKind::Text,
        examples: vec![example.into()],
        category: Some("text".into()),
        pure: true,
    }
}

/// The one text argument of `function`.
fn one_text(function: &str, args: &[Json]) -> Result<String, String> {
    match args {
        [arg] => match serde_json::from_str(arg) {
            Ok(Value::String(text)) => Ok(text),
            Ok(other) => Ok(other.to_string()),
            Err(_) => Err(format!("`{function}`: its argument is not a JSON value: {arg}")),
        },
        _ => Err(format!("`{function}` takes 1 argument (the text), got {}", args.len())),
    }
}

/// Lower case, runs of anything but letters and digits made one `-`, none at the ends.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// FNV-1a, 64 bits: a stable hash, the same on every machine and version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

impl TemplateFunctions for Text {
    fn functions() -> Vec<TemplateFunction> {
        vec![
            function("text.upper", "The text in upper case", vec![text_parameter("The text")], r#"{{text.upper "ada"}}"#),
            function("text.slug", "The text as a URL slug: lower case, words joined by -", vec![text_parameter("The text")], r#"{{text.slug "Grace Hopper!"}}"#),
            function(
                "text.id",
                "A stable id from a prefix and any values: the first three letters of the prefix, a dash, 16 hex digits",
                vec![
                    Parameter { name: "prefix".into(), kind: ValueKind::Text, description: "What the id is of, e.g. orders".into(), required: true, default: None, var_args: false },
                    Parameter { name: "values".into(), kind: ValueKind::Any, description: "What makes the id unique, e.g. path.id".into(), required: false, default: None, var_args: true },
                ],
                r#"{{text.id "orders" path.id}}"#,
            ),
        ]
    }

    fn execute(name: String, args: Vec<Json>) -> Result<Json, String> {
        let answer = match name.as_str() {
            "text.upper" => one_text(&name, &args)?.to_uppercase(),
            "text.slug" => slug(&one_text(&name, &args)?),
            "text.id" => {
                let Some((prefix, values)) = args.split_first() else {
                    return Err(r#"`text.id` needs a prefix, e.g. {{text.id "orders" path.id}}"#.into());
                };
                let prefix = one_text(&name, std::slice::from_ref(prefix))?;
                let short: String = prefix.chars().filter(|c| c.is_alphanumeric()).take(3).collect::<String>().to_lowercase();
                format!("{short}-{:016x}", fnv1a(format!("{prefix}\0{}", values.join("\0")).as_bytes()))
            }
            other => return Err(format!("unknown function `{other}`; this plugin has: text.upper, text.slug, text.id")),
        };
        Ok(Value::String(answer).to_string())
    }

    fn data_source(_name: String) -> Option<Json> {
        None
    }
}

template::export!(Text);
