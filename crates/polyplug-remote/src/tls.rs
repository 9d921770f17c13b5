//! rustls configurations (ring): the client's, trusting only a pinned CA and
//! presenting a client certificate for mutual TLS; the server's, requiring
//! client certificates from a given CA when asked.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read certificates from `{}`: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("`{}` holds a malformed certificate: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("`{}` holds no PEM certificate", path.display()));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| format!("cannot read a private key from `{}`: {e}", path.display()))
}

fn roots(ca: &Path) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certificates(ca)? {
        roots.add(cert).map_err(|e| format!("`{}` is not a usable CA certificate: {e}", ca.display()))?;
    }
    Ok(roots)
}

/// The client's TLS: only `ca` is trusted (none: no HTTPS endpoint can be
/// reached, which is right for a plugin configured without TLS); with
/// `identity` (certificate, key), mutual TLS.
pub(crate) fn client(ca: Option<&Path>, identity: Option<(&Path, &Path)>) -> Result<rustls::ClientConfig, String> {
    let roots = match ca {
        Some(ca) => roots(ca)?,
        None => rustls::RootCertStore::empty(),
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    let mut config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(certificates(cert)?, private_key(key)?)
            .map_err(|e| format!("the client certificate `{}` and key `{}` do not fit: {e}", cert.display(), key.display()))?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The server's TLS: its certificate and key; with `client_ca`, a client
/// certificate signed by it is required (mutual TLS).
pub(crate) fn server(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<rustls::ServerConfig, String> {
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match client_ca {
        Some(ca) => {
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots(ca)?), provider())
                .build()
                .map_err(|e| format!("the client CA `{}` cannot verify clients: {e}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certificates(cert)?, private_key(key)?)
        .map_err(|e| format!("the certificate `{}` and key `{}` do not fit: {e}", cert.display(), key.display()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
