//! Outgoing HTTP (`wasi:http/outgoing-handler`) through wasmtime-wasi-http,
//! with a request hook enforcing the plugin's granted origins: a request to
//! any other origin fails with `HTTP-request-denied` and is audited.

use std::future::Future;
use std::sync::Arc;

use polyplug_policy::{AuditEvent, AuditSink, HttpPattern};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// The request hook of one plugin instance.
pub(crate) struct OriginAllowlist {
    pub(crate) plugin: Arc<str>,
    pub(crate) allowed: Vec<HttpPattern>,
    pub(crate) audit: Arc<dyn AuditSink>,
}

type SendResult = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>), HttpError>;

impl WasiHttpHooks for OriginAllowlist {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("http");
        let host = uri.host().unwrap_or("");
        let default_port = if scheme == "https" { 443 } else { 80 };
        let port = uri.port_u16().unwrap_or(default_port);
        if !self.allowed.iter().any(|pattern| pattern.matches(scheme, host, port)) {
            let origin = format!("{scheme}://{host}:{port}");
            self.audit.record(AuditEvent {
                plugin: self.plugin.to_string(),
                capability: "http",
                target: uri.to_string(),
                reason: format!("origin `{origin}` is not in the grant; grant it with `http = [\"{origin}\"]`"),
            });
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        wasmtime_wasi_http::default_hooks().send_request(request, options, fut)
    }
}
