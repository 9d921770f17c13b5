//! `{{name}}`: a template plugin with one function, `greet`: a mock server
//! resolves `{{greet "Ada"}}` in a response body to `Hello, Ada!`.
//! Arguments and results are JSON values, as their text.

use polyplug_sdk::template::{self, Json, Parameter, Plugin, PluginInfo, TemplateFunction, TemplateFunctions, ValueKind};
use serde_json::Value;

struct Greeter;

impl Plugin for Greeter {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "A template function greeting people by name".into(),
        }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl TemplateFunctions for Greeter {
    fn functions() -> Vec<TemplateFunction> {
        vec![TemplateFunction {
            name: "greet".into(),
            description: "A greeting for someone: Hello, <name>!".into(),
            parameters: vec![Parameter {
                name: "name".into(),
                kind: ValueKind::Text,
                description: "Who to greet".into(),
                required: true,
                default: None,
                var_args: false,
            }],
            returns: ValueKind::Text,
            examples: vec![r#"{{greet "Ada"}}"#.into()],
            category: Some("greetings".into()),
            pure: true,
        }]
    }

    fn execute(name: String, args: Vec<Json>) -> Result<Json, String> {
        if name != "greet" {
            return Err(format!("unknown function `{name}`; this plugin has: greet"));
        }
        let who = match args.as_slice() {
            [] => return Err(r#"`greet` needs `name` (who to greet), e.g. {{greet "Ada"}}"#.into()),
            [arg] => match serde_json::from_str(arg) {
                Ok(Value::String(who)) => who,
                _ => return Err(format!("`greet`: `name` must be text (a JSON string), not {arg}")),
            },
            more => return Err(format!("`greet` takes 1 argument, got {}", more.len())),
        };
        Ok(Value::String(format!("Hello, {who}!")).to_string())
    }

    fn data_source(_name: String) -> Option<Json> {
        None // no data sets: a plugin with one returns it as JSON, e.g. a list of records
    }
}

template::export!(Greeter);
