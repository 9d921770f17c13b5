//! Outgoing `https` to an address already checked against the grant.
//!
//! wasmtime-wasi-http's default client takes both the address to connect to
//! and the TLS server name from the request's authority, so it would resolve
//! a granted name again, after the grant's address check, and a DNS answer
//! changed in between (DNS rebinding) would reach an address never checked.
//! This client connects to the checked addresses themselves and verifies the
//! server's certificate for the granted name: what was checked is what is
//! reached.

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use http_body_util::BodyExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

use crate::LinkError;
use crate::http::{IoFuture, SendResult};

/// The certificate authorities outgoing `https` trusts: the public web's
/// (Mozilla's list, built in), plus any the host adds (a company CA).
/// Made once per host; cheap to clone.
#[derive(Clone)]
pub struct HttpsTrust {
    config: Arc<rustls::ClientConfig>,
}

impl HttpsTrust {
    /// The public web's authorities, plus every certificate in `extra_pem`
    /// (PEM, any number of `CERTIFICATE` blocks; empty for none).
    pub fn new(extra_pem: &[u8]) -> Result<HttpsTrust, LinkError> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for cert in CertificateDer::pem_slice_iter(extra_pem) {
            let cert = cert.map_err(|e| LinkError::Trust(format!("the extra HTTPS root certificates are not valid PEM: {e}")))?;
            roots.add(cert).map_err(|e| LinkError::Trust(format!("an extra HTTPS root certificate is not usable: {e}")))?;
        }
        let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
        Ok(HttpsTrust { config: Arc::new(config) })
    }
}

impl Default for HttpsTrust {
    /// The public web's authorities only.
    fn default() -> Self {
        // Built-in roots only: nothing that could fail to parse.
        Self::new(&[]).unwrap_or_else(|e| unreachable!("{e}"))
    }
}

/// Sends `request` over TLS to the first of `addrs` that accepts a
/// connection, verifying the certificate for `server_name`. `options` holds
/// the (already capped) timeouts: connect (TCP and TLS handshake) and first
/// byte; the gaps between body bytes are bounded by the call's deadline
/// through the wait functions (`bounded.rs`).
pub(crate) async fn send(
    mut request: http::Request<WasiBody>,
    addrs: &[SocketAddr],
    server_name: &str,
    options: RequestOptions,
    trust: &HttpsTrust,
) -> SendResult {
    let connect = options.connect_timeout.unwrap_or(Duration::ZERO);
    let first_byte = options.first_byte_timeout.unwrap_or(Duration::ZERO);
    let name = ServerName::try_from(server_name.to_string())?;
    let mut last = HttpError::DestinationNotFound;
    let mut stream = None;
    for addr in addrs {
        match tokio::time::timeout(connect, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => {
                stream = Some(tcp);
                break;
            }
            Ok(Err(e)) => last = HttpError::Connect(e),
            Err(_elapsed) => last = HttpError::ConnectionTimeout,
        }
    }
    let tcp = stream.ok_or(last)?;
    let tls = tokio_rustls::TlsConnector::from(trust.config.clone());
    let tls = match tokio::time::timeout(connect, tls.connect(name, tcp)).await {
        Ok(stream) => stream.map_err(HttpError::Tls)?,
        Err(_elapsed) => return Err(HttpError::ConnectionTimeout),
    };
    let (mut sender, conn) = match tokio::time::timeout(connect, hyper::client::conn::http1::handshake(TokioIo::new(tls))).await {
        Ok(handshake) => handshake?,
        Err(_elapsed) => return Err(HttpError::ConnectionTimeout),
    };
    // Over a direct connection the request line carries only the path.
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    *request.uri_mut() = path.parse().map_err(|_| HttpError::HttpRequestUriInvalid)?;

    // The connection must be driven while the response is awaited.
    let mut conn = Some(Box::pin(conn));
    let mut response = pin!(sender.send_request(request));
    let waited = tokio::time::timeout(
        first_byte,
        std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = response.as_mut().poll(cx) {
                return Poll::Ready(result.map_err(HttpError::from));
            }
            match conn.as_mut().map(|c| c.as_mut().poll(cx)) {
                Some(Poll::Ready(Ok(()))) => {
                    conn = None;
                    response.as_mut().poll(cx).map(|r| r.map_err(HttpError::from))
                }
                Some(Poll::Ready(Err(e))) => Poll::Ready(Err(HttpError::from(e))),
                Some(Poll::Pending) | None => Poll::Pending,
            }
        }),
    )
    .await;
    let response = match waited {
        Ok(response) => response?,
        Err(_elapsed) => return Err(HttpError::ConnectionReadTimeout),
    };
    let io: IoFuture = Box::new(async move {
        match conn {
            Some(conn) => conn.await.map_err(HttpError::from),
            None => Ok(()),
        }
    });
    Ok((response.map(|body| body.map_err(HttpError::from).boxed_unsync()), io))
}
