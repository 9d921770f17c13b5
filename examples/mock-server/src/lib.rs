//! An API mock server on polyplug: routes from one YAML file (`mock.yaml`),
//! each with an auth plugin chain, answered by response plugins, a static
//! body whose `{{…}}` expressions call template plugins, or rows from a
//! datasource plugin; modifiers change every answer. Plugins come from a
//! plugin directory that is watched: a plugin replaced while requests flow
//! serves the next request, and no request fails because of it.
//!
//! Every failure names the plugin: a trap or a deadline is a 500 (or a 503
//! for an auth plugin, where the chain fails closed unless configured
//! `on-failure: open`), and the server keeps serving.

pub mod config;
mod plugins;
mod template;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::routing::{MethodFilter, MethodRouter};
use polyplug::auth_0_2::{AuthResult, HttpRequest};
use polyplug::response::HttpResponse;
use polyplug::datasource::Datasource;
use polyplug::response::Response;
use polyplug::response_modifier::ResponseModifier;
use polyplug::{AuthPlugin, Host, PluginSet};
use serde_json::{Value as Json, json};

pub use config::Config;
use config::{FailurePolicy, Route};

/// The largest request body the server reads.
const MAX_BODY: usize = 4 << 20;

/// A running server; stops when dropped or [`MockServer::stop`]ped.
pub struct MockServer {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    plugins: PluginSet,
}

impl MockServer {
    /// Loads the plugins `config` names and serves its routes.
    pub async fn start(config: Config) -> Result<MockServer> {
        let policy = polyplug::Policy::load(&config.plugins.policy)?;
        let mut host = Host::builder().policy(policy);
        if let Some(dir) = &config.plugins.cache {
            host = host.cache_dir(dir);
        }
        let host = host.build()?;
        let mut plugins = PluginSet::builder(&host, &config.plugins.dir)
            .on_event(|event| tracing::info!(target: "mock_server", "{event:?}"));
        for (key, entries) in &config.plugins.config {
            plugins = plugins.config(key, entries.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let plugins = plugins.build()?;
        for member in plugins.members() {
            if let Some(reason) = &member.last_error {
                tracing::warn!(target: "mock_server", "plugin `{}` did not load: {reason}", member.key);
            }
        }
        let remote = config.plugins.remote.as_deref().map(polyplug::remote::Plugins::load).transpose()?;
        let routed = plugins::Plugins::new(plugins.clone(), &host, remote).await;
        let state = Arc::new(State { plugins: routed, templates: template::Index::default(), config: config.clone() });
        let mut by_path: BTreeMap<String, MethodRouter> = BTreeMap::new();
        for (index, route) in config.routes.iter().enumerate() {
            let state = state.clone();
            let handler = move |request: axum::extract::Request| {
                let state = state.clone();
                async move { state.answer(index, request).await }
            };
            let entry = by_path.remove(&route.path).unwrap_or_default();
            let entry = match route.method.to_ascii_uppercase().as_str() {
                "ANY" => entry.fallback(handler),
                method => entry.on(method_filter(method)?, handler),
            };
            by_path.insert(route.path.clone(), entry);
        }
        let mut router = axum::Router::new();
        for (path, methods) in by_path {
            router = router.route(&path, methods);
        }
        let listener = tokio::net::TcpListener::bind(&config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, service).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serving.await {
                tracing::error!(target: "mock_server", "the server stopped: {e}");
            }
        });
        Ok(MockServer { address, stop: Some(stop), task, plugins })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its plugin directory, as it stands.
    pub fn plugins(&self) -> &PluginSet {
        &self.plugins
    }

    /// Stops accepting requests and lets those in flight finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn method_filter(method: &str) -> Result<MethodFilter> {
    Ok(match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "DELETE" => MethodFilter::DELETE,
        "PATCH" => MethodFilter::PATCH,
        "HEAD" => MethodFilter::HEAD,
        "OPTIONS" => MethodFilter::OPTIONS,
        other => anyhow::bail!("`{other}` is not a method a route can have: use GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY"),
    })
}

/// Why a request got no answer from its route: a status and a message
/// naming the plugin.
#[derive(Debug)]
struct Failure {
    status: u16,
    message: String,
}

impl Failure {
    fn new(status: u16, message: impl Into<String>) -> Failure {
        Failure { status, message: message.into() }
    }
}

struct State {
    plugins: plugins::Plugins,
    templates: template::Index,
    config: Config,
}

impl State {
    async fn answer(self: Arc<Self>, index: usize, request: axum::extract::Request) -> axum::response::Response {
        let route = &self.config.routes[index];
        let (parts, body) = request.into_parts();
        let body = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => bytes,
            Err(e) => return failure(&Failure::new(413, format!("the request body could not be read: {e}"))),
        };
        let request = HttpRequest {
            method: parts.method.as_str().to_string(),
            uri: parts.uri.to_string(),
            path: parts.uri.path().to_string(),
            path_params: path_params(&route.path, parts.uri.path()),
            query: form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
                .collect(),
            body: (!body.is_empty()).then(|| body.to_vec()),
            client_ip: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()),
            caller: None,
        };
        let received = Received { parts, body };
        match self.serve(route, request, &received).await {
            Ok(response) => respond(response),
            Err(error) => failure(&error),
        }
    }

    async fn serve(&self, route: &Route, mut request: HttpRequest, received: &Received) -> Result<HttpResponse, Failure> {
        request.caller = self.authenticate(route, &request).await?;
        let mut response = if !route.responders.is_empty() {
            self.respond_with_plugins(route, &request, received).await?
        } else if let Some(data) = &route.data {
            self.rows(data, &request).await?
        } else {
            let answer = route.response.as_ref().expect("checked when the configuration was read");
            let json_body = answer.content_type.contains("json");
            let body = self.templates.render(&self.plugins, &answer.body, &request, json_body).await?;
            HttpResponse {
                status: answer.status,
                headers: answer.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                body: body.into_bytes(),
                content_type: answer.content_type.clone(),
            }
        };
        for (name, value) in &route.headers {
            let value = self.templates.render(&self.plugins, value, &request, false).await?;
            response.headers.push((name.clone(), value));
        }
        for key in &self.config.modifiers {
            let modifier = self.plugins.facade(key, ResponseModifier::new).await?;
            if modifier.should_modify(&request, &response).await.map_err(|e| plugin_failed(key, e))? {
                response = modifier
                    .modify(&request, &response)
                    .await
                    .map_err(|e| plugin_failed(key, e))?
                    .map_err(|message| Failure::new(500, format!("modifier `{key}` failed: {message}")))?;
            }
        }
        Ok(response)
    }

    /// The route's auth chain: the first plugin that decides wins.
    async fn authenticate(&self, route: &Route, request: &HttpRequest) -> Result<Option<polyplug::types::Caller>, Failure> {
        if route.auth.is_empty() {
            return Ok(None);
        }
        let scheme = scheme_of(request);
        for step in &route.auth {
            let key = &step.plugin;
            let outcome = async {
                let step = self.plugins.facade(key, AuthStep::new).await?;
                let schemes = step.schemes.get_or_try_init(|| step.plugin.supported_schemes()).await.map_err(|e| plugin_failed(key, e))?;
                if !schemes.iter().any(|s| s == scheme) {
                    return Ok(AuthResult::Abstain);
                }
                step.plugin
                    .authenticate(request)
                    .await
                    .map_err(|e| plugin_failed(key, e))?
                    .map_err(|message| Failure::new(503, format!("auth plugin `{key}` could not decide: {message}")))
            }
            .await;
            match outcome {
                Ok(AuthResult::Allow(allowed)) => {
                    return Ok(Some(polyplug::types::Caller { identity: allowed.identity, claims: allowed.claims }));
                }
                Ok(AuthResult::Deny(refused)) => return Err(Failure::new(refused.status, refused.reason)),
                Ok(AuthResult::Abstain) => {}
                Err(failure) if step.on_failure == FailurePolicy::Open => {
                    tracing::warn!(target: "mock_server", "{} (failing open)", failure.message);
                }
                Err(failure) => return Err(Failure::new(503, failure.message)),
            }
        }
        Err(Failure::new(401, "no credentials this route accepts"))
    }

    /// The answer of the highest-priority response plugin that can handle the request.
    async fn respond_with_plugins(&self, route: &Route, request: &HttpRequest, received: &Received) -> Result<HttpResponse, Failure> {
        let mut best: Option<(i32, &String, Responder)> = None;
        for key in &route.responders {
            let responder = self.plugins.facade(key, |backend| Responder::new(key, backend)).await?;
            let priority = match &responder.kind {
                ResponderKind::World(plugin) => {
                    if !plugin.can_handle(request).await.map_err(|e| plugin_failed(key, e))? {
                        continue;
                    }
                    plugin.priority().await.map_err(|e| plugin_failed(key, e))?
                }
                // A `wasi:http` handler answers whatever it is given.
                ResponderKind::Http(_) => 0,
            };
            if best.as_ref().is_none_or(|(p, _, _)| priority > *p) {
                best = Some((priority, key, responder));
            }
        }
        let Some((_, key, responder)) = best else {
            return Err(Failure::new(404, "no response plugin of this route handles the request"));
        };
        let mut response = match &responder.kind {
            ResponderKind::World(plugin) => plugin
                .generate(request)
                .await
                .map_err(|e| plugin_failed(key, e))?
                .map_err(|message| Failure::new(500, format!("response plugin `{key}` failed: {message}")))?,
            ResponderKind::Http(plugin) => serve_http(plugin, received).await.map_err(|e| plugin_failed(key, e))?,
        };
        response.headers.push(("x-mock-plugin".into(), responder.served_by.to_string()));
        Ok(response)
    }

    /// The rows of the route's data query, as a JSON array of objects.
    async fn rows(&self, data: &config::DataQuery, request: &HttpRequest) -> Result<HttpResponse, Failure> {
        let key = &data.plugin;
        let source = self.plugins.facade(key, Datasource::new).await?;
        let refused = |message: String| Failure::new(502, format!("datasource `{key}`: {message}"));
        let connection = source.connect(&data.source).await.map_err(|e| plugin_failed(key, e))?.map_err(refused)?;
        let params: Vec<String> = data.params.iter().map(|p| template::argument(p, request).to_string()).collect();
        let rows = source.query(&connection, &data.query, &params).await.map_err(|e| plugin_failed(key, e))?.map_err(refused)?;
        let objects: Vec<Json> = rows
            .rows
            .iter()
            .map(|row| {
                let fields = rows.columns.iter().zip(row).map(|(c, v)| (c.name.clone(), serde_json::from_str(v).unwrap_or(Json::Null)));
                Json::Object(fields.collect())
            })
            .collect();
        Ok(HttpResponse { status: 200, headers: vec![], body: Json::Array(objects).to_string().into_bytes(), content_type: "application/json".into() })
    }
}

/// An auth plugin of a chain, and the schemes it says it supports, asked
/// once per plugin version (the answer is the plugin's, not the request's),
/// so a request costs one call per plugin that decides.
#[derive(Clone)]
struct AuthStep {
    plugin: AuthPlugin,
    schemes: Arc<tokio::sync::OnceCell<Vec<String>>>,
}

impl AuthStep {
    fn new(backend: polyplug::Backend) -> polyplug::Result<AuthStep> {
        Ok(AuthStep { plugin: AuthPlugin::new(backend)?, schemes: Arc::default() })
    }
}

/// A response plugin: one of the `response` world, or a standard
/// `wasi:http/incoming-handler` component (built for `wasmtime serve`), which
/// has no `can-handle` and answers at priority 0; and what its answers'
/// `x-mock-plugin` header says, made once per plugin version.
#[derive(Clone)]
struct Responder {
    kind: ResponderKind,
    served_by: Arc<str>,
}

#[derive(Clone)]
enum ResponderKind {
    World(Response),
    Http(polyplug::Plugin),
}

impl Responder {
    fn new(key: &str, backend: polyplug::Backend) -> polyplug::Result<Responder> {
        let served_by = served_by(key, &backend).into();
        let kind = match backend.local().filter(|plugin| plugin.serves_http()) {
            Some(plugin) => ResponderKind::Http(plugin.clone()),
            None => ResponderKind::World(Response::new(backend)?),
        };
        Ok(Responder { kind, served_by })
    }
}

/// The request as it arrived, for `wasi:http` responders: its header values
/// as bytes (the `response` world's request has them as text) and its body
/// shared, not copied.
struct Received {
    parts: axum::http::request::Parts,
    body: axum::body::Bytes,
}

/// The request through a `wasi:http` handler, as it came in (its authority
/// from its `host` header), and its answer as a response.
async fn serve_http(plugin: &polyplug::Plugin, received: &Received) -> polyplug::Result<HttpResponse> {
    let Received { parts, body } = received;
    let host = parts.headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let http_request = axum::http::Request::builder().method(parts.method.clone()).uri(format!("http://{host}{path}")).body(body.clone());
    let mut http_request = http_request.map_err(|e| polyplug::Error::Call {
        plugin: plugin.name().to_string(),
        function: "incoming-handler/handle".into(),
        source: format!("the request cannot be given to it: {e}").into(),
    })?;
    *http_request.headers_mut() = parts.headers.clone();
    let answer = plugin.handle_http(http_request).await?;
    let content_type = answer.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/octet-stream").to_string();
    let headers = answer
        .headers()
        .iter()
        .filter(|(name, _)| *name != axum::http::header::CONTENT_TYPE)
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    Ok(HttpResponse { status: answer.status().as_u16(), headers, body: answer.body().to_vec(), content_type })
}

/// What the `x-mock-plugin` header of a plugin's answer says: its key, and
/// the name and version of the plugin behind it (`faulty=faulty-response-rust@0.1.1`),
/// which shows which version answered while plugins are being replaced.
fn served_by(key: &str, backend: &polyplug::Backend) -> String {
    let version = backend.local().and_then(|p| p.manifest().map(|m| m.plugin.version.to_string()).or_else(|| p.info().map(|i| i.version.clone())));
    match version {
        Some(version) => format!("{key}={}@{version}", backend.name()),
        None => format!("{key}={}", backend.name()),
    }
}

/// A plugin that failed to answer (a trap, a deadline, a refused call): 500, naming it.
fn plugin_failed(key: &str, error: polyplug::Error) -> Failure {
    tracing::warn!(target: "mock_server", "plugin `{key}` failed: {error}");
    Failure::new(500, format!("plugin `{key}` failed: {error}"))
}

/// The credential scheme a request presents: `basic`, `bearer`, `api-key` or `none`.
fn scheme_of(request: &HttpRequest) -> &'static str {
    match polyplug::credentials_of(request) {
        polyplug::auth::Credentials::Basic(_) => "basic",
        polyplug::auth::Credentials::Bearer(_) => "bearer",
        polyplug::auth::Credentials::ApiKey(_) => "api-key",
        polyplug::auth::Credentials::None => "none",
    }
}

/// The parameters of `pattern` (`/users/{id}`) in `path` (`/users/7`).
fn path_params(pattern: &str, path: &str) -> Vec<(String, String)> {
    pattern
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(p, v)| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')).map(|name| (name.to_string(), v.to_string())))
        .collect()
}

fn respond(response: HttpResponse) -> axum::response::Response {
    let mut out = axum::response::Response::new(Body::from(response.body));
    *out.status_mut() = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&response.content_type) {
        headers.insert(axum::http::header::CONTENT_TYPE, value);
    }
    for (name, value) in response.headers {
        match (HeaderName::try_from(name.as_str()), HeaderValue::from_str(&value)) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            _ => tracing::warn!(target: "mock_server", "the response header `{name}` was dropped: its name or value is not valid in HTTP"),
        }
    }
    out
}

fn failure(error: &Failure) -> axum::response::Response {
    respond(HttpResponse {
        status: error.status,
        headers: vec![],
        body: json!({"error": error.message}).to_string().into_bytes(),
        content_type: "application/json".into(),
    })
}
