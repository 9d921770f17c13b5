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

/// A registry on a random port of 127.0.0.1; with `secured`, over TLS
/// (the CA returned) with htpasswd authentication.
pub fn start_registry_with(secured: bool) -> (Registry, Option<Secured>) {
    let storage = tempfile::tempdir().unwrap();
    let dir = storage.path();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("127.0.0.1:{port}");
    let mut config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
        dir.join("data").display()
    );
    let mut secrets = None;
    if secured {
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
    // answers); a bound on "at all", not a timing.
    let patience = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut stream) = TcpStream::connect(&registry.address) {
            if secured {
                return (registry, secrets);
            }
            let _ = write!(stream, "GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", registry.address);
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                return (registry, secrets);
            }
        }
        assert!(Instant::now() < patience, "docker-registry did not answer on {} within 20 s", registry.address);
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn start_registry() -> Registry {
    start_registry_with(false).0
}

