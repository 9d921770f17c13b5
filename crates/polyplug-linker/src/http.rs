//! Outgoing HTTP (`wasi:http/outgoing-handler`) through wasmtime-wasi-http,
//! with a request hook enforcing the plugin's grant: a request to an origin
//! not granted, or to a granted host name that resolves to a non-public
//! address (loopback, private, link-local…) outside the grant's
//! `private-ranges`, fails with `HTTP-request-denied` and is audited.
//!
//! The hook resolves a host name itself and checks every address the name
//! resolves to. For `http`, the request then goes to exactly the address
//! that was checked (the request's authority is replaced by it; the `Host`
//! header keeps the name), so a name cannot be re-pointed between the check
//! and the connection. For `https`, polyplug's client (`https.rs`) connects
//! to the checked addresses and verifies the certificate for the name.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use polyplug_manifest::IpRange;
use polyplug_policy::{AuditEvent, AuditSink, HttpPattern};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// The request hook of one plugin instance.
pub(crate) struct OriginAllowlist {
    pub(crate) plugin: Arc<str>,
    pub(crate) allowed: Vec<HttpPattern>,
    /// The non-public ranges a granted name may resolve to (the grant's
    /// `private-ranges`).
    pub(crate) private_ranges: Arc<[IpRange]>,
    pub(crate) audit: Arc<dyn AuditSink>,
    /// What the current call has left: no request waits longer.
    pub(crate) time_left: Duration,
    /// The authorities `https` trusts.
    pub(crate) https: crate::HttpsTrust,
}

pub(crate) type IoFuture = Box<dyn Future<Output = Result<(), HttpError>> + Send>;
pub(crate) type SendResult = Result<(http::Response<WasiBody>, IoFuture), HttpError>;

impl WasiHttpHooks for OriginAllowlist {
    /// Lets through only granted origins, and only to addresses the grant
    /// allows: a granted host name is resolved here, and refused if any
    /// address it resolves to is non-public and not in `private-ranges`. An
    /// IP literal granted as such (`http://127.0.0.1:*`) names its address
    /// explicitly and is allowed.
    ///
    /// Requests then go to exactly the addresses that were checked: `http`
    /// through wasmtime-wasi-http's client with the request's authority
    /// replaced by the checked address (the `Host` header keeps the name),
    /// `https` through polyplug's own client (`https.rs`), which connects to
    /// the checked addresses and verifies the certificate for the name.
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: IoFuture,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("http").to_string();
        let host = uri.host().unwrap_or("").to_ascii_lowercase();
        let default_port = if scheme == "https" { 443 } else { 80 };
        let port = uri.port_u16().unwrap_or(default_port);
        let url = uri.to_string();
        if !self.allowed.iter().any(|pattern| pattern.matches(&scheme, &host, port)) {
            let origin = format!("{scheme}://{host}:{port}");
            self.audit.record(AuditEvent {
                plugin: self.plugin.to_string(),
                capability: "http",
                target: url,
                reason: format!("origin `{origin}` is not in the grant; grant it with `http = [\"{origin}\"]`"),
            });
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        // Connect, first byte and the gaps between bytes each get no more than
        // the call has left (wasi-http's own defaults are 600 s each); so
        // does the name lookup, within the connect timeout. Two deadline
        // ticks more, so that what ends a call at its deadline is the call's
        // own `timeout` (the wait for the response is bounded by it), never a
        // request error racing it that the plugin could catch and outlive.
        let left = self.time_left.saturating_add(polyplug_limits::TICK * 2);
        let cap = |asked: Option<Duration>| Some(asked.map_or(left, |asked| asked.min(left)));
        let options = RequestOptions {
            connect_timeout: cap(options.and_then(|o| o.connect_timeout)),
            first_byte_timeout: cap(options.and_then(|o| o.first_byte_timeout)),
            between_bytes_timeout: cap(options.and_then(|o| o.between_bytes_timeout)),
        };
        let guard =
            AddressGuard { plugin: self.plugin.clone(), private_ranges: self.private_ranges.clone(), audit: self.audit.clone(), url };
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            // An IP literal: no lookup. Granted by that very literal, it is
            // named explicitly; matched only by a wildcard (`*.0.0.1`), it
            // must be public or in `private-ranges` like a resolved name.
            let literal = self.allowed.iter().any(|pattern| pattern.host == host && pattern.matches(&scheme, &host, port));
            let addr = SocketAddr::new(ip, port);
            if !literal && guard.refuse(&format!("`{host}`, granted only through a wildcard pattern, is"), &[addr]) {
                return Box::new(async { Err(HttpError::HttpRequestDenied) });
            }
            if scheme == "https" {
                let trust = self.https.clone();
                let name = ip.to_string();
                return Box::new(async move { crate::https::send(request, &[addr], &name, options, &trust).await });
            }
            return wasmtime_wasi_http::default_hooks().send_request(request, Some(options), fut);
        }
        let trust = self.https.clone();
        Box::new(async move {
            let lookup = tokio::net::lookup_host((host.as_str(), port));
            let addrs: Vec<SocketAddr> = match tokio::time::timeout(options.connect_timeout.unwrap_or(Duration::ZERO), lookup).await {
                Err(_elapsed) => return Err(HttpError::DnsTimeout),
                Ok(Err(e)) => return Err(HttpError::DnsError { rcode: Some(format!("cannot resolve `{host}`: {e}")), info_code: None }),
                Ok(Ok(addrs)) => addrs.collect(),
            };
            let Some(&first) = addrs.first() else {
                return Err(HttpError::DestinationNotFound);
            };
            if guard.refuse(&format!("`{host}` resolves to"), &addrs) {
                return Err(HttpError::HttpRequestDenied);
            }
            if scheme == "https" {
                // Connects to the checked addresses, verifying the certificate for the name.
                return crate::https::send(request, &addrs, &host, options, &trust).await;
            }
            pin_to(&mut request, first)?;
            Box::into_pin(wasmtime_wasi_http::default_hooks().send_request(request, Some(options), fut)).await
        })
    }
}

/// Checks the addresses a request would reach, and audits a refusal.
struct AddressGuard {
    plugin: Arc<str>,
    private_ranges: Arc<[IpRange]>,
    audit: Arc<dyn AuditSink>,
    url: String,
}

impl AddressGuard {
    /// Whether to refuse a request reaching `addrs`: any of them non-public
    /// and outside `private-ranges`. A refusal is audited; `what` starts
    /// its reason (``"`localhost` resolves to"``).
    fn refuse(&self, what: &str, addrs: &[SocketAddr]) -> bool {
        let refused: Vec<(IpAddr, &str)> = addrs
            .iter()
            .map(|addr| addr.ip().to_canonical())
            .filter_map(|ip| non_public(ip).map(|kind| (ip, kind)))
            .filter(|(ip, _)| !self.private_ranges.iter().any(|range| range.contains(*ip)))
            .collect();
        if refused.is_empty() {
            return false;
        }
        let found: Vec<String> = refused.iter().map(|(ip, kind)| format!("{ip} ({kind})")).collect();
        let line: Vec<String> = refused.iter().map(|(ip, _)| format!("\"{}\"", IpRange::single(*ip))).collect();
        self.audit.record(AuditEvent {
            plugin: self.plugin.to_string(),
            capability: "http",
            target: self.url.clone(),
            reason: format!(
                "{what} {}: not a public address, and not in the grant's `private-ranges`; to allow it, add `private-ranges = [{}]` under `[plugins.{}]` in the policy",
                found.join(", "),
                line.join(", "),
                self.plugin,
            ),
        });
        true
    }
}

/// What kind of non-public address `ip` is (IPv4-mapped IPv6 addresses
/// converted first), or `None` for a public one.
fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if a == 100 && b & 0xc0 == 64 {
                Some("carrier-grade NAT")
            } else if a == 0 {
                Some("unspecified")
            } else if a >= 224 {
                Some("multicast or reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_unique_local() {
                Some("private")
            } else if v6.is_unicast_link_local() {
                Some("link-local")
            } else if segments[0] & 0xffc0 == 0xfec0 {
                Some("site-local")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                // NAT64 (64:ff9b::/96): judged by the IPv4 address it carries.
                let v4 = std::net::Ipv4Addr::from(u32::from(segments[6]) << 16 | u32::from(segments[7]));
                non_public(IpAddr::V4(v4))
            } else {
                None
            }
        }
    }
}

/// Sends `request` to `addr`, the address that was checked: its URI's
/// authority becomes `addr` (the `Host` header, set by wasi-http from the
/// original authority, keeps the name the server expects).
fn pin_to(request: &mut http::Request<WasiBody>, addr: SocketAddr) -> Result<(), HttpError> {
    if let Some(authority) = request.uri().authority().cloned() {
        let host = http::HeaderValue::from_str(authority.as_str()).map_err(|_| HttpError::HttpRequestUriInvalid)?;
        request.headers_mut().entry(http::header::HOST).or_insert(host);
    }
    let mut parts = request.uri().clone().into_parts();
    parts.authority = Some(addr.to_string().parse().map_err(|_| HttpError::HttpRequestUriInvalid)?);
    *request.uri_mut() = http::Uri::from_parts(parts).map_err(|_| HttpError::HttpRequestUriInvalid)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::non_public;

    #[test]
    fn non_public_addresses_are_recognised_in_every_form() {
        let kind = |ip: &str| non_public(ip.parse().unwrap());
        for (ip, expected) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("::ffff:10.0.0.1", "private"),
            ("fc00::1", "private"),
            ("fd12:3456::1", "private"),
            ("169.254.169.254", "link-local"),
            ("::ffff:169.254.169.254", "link-local"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("fe80::1", "link-local"),
            ("fec0::1", "site-local"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("::", "unspecified"),
            ("224.0.0.1", "multicast or reserved"),
            ("255.255.255.255", "multicast or reserved"),
            ("ff02::1", "multicast"),
        ] {
            assert_eq!(kind(ip), Some(expected), "{ip}");
        }
        for public in ["93.184.216.34", "172.32.0.1", "100.128.0.1", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"] {
            assert_eq!(kind(public), None, "{public}");
        }
    }
}
