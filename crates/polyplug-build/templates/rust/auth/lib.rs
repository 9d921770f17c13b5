//! `{{name}}`: an auth plugin that lets in requests carrying the API key of
//! its configuration (`api-key`).

use std::cell::RefCell;

use polyplug_sdk::auth::{self, AuthDecision, Authenticator, Credentials, Denial, Plugin, PluginInfo, Principal, RequestContext};

thread_local! {
    static API_KEY: RefCell<String> = const { RefCell::new(String::new()) };
}

struct ApiKey;

impl Plugin for ApiKey {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Lets in requests carrying the API key its configuration holds".into(),
        }
    }

    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        let key = config.into_iter().find(|(k, _)| k == "api-key").map(|(_, v)| v);
        let key = key.filter(|k| !k.is_empty()).ok_or("set `api-key` in the plugin's configuration")?;
        API_KEY.with(|k| *k.borrow_mut() = key);
        Ok(())
    }
}

impl Authenticator for ApiKey {
    fn authenticate(_context: RequestContext, credentials: Credentials) -> Result<AuthDecision, String> {
        let deny = |reason: &str| AuthDecision::Deny(Denial { status: 401, reason: reason.into() });
        Ok(match credentials {
            Credentials::ApiKey(key) if API_KEY.with(|k| *k.borrow() == key) => {
                AuthDecision::Allow(Principal { id: "api-key".into(), roles: vec!["user".into()], claims: vec![] })
            }
            Credentials::ApiKey(_) => deny("invalid API key"),
            _ => deny("missing API key"),
        })
    }
}

auth::export!(ApiKey);
