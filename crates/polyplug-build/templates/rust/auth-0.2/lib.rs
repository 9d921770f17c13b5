//! `{{name}}`: an auth@0.2 plugin that lets in requests carrying the API key
//! of its configuration (`api-key`), in an `x-api-key` header or as a bearer
//! token, and abstains from every other request.

use std::cell::RefCell;

use polyplug_sdk::auth_0_2::{self, Allowed, AuthResult, Authenticator, HttpRequest, Identity, Plugin, PluginInfo, Refused};
use serde_json::json;

thread_local! {
    /// The API key from `init`; empty when the configuration has none.
    static API_KEY: RefCell<String> = const { RefCell::new(String::new()) };
}

struct ApiKey;

impl Plugin for ApiKey {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Lets in requests carrying the API key its configuration holds, as an x-api-key header or a bearer token".into(),
        }
    }

    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        // Without a key the plugin still loads: it says so when asked to decide (an error, not a denial).
        let key = config.into_iter().find(|(k, _)| k == "api-key").map(|(_, v)| v).unwrap_or_default();
        API_KEY.with(|k| *k.borrow_mut() = key);
        Ok(())
    }
}

impl Authenticator for ApiKey {
    fn supported_schemes() -> Vec<String> {
        vec!["api-key".into(), "bearer".into()]
    }

    fn authenticate(request: HttpRequest) -> Result<AuthResult, String> {
        let Some(key) = presented_key(&request) else {
            // Basic credentials, or none: not this plugin's to decide, the server asks the next one.
            return Ok(AuthResult::Abstain);
        };
        let expected = API_KEY.with(|k| k.borrow().clone());
        if expected.is_empty() {
            return Err("no api-key configured".into());
        }
        if key != expected {
            return Ok(AuthResult::Deny(Refused { status: 401, reason: "unknown API key".into() }));
        }
        let identity = Identity {
            id: "demo-user".into(),
            username: None,
            email: None,
            display_name: None,
            roles: vec!["reader".into()],
            groups: vec![],
            attributes: vec![],
        };
        // A claim's value is JSON text: the string `read` is `"read"`.
        Ok(AuthResult::Allow(Allowed { identity, claims: vec![("scope".into(), json!("read").to_string())] }))
    }
}

/// The API key `request` presents: its bearer token (`authorization: Bearer
/// <key>`), else its `x-api-key` header. Header names arrive lower case.
fn presented_key(request: &HttpRequest) -> Option<&str> {
    let header = |name: &str| request.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim());
    if let Some((scheme, token)) = header("authorization").and_then(|v| v.split_once(' '))
        && scheme.eq_ignore_ascii_case("bearer")
    {
        return Some(token.trim());
    }
    header("x-api-key")
}

auth_0_2::export!(ApiKey);
