//! Outgoing HTTPS reaches exactly the address that was checked, and verifies
//! the server's certificate for the granted name: against a real TLS server
//! on loopback, with a certificate authority made for the test by `openssl`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use polyplug_host::{Host, Plugin};
use polyplug_policy::Policy;
use serde_json::{Value as Json, json};

/// A CA and a server certificate for `localhost` (and 127.0.0.1, ::1) signed by it.
struct Certificates {
    ca_pem: Vec<u8>,
    server_cert: PathBuf,
    server_key: PathBuf,
    _dir: tempfile::TempDir,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the `openssl` command runs (Debian package openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn certificates() -> Certificates {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A CA of its own and a separate leaf: rustls refuses a self-signed end entity.
    openssl(d, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=polyplug test CA"]);
    openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
    std::fs::write(d.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n").unwrap();
    openssl(d, &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"]);
    Certificates { ca_pem: std::fs::read(d.join("ca.pem")).unwrap(), server_cert: d.join("server.pem"), server_key: d.join("server.key"), _dir: dir }
}

/// A TLS server on 127.0.0.1 and [::1] (same port) answering `hello` to every request.
fn https_server(certs: &Certificates) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&certs.server_cert).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(&certs.server_key).unwrap();
    let config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = v4.local_addr().unwrap().port();
    let v6 = std::net::TcpListener::bind(("::1", port)).ok();
    for listener in std::iter::once(v4).chain(v6) {
        let acceptor = acceptor.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
            runtime.block_on(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                listener.set_nonblocking(true).unwrap();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else { continue };
                    let Ok(mut tls) = acceptor.accept(tcp).await else { continue };
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") && tls.read(&mut byte).await.is_ok_and(|n| n == 1) {
                        head.push(byte[0]);
                    }
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello").await;
                    let _ = tls.shutdown().await;
                }
            });
        });
    }
    port
}

/// `hostile-rust` requesting HTTPS to `https://localhost:*`.
fn hostile_requesting_https_localhost() -> PathBuf {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/hostile-rust/polyplug.toml")).unwrap();
    let manifest = manifest.replace("http = [\"http://127.0.0.1:*\"]", "http = [\"https://localhost:*\"]");
    let bytes = std::fs::read(common::guest("hostile-rust")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("https");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hostile-https.wasm");
    std::fs::write(&path, polyplug_manifest::embed(&bytes, &manifest).unwrap()).unwrap();
    path
}

fn host(component: &Path, trusted_ca: Option<&[u8]>) -> Host {
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(component).unwrap()));
    let text = format!(
        "[plugins.hostile-rust]\nsha256 = [\"{digest}\"]\nlog = true\nstdio = true\nfiles = [{{ host = {:?}, guest = \"/data\" }}]\nenv = [\"POLYPLUG_TEST_GRANTED\"]\nsockets = [\"tcp:127.0.0.1:9\"]\nkv = {{ quota = \"16 KiB\" }}\nhttp = [\"https://localhost:*\"]\nprivate-ranges = [\"127.0.0.0/8\", \"::1/128\"]\n",
        common::data_dir().display().to_string()
    );
    let builder = Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(Policy::from_toml(&text, "policy.toml").unwrap())
        .audit(common::audit().clone());
    let builder = match trusted_ca {
        Some(pem) => builder.trust_https_roots(pem),
        None => builder,
    };
    builder.build().unwrap()
}

fn fetch(plugin: &Plugin, url: &str) -> Json {
    plugin.call_json("transformer", "transform", &[json!({"payload": format!("fetch:{url}"), "content-type": "text/plain", "headers": []})]).unwrap()
}

#[test]
fn https_reaches_the_checked_address_and_verifies_the_certificate_for_the_name() {
    let certs = certificates();
    let port = https_server(&certs);
    let component = hostile_requesting_https_localhost();
    let url = format!("https://localhost:{port}/greeting");

    // Trusting the test CA, the request goes through to the checked loopback address.
    let plugin = host(&component, Some(&certs.ca_pem)).load_file(&component).unwrap();
    let out = fetch(&plugin, &url);
    assert_eq!(out["tag"], "ok", "{out}");
    assert_eq!(out["val"]["payload"], "200 hello");

    // Without it, the same server is refused: its certificate is not trusted.
    let plugin = host(&component, None).load_file(&component).unwrap();
    let out = fetch(&plugin, &url);
    assert_eq!(out["tag"], "err", "{out}");
    // (wasi:http has no finer code for an untrusted certificate than this one.)
    assert_eq!(out["val"], "request failed: ErrorCode::TlsProtocolError");
}

#[test]
fn a_bad_extra_root_certificate_is_a_setup_error() {
    let pem = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    let err = Host::builder().trust_https_roots(pem).no_cache().build().err().unwrap();
    assert!(err.to_string().starts_with("cannot set up the polyplug host: cannot set up outgoing HTTPS: an extra HTTPS root certificate is not usable: "), "{err}");
}
