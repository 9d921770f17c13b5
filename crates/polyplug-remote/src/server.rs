//! The server side: any loaded plugin served as a remote plugin
//! ([`RemoteServer`], behind `polyplug serve-remote`), under the policy and
//! limits it was loaded with, with API-key auth, TLS or mutual TLS, health,
//! deadlines and answers remembered by idempotency key.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use polyplug_host::{Backend, Code};
use polyplug_wit::Catalog;

use crate::client::RemoteError;
use crate::protocol::{self, CallBody, Describe, Failure, Health, Identity, PROTOCOL};
use crate::world::RemoteWorld;

/// How a plugin is served.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The API key callers must send as `Authorization: Bearer`; `None`: no key.
    pub api_key: Option<String>,
    /// HTTPS, and mutual TLS when a client CA is given.
    pub tls: Option<ServerTls>,
    /// Functions (`interface/function`) to declare idempotent in `describe`,
    /// besides those the plugin's manifest declares (`[plugin] idempotent`).
    pub idempotent: Vec<String>,
    /// The biggest request body accepted; `0`: 64 MiB.
    pub max_body: usize,
}

/// The server's certificate, and the CA its clients' certificates must come from.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
    /// PEM CA of client certificates; `Some` requires one (mutual TLS).
    pub client_ca: Option<PathBuf>,
}

/// Answers remembered by idempotency key, the newest 4,096.
const REMEMBERED: usize = 4096;

pub(crate) struct Served {
    backend: Backend,
    world: RemoteWorld,
    pub(crate) describe: Bytes,
    authorization: Option<Vec<u8>>,
    answers: Mutex<(HashMap<String, Bytes>, VecDeque<String>)>,
}

/// A plugin served over the remote protocol, until dropped or [`RemoteServer::shutdown`].
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let host = polyplug_host::Host::new()?;
/// let plugin = host.load_file("transform.wasm")?;
/// let server = polyplug_remote::RemoteServer::bind(plugin, host.catalog(), "127.0.0.1:0", Default::default()).await?;
/// println!("serving at {}", server.url());
/// # Ok(()) }
/// ```
pub struct RemoteServer {
    addr: SocketAddr,
    url: String,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RemoteServer {
    /// Serves `backend` at `listen` (`host:port`; port `0` picks one), on
    /// the current tokio runtime. Its world must be in `catalog`.
    pub async fn bind(backend: impl Into<Backend>, catalog: &Catalog, listen: &str, options: ServeOptions) -> Result<RemoteServer, RemoteError> {
        let backend = backend.into();
        let name = backend.name().to_string();
        let fail = |message: String| RemoteError::Config { plugin: name.clone(), message };
        let (world_name, identity) = match &backend {
            Backend::Local(plugin) => {
                let info = plugin.info();
                (
                    // The full name: a short one would find the first version of a world served in several.
                    plugin.world().name.clone(),
                    Identity {
                        name: info.map_or_else(|| plugin.name().to_string(), |i| i.name.clone()),
                        version: info.map_or_else(|| "0.0.0".to_string(), |i| i.version.clone()),
                        description: info.map(|i| i.description.clone()).unwrap_or_default(),
                    },
                )
            }
            Backend::Remote(_) => return Err(fail("a remote plugin is served where it runs; serve a local component".into())),
        };
        let world = RemoteWorld::new(catalog, &world_name)
            .map_err(|e| fail(format!("its world is not in the host's WIT catalog, so it cannot be described: {e}")))?;
        // What the plugin's manifest declares idempotent, and what the operator adds.
        let mut idempotent: Vec<String> = match &backend {
            Backend::Local(plugin) => plugin.manifest().map(|m| m.plugin.idempotent.iter().map(|f| f.as_str().to_string()).collect()).unwrap_or_default(),
            Backend::Remote(_) => Vec::new(),
        };
        idempotent.extend(options.idempotent.iter().cloned());
        idempotent.sort();
        idempotent.dedup();
        for function in &idempotent {
            if world.function(function).is_none() {
                return Err(fail(format!("`{function}` is not a function it serves; it serves: {}", world.function_names().join(", "))));
            }
        }
        let describe = Describe {
            protocol: PROTOCOL,
            plugin: identity,
            world: world.spec.name.clone(),
            wit: world.wit.clone(),
            digest: world.digest.clone(),
            idempotent,
        };
        let describe = Bytes::from(serde_json::to_vec(&describe).map_err(|e| fail(e.to_string()))?);
        let served = Arc::new(Served {
            backend,
            world,
            describe,
            authorization: options.api_key.as_ref().map(|key| format!("Bearer {key}").into_bytes()),
            answers: Mutex::new((HashMap::new(), VecDeque::new())),
        });
        let max_body = if options.max_body == 0 { 64 << 20 } else { options.max_body };
        // gRPC on the same port (HTTP/2, with or without TLS): the same calls, the standard health service.
        let grpc = crate::grpc::pb::plugin_server::PluginServer::new(crate::grpc::GrpcPlugin(served.clone()))
            .max_decoding_message_size(max_body)
            .max_encoding_message_size(usize::MAX);
        let (reporter, grpc_health) = tonic_health::server::health_reporter();
        reporter.set_service_status(crate::grpc::SERVICE, tonic_health::ServingStatus::Serving).await;
        reporter.set_service_status("", tonic_health::ServingStatus::Serving).await;
        let router = axum::Router::new()
            .route("/v1/health", get(health))
            .route("/v1/describe", get(describe_handler))
            .route("/v1/call/{interface}/{function}", post(call))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(max_body))
            .with_state(served)
            .route_service(&format!("/{}/{{*rest}}", crate::grpc::SERVICE), grpc)
            .route_service("/grpc.health.v1.Health/{*rest}", grpc_health);
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| fail(format!("cannot listen on {listen}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| fail(e.to_string()))?;
        let (shutdown, mut stop) = tokio::sync::watch::channel(false);
        let (scheme, task) = match &options.tls {
            None => {
                use axum::serve::ListenerExt as _;
                // Answers go out as soon as they are written (no Nagle delay on small writes).
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                });
                ("http", tokio::spawn(async move {
                    if let Err(e) = serve.await {
                        tracing::error!(error = %e, "the remote plugin server stopped");
                    }
                }))
            }
            Some(tls) => {
                let config = crate::tls::server(&tls.cert, &tls.key, tls.client_ca.as_deref()).map_err(|e| fail(format!("its TLS settings: {e}")))?;
                let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
                ("https", tokio::spawn(serve_tls(listener, acceptor, router, stop)))
            }
        };
        Ok(RemoteServer { addr, url: format!("{scheme}://{addr}"), shutdown: Some(shutdown), task: Some(task) })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, e.g. `http://127.0.0.1:41234`: what a host's `endpoints` lists.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops accepting, lets calls in flight finish, and returns when it has stopped.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(true);
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the task is cancelled or the server stops by itself.
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RemoteServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(true);
        }
    }
}

async fn serve_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    router: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let Ok((stream, peer)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            // A client without an acceptable certificate is refused here, in the handshake.
            let stream = match acceptor.accept(stream).await {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!(%peer, error = %e, "TLS handshake refused");
                    return;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(router);
            let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            if let Err(e) = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}

fn json_response(status: StatusCode, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn failure(code: Code, message: impl Into<String>) -> Response {
    let body = serde_json::to_vec(&Failure { code: code.name().to_string(), message: message.into() }).unwrap_or_default();
    let status = StatusCode::from_u16(protocol::http_status(code)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, Bytes::from(body))
}

async fn not_found() -> Response {
    failure(Code::NotFound, "no such path; the protocol serves GET /v1/health, GET /v1/describe and POST /v1/call/{interface}/{function}")
}

async fn health() -> Response {
    json_response(StatusCode::OK, Bytes::from(serde_json::to_vec(&Health { status: "SERVING".into() }).unwrap_or_default()))
}

/// Compares in time independent of where the values differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn authorized(served: &Served, headers: &HeaderMap) -> Result<(), (Code, String)> {
    served.check_key(headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes))
}

async fn describe_handler(State(served): State<Arc<Served>>, headers: HeaderMap) -> Response {
    if let Err((code, message)) = authorized(&served, &headers) {
        return failure(code, message);
    }
    json_response(StatusCode::OK, served.describe.clone())
}

async fn call(State(served): State<Arc<Served>>, Path((interface, function)): Path<(String, String)>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err((code, message)) = authorized(&served, &headers) {
        return failure(code, message);
    }
    let timeout = match headers.get(protocol::TIMEOUT_HEADER).map(|v| v.to_str().ok().and_then(|v| v.parse::<u64>().ok())) {
        None => None,
        Some(Some(ms)) => Some(Duration::from_millis(ms)),
        Some(None) => return failure(Code::InvalidArgument, format!("`{}` must be a whole number of milliseconds", protocol::TIMEOUT_HEADER)),
    };
    let key = headers.get(protocol::IDEMPOTENCY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let incoming = Incoming { interface, function, key, timeout };
    let answer = served
        .call(incoming, || serde_json::from_slice::<CallBody>(&body).map(|b| b.args).map_err(|e| format!("the body is not `{{\"args\": [...]}}`: {e}")))
        .await;
    match answer {
        Ok(result) => {
            // `{"result": <the result's JSON>}`, without parsing the result again.
            let mut body = Vec::with_capacity(result.len() + 11);
            body.extend_from_slice(b"{\"result\":");
            body.extend_from_slice(&result);
            body.push(b'}');
            json_response(StatusCode::OK, Bytes::from(body))
        }
        Err((code, message)) => failure(code, message),
    }
}

/// One call, as either transport hands it over.
pub(crate) struct Incoming {
    pub(crate) interface: String,
    pub(crate) function: String,
    pub(crate) key: Option<String>,
    pub(crate) timeout: Option<Duration>,
}

impl Served {
    /// Whether `given` (an `Authorization` value) carries the key, when one is required.
    pub(crate) fn check_key(&self, given: Option<&[u8]>) -> Result<(), (Code, String)> {
        let Some(expected) = &self.authorization else { return Ok(()) };
        match given {
            Some(given) if same(given, expected) => Ok(()),
            Some(_) => Err((Code::Unauthenticated, "the API key is wrong; send `Authorization: Bearer <key>` with the plugin's key".into())),
            None => Err((Code::Unauthenticated, "this plugin requires an API key; send `Authorization: Bearer <key>`".into())),
        }
    }

    /// Runs one call; `args` reads its arguments (only once the function is
    /// known to be served). The answer is the result's JSON text.
    pub(crate) async fn call(&self, call: Incoming, args: impl FnOnce() -> Result<Vec<serde_json::Value>, String>) -> Result<Bytes, (Code, String)> {
        let name = format!("{}/{}", call.interface, call.function);
        if self.world.function(&name).is_none() {
            return Err((Code::Unimplemented, format!("this plugin serves no function `{name}`; it serves: {}", self.world.function_names().join(", "))));
        }
        if let Some(key) = &call.key {
            let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(answer) = answers.0.get(&format!("{name} {key}")) {
                return Ok(answer.clone());
            }
        }
        let args = args().map_err(|e| (Code::InvalidArgument, e))?;
        let interface = if call.interface == "_" { "" } else { call.interface.as_str() };
        let running = self.backend.call_json_async(interface, &call.function, &args);
        let result = match call.timeout {
            Some(timeout) => match tokio::time::timeout(timeout, running).await {
                Ok(result) => result,
                Err(_) => return Err((Code::DeadlineExceeded, format!("`{name}` did not finish within the caller's {} ms", timeout.as_millis()))),
            },
            None => running.await,
        };
        match result {
            Ok(result) => {
                let answer = Bytes::from(serde_json::to_vec(&result).unwrap_or_default());
                if let Some(key) = call.key {
                    self.remember(format!("{name} {key}"), answer.clone());
                }
                Ok(answer)
            }
            Err(e) => {
                let code = e.code();
                if matches!(code, Code::Internal | Code::Unknown) {
                    tracing::warn!(plugin = %self.backend.name(), function = %name, error = %e, "remote call failed");
                }
                Err((code, e.to_string()))
            }
        }
    }

    fn remember(&self, key: String, answer: Bytes) {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *answers;
        if map.insert(key.clone(), answer).is_none() {
            order.push_back(key);
            if order.len() > REMEMBERED
                && let Some(oldest) = order.pop_front()
            {
                map.remove(&oldest);
            }
        }
    }
}
