//! Example `auth` plugin: API-key authentication against keys in its configuration.
//!
//! Configuration:
//!
//! | key | example | meaning |
//! |---|---|---|
//! | `api-keys` (required) | `k-123=alice,k-456=bob` | each key and the principal it authenticates |
//! | `roles.<principal>` | `roles.alice` = `admin,reader` | roles granted to a principal |
//!
//! The key comes from `api-key` credentials, or else from an `x-api-key`
//! request header. Keys are compared in constant time.

use std::cell::RefCell;

use polyplug_sdk::auth::{
    self, AuthDecision, Authenticator, Credentials, Denial, Plugin, PluginInfo, Principal, RequestContext, log,
};

#[derive(Default)]
struct Keys {
    /// (key, principal id, roles)
    entries: Vec<(String, String, Vec<String>)>,
}

thread_local! {
    static KEYS: RefCell<Keys> = RefCell::new(Keys::default());
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn parse(config: &[(String, String)]) -> Result<Keys, String> {
    let keys = config
        .iter()
        .find(|(k, _)| k == "api-keys")
        .map(|(_, v)| v.as_str())
        .ok_or("config key `api-keys` is missing; set it to `key=principal,…`")?;
    let mut entries = Vec::new();
    for entry in keys.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (key, principal) = entry
            .split_once('=')
            .ok_or_else(|| format!("config `api-keys`: entry `{entry}` is not `key=principal`"))?;
        let roles = config
            .iter()
            .find(|(k, _)| k.strip_prefix("roles.") == Some(principal.trim()))
            .map(|(_, v)| v.split(',').map(str::trim).filter(|r| !r.is_empty()).map(String::from).collect())
            .unwrap_or_default();
        entries.push((key.trim().to_string(), principal.trim().to_string(), roles));
    }
    if entries.is_empty() {
        return Err("config `api-keys` lists no keys; set it to `key=principal,…`".into());
    }
    if let Some((key, _)) = config.iter().find(|(k, _)| k != "api-keys" && !k.starts_with("roles.")) {
        return Err(format!("unknown config key `{key}`; known keys: api-keys, roles.<principal>"));
    }
    Ok(Keys { entries })
}

fn deny(status: u16, reason: &str) -> AuthDecision {
    AuthDecision::Deny(Denial { status, reason: reason.into() })
}

struct ApiKeyAuth;

impl Plugin for ApiKeyAuth {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "auth-rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "API-key authentication against keys in configuration".into(),
        }
    }

    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        let keys = parse(&config)?;
        log::log(log::Level::Debug, &format!("{} API keys configured", keys.entries.len()));
        KEYS.with(|k| *k.borrow_mut() = keys);
        Ok(())
    }
}

impl Authenticator for ApiKeyAuth {
    fn authenticate(context: RequestContext, credentials: Credentials) -> Result<AuthDecision, String> {
        let presented = match credentials {
            Credentials::ApiKey(key) => key,
            Credentials::None => match context.headers.iter().find(|(name, _)| name == "x-api-key") {
                Some((_, key)) => key.clone(),
                None => return Ok(deny(401, "an API key is required (x-api-key header)")),
            },
            Credentials::Bearer(_) | Credentials::Basic(_) => {
                return Ok(deny(401, "only API keys are accepted here"));
            }
        };
        let decision = KEYS.with(|keys| {
            // Check every key, so the time taken does not reveal which one matched.
            let mut found = None;
            for (key, principal, roles) in &keys.borrow().entries {
                if constant_time_eq(key.as_bytes(), presented.as_bytes()) {
                    found = Some((principal.clone(), roles.clone()));
                }
            }
            found
        });
        Ok(match decision {
            Some((id, roles)) => {
                log::log(log::Level::Info, &format!("{} {} allowed for {id}", context.method, context.path));
                AuthDecision::Allow(Principal { id, roles, claims: vec![("auth-method".into(), "api-key".into())] })
            }
            None => {
                log::log(log::Level::Warn, &format!("{} {} denied: unknown API key", context.method, context.path));
                deny(403, "unknown API key")
            }
        })
    }
}

auth::export!(ApiKeyAuth);
