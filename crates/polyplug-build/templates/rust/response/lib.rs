//! `{{name}}`: a response plugin that answers `GET /hello` with the JSON
//! `{"hello": <the query's name, or "world">}`, and nothing else.

use polyplug_sdk::response::{self, HttpRequest, HttpResponse, Plugin, PluginInfo, Responder};
use serde_json::json;

struct Hello;

impl Plugin for Hello {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Answers GET /hello with a JSON greeting for the name in the query".into(),
        }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl Responder for Hello {
    fn priority() -> i32 {
        0 // a plugin with a higher priority that handles the same request answers it instead
    }

    fn can_handle(request: HttpRequest) -> bool {
        handles(&request)
    }

    fn generate(request: HttpRequest) -> Result<HttpResponse, String> {
        if !handles(&request) {
            // Not found is an answer, not a failure (`Err` makes the server answer 500).
            return Ok(json_response(404, &json!({"error": "not found"})));
        }
        let name = request.query.iter().find(|(key, _)| key == "name").map_or("world", |(_, value)| value.as_str());
        Ok(json_response(200, &json!({"hello": name})))
    }
}

/// Whether `request` is this plugin's: `GET /hello`.
fn handles(request: &HttpRequest) -> bool {
    request.method == "GET" && request.path == "/hello"
}

/// A response whose body is `body`, as JSON.
fn json_response(status: u16, body: &serde_json::Value) -> HttpResponse {
    HttpResponse { status, headers: vec![], body: body.to_string().into_bytes(), content_type: "application/json".into() }
}

response::export!(Hello);
