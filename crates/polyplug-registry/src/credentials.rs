//! Registry credentials, from where container tools keep them: the
//! environment (`POLYPLUG_REGISTRY_USERNAME` and `POLYPLUG_REGISTRY_PASSWORD`,
//! for CI) first, then the Docker config file (`$DOCKER_CONFIG/config.json`,
//! else `~/.docker/config.json`, its `auths` entry for the registry, as
//! `docker login` writes it). Credential helpers (`credsStore`) are not run.
//! Credentials are never printed.

use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::RegistryError;

/// The user name's environment variable.
pub const USERNAME_VAR: &str = "POLYPLUG_REGISTRY_USERNAME";
/// The password's environment variable.
pub const PASSWORD_VAR: &str = "POLYPLUG_REGISTRY_PASSWORD";

/// A user and password for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user.
    pub username: String,
    /// The password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}:<hidden>)", self.username)
    }
}

/// The Docker config file this process would read: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
}

/// The credentials for `registry` (`host[:port]`) from this process's
/// environment and Docker config file; `None` means anonymous.
pub fn for_registry(registry: &str) -> Result<Option<Credentials>, RegistryError> {
    lookup(registry, |name| std::env::var(name).ok(), docker_config_path().as_deref())
}

/// [`for_registry`] with its inputs given: `env` reads a variable,
/// `docker_config` is the config file (absent: none).
pub fn lookup(registry: &str, env: impl Fn(&str) -> Option<String>, docker_config: Option<&Path>) -> Result<Option<Credentials>, RegistryError> {
    match (env(USERNAME_VAR), env(PASSWORD_VAR)) {
        (Some(username), Some(password)) => return Ok(Some(Credentials { username, password })),
        (Some(_), None) | (None, Some(_)) => {
            return Err(RegistryError::Credentials {
                registry: registry.into(),
                reason: format!("set both {USERNAME_VAR} and {PASSWORD_VAR}, or neither"),
            });
        }
        (None, None) => {}
    }
    let Some(path) = docker_config else { return Ok(None) };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(RegistryError::Io { path: path.to_path_buf(), source }),
    };
    let bad = |reason: String| RegistryError::Credentials { registry: registry.into(), reason: format!("{}: {reason}", path.display()) };
    let config: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON ({e})")))?;
    let auths = config.get("auths").and_then(|a| a.as_object());
    let entry = auths.and_then(|auths| {
        [registry.to_string(), format!("https://{registry}"), format!("http://{registry}"), format!("https://{registry}/v2/")]
            .iter()
            .find_map(|key| auths.get(key))
    });
    let Some(entry) = entry else {
        if config.get("credsStore").is_some() || config.get("credHelpers").is_some() {
            return Err(bad(format!(
                "has no `auths` entry for {registry} and polyplug does not run Docker credential helpers; set {USERNAME_VAR} and {PASSWORD_VAR}"
            )));
        }
        return Ok(None);
    };
    if let (Some(username), Some(password)) = (entry.get("username").and_then(|u| u.as_str()), entry.get("password").and_then(|p| p.as_str())) {
        return Ok(Some(Credentials { username: username.into(), password: password.into() }));
    }
    let encoded = entry.get("auth").and_then(|a| a.as_str()).ok_or_else(|| bad(format!("the `auths` entry for {registry} has no `auth`")))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| bad(format!("the `auth` of {registry} is not base64 of `user:password`")))?;
    let (username, password) =
        decoded.split_once(':').ok_or_else(|| bad(format!("the `auth` of {registry} is not base64 of `user:password`")))?;
    Ok(Some(Credentials { username: username.into(), password: password.into() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_environment_comes_first_and_must_be_complete() {
        let env = |name: &str| match name {
            USERNAME_VAR => Some("ci".to_string()),
            PASSWORD_VAR => Some("s3cret".to_string()),
            _ => None,
        };
        let found = lookup("ghcr.io", env, None).unwrap().unwrap();
        assert_eq!((found.username.as_str(), found.password.as_str()), ("ci", "s3cret"));
        assert_eq!(format!("{found:?}"), "Credentials(ci:<hidden>)", "the password is never printed");
        let half = |name: &str| (name == USERNAME_VAR).then(|| "ci".to_string());
        let err = lookup("ghcr.io", half, None).unwrap_err().to_string();
        assert!(err.contains("set both POLYPLUG_REGISTRY_USERNAME and POLYPLUG_REGISTRY_PASSWORD, or neither"), "{err}");
        assert!(!err.contains("ci"), "{err}");
    }

    #[test]
    fn the_docker_config_file_is_read_as_docker_login_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("ada:pa:ss");
        std::fs::write(&path, format!(r#"{{"auths": {{"127.0.0.1:5000": {{"auth": "{auth}"}}, "https://ghcr.io": {{"auth": "{auth}"}}}}}}"#)).unwrap();
        let found = lookup("127.0.0.1:5000", none, Some(&path)).unwrap().unwrap();
        assert_eq!((found.username.as_str(), found.password.as_str()), ("ada", "pa:ss"));
        assert!(lookup("ghcr.io", none, Some(&path)).unwrap().is_some(), "an https:// key matches");
        assert!(lookup("quay.io", none, Some(&path)).unwrap().is_none(), "anonymous elsewhere");
        assert!(lookup("quay.io", none, Some(&dir.path().join("absent.json"))).unwrap().is_none());

        std::fs::write(&path, r#"{"credsStore": "desktop"}"#).unwrap();
        let err = lookup("quay.io", none, Some(&path)).unwrap_err().to_string();
        assert!(err.contains("polyplug does not run Docker credential helpers; set POLYPLUG_REGISTRY_USERNAME"), "{err}");
    }
}
