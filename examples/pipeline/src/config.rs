//! `pipeline.yaml`: where messages come from and go to, the plugins that
//! convert and filter them, the tenants, and how failures are handled.
//!
//! Subjects are per tenant: an integration `orders` with a NATS source
//! stage `in` reads `<tenant>.orders.in` for every configured tenant,
//! publishes its sink stage `out` to `<tenant>.orders.out`, and its dead
//! letters to `<tenant>.orders.dead`. An HTTP source `/orders` is served at
//! `POST /<tenant>/orders`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the HTTP sources are served, if any integration has one.
    #[serde(default)]
    pub http: Option<Http>,
    /// The NATS server, if any integration reads or writes a subject (dead
    /// letters too).
    #[serde(default)]
    pub nats: Option<Nats>,
    /// The plugins.
    pub plugins: Plugins,
    /// The tenants served (ids as they appear in subjects and paths).
    pub tenants: Vec<String>,
    /// The integrations, each a chain of plugins between sources and sinks.
    pub integrations: Vec<Integration>,
}

/// The HTTP listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    /// `host:port` (port 0 picks one).
    pub listen: String,
}

/// The NATS connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Nats {
    /// The server, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// The queue group the pipeline's replicas share: NATS hands each
    /// message of a source subject to one of them.
    #[serde(default = "default_queue_group")]
    pub queue_group: String,
    /// Read and write through JetStream: a message is acknowledged only
    /// once it has reached every sink (or the dead-letter subject), so
    /// delivery survives a restart of the pipeline. Without it, core NATS:
    /// at most once.
    #[serde(default)]
    pub jetstream: bool,
    /// With JetStream: how long a message may stay unacknowledged before
    /// the server delivers it again (to this replica or another).
    #[serde(default = "default_ack_wait_ms")]
    pub ack_wait_ms: u64,
}

fn default_queue_group() -> String {
    "pipeline".into()
}

fn default_ack_wait_ms() -> u64 {
    30_000
}

/// Where the plugins are and what they may reach.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plugins {
    /// The plugin directory (a plugin's key is its file name without
    /// `.wasm`), watched: a replaced plugin serves the next message.
    pub dir: PathBuf,
    /// The operator's policy: grants per plugin, budgets per tenant (`[tenants.<id>]`).
    pub policy: PathBuf,
    /// The secrets file (`[secrets]` and `[tenants.<id>]` tables), if plugins read secrets.
    pub secrets: Option<PathBuf>,
    /// Configuration per plugin key; values may refer to secrets as `${SECRET:name}`.
    #[serde(default)]
    pub config: BTreeMap<String, BTreeMap<String, String>>,
    /// Remote plugins by step key: a polyplug plugins file whose
    /// `[plugins.<key>]` tables give each one's `world` and `endpoints`
    /// (`docs/remote-plugins.md`). A key here is not looked up in `dir`.
    /// A remote plugin holds its own secrets: tenants reach it as the
    /// envelope's `tenant-id`, not as a separate instance.
    pub remote: Option<PathBuf>,
    /// Where compiled plugins are cached (default: polyplug's).
    pub cache: Option<PathBuf>,
}

/// One integration: messages from its sources go through its steps to its sinks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Integration {
    /// Its name: the middle of its subjects, e.g. `orders`.
    pub name: String,
    /// Where its messages come from.
    pub sources: Vec<Source>,
    /// The plugins each message goes through, in order, by key.
    pub steps: Vec<String>,
    /// Where a message that passed every step goes (all of them).
    pub sinks: Vec<Sink>,
    /// The stage of the dead-letter subject (`<tenant>.<name>.<stage>`):
    /// a message rejected or failed after its retries goes there, with the
    /// reason attached.
    #[serde(default = "default_dead_letter")]
    pub dead_letter: String,
    /// How many times a failed step or sink is tried again before the
    /// message is dead-lettered.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// How long a message is worth delivering, from when it entered.
    #[serde(default = "default_ttl_seconds")]
    pub ttl_seconds: u64,
}

fn default_dead_letter() -> String {
    "dead".into()
}

fn default_retries() -> u32 {
    2
}

/// The platform's default: 15 minutes.
fn default_ttl_seconds() -> u64 {
    15 * 60
}

/// A source of messages: `{ http: /orders }` or `{ nats: in }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Endpoint")]
pub enum Source {
    /// `POST /<tenant><path>`; the response says what became of the message.
    Http(String),
    /// The subject `<tenant>.<integration>.<stage>` of every tenant.
    Nats(String),
}

/// A destination of messages: `{ http: "https://…" }` or `{ nats: out }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Endpoint")]
pub enum Sink {
    /// `POST` of the payload to this URL (a non-2xx answer is a failure, retried).
    Http(String),
    /// A publish to `<tenant>.<integration>.<stage>`.
    Nats(String),
}

/// A source or sink as written: exactly one of its keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Endpoint {
    http: Option<String>,
    nats: Option<String>,
}

impl Endpoint {
    fn one(self) -> Result<(bool, String), String> {
        match (self.http, self.nats) {
            (Some(http), None) => Ok((true, http)),
            (None, Some(nats)) => Ok((false, nats)),
            _ => Err("give exactly one of `http` and `nats`, e.g. `{ http: /orders }` or `{ nats: in }`".into()),
        }
    }
}

impl TryFrom<Endpoint> for Source {
    type Error = String;

    fn try_from(endpoint: Endpoint) -> Result<Source, String> {
        Ok(match endpoint.one()? {
            (true, path) => Source::Http(path),
            (false, stage) => Source::Nats(stage),
        })
    }
}

impl TryFrom<Endpoint> for Sink {
    type Error = String;

    fn try_from(endpoint: Endpoint) -> Result<Sink, String> {
        Ok(match endpoint.one()? {
            (true, url) => Sink::Http(url),
            (false, stage) => Sink::Nats(stage),
        })
    }
}

impl Config {
    /// Reads `path`; relative paths in it are relative to its directory.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut config: Config = serde_yaml_ng::from_str(&text).with_context(|| format!("{} is not a pipeline configuration", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let plugins = &mut config.plugins;
        for path in [Some(&mut plugins.dir), Some(&mut plugins.policy), plugins.secrets.as_mut(), plugins.cache.as_mut(), plugins.remote.as_mut()].into_iter().flatten() {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        config.check().with_context(|| format!("in {}", path.display()))?;
        Ok(config)
    }

    /// What cannot work, said before anything starts.
    fn check(&self) -> Result<()> {
        let token = |what: &str, text: &str| -> Result<()> {
            if text.is_empty() || text.contains(['.', '*', '>', ' ', '/']) {
                bail!("{what} `{text}` cannot be part of a subject: use letters, digits, `-` and `_`");
            }
            Ok(())
        };
        for tenant in &self.tenants {
            token("the tenant", tenant)?;
        }
        for integration in &self.integrations {
            token("the integration", &integration.name)?;
            token("the dead-letter stage", &integration.dead_letter)?;
            for source in &integration.sources {
                match source {
                    Source::Http(path) if !path.starts_with('/') => bail!("integration `{}`: the HTTP source `{path}` must start with `/`", integration.name),
                    Source::Http(_) if self.http.is_none() => bail!("integration `{}` has an HTTP source, but there is no `http: {{ listen: … }}`", integration.name),
                    Source::Nats(stage) => token("the stage", stage)?,
                    Source::Http(_) => {}
                }
            }
            for sink in &integration.sinks {
                if let Sink::Nats(stage) = sink {
                    token("the stage", stage)?;
                }
            }
            // Without NATS, dead letters have nowhere to go: a message that cannot be delivered is refused to its HTTP sender instead.
            let uses_nats = integration.sources.iter().any(|s| matches!(s, Source::Nats(_))) || integration.sinks.iter().any(|s| matches!(s, Sink::Nats(_)));
            if uses_nats && self.nats.is_none() {
                bail!("integration `{}` reads or writes NATS subjects, but there is no `nats: {{ url: … }}`", integration.name);
            }
            if integration.steps.is_empty() {
                bail!("integration `{}` has no steps", integration.name);
            }
        }
        Ok(())
    }

    /// The subject of `stage` of `integration` for `tenant`.
    pub fn subject(tenant: &str, integration: &str, stage: &str) -> String {
        format!("{tenant}.{integration}.{stage}")
    }
}
