//! Auth plugins of either version, called as `auth@0.2`: what a server's
//! auth chain holds, so that `auth@0.1` plugins keep serving beside the new
//! ones without a rebuild (`docs/worlds.md`, "Versions").
//!
//! An `auth@0.1` plugin is given what it always took: the request's
//! method, path, headers and client address, and the credentials the host
//! reads from the headers (`authorization: Basic …` → basic, `authorization:
//! Bearer …` → bearer, `x-api-key` → api-key, else none). Its decision is
//! read back as 0.2's: a principal becomes an identity with its id and
//! roles, each claim a JSON string; a denial keeps its status and reason.
//! It never abstains, and says it handles every scheme.

use base64::Engine as _;

use crate::auth::{self, AuthDecision, BasicCredentials, Credentials, RequestContext};
use crate::auth_0_2::{self, Allowed, AuthResult, HttpRequest, Identity, Refused};
use crate::{Backend, Result};

/// An auth plugin of either version this host serves, called as `auth@0.2`.
///
/// ```no_run
/// # async fn run(host: polyplug::Host, request: polyplug::auth_0_2::HttpRequest) -> polyplug::Result<()> {
/// let old = polyplug::AuthPlugin::new(host.load_file("auth-rust.wasm")?)?;          // auth@0.1
/// let new = polyplug::AuthPlugin::new(host.load_file("auth-basic-rust.wasm")?)?;    // auth@0.2
/// for plugin in [&old, &new] {
///     let decision = plugin.authenticate(&request).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthPlugin {
    version: Version,
}

#[derive(Clone)]
enum Version {
    Current(auth_0_2::Auth),
    First(auth::Auth),
}

impl AuthPlugin {
    /// A plugin (local or remote) of `auth@0.1` or `auth@0.2`, by the world it implements.
    pub fn new(plugin: impl Into<Backend>) -> Result<AuthPlugin> {
        let backend = plugin.into();
        match backend.world() {
            "polyplug:plugin/auth@0.1.0" => AuthPlugin::first(backend),
            _ => AuthPlugin::current(backend),
        }
    }

    /// A plugin (local or remote) of `auth@0.2`.
    pub fn current(plugin: impl Into<Backend>) -> Result<AuthPlugin> {
        Ok(AuthPlugin { version: Version::Current(auth_0_2::Auth::new(plugin)?) })
    }

    /// A plugin (local or remote) of `auth@0.1`, served through the mapping above.
    pub fn first(plugin: impl Into<Backend>) -> Result<AuthPlugin> {
        Ok(AuthPlugin { version: Version::First(auth::Auth::new(plugin)?) })
    }

    /// The world the plugin implements.
    pub fn world(&self) -> &'static str {
        match self.version {
            Version::Current(_) => "polyplug:plugin/auth@0.2.0",
            Version::First(_) => "polyplug:plugin/auth@0.1.0",
        }
    }

    /// The plugin behind it.
    pub fn backend(&self) -> &Backend {
        match &self.version {
            Version::Current(auth) => auth.backend(),
            Version::First(auth) => auth.backend(),
        }
    }

    /// The credential schemes it handles (every one, for `auth@0.1`).
    pub async fn supported_schemes(&self) -> Result<Vec<String>> {
        match &self.version {
            Version::Current(auth) => auth.supported_schemes().await,
            Version::First(_) => Ok(["basic", "bearer", "api-key"].map(String::from).to_vec()),
        }
    }

    /// Its decision about `request`. The inner `Err` is the plugin's own
    /// (it could not decide), the outer one a failure to call it.
    pub async fn authenticate(&self, request: &HttpRequest) -> Result<std::result::Result<AuthResult, String>> {
        match &self.version {
            Version::Current(auth) => auth.authenticate(request).await,
            Version::First(auth) => {
                let decision = auth.authenticate(&context_of(request), &credentials_of(request)).await?;
                Ok(decision.map(result_of))
            }
        }
    }
}

/// The `auth@0.1` view of a request.
fn context_of(request: &HttpRequest) -> RequestContext {
    RequestContext {
        method: request.method.clone(),
        path: request.path.clone(),
        headers: request.headers.clone(),
        client_ip: request.client_ip.clone(),
    }
}

/// The credentials a request's headers present, as `auth@0.1` takes them.
pub fn credentials_of(request: &HttpRequest) -> Credentials {
    let header = |name: &str| request.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    if let Some(authorization) = header("authorization") {
        let (scheme, value) = authorization.split_once(' ').unwrap_or((authorization, ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            return Credentials::Bearer(value.trim().to_string());
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok().and_then(|b| String::from_utf8(b).ok());
            if let Some((username, password)) = decoded.as_deref().and_then(|text| text.split_once(':')) {
                return Credentials::Basic(BasicCredentials { username: username.into(), password: password.into() });
            }
        }
    }
    match header("x-api-key") {
        Some(key) => Credentials::ApiKey(key.to_string()),
        None => Credentials::None,
    }
}

/// An `auth@0.1` decision as `auth@0.2`'s result.
fn result_of(decision: AuthDecision) -> AuthResult {
    match decision {
        AuthDecision::Allow(principal) => AuthResult::Allow(Allowed {
            identity: Identity {
                id: principal.id,
                username: None,
                email: None,
                display_name: None,
                roles: principal.roles,
                groups: Vec::new(),
                attributes: Vec::new(),
            },
            claims: principal.claims.into_iter().map(|(name, value)| (name, serde_json::Value::String(value).to_string())).collect(),
        }),
        AuthDecision::Deny(denial) => AuthResult::Deny(Refused { status: denial.status, reason: denial.reason }),
    }
}
