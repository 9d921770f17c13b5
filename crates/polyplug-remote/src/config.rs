//! How an operator registers a remote plugin: endpoints, expected world,
//! auth and TLS, which functions are idempotent, retries, breaker, health
//! checks, failure policy and limits (`docs/remote-plugins.md`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value as Json;

/// One remote plugin's registration.
///
/// ```
/// let config: polyplug_remote::RemoteConfig = toml::from_str(r#"
///     world = "auth"
///     endpoints = ["http://127.0.0.1:9000", "http://127.0.0.1:9001"]
///     timeout-ms = 800
///     idempotent = ["authenticator/authenticate"]
///     fail-open = { "authenticator/authenticate" = { tag = "ok", val = { tag = "deny", val = { reason = "auth unavailable" } } } }
/// "#).unwrap();
/// assert_eq!(config.endpoints.len(), 2);
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RemoteConfig {
    /// The world the plugin must implement (short or full name).
    pub world: String,
    /// Base URLs of the plugin's endpoints (`http://host:port` or `https://…`).
    pub endpoints: Vec<String>,
    /// The deadline of each call, all attempts together.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// The environment variable holding the API key sent as `Authorization: Bearer`.
    /// (Keys are read from the environment, never written in this file.)
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// TLS: the pinned CA, and the client certificate for mutual TLS.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Speak HTTP/2 without TLS (prior knowledge); over TLS, HTTP/2 is negotiated.
    #[serde(default)]
    pub http2: bool,
    /// Functions (`interface/function`) that may run twice for one call, beyond those the plugin's describe lists.
    #[serde(default)]
    pub idempotent: Vec<String>,
    /// Retries of idempotent calls.
    #[serde(default)]
    pub retry: RetryConfig,
    /// The circuit breaker of each endpoint.
    #[serde(default)]
    pub breaker: BreakerConfig,
    /// Health checks of each endpoint.
    #[serde(default)]
    pub health: HealthConfig,
    /// Fail-open: per function, the value answered when a call fails (in the JSON mapping).
    /// Functions not listed fail closed.
    #[serde(default)]
    pub fail_open: BTreeMap<String, Json>,
    /// Calls running at once; more wait (up to the deadline).
    #[serde(default = "default_concurrency")]
    pub concurrency: u64,
    /// Calls per second; `None` for no limit.
    #[serde(default)]
    pub calls_per_second: Option<u64>,
}

/// TLS settings of a remote plugin.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TlsConfig {
    /// PEM file of the CA that signs the plugin's server certificate; the only one trusted.
    pub ca: PathBuf,
    /// PEM file of the host's client certificate (mutual TLS).
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// PEM file of its private key.
    #[serde(default)]
    pub key: Option<PathBuf>,
}

/// Retries of idempotent calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetryConfig {
    /// Attempts per call, the first included.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Retries allowed as a percentage of recent calls (plus 10 per second).
    #[serde(default = "default_budget")]
    pub budget_percent: u32,
}

/// The circuit breaker of each endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BreakerConfig {
    /// Consecutive failures that open it.
    #[serde(default = "default_failures")]
    pub failures: u32,
    /// How long it stays open before a probe.
    #[serde(default = "default_open_ms")]
    pub open_ms: u64,
}

/// Health checks of each endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HealthConfig {
    /// Time between checks.
    #[serde(default = "default_interval_ms")]
    pub interval_ms: u64,
    /// How long a check may take.
    #[serde(default = "default_check_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    5_000
}
fn default_concurrency() -> u64 {
    64
}
fn default_attempts() -> u32 {
    3
}
fn default_budget() -> u32 {
    20
}
fn default_failures() -> u32 {
    5
}
fn default_open_ms() -> u64 {
    5_000
}
fn default_interval_ms() -> u64 {
    2_000
}
fn default_check_timeout_ms() -> u64 {
    1_000
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig { max_attempts: default_attempts(), budget_percent: default_budget() }
    }
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig { failures: default_failures(), open_ms: default_open_ms() }
    }
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig { interval_ms: default_interval_ms(), timeout_ms: default_check_timeout_ms() }
    }
}

impl RemoteConfig {
    /// A configuration with the defaults, for `world` at `endpoints`.
    pub fn new(world: impl Into<String>, endpoints: impl IntoIterator<Item = impl Into<String>>) -> RemoteConfig {
        RemoteConfig {
            world: world.into(),
            endpoints: endpoints.into_iter().map(Into::into).collect(),
            timeout_ms: default_timeout_ms(),
            api_key_env: None,
            tls: None,
            http2: false,
            idempotent: Vec::new(),
            retry: RetryConfig::default(),
            breaker: BreakerConfig::default(),
            health: HealthConfig::default(),
            fail_open: BTreeMap::new(),
            concurrency: default_concurrency(),
            calls_per_second: None,
        }
    }

    /// The deadline of each call.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}
