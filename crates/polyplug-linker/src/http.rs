//! Outgoing HTTP (`wasi:http/outgoing-handler`) through wasmtime-wasi-http,
//! with a request hook enforcing the plugin's granted origins: a request to
//! any other origin fails with `HTTP-request-denied` and is audited.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use polyplug_policy::{AuditEvent, AuditSink, HttpPattern};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// The request hook of one plugin instance.
pub(crate) struct OriginAllowlist {
    pub(crate) plugin: Arc<str>,
    pub(crate) allowed: Vec<HttpPattern>,
    pub(crate) audit: Arc<dyn AuditSink>,
    /// What the current call has left: no request waits longer.
    pub(crate) time_left: Duration,
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
        // Connect, first byte and the gaps between bytes each get no more than
        // the call has left (wasi-http's own defaults are 600 s each).
        let cap = |asked: Option<Duration>| Some(asked.map_or(self.time_left, |asked| asked.min(self.time_left)));
        let options = RequestOptions {
            connect_timeout: cap(options.and_then(|o| o.connect_timeout)),
            first_byte_timeout: cap(options.and_then(|o| o.first_byte_timeout)),
            between_bytes_timeout: cap(options.and_then(|o| o.between_bytes_timeout)),
        };
        wasmtime_wasi_http::default_hooks().send_request(request, Some(options), fut)
    }
}
