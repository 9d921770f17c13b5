//! `mock.yaml`: what the server listens on, where its plugins are, and its
//! routes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `host:port` to listen on (default `127.0.0.1:8080`; port 0 picks one).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The plugins.
    pub plugins: Plugins,
    /// Modifiers applied to every response, in order (plugin keys).
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// The routes, first match wins.
    pub routes: Vec<Route>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

/// Where the plugins are and what they are granted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plugins {
    /// The plugin directory (each plugin's key is its file name without
    /// `.wasm`), watched: a changed file is reloaded while requests flow.
    pub dir: PathBuf,
    /// The operator's policy file (`docs/security.md`).
    pub policy: PathBuf,
    /// Configuration per plugin key.
    #[serde(default)]
    pub config: BTreeMap<String, BTreeMap<String, String>>,
    /// Remote plugins, by key: a polyplug plugins file whose
    /// `[plugins.<key>]` tables give each one's `world` and `endpoints`
    /// (`docs/remote-plugins.md`). A key here is not looked up in `dir`.
    pub remote: Option<PathBuf>,
    /// Where compiled plugins are cached (default: polyplug's,
    /// `$POLYPLUG_CACHE_DIR` or `~/.cache/polyplug`).
    pub cache: Option<PathBuf>,
}

/// One route: a method and a path, who may call it and what answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// `GET`, `POST`, … (`ANY` for every method).
    pub method: String,
    /// The path, with parameters in braces: `/users/{id}`.
    pub path: String,
    /// The auth chain: asked in order, the first that decides wins; when
    /// none lets the request through, it is refused with 401.
    #[serde(default)]
    pub auth: Vec<AuthStep>,
    /// Response plugins: of those whose `can-handle` says yes, the highest
    /// priority answers.
    #[serde(default)]
    pub responders: Vec<String>,
    /// A static response, its body's `{{…}}` expressions resolved.
    pub response: Option<StaticResponse>,
    /// Rows from a datasource plugin, answered as a JSON array of objects.
    pub data: Option<DataQuery>,
    /// Headers added to every answer of the route, whatever answers it, their
    /// `{{…}}` expressions resolved as in a body: `x-order-id: '{{text.id "orders" path.id}}'`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// One plugin of an auth chain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuthStep {
    /// The plugin's key.
    pub plugin: String,
    /// What a failure of the plugin (a trap, a deadline, "could not decide")
    /// means: `closed` (default) answers 503, `open` asks the next plugin.
    #[serde(default)]
    pub on_failure: FailurePolicy,
}

/// See [`AuthStep::on_failure`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailurePolicy {
    /// Refuse the request (503).
    #[default]
    Closed,
    /// Ask the next plugin as if this one had abstained.
    Open,
}

/// A response written in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StaticResponse {
    /// The status (default 200).
    #[serde(default = "ok")]
    pub status: u16,
    /// The media type (default `application/json`).
    #[serde(default = "json")]
    pub content_type: String,
    /// Extra headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body; `{{path.id}}`, `{{query.page}}`, `{{caller.id}}` and
    /// `{{function arg…}}` (a template plugin's function) are resolved.
    #[serde(default)]
    pub body: String,
}

fn ok() -> u16 {
    200
}

fn json() -> String {
    "application/json".into()
}

/// A datasource query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataQuery {
    /// The datasource plugin's key.
    pub plugin: String,
    /// The source it opens.
    pub source: String,
    /// The query, in the plugin's language (default `*`).
    #[serde(default = "everything")]
    pub query: String,
    /// Its parameters, each an expression as in a body (`path.id`, `"text"`, `42`).
    #[serde(default)]
    pub params: Vec<String>,
}

fn everything() -> String {
    "*".into()
}

impl Config {
    /// The configuration in `path`; relative paths in it are relative to its directory.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut config: Config = serde_yaml_ng::from_str(&text).with_context(|| format!("{} is not a mock-server configuration", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for file in [&mut config.plugins.dir, &mut config.plugins.policy].into_iter().chain(config.plugins.remote.as_mut()) {
            if file.is_relative() {
                *file = base.join(&*file);
            }
        }
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<()> {
        for (i, route) in self.routes.iter().enumerate() {
            let name = format!("route {} ({} {})", i + 1, route.method, route.path);
            let answers = usize::from(!route.responders.is_empty()) + usize::from(route.response.is_some()) + usize::from(route.data.is_some());
            if answers != 1 {
                bail!("{name}: say what answers it: exactly one of `responders`, `response` or `data`");
            }
            if !route.path.starts_with('/') {
                bail!("{name}: the path must start with `/`");
            }
        }
        Ok(())
    }
}
