//! A real OCI registry for tests: Debian's `docker-registry` (the CNCF
//! distribution server, unpacked by `cargo xtask test` into
//! `target/tools/`), started on 127.0.0.1 with a random port and storage in
//! a temporary directory; optionally over TLS with a CA made for the test and
//! one htpasswd (bcrypt) user. Shared by the registry crate's tests and the
//! command line's (`#[path]`-included).

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `docker-registry` binary: `$POLYPLUG_DOCKER_REGISTRY`, else where xtask unpacks it.
pub fn registry_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("POLYPLUG_DOCKER_REGISTRY") {
        return path.into();
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../tools/docker-registry/usr/bin/docker-registry");
    assert!(
        path.exists(),
        "{} is missing: `cargo xtask test` fetches Debian's docker-registry package into target/tools (or set POLYPLUG_DOCKER_REGISTRY)",
        path.display()
    );
    path
}

/// A running registry, stopped when dropped.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub address: String,
    /// Its storage directory (tests alter blobs there).
    pub storage: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a secured registry is started with: a CA, a server certificate it
/// signed for 127.0.0.1, and one htpasswd user (`ada`, bcrypt).
pub struct Secured {
    /// The CA certificate, PEM.
    pub ca_pem: Vec<u8>,
}

pub const USER: &str = "ada";
pub const PASSWORD: &str = "correct horse battery staple";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the `openssl` command runs (Debian package openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// How a test registry lets clients in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Plain HTTP, anyone.
    Open,
    /// TLS (a CA made for the test) and htpasswd (bcrypt) users.
    PasswordsOverTls,
    /// Plain HTTP and bearer tokens from a token server of the test's own
    /// (the Docker registry token protocol: the client trades its password
    /// for a signed JWT), which knows one user.
    Tokens,
}

/// A registry on a random port of 127.0.0.1, letting clients in as `access`
/// says; the CA to trust when it speaks TLS.
pub fn start_registry_with(access: Access) -> (Registry, Option<Secured>) {
    let storage = tempfile::tempdir().unwrap();
    let dir = storage.path();
    let address = format!("127.0.0.1:{}", free_port());
    let mut config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
        dir.join("data").display()
    );
    let mut secrets = None;
    match access {
        Access::Open => {}
        Access::PasswordsOverTls => {
            // A CA of its own and a separate leaf: rustls refuses a self-signed end entity.
            openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=polyplug test CA"]);
            openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
            std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
            openssl(dir, &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"]);
            let hash = bcrypt::hash(PASSWORD, 5).unwrap();
            std::fs::write(dir.join("htpasswd"), format!("{USER}:{hash}\n")).unwrap();
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\nauth:\n  htpasswd:\n    realm: polyplug-test\n    path: {}\n",
                dir.join("server.pem").display(),
                dir.join("server.key").display(),
                dir.join("htpasswd").display()
            ));
            secrets = Some(Secured { ca_pem: std::fs::read(dir.join("ca.pem")).unwrap() });
        }
        Access::Tokens => {
            let realm = start_token_server(dir);
            config.push_str(&format!(
                "auth:\n  token:\n    realm: {realm}\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                dir.join("token.pem").display()
            ));
        }
    }
    let config_path = dir.join("config.yml");
    std::fs::write(&config_path, config).unwrap();
    let child = Command::new(registry_binary())
        .arg("serve")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry starts");
    let registry = Registry { child, address, storage };
    // Ready when it accepts connections (and, over plain HTTP, `GET /v2/`
    // answers: 200 when open, 401 when it wants a token); a bound on "at all", not a timing.
    let ready = match access {
        Access::Open => Some(" 200"),
        Access::Tokens => Some(" 401"),
        Access::PasswordsOverTls => None,
    };
    let patience = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut stream) = TcpStream::connect(&registry.address) {
            let Some(status) = ready else { return (registry, secrets) };
            let _ = write!(stream, "GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", registry.address);
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.lines().next().is_some_and(|line| line.contains(status)) {
                return (registry, secrets);
            }
        }
        assert!(Instant::now() < patience, "docker-registry did not answer on {} within 20 s", registry.address);
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn start_registry() -> Registry {
    start_registry_with(Access::Open).0
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

const TOKEN_SERVICE: &str = "polyplug-test";
const TOKEN_ISSUER: &str = "polyplug-test-issuer";

/// A token server on 127.0.0.1, on a thread of its own for the rest of the
/// test binary: `GET /token?service=…&scope=…` with the user's password
/// (Basic) answers a JWT granting the scopes asked, signed (RS256) by a key
/// whose certificate it writes to `dir/token.pem` for the registry to trust;
/// any other credentials get `401`. Returns its realm URL.
fn start_token_server(dir: &Path) -> String {
    openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key", "-out", "token.pem", "-days", "2", "-subj", "/CN=polyplug test tokens"]);
    openssl(dir, &["pkcs8", "-topk8", "-nocrypt", "-in", "token.key", "-outform", "DER", "-out", "token.pk8"]);
    openssl(dir, &["x509", "-in", "token.pem", "-outform", "DER", "-out", "token.der"]);
    let key = ring::signature::RsaKeyPair::from_pkcs8(&std::fs::read(dir.join("token.pk8")).unwrap()).unwrap();
    let certificate = std::fs::read(dir.join("token.der")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let realm = format!("http://{}/token", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer_token_request(stream, &key, &certificate);
        }
    });
    realm
}

fn answer_token_request(mut stream: TcpStream, key: &ring::signature::RsaKeyPair, certificate: &[u8]) {
    use base64::Engine;
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        request.push(byte[0]);
    }
    let request = String::from_utf8_lossy(&request);
    let expected = format!("basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}")));
    let authorized = request.lines().any(|line| line.to_ascii_lowercase().starts_with("authorization:") && line[14..].trim().eq_ignore_ascii_case(&expected));
    if !authorized {
        let _ = stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let target = request.lines().next().and_then(|line| line.split(' ').nth(1)).unwrap_or_default();
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let access: Vec<serde_json::Value> = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("scope="))
        .map(percent_decoded)
        .filter_map(|scope| {
            let mut parts = scope.splitn(3, ':');
            let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
            Some(serde_json::json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
        })
        .collect();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let url = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5c": [base64::engine::general_purpose::STANDARD.encode(certificate)]});
    let claims = serde_json::json!({
        "iss": TOKEN_ISSUER, "sub": USER, "aud": TOKEN_SERVICE, "exp": now + 300, "nbf": now - 10, "iat": now,
        "jti": format!("{now}-{}", access.len()), "access": access,
    });
    let signing_input = format!("{}.{}", url.encode(header.to_string()), url.encode(claims.to_string()));
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature).unwrap();
    let token = format!("{signing_input}.{}", url.encode(signature));
    let body = serde_json::json!({"token": token, "access_token": token, "expires_in": 300}).to_string();
    let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
}

/// `text` with its `%XX` escapes (and `+`) decoded.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
