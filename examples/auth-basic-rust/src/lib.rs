//! Example `auth@0.2` plugin: HTTP basic authentication against users in
//! its configuration.
//!
//! Configuration:
//!
//! | key | example | meaning |
//! |---|---|---|
//! | `user.<name>` | `user.ada` = `correct horse` | a user and their password |
//! | `roles.<name>` | `roles.ada` = `admin,reader` | roles granted to a user |
//! | `realm` | `mock-api` | the realm a refusal names (default `polyplug`) |
//!
//! A request without basic credentials is not this plugin's to decide: it
//! abstains, and the server asks the next plugin of its chain. Passwords are
//! compared in constant time and never logged.

use std::cell::RefCell;
use std::collections::BTreeMap;

use base64::Engine as _;
use polyplug_sdk::auth_0_2::{self, Allowed, AuthResult, Authenticator, HttpRequest, Identity, Plugin, PluginInfo, Refused};

#[derive(Default)]
struct Users {
    /// name → (password, roles)
    entries: BTreeMap<String, (String, Vec<String>)>,
    realm: String,
}

thread_local! {
    static USERS: RefCell<Users> = RefCell::new(Users::default());
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Basic;

impl Plugin for Basic {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "auth-basic-rust".into(),
            version: "0.1.0".into(),
            description: "HTTP basic authentication against users in configuration".into(),
        }
    }

    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        let mut users = Users { realm: "polyplug".into(), ..Users::default() };
        let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, value) in config {
            if let Some(name) = key.strip_prefix("user.") {
                users.entries.insert(name.to_string(), (value, Vec::new()));
            } else if let Some(name) = key.strip_prefix("roles.") {
                roles.insert(name.to_string(), value.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::to_string).collect());
            } else if key == "realm" {
                users.realm = value;
            } else {
                return Err(format!("unknown config key `{key}`; known keys: user.<name>, roles.<name>, realm"));
            }
        }
        for (name, granted) in roles {
            let Some(entry) = users.entries.get_mut(&name) else {
                return Err(format!("`roles.{name}` names no user; add `user.{name}` first"));
            };
            entry.1 = granted;
        }
        if users.entries.is_empty() {
            return Err("no users: add `user.<name> = <password>` entries".into());
        }
        USERS.with(|u| *u.borrow_mut() = users);
        Ok(())
    }
}

impl Authenticator for Basic {
    fn supported_schemes() -> Vec<String> {
        vec!["basic".into()]
    }

    fn authenticate(request: HttpRequest) -> Result<AuthResult, String> {
        let header = request.headers.iter().find(|(name, _)| name == "authorization").map(|(_, value)| value.as_str());
        let Some(encoded) = header.and_then(|h| h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic "))) else {
            return Ok(AuthResult::Abstain);
        };
        let refuse = |reason: &str| {
            let realm = USERS.with(|u| u.borrow().realm.clone());
            AuthResult::Deny(Refused { status: 401, reason: format!("{reason} (realm `{realm}`)") })
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return Ok(refuse("the basic credentials are not base64"));
        };
        let Some((name, password)) = std::str::from_utf8(&decoded).ok().and_then(|text| text.split_once(':')) else {
            return Ok(refuse("the basic credentials are not `user:password`"));
        };
        let known = USERS.with(|u| u.borrow().entries.get(name).cloned());
        match known {
            Some((expected, roles)) if constant_time_eq(expected.as_bytes(), password.as_bytes()) => Ok(AuthResult::Allow(Allowed {
                identity: Identity {
                    id: name.to_string(),
                    username: Some(name.to_string()),
                    email: None,
                    display_name: None,
                    roles,
                    groups: Vec::new(),
                    attributes: Vec::new(),
                },
                claims: vec![("scheme".into(), "\"basic\"".into())],
            })),
            _ => Ok(refuse("wrong user name or password")),
        }
    }
}

auth_0_2::export!(Basic);
