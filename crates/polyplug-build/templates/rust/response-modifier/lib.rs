//! `{{name}}`: a response-modifier plugin that adds `x-powered-by: polyplug`
//! to JSON responses (replacing any `x-powered-by` they had), and leaves
//! every other response alone.

use polyplug_sdk::response_modifier::{self, HttpRequest, HttpResponse, Modifier, Plugin, PluginInfo};

struct PoweredBy;

impl Plugin for PoweredBy {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Adds an x-powered-by header to JSON responses".into(),
        }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl Modifier for PoweredBy {
    fn should_modify(_request: HttpRequest, response: HttpResponse) -> bool {
        is_json(&response.content_type)
    }

    fn modify(_request: HttpRequest, mut response: HttpResponse) -> Result<HttpResponse, String> {
        response.headers.retain(|(name, _)| !name.eq_ignore_ascii_case("x-powered-by"));
        response.headers.push(("x-powered-by".into(), "polyplug".into()));
        Ok(response)
    }
}

/// Whether `content_type` is JSON: `application/json` or `…/…+json`, any
/// case, with or without parameters (`; charset=utf-8`).
fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim_matches([' ', '\t']).to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

response_modifier::export!(PoweredBy);
