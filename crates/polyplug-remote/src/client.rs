//! The client side: a remote service as a plugin ([`RemoteClient`], a
//! [`RemotePlugin`] behind [`polyplug_host::Backend`]).
//!
//! The client owns a small tokio runtime for its health checks and for
//! blocking calls; an async call made on a tokio runtime runs on that
//! runtime, without a hop (reqwest's pool serves both).

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use polyplug_host::{CallFuture, Code, EndpointStats, Error, RemotePlugin, RemoteStats, Result};
use polyplug_limits::{CallGate, Limits};
use polyplug_wit::Catalog;
use serde_json::Value as Json;

use crate::breaker::Breaker;
use crate::config::RemoteConfig;
use crate::protocol::{self, Answer, Describe, Failure, Health};
use crate::world::RemoteWorld;

/// Why a remote plugin could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The configuration cannot be used.
    #[error("remote plugin `{plugin}`: {message}")]
    Config {
        /// The plugin.
        plugin: String,
        /// What is wrong and what to change.
        message: String,
    },
    /// An endpoint serves another world than the one expected.
    #[error("remote plugin `{plugin}` at {endpoint} does not implement the world the host expects ({world}): {difference}")]
    World {
        /// The plugin.
        plugin: String,
        /// The endpoint's URL.
        endpoint: String,
        /// The world expected.
        world: String,
        /// What differs.
        difference: String,
    },
    /// A local plugin of the configuration did not load.
    #[error(transparent)]
    Local(#[from] Error),
    /// No endpoint answered its describe.
    #[error(
        "remote plugin `{plugin}`: no endpoint could be described: {}\nhint: start the service, or check the endpoints, API key and TLS settings in its configuration",
        .failures.join("; ")
    )]
    Unreachable {
        /// The plugin.
        plugin: String,
        /// Each endpoint and why it failed.
        failures: Vec<String>,
    },
}

/// A remote plugin: a service implementing a WIT world over the protocol of
/// `docs/remote-protocol.md`, called like a local plugin.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use polyplug_remote::{RemoteClient, RemoteConfig};
///
/// let config = RemoteConfig::new("transform", ["http://127.0.0.1:9000"]);
/// let remote = RemoteClient::connect("csv", config, &polyplug_wit::Catalog::builtin()).await?;
/// let transform = polyplug_host::Backend::from(remote.into_plugin());
/// # Ok(()) }
/// ```
pub struct RemoteClient {
    inner: Arc<Inner>,
    runtime: Option<tokio::runtime::Runtime>,
}

struct Inner {
    name: String,
    world: RemoteWorld,
    config: RemoteConfig,
    http: reqwest::Client,
    authorization: Option<reqwest::header::HeaderValue>,
    endpoints: Vec<Endpoint>,
    next: AtomicUsize,
    /// The operator's idempotent functions and those the plugin's describes
    /// claim; set once, when the endpoints are first described.
    idempotent: std::sync::OnceLock<HashSet<String>>,
    gate: CallGate,
    stats: Stats,
    retry_budget: Mutex<RetryBudget>,
}

struct Endpoint {
    url: String,
    wire: Wire,
    healthy: AtomicBool,
    /// `SERVING` answers in a row while out of rotation.
    streak: AtomicU32,
    breaker: Breaker,
    attempts: AtomicU64,
    failures: AtomicU64,
}

impl Endpoint {
    fn new(url: &str, config: &RemoteConfig) -> Result<Endpoint, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
        let wire = match parsed.scheme() {
            "grpc" | "grpcs" => grpc_wire(&parsed, config)?,
            _ => Wire::Http,
        };
        Ok(Endpoint {
            url: url.trim_end_matches('/').to_string(),
            wire,
            healthy: AtomicBool::new(false),
            streak: AtomicU32::new(0),
            breaker: Breaker::new(config.breaker.failures, Duration::from_millis(config.breaker.open_ms)),
            attempts: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        })
    }
}

/// How an endpoint is reached: HTTP/JSON (`http://`, `https://`) or gRPC (`grpc://`, `grpcs://`).
enum Wire {
    Http,
    Grpc(Box<GrpcClients>),
}

/// An endpoint's gRPC clients, over one lazily connected channel.
struct GrpcClients {
    plugin: crate::grpc::pb::plugin_client::PluginClient<tonic::transport::Channel>,
    health: tonic_health::pb::health_client::HealthClient<tonic::transport::Channel>,
}

/// A gRPC channel to `url` (`grpc://host:port` or `grpcs://…`), connected lazily.
fn grpc_wire(url: &reqwest::Url, config: &RemoteConfig) -> Result<Wire, String> {
    let authority = format!("{}:{}", url.host_str().unwrap_or_default(), url.port().unwrap_or(if url.scheme() == "grpcs" { 443 } else { 80 }));
    let scheme = if url.scheme() == "grpcs" { "https" } else { "http" };
    let mut endpoint = tonic::transport::Endpoint::from_shared(format!("{scheme}://{authority}"))
        .map_err(|e| format!("the endpoint `{url}` is not usable: {e}"))?
        .tcp_nodelay(true)
        // HTTP/2's default 64 KiB windows would stall a big argument on window updates.
        .initial_stream_window_size(8 << 20)
        .initial_connection_window_size(16 << 20)
        .connect_timeout(config.timeout());
    if scheme == "https" {
        let tls = config.tls.as_ref().ok_or_else(|| format!("the endpoint `{url}` uses TLS but no CA is pinned; add `tls = {{ ca = \"ca.pem\" }}`"))?;
        let read = |path: &std::path::Path| std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()));
        let mut client = tonic::transport::ClientTlsConfig::new().ca_certificate(tonic::transport::Certificate::from_pem(read(&tls.ca)?));
        if let (Some(cert), Some(key)) = (&tls.cert, &tls.key) {
            client = client.identity(tonic::transport::Identity::from_pem(read(cert)?, read(key)?));
        }
        endpoint = endpoint.tls_config(client).map_err(|e| format!("its TLS settings: {e}"))?;
    }
    let channel = endpoint.connect_lazy();
    Ok(Wire::Grpc(Box::new(GrpcClients {
        plugin: crate::grpc::pb::plugin_client::PluginClient::new(channel.clone())
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX),
        health: tonic_health::pb::health_client::HealthClient::new(channel),
    })))
}

/// Bucket bounds of the latency histogram, in microseconds.
const LATENCY_BOUNDS_US: [u64; 16] =
    [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000];

#[derive(Default)]
struct Stats {
    calls: AtomicU64,
    failures: Mutex<std::collections::BTreeMap<Code, u64>>,
    fallbacks: AtomicU64,
    retries: AtomicU64,
    latency: [AtomicU64; LATENCY_BOUNDS_US.len() + 1],
}

/// Retries allowed: a share of recent calls plus a floor, so that retries
/// cannot multiply an outage's load.
struct RetryBudget {
    tokens: f64,
    refilled: Instant,
}

/// How one attempt ended.
enum Attempt {
    Answer(Json),
    /// Not sent at all (the connection could not be made): safe to try elsewhere.
    NotSent(String),
    /// A failure after the request may have reached the service.
    Failed { code: Code, message: String },
}

impl RemoteClient {
    /// Registers the remote plugin `name`: describes every endpoint, refuses
    /// one serving another world, and starts its health checks. The world is
    /// looked up in `catalog` (the host's).
    pub async fn connect(name: impl Into<String>, config: RemoteConfig, catalog: &Catalog) -> Result<RemoteClient, RemoteError> {
        let (client, describe) = RemoteClient::prepare(name.into(), config, catalog)?;
        let described = client.handle().spawn(describe).await;
        described.unwrap_or_else(|e| {
            Err(RemoteError::Unreachable { plugin: client.inner.name.clone(), failures: vec![format!("describing failed: {e}")] })
        })?;
        Ok(client)
    }

    /// [`RemoteClient::connect`] for a synchronous host (not from inside an async task).
    pub fn connect_blocking(name: impl Into<String>, config: RemoteConfig, catalog: &Catalog) -> Result<RemoteClient, RemoteError> {
        let (client, describe) = RemoteClient::prepare(name.into(), config, catalog)?;
        if let Some(runtime) = &client.runtime {
            runtime.block_on(describe)?;
        }
        Ok(client)
    }

    /// The client, and the future that describes its endpoints and starts its health checks.
    fn prepare(
        name: String,
        config: RemoteConfig,
        catalog: &Catalog,
    ) -> Result<(RemoteClient, impl Future<Output = Result<(), RemoteError>> + Send + 'static), RemoteError> {
        let fail = |message: String| RemoteError::Config { plugin: name.clone(), message };
        let world = RemoteWorld::new(catalog, &config.world).map_err(|e| fail(format!("its world: {e}")))?;
        if config.endpoints.is_empty() {
            return Err(fail("it has no endpoints; add `endpoints = [\"http://host:port\"]`".into()));
        }
        for url in &config.endpoints {
            let parsed = reqwest::Url::parse(url).map_err(|e| fail(format!("the endpoint `{url}` is not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https" | "grpc" | "grpcs") {
                return Err(fail(format!("the endpoint `{url}` is not http://, https:// (HTTP/JSON), grpc:// or grpcs:// (gRPC)")));
            }
            if matches!(parsed.scheme(), "https" | "grpcs") && config.tls.is_none() {
                return Err(fail(format!(
                    "the endpoint `{url}` is HTTPS but no CA is pinned; add `tls = {{ ca = \"ca.pem\" }}` (the system's roots are not trusted for plugins)"
                )));
            }
        }
        for function in config.idempotent.iter().chain(config.fail_open.keys()) {
            if world.function(function).is_none() {
                return Err(fail(format!(
                    "`{function}` is not a function the world `{}` serves remotely; it serves: {}",
                    world.spec.short_name,
                    world.function_names().join(", ")
                )));
            }
        }
        for (function, value) in &config.fail_open {
            let served = world.function(function).expect("checked above");
            if let Some(ty) = &served.result {
                ty.from_json(value)
                    .map_err(|e| fail(format!("its fail-open value for `{function}` does not fit the result type: {e}")))?;
            }
        }
        let authorization = match &config.api_key_env {
            None => None,
            Some(var) => {
                let key = std::env::var(var)
                    .map_err(|_| fail(format!("its API key is read from the environment variable `{var}`, which is not set")))?;
                let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}"))
                    .map_err(|_| fail(format!("the API key in `{var}` holds characters a header cannot carry")))?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        let tls = match &config.tls {
            None => crate::tls::client(None, None),
            Some(tls) => {
                let identity = match (&tls.cert, &tls.key) {
                    (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
                    (None, None) => None,
                    _ => return Err(fail("mutual TLS needs both `tls.cert` and `tls.key`".into())),
                };
                crate::tls::client(Some(&tls.ca), identity)
            }
        }
        .map_err(|e| fail(format!("its TLS settings: {e}")))?;
        let mut http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(usize::try_from(config.concurrency).unwrap_or(usize::MAX))
            .tcp_nodelay(true)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none());
        if config.http2 {
            http = http.http2_prior_knowledge();
        }
        let http = http.build().map_err(|e| fail(format!("cannot build its HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(format!("polyplug-remote-{name}"))
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start its runtime: {e}")))?;
        let limits = Limits { concurrency: config.concurrency, calls_per_second: config.calls_per_second, ..Limits::default() };
        let endpoints = {
            // gRPC channels start their workers on a runtime: ours.
            let _entered = runtime.enter();
            config.endpoints.iter().map(|url| Endpoint::new(url, &config).map_err(&fail)).collect::<Result<Vec<_>, _>>()?
        };
        let inner = Arc::new(Inner {
            idempotent: std::sync::OnceLock::new(),
            name,
            world,
            http,
            authorization,
            endpoints,
            next: AtomicUsize::new(0),
            gate: CallGate::new(&limits),
            stats: Stats::default(),
            retry_budget: Mutex::new(RetryBudget { tokens: 10.0, refilled: Instant::now() }),
            config,
        });
        let describe = {
            let inner = inner.clone();
            async move {
                let mut failures = Vec::new();
                let mut idempotent = HashSet::new();
                for endpoint in &inner.endpoints {
                    match inner.describe(endpoint).await {
                        Ok(describe) => {
                            endpoint.healthy.store(true, Ordering::Release);
                            idempotent.extend(describe.idempotent.into_iter().filter(|f| inner.world.function(f).is_some()));
                        }
                        Err(DescribeFailure::World(difference)) => {
                            return Err(RemoteError::World {
                                plugin: inner.name.clone(),
                                endpoint: endpoint.url.clone(),
                                world: inner.world.spec.name.clone(),
                                difference,
                            });
                        }
                        Err(DescribeFailure::Unreachable(reason)) => failures.push(format!("{}: {reason}", endpoint.url)),
                    }
                }
                if failures.len() == inner.endpoints.len() {
                    return Err(RemoteError::Unreachable { plugin: inner.name.clone(), failures });
                }
                let inner_weak = Arc::downgrade(&inner);
                let interval = Duration::from_millis(inner.config.health.interval_ms);
                tokio::spawn(health_loop(inner_weak, interval));
                Ok(idempotent)
            }
        };
        let client = RemoteClient { inner: inner.clone(), runtime: Some(runtime) };
        let describe = async move {
            let mut all = describe.await?;
            all.extend(inner.config.idempotent.iter().cloned());
            let _ = inner.idempotent.set(all);
            Ok(())
        };
        Ok((client, describe))
    }

    /// The client as the host's plugin abstraction.
    pub fn into_plugin(self) -> Arc<dyn RemotePlugin> {
        Arc::new(self)
    }

    /// The functions retried on failure: the operator's and those the plugin's describe claims.
    pub fn idempotent(&self) -> Vec<String> {
        let mut names: Vec<String> = self.inner.idempotent.get().map(|s| s.iter().cloned().collect()).unwrap_or_default();
        names.sort();
        names
    }

    /// The call as a task of its own, for our runtime (arguments copied: it outlives the caller's borrow).
    fn spawnable(&self, interface: &str, function: &str, args: &[Json]) -> impl Future<Output = Result<Json>> + Send + 'static {
        let inner = self.inner.clone();
        let name = wire_name(interface, function);
        let args = args.to_vec();
        async move { inner.call(name, &args).await }
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime.as_ref().expect("the runtime lives until drop").handle()
    }
}

impl Drop for RemoteClient {
    fn drop(&mut self) {
        // Never blocks, so a client may be dropped inside an async task.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl RemotePlugin for RemoteClient {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn world(&self) -> &str {
        &self.inner.world.spec.name
    }

    fn call_json(&self, interface: &str, function: &str, args: &[Json]) -> Result<Json> {
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        let call = self.spawnable(interface, function, args);
        self.handle().spawn(async move {
            let _ = send.send(call.await);
        });
        receive.recv().unwrap_or_else(|_| Err(self.inner.failure(function, "no endpoint", Code::Internal, "the call's task ended without an answer".into())))
    }

    fn call_json_async<'a>(&'a self, interface: &'a str, function: &'a str, args: &'a [Json]) -> CallFuture<'a> {
        // On the caller's tokio runtime (with time enabled, as local async
        // calls need too), the call runs right there: no hop to our runtime.
        if tokio::runtime::Handle::try_current().is_ok() {
            return Box::pin(self.inner.call(wire_name(interface, function), args));
        }
        let task = AbortOnDrop(self.handle().spawn(self.spawnable(interface, function, args)));
        let inner = self.inner.clone();
        let function = function.to_string();
        Box::pin(async move {
            let mut task = task;
            match (&mut task.0).await {
                Ok(result) => result,
                Err(e) => Err(inner.failure(&function, "no endpoint", Code::Internal, format!("the call's task failed: {e}"))),
            }
        })
    }

    fn stats(&self) -> RemoteStats {
        self.inner.stats()
    }
}

/// A spawned call, ended when its caller stops waiting for it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

enum DescribeFailure {
    World(String),
    Unreachable(String),
}

impl Inner {
    fn is_idempotent(&self, name: &str) -> bool {
        match self.idempotent.get() {
            Some(all) => all.contains(name),
            None => self.config.idempotent.iter().any(|f| f == name),
        }
    }

    async fn describe(&self, endpoint: &Endpoint) -> Result<Describe, DescribeFailure> {
        let body = match &endpoint.wire {
            Wire::Http => self.describe_http(endpoint).await?,
            Wire::Grpc(clients) => {
                let mut request = tonic::Request::new(crate::grpc::pb::DescribeRequest {});
                request.set_timeout(self.config.timeout());
                self.authorize_grpc(request.metadata_mut());
                let response = clients.plugin.clone().describe(request).await.map_err(|status| {
                    DescribeFailure::Unreachable(format!("describe answered {}: {}", crate::grpc::from_tonic(status.code()), crate::grpc::status_message(&status)))
                })?;
                bytes::Bytes::from(response.into_inner().json)
            }
        };
        let describe: Describe = serde_json::from_slice(&body)
            .map_err(|e| DescribeFailure::World(format!("its describe is not the protocol's JSON object: {e}")))?;
        self.world.check(&describe).map_err(DescribeFailure::World)?;
        Ok(describe)
    }

    fn authorize_grpc(&self, metadata: &mut tonic::metadata::MetadataMap) {
        if let Some(value) = self.authorization.as_ref().and_then(|auth| tonic::metadata::MetadataValue::try_from(auth.as_bytes()).ok()) {
            metadata.insert("authorization", value);
        }
    }

    async fn describe_http(&self, endpoint: &Endpoint) -> Result<bytes::Bytes, DescribeFailure> {
        let mut request = self.http.get(format!("{}/v1/describe", endpoint.url)).timeout(self.config.timeout());
        if let Some(auth) = &self.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, auth.clone());
        }
        let response = request.send().await.map_err(|e| DescribeFailure::Unreachable(transport_message(&e)))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| DescribeFailure::Unreachable(transport_message(&e)))?;
        if !status.is_success() {
            let failure = serde_json::from_slice::<Failure>(&body)
                .map(|f| format!("{}: {}", f.code, f.message))
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Err(DescribeFailure::Unreachable(format!("describe answered {failure}")));
        }
        Ok(body)
    }

    fn failure(&self, function: &str, endpoint: &str, code: Code, message: String) -> Error {
        Error::Remote { plugin: self.name.clone(), function: function.to_string(), endpoint: endpoint.to_string(), code, message }
    }

    /// Picks the next endpoint in rotation (healthy, breaker letting calls
    /// through), round-robin, skipping those in `tried` while others remain.
    fn pick(&self, tried: &[usize]) -> Option<usize> {
        let count = self.endpoints.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let candidates = (0..count).map(|i| (start + i) % count);
        let mut fallback = None;
        for i in candidates {
            let endpoint = &self.endpoints[i];
            if !endpoint.healthy.load(Ordering::Acquire) || !endpoint.breaker.would_allow() {
                continue;
            }
            if !tried.contains(&i) {
                if endpoint.breaker.allow() {
                    return Some(i);
                }
            } else if fallback.is_none() {
                fallback = Some(i);
            }
        }
        fallback.filter(|&i| self.endpoints[i].breaker.allow())
    }

    fn rotation(&self) -> String {
        self.endpoints
            .iter()
            .map(|e| {
                let health = if e.healthy.load(Ordering::Acquire) { "healthy" } else { "failing its health checks" };
                format!("{} ({health}, breaker {})", e.url, e.breaker.state_name())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn take_retry(&self) -> bool {
        let mut budget = self.retry_budget.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // A floor of 10 retries per second, on top of the calls' share.
        budget.tokens = (budget.tokens + now.duration_since(budget.refilled).as_secs_f64() * 10.0).min(100.0);
        budget.refilled = now;
        if budget.tokens >= 1.0 {
            budget.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn deposit_call(&self) {
        let mut budget = self.retry_budget.lock().unwrap_or_else(|e| e.into_inner());
        budget.tokens = (budget.tokens + f64::from(self.config.retry.budget_percent) / 100.0).min(100.0);
    }

    async fn call(&self, name: String, args: &[Json]) -> Result<Json> {
        let started = Instant::now();
        let Some(function) = self.world.function(&name) else {
            return Err(Error::NoSuchFunction {
                plugin: self.name.clone(),
                function: name,
                available: self.world.function_names().join(", "),
            });
        };
        if args.len() != function.params.len() {
            return Err(Error::Arguments {
                plugin: self.name.clone(),
                function: name,
                problem: format!("it takes {} argument(s), {} given", function.params.len(), args.len()),
            });
        }
        let limit = |limit| Error::Limit { plugin: self.name.clone(), function: name.clone(), limit };
        self.gate.check_rate().map_err(limit)?;
        let timeout = self.config.timeout();
        let _admission = self.gate.admit_waiting(timeout).await.map_err(limit)?;
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        self.deposit_call();
        let args = serde_json::to_string(&args).map_err(|e| self.failure(&name, "no endpoint", Code::InvalidArgument, e.to_string()))?;
        let body = bytes::Bytes::from(format!("{{\"args\":{args}}}"));
        let deadline = started + timeout;
        let key = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let call = Call { name: &name, function, body: &body, args: &args, key: &key };
        let idempotent = self.is_idempotent(&name);
        let mut tried = Vec::new();
        let mut attempt = 0u32;
        let outcome = loop {
            attempt += 1;
            let Some(index) = self.pick(&tried) else {
                break Err((Code::Unavailable, "no endpoint".to_string(), format!("no endpoint is in rotation: {}", self.rotation())));
            };
            tried.push(index);
            let endpoint = &self.endpoints[index];
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                endpoint.breaker.release_probe();
                break Err((Code::DeadlineExceeded, endpoint.url.clone(), format!("no time left of the {} ms deadline", timeout.as_millis())));
            }
            endpoint.attempts.fetch_add(1, Ordering::Relaxed);
            let result = match &endpoint.wire {
                Wire::Http => self.attempt(endpoint, &call, attempt, left).await,
                Wire::Grpc(clients) => self.attempt_grpc(clients.plugin.clone(), &call, attempt, left).await,
            };
            let (retryable, code, message) = match result {
                Attempt::Answer(json) => {
                    endpoint.breaker.success();
                    break Ok(json);
                }
                Attempt::NotSent(message) => {
                    endpoint.failures.fetch_add(1, Ordering::Relaxed);
                    endpoint.breaker.failure();
                    (true, Code::Unavailable, message)
                }
                Attempt::Failed { code, message } => {
                    if matches!(code, Code::Unavailable | Code::DeadlineExceeded | Code::Internal | Code::Unknown) {
                        endpoint.failures.fetch_add(1, Ordering::Relaxed);
                        endpoint.breaker.failure();
                    } else {
                        // The endpoint answered: whatever the answer, it is up.
                        endpoint.breaker.success();
                    }
                    (idempotent && matches!(code, Code::Unavailable | Code::DeadlineExceeded | Code::Aborted), code, message)
                }
            };
            let backoff = backoff(attempt);
            let time_left = deadline.saturating_duration_since(Instant::now()) > backoff;
            if !(retryable && time_left && attempt < self.config.retry.max_attempts && self.take_retry()) {
                break Err((code, endpoint.url.clone(), message));
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(plugin = %self.name, function = %name, attempt, endpoint = %endpoint.url, %code, "retrying a remote call");
            tokio::time::sleep(backoff).await;
        };
        self.stats.record_latency(started.elapsed());
        match outcome {
            Ok(json) => Ok(json),
            Err((code, endpoint, message)) => {
                self.stats.failed(code);
                if let Some(default) = self.config.fail_open.get(&name) {
                    self.stats.fallbacks.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(plugin = %self.name, function = %name, %endpoint, %code, %message, "remote call failed; answering the configured fail-open value");
                    return Ok(default.clone());
                }
                Err(self.failure(&name, &endpoint, code, message))
            }
        }
    }

    async fn attempt_grpc(
        &self,
        mut plugin: crate::grpc::pb::plugin_client::PluginClient<tonic::transport::Channel>,
        call: &Call<'_>,
        attempt: u32,
        left: Duration,
    ) -> Attempt {
        let (interface, function) = call.name.split_once('/').unwrap_or(("_", call.name));
        let mut request = tonic::Request::new(crate::grpc::pb::CallRequest {
            interface: interface.to_string(),
            function: function.to_string(),
            args_json: call.args.to_string(),
        });
        request.set_timeout(left);
        self.authorize_grpc(request.metadata_mut());
        let metadata = request.metadata_mut();
        if let Ok(value) = attempt.to_string().parse() {
            metadata.insert(protocol::ATTEMPT_HEADER, value);
        }
        if let Ok(value) = call.key.parse() {
            metadata.insert(protocol::IDEMPOTENCY_HEADER, value);
        }
        match plugin.call(request).await {
            Ok(response) => read_answer(call.function, response.into_inner().result_json.as_bytes()),
            Err(status) if crate::grpc::not_sent(&status) => Attempt::NotSent(crate::grpc::status_message(&status)),
            Err(status) if status.code() == tonic::Code::Cancelled && status.message().contains("Timeout") => {
                Attempt::Failed { code: Code::DeadlineExceeded, message: format!("no answer within {} ms", left.as_millis()) }
            }
            Err(status) => Attempt::Failed { code: crate::grpc::from_tonic(status.code()), message: crate::grpc::status_message(&status) },
        }
    }

    async fn attempt(&self, endpoint: &Endpoint, call: &Call<'_>, attempt: u32, left: Duration) -> Attempt {
        let mut request = self
            .http
            .post(format!("{}/v1/call/{}", endpoint.url, call.name))
            .timeout(left)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(protocol::TIMEOUT_HEADER, left.as_millis().to_string())
            .header(protocol::ATTEMPT_HEADER, attempt.to_string())
            .header(protocol::IDEMPOTENCY_HEADER, call.key)
            .body(call.body.clone());
        if let Some(auth) = &self.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, auth.clone());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) if e.is_connect() => return Attempt::NotSent(transport_message(&e)),
            Err(e) if e.is_timeout() => {
                return Attempt::Failed { code: Code::DeadlineExceeded, message: format!("no answer within {} ms", left.as_millis()) };
            }
            Err(e) => return Attempt::Failed { code: Code::Unavailable, message: transport_message(&e) },
        };
        let status = response.status().as_u16();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) if e.is_timeout() => {
                return Attempt::Failed { code: Code::DeadlineExceeded, message: format!("no whole answer within {} ms", left.as_millis()) };
            }
            Err(e) => return Attempt::Failed { code: Code::Unavailable, message: format!("the answer broke off: {}", transport_message(&e)) },
        };
        if status != 200 {
            return match serde_json::from_slice::<Failure>(&body) {
                Ok(failure) => Attempt::Failed {
                    code: Code::from_name(&failure.code).unwrap_or_else(|| protocol::code_for_status(status)),
                    message: failure.message,
                },
                Err(_) => Attempt::Failed {
                    code: protocol::code_for_status(status),
                    message: format!("HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])),
                },
            };
        }
        let answer: Answer = match serde_json::from_slice(&body) {
            Ok(answer) => answer,
            Err(e) => return Attempt::Failed { code: Code::Internal, message: format!("it answered 200 without the protocol's `result` object: {e}") },
        };
        check_result(call.function, answer.result)
    }

    fn stats(&self) -> RemoteStats {
        let mut cumulative = 0;
        let latency = self
            .stats
            .latency
            .iter()
            .enumerate()
            .map(|(i, count)| {
                cumulative += count.load(Ordering::Relaxed);
                let bound = LATENCY_BOUNDS_US.get(i).map_or(Duration::MAX, |us| Duration::from_micros(*us));
                (bound, cumulative)
            })
            .collect();
        RemoteStats {
            calls: self.stats.calls.load(Ordering::Relaxed),
            failures: self.stats.failures.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            fallbacks: self.stats.fallbacks.load(Ordering::Relaxed),
            retries: self.stats.retries.load(Ordering::Relaxed),
            latency,
            endpoints: self
                .endpoints
                .iter()
                .map(|e| EndpointStats {
                    url: e.url.clone(),
                    healthy: e.healthy.load(Ordering::Acquire),
                    breaker: e.breaker.state_name(),
                    attempts: e.attempts.load(Ordering::Relaxed),
                    failures: e.failures.load(Ordering::Relaxed),
                })
                .collect(),
        }
    }

    /// One round of health checks: an endpoint failing one leaves the
    /// rotation; one out of it comes back after two `SERVING` answers in a
    /// row and a describe that still matches.
    async fn check_health(&self) {
        let timeout = Duration::from_millis(self.config.health.timeout_ms);
        for endpoint in &self.endpoints {
            let serving = match &endpoint.wire {
                Wire::Http => match self.http.get(format!("{}/v1/health", endpoint.url)).timeout(timeout).send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.ok().and_then(|b| serde_json::from_slice::<Health>(&b).ok()).is_some_and(|h| h.status == "SERVING")
                    }
                    Err(_) => false,
                },
                Wire::Grpc(clients) => {
                    let mut request = tonic::Request::new(tonic_health::pb::HealthCheckRequest { service: crate::grpc::SERVICE.into() });
                    request.set_timeout(timeout);
                    clients.health.clone().check(request).await.is_ok_and(|r| r.into_inner().status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
                }
            };
            let healthy = endpoint.healthy.load(Ordering::Acquire);
            match (healthy, serving) {
                (true, false) => {
                    endpoint.healthy.store(false, Ordering::Release);
                    endpoint.streak.store(0, Ordering::Relaxed);
                    tracing::warn!(plugin = %self.name, endpoint = %endpoint.url, "remote endpoint failed its health check; out of rotation");
                }
                (false, true) => {
                    if endpoint.streak.fetch_add(1, Ordering::Relaxed) + 1 >= 2 {
                        match self.describe(endpoint).await {
                            Ok(_) => {
                                endpoint.healthy.store(true, Ordering::Release);
                                endpoint.breaker.success();
                                tracing::info!(plugin = %self.name, endpoint = %endpoint.url, "remote endpoint healthy again; back in rotation");
                            }
                            Err(DescribeFailure::World(difference) | DescribeFailure::Unreachable(difference)) => {
                                endpoint.streak.store(0, Ordering::Relaxed);
                                tracing::warn!(plugin = %self.name, endpoint = %endpoint.url, %difference, "remote endpoint serves again but its describe does not match; kept out of rotation");
                            }
                        }
                    }
                }
                (false, false) => endpoint.streak.store(0, Ordering::Relaxed),
                (true, true) => {}
            }
        }
    }
}

impl Stats {
    fn record_latency(&self, elapsed: Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = LATENCY_BOUNDS_US.iter().position(|bound| us <= *bound).unwrap_or(LATENCY_BOUNDS_US.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
    }

    fn failed(&self, code: Code) {
        *self.failures.lock().unwrap_or_else(|e| e.into_inner()).entry(code).or_default() += 1;
    }
}

/// `interface/function` as the wire names it.
fn wire_name(interface: &str, function: &str) -> String {
    format!("{}/{function}", protocol::wire_interface(interface))
}

/// One call as its attempts send it.
struct Call<'a> {
    name: &'a str,
    function: &'a crate::world::ServedFunction,
    /// The HTTP body, `{"args": …}`.
    body: &'a bytes::Bytes,
    /// The JSON array of arguments (gRPC's `args_json`).
    args: &'a str,
    key: &'a str,
}

/// A gRPC answer's `result_json`, checked.
fn read_answer(function: &crate::world::ServedFunction, json: &[u8]) -> Attempt {
    match serde_json::from_slice(json) {
        Ok(result) => check_result(function, result),
        Err(e) => Attempt::Failed { code: Code::Internal, message: format!("its `result_json` is not JSON: {e}") },
    }
}

/// The answer, if it fits the result type: canonical, as a local plugin answers
/// (`7.0` for an `f64` a service wrote as `7`).
fn check_result(function: &crate::world::ServedFunction, result: Json) -> Attempt {
    match &function.result {
        None if result.is_null() => Attempt::Answer(Json::Null),
        None => Attempt::Failed { code: Code::Internal, message: "it answered a result for a function that returns nothing".into() },
        Some(ty) => match ty.from_json(&result).and_then(|value| ty.to_json(&value)) {
            Ok(canonical) => Attempt::Answer(canonical),
            Err(e) => Attempt::Failed { code: Code::Internal, message: format!("it answered a value that does not fit the result type: {e}") },
        },
    }
}

/// 25 ms doubled per attempt, capped at 1 s, ±50 %.
fn backoff(attempt: u32) -> Duration {
    let base = 25u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)).min(1_000);
    Duration::from_millis(base / 2 + fastrand::u64(0..=base))
}

/// A transport error with its causes, for people.
fn transport_message(e: &reqwest::Error) -> String {
    let mut text = if e.is_connect() { "cannot connect".to_string() } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn health_loop(inner: Weak<Inner>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        inner.check_health().await;
    }
}
