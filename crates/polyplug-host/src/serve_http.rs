//! Plugins that serve HTTP: a component exporting the standard
//! `wasi:http/incoming-handler` (built for `wasmtime serve` or any other
//! `wasi:http` server, with no polyplug SDK in it) answers requests under
//! its grant and limits like any plugin: its deadline ends a handler that
//! loops or waits, its output limit bounds the body, and it reaches nothing
//! it is not granted (without the `http` grant, the only `wasi:http` it may
//! import is `types`).
//!
//! Each request gets a fresh instance, as `wasmtime serve` gives it: a
//! handler may keep state in its instance without one request seeing
//! another's. (Pre-instantiation and the pooling allocator make that cheap.)

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::Proxy;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};

use crate::plugin::Slot;
use crate::world::{HTTP_HANDLER, HTTP_PROXY, HTTP_PROXY_KEY};
use crate::{Error, Plugin, Result};

/// What a call of the handler is named in spans and errors.
const FUNCTION: &str = "incoming-handler/handle";

impl Plugin {
    /// Whether the plugin serves HTTP: it exports `wasi:http/incoming-handler`
    /// (its world is `wasi:http/proxy`), so [`Plugin::handle_http`] calls it.
    pub fn serves_http(&self) -> bool {
        self.world().key == HTTP_PROXY_KEY
    }

    /// Has the plugin answer `request`, as a `wasi:http` server would: the
    /// request's URI should carry the scheme and authority (else its `host`
    /// header names the authority). The answer's body is read whole, up to
    /// the plugin's `output` limit; the whole exchange ends at its deadline.
    /// Needs a tokio runtime with time enabled.
    ///
    /// ```no_run
    /// # async fn run(host: polyplug_host::Host) -> polyplug_host::Result<()> {
    /// let hello = host.load_file("hello-wasi-http.wasm")?; // built for `wasmtime serve`
    /// let request = http::Request::get("http://mock.local/hello").body(bytes::Bytes::new()).unwrap();
    /// let response = hello.handle_http(request).await?;
    /// assert_eq!(response.status(), 200);
    /// # Ok(()) }
    /// ```
    pub async fn handle_http(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        if !self.serves_http() {
            return Err(Error::WorldMismatch {
                plugin: self.name().to_string(),
                world: HTTP_PROXY.into(),
                missing: vec![format!("missing export `{HTTP_HANDLER}` (it implements `{}`)", self.world().name)],
            });
        }
        let inner = self.inner();
        let output = self.limits().output.0;
        let deadline = self.limits().timeout;
        let scheme = match request.uri().scheme_str() {
            Some("https") => Scheme::Https,
            _ => Scheme::Http,
        };
        let answer = inner.call_async(
            FUNCTION,
            self.tenant.as_deref(),
            inner.instantiate_async(self.tenant.as_deref()),
            async move |mut slot: Slot| {
                let result = tokio::time::timeout(deadline, handle(&mut slot, scheme, request, output))
                    .await
                    .unwrap_or_else(|_| Err(wasmtime::format_err!("the response did not arrive before the call's deadline")));
                (slot, result)
            },
            // Never reused: the next request gets a fresh instance.
            drop,
        );
        answer.await
    }
}

/// Why a handler's answer is not a response.
#[derive(Debug, thiserror::Error)]
enum Unanswered {
    #[error("it returned without setting a response")]
    NoResponse,
    #[error("it answered with the error `{0:?}`")]
    Refused(ErrorCode),
    #[error("its response body failed: {0}")]
    Body(wasmtime_wasi_http::Error),
    #[error("its response body is larger than its `output` limit ({0} bytes); raise `output` in the plugin's `limits` in the policy")]
    TooLarge(u64),
}

/// One request through the handler of `slot`'s instance: the call and the
/// reading of its answer run together, so that a body larger than the
/// stream's buffer does not wait for a reader that waits for the call.
async fn handle(slot: &mut Slot, scheme: Scheme, request: http::Request<Bytes>, output: u64) -> wasmtime::Result<http::Response<Bytes>> {
    let proxy = Proxy::new(&mut slot.store, &slot.instance)?;
    let (send, receive) = tokio::sync::oneshot::channel();
    let mut http = slot.store.data_mut().http();
    let request = http.new_incoming_request(scheme, request.map(Full::new))?;
    let out = http.new_response_outparam(send)?;
    let call = proxy.wasi_http_incoming_handler().call_handle(&mut slot.store, request, out);
    let read = async move {
        let response = receive.await.map_err(|_| Unanswered::NoResponse)?.map_err(Unanswered::Refused)?;
        let (parts, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.map_err(Unanswered::Body)?.into_data() {
                bytes.extend_from_slice(&data);
                if bytes.len() as u64 > output {
                    return Err(Unanswered::TooLarge(output));
                }
            }
        }
        Ok(http::Response::from_parts(parts, Bytes::from(bytes)))
    };
    let (called, read) = call_and_read(call, read).await;
    called?;
    Ok(read?)
}

/// Both futures to completion, polled together; when the call fails first
/// (a trap, the deadline) its error is the outcome and the reading stops.
async fn call_and_read<C, R>(call: C, read: R) -> (wasmtime::Result<()>, std::result::Result<http::Response<Bytes>, Unanswered>)
where
    C: Future<Output = wasmtime::Result<()>>,
    R: Future<Output = std::result::Result<http::Response<Bytes>, Unanswered>>,
{
    let mut call = std::pin::pin!(call);
    let mut read = std::pin::pin!(read);
    tokio::select! {
        called = &mut call => match called {
            Ok(()) => (Ok(()), read.await),
            Err(e) => (Err(e), Err(Unanswered::NoResponse)),
        },
        read = &mut read => (call.await, read),
    }
}
