//! Against a real OCI registry: Debian's `docker-registry` (the CNCF
//! distribution server, unpacked by `cargo xtask test` into
//! `target/tools/`), started on 127.0.0.1 with a random port and storage in
//! a temporary directory. Publish, list, pull byte for byte, immutable
//! versions, a blob altered in the registry's storage refused on pull; and
//! over TLS with a CA made for the test and htpasswd (bcrypt) users: the
//! right password works, a wrong one and an unknown CA are refused.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

use polyplug_registry::{Artifact, OciOptions, OciRegistry, PackageRef, RegistryError};

/// The `docker-registry` binary: `$POLYPLUG_DOCKER_REGISTRY`, else where xtask unpacks it.
fn registry_binary() -> PathBuf {
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
struct Registry {
    child: Child,
    address: String,
    storage: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a secured registry is started with: a CA, a server certificate it
/// signed for 127.0.0.1, and one htpasswd user (`ada`, bcrypt).
struct Secured {
    ca_pem: Vec<u8>,
}

const USER: &str = "ada";
const PASSWORD: &str = "correct horse battery staple";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the `openssl` command runs (Debian package openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A registry on a random port of 127.0.0.1; with `secured`, over TLS
/// (the CA returned) with htpasswd authentication.
fn start_registry_with(secured: bool) -> (Registry, Option<Secured>) {
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

fn start_registry() -> Registry {
    start_registry_with(false).0
}

fn client(registry: &Registry) -> OciRegistry {
    OciRegistry::new(OciOptions {
        registry: registry.address.clone(),
        prefix: "plugins/".into(),
        insecure_http: true,
        ..OciOptions::default()
    })
}

fn artifact(example: &str) -> Artifact {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(example).join("plugin.wasm");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask guests`", path.display()));
    Artifact::from_component(bytes, UNIX_EPOCH + Duration::from_secs(1_796_000_000), None).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn publish_list_and_pull_through_a_real_registry() {
    let registry = start_registry();
    let client = client(&registry);
    runtime().block_on(async {
        let first: PackageRef = "acme:reshaper@0.1.0".parse().unwrap();
        let second: PackageRef = "acme:reshaper@0.2.0".parse().unwrap();
        assert!(client.versions(&first.package).await.unwrap().is_empty(), "nothing published yet");
        let published = artifact("transform-rust");
        let digest = client.push(&first, &published).await.unwrap();
        assert_eq!(digest, published.manifest_digest(), "the registry holds our manifest byte for byte");
        client.push(&second, &artifact("transform-python")).await.unwrap();
        let versions: Vec<String> = client.versions(&first.package).await.unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(versions, ["0.1.0", "0.2.0"]);

        let pulled = client.pull(&first).await.unwrap();
        assert_eq!(pulled.component, published.component, "byte for byte");
        assert_eq!(pulled.manifest, published.manifest);
        assert_eq!(pulled.info().unwrap().target.as_deref(), Some("polyplug:plugin/transform@0.1.0"));

        // Where wkg looks for it: <registry>/<prefix><namespace>/<name>:<version>.
        let data = registry.storage.path().join("data/docker/registry/v2/repositories/plugins/acme/reshaper/_manifests/tags");
        assert!(data.join("0.1.0").is_dir() && data.join("0.2.0").is_dir(), "{}", data.display());

        let err = client.pull(&"acme:reshaper@9.9.9".parse().unwrap()).await.unwrap_err().to_string();
        assert!(err.contains("acme:reshaper@9.9.9 is not in http://127.0.0.1:"), "{err}");
    });
}

#[test]
fn a_published_version_cannot_be_replaced_in_a_registry() {
    let registry = start_registry();
    let client = client(&registry);
    runtime().block_on(async {
        let reference: PackageRef = "acme:reshaper@1.0.0".parse().unwrap();
        client.push(&reference, &artifact("transform-rust")).await.unwrap();
        client.push(&reference, &artifact("transform-rust")).await.expect("the same bytes again: a no-op");
        let err = client.push(&reference, &artifact("transform-python")).await.unwrap_err();
        assert!(matches!(err, RegistryError::VersionExists { .. }), "{err}");
    });
}

#[test]
fn a_blob_altered_in_the_registry_is_refused() {
    let registry = start_registry();
    let client = client(&registry);
    runtime().block_on(async {
        let reference: PackageRef = "acme:reshaper@1.0.0".parse().unwrap();
        let published = artifact("transform-rust");
        client.push(&reference, &published).await.unwrap();
        // The registry's filesystem storage keeps blob bytes at blobs/sha256/<2 hex>/<hex>/data.
        let layer = polyplug_registry::digest(&published.component);
        let hex = layer.strip_prefix("sha256:").unwrap();
        let blob = registry.storage.path().join("data/docker/registry/v2/blobs/sha256").join(&hex[..2]).join(hex).join("data");
        let mut bytes = std::fs::read(&blob).unwrap();
        bytes[100] ^= 0xff;
        std::fs::write(&blob, bytes).unwrap();
        let err = client.pull(&reference).await.unwrap_err();
        assert!(matches!(err, RegistryError::DigestMismatch { .. }), "{err}");
        assert!(err.to_string().contains(&format!("does not match its digest (expected {layer}")), "{err}");
    });
}

#[test]
fn a_registry_over_tls_with_passwords_takes_the_right_ones_only() {
    let (registry, secured) = start_registry_with(true);
    let ca = secured.unwrap().ca_pem;
    let connect = |password: &str, roots: Vec<Vec<u8>>| {
        OciRegistry::new(OciOptions {
            registry: registry.address.clone(),
            prefix: String::new(),
            insecure_http: false,
            extra_roots: roots,
            credentials: Some((USER.into(), password.into())),
        })
    };
    runtime().block_on(async {
        let reference: PackageRef = "acme:reshaper@1.0.0".parse().unwrap();
        let published = artifact("transform-rust");
        let good = connect(PASSWORD, vec![ca.clone()]);
        good.push(&reference, &published).await.unwrap();
        assert_eq!(good.pull(&reference).await.unwrap().component, published.component);
        assert_eq!(good.versions(&reference.package).await.unwrap().len(), 1);

        let err = connect("guess", vec![ca.clone()]).pull(&reference).await.unwrap_err().to_string();
        assert!(err.contains("the registry refused the credentials"), "{err}");
        assert!(!err.contains("guess") && !err.contains(PASSWORD), "credentials are never printed: {err}");

        let err = connect(PASSWORD, Vec::new()).pull(&reference).await.unwrap_err().to_string();
        assert!(err.contains("certificate") && err.contains("not trusted here: add its CA"), "{err}");
        assert!(!err.contains(PASSWORD), "{err}");
    });
}
