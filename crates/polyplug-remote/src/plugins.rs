//! A host's plugin configuration, where each plugin is a local component or
//! a remote service, by the operator's choice; the host opens each one as a
//! [`Backend`] and calls it the same way either way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polyplug_host::{Backend, Host};

use crate::client::{RemoteClient, RemoteError};
use crate::config::RemoteConfig;

/// One plugin of a [`Plugins`] file.
#[derive(Debug, Clone)]
pub enum PluginEntry {
    /// A component file, loaded in this process.
    Local {
        /// The world it must implement.
        world: String,
        /// The `.wasm` file (relative paths are relative to the configuration file).
        path: PathBuf,
        /// Its configuration entries.
        config: BTreeMap<String, String>,
    },
    /// A remote service.
    Remote(RemoteConfig),
}

/// The plugins a host application runs, by name: `[plugins.<name>]` tables,
/// each with `world` and either `path` (a local component, with optional
/// `config`) or `endpoints` (a remote plugin, with the keys of [`RemoteConfig`]).
///
/// ```
/// let plugins = polyplug_remote::Plugins::from_toml(r#"
///     [plugins.auth]
///     world = "auth"
///     path = "plugins/auth-go-jwt.wasm"
///     config = { secret = "dev-only" }
///
///     [plugins.auth-oauth]
///     world = "auth"
///     endpoints = ["http://127.0.0.1:9000"]
///     timeout-ms = 500
/// "#, "plugins.toml", std::path::Path::new(".")).unwrap();
/// assert_eq!(plugins.names(), ["auth", "auth-oauth"]);
/// ```
#[derive(Debug, Clone)]
pub struct Plugins {
    entries: BTreeMap<String, PluginEntry>,
}

impl Plugins {
    /// Reads the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Plugins, RemoteError> {
        let text = std::fs::read_to_string(path).map_err(|e| RemoteError::Config {
            plugin: "*".into(),
            message: format!("cannot read the plugin configuration `{}`: {e}", path.display()),
        })?;
        Plugins::from_toml(&text, &path.display().to_string(), path.parent().unwrap_or(Path::new(".")))
    }

    /// Parses a configuration; `origin` names it in errors, relative paths are relative to `base`.
    pub fn from_toml(text: &str, origin: &str, base: &Path) -> Result<Plugins, RemoteError> {
        let fail = |plugin: &str, message: String| RemoteError::Config { plugin: plugin.to_string(), message: format!("{message} (in {origin})") };
        let table: toml::Table = toml::from_str(text).map_err(|e| fail("*", format!("the configuration does not parse: {e}")))?;
        let mut entries = BTreeMap::new();
        for (key, value) in table {
            if key != "plugins" {
                return Err(fail("*", format!("unknown table `{key}`; plugins go under `[plugins.<name>]`")));
            }
            let toml::Value::Table(plugins) = value else { return Err(fail("*", "`plugins` must be a table".into())) };
            for (name, entry) in plugins {
                let toml::Value::Table(mut entry) = entry else {
                    return Err(fail(&name, format!("`plugins.{name}` must be a table")));
                };
                let parsed = if entry.contains_key("path") && entry.contains_key("endpoints") {
                    return Err(fail(&name, "it has both `path` (local) and `endpoints` (remote); keep one".into()));
                } else if let Some(path) = entry.remove("path") {
                    let world = entry.remove("world").and_then(|w| w.as_str().map(str::to_string)).ok_or_else(|| fail(&name, "it needs `world = \"<world>\"`".into()))?;
                    let path = path.as_str().map(|p| base.join(p)).ok_or_else(|| fail(&name, "`path` must be a string".into()))?;
                    let config = match entry.remove("config") {
                        None => BTreeMap::new(),
                        Some(config) => config.try_into().map_err(|e| fail(&name, format!("`config` must be a table of strings: {e}")))?,
                    };
                    if let Some(other) = entry.keys().next() {
                        return Err(fail(&name, format!("a local plugin takes `world`, `path` and `config`, not `{other}`")));
                    }
                    PluginEntry::Local { world, path, config }
                } else if entry.contains_key("endpoints") {
                    let mut config: RemoteConfig =
                        toml::Value::Table(entry).try_into().map_err(|e| fail(&name, format!("its remote settings: {e}")))?;
                    if let Some(tls) = &mut config.tls {
                        tls.ca = base.join(&tls.ca);
                        tls.cert = tls.cert.as_ref().map(|p| base.join(p));
                        tls.key = tls.key.as_ref().map(|p| base.join(p));
                    }
                    PluginEntry::Remote(config)
                } else {
                    return Err(fail(&name, "it needs `path = \"<file>.wasm\"` (a local plugin) or `endpoints = [\"http://…\"]` (a remote one)".into()));
                };
                entries.insert(name, parsed);
            }
        }
        Ok(Plugins { entries })
    }

    /// The plugins' names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.entries.keys().map(String::as_str).collect()
    }

    /// The entry of plugin `name`.
    pub fn entry(&self, name: &str) -> Option<&PluginEntry> {
        self.entries.get(name)
    }

    fn find(&self, name: &str) -> Result<&PluginEntry, RemoteError> {
        self.entries.get(name).ok_or_else(|| RemoteError::Config {
            plugin: name.to_string(),
            message: format!("no such plugin in the configuration; it has: {}", self.names().join(", ")),
        })
    }

    /// Opens plugin `name` on `host`: loads its component, or registers the remote service.
    pub async fn open(&self, name: &str, host: &Host) -> Result<Backend, RemoteError> {
        match self.find(name)? {
            PluginEntry::Local { world, path, config } => open_local(host, world, path, config),
            PluginEntry::Remote(config) => Ok(Backend::from(RemoteClient::connect(name, config.clone(), host.catalog()).await?.into_plugin())),
        }
    }

    /// [`Plugins::open`] for a synchronous host (not from inside an async task).
    pub fn open_blocking(&self, name: &str, host: &Host) -> Result<Backend, RemoteError> {
        match self.find(name)? {
            PluginEntry::Local { world, path, config } => open_local(host, world, path, config),
            PluginEntry::Remote(config) => Ok(Backend::from(RemoteClient::connect_blocking(name, config.clone(), host.catalog())?.into_plugin())),
        }
    }

}

fn open_local(host: &Host, world: &str, path: &Path, config: &BTreeMap<String, String>) -> Result<Backend, RemoteError> {
    Ok(Backend::from(host.loader(path).world(world).config(config.clone()).load()?))
}

/// One plugin of a [`Plugins`] file, connected on first use and again after
/// it could not be reached: what a server keeps per remote plugin, so that
/// one down at start (or gone since) is retried by a later request, at most
/// once per `retry_after` (calls in between fail at once with the last
/// reason, which names the plugin and each endpoint's failure).
pub struct Reconnecting {
    plugins: std::sync::Arc<Plugins>,
    name: String,
    retry_after: std::time::Duration,
    state: tokio::sync::Mutex<Connection>,
}

enum Connection {
    Up(Backend),
    Down { reason: String, since: Option<std::time::Instant> },
}

impl Reconnecting {
    /// Plugin `name` of `plugins`, not connected yet.
    pub fn new(plugins: std::sync::Arc<Plugins>, name: &str, retry_after: std::time::Duration) -> Reconnecting {
        Reconnecting { plugins, name: name.to_string(), retry_after, state: tokio::sync::Mutex::new(Connection::Down { reason: String::new(), since: None }) }
    }

    /// The connected plugin, connecting first if it is not (and was not tried
    /// in the last `retry_after`); the reason when it cannot be reached.
    pub async fn backend(&self, host: &Host) -> Result<Backend, String> {
        let mut state = self.state.lock().await;
        match &*state {
            Connection::Up(backend) => return Ok(backend.clone()),
            Connection::Down { reason, since: Some(since) } if since.elapsed() < self.retry_after => return Err(reason.clone()),
            Connection::Down { .. } => {}
        }
        match self.plugins.open(&self.name, host).await {
            Ok(backend) => {
                *state = Connection::Up(backend.clone());
                Ok(backend)
            }
            Err(e) => {
                let reason = e.to_string();
                *state = Connection::Down { reason: reason.clone(), since: Some(std::time::Instant::now()) };
                Err(reason)
            }
        }
    }
}
