//! Against a real OCI registry: Debian's `docker-registry` (the CNCF
//! distribution server, unpacked by `cargo xtask test` into
//! `target/tools/`), started on 127.0.0.1 with a random port and storage in
//! a temporary directory. Publish, list, pull byte for byte, immutable
//! versions, a blob altered in the registry's storage refused on pull; and
//! over TLS with a CA made for the test and htpasswd (bcrypt) users: the
//! right password works, a wrong one and an unknown CA are refused.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use polyplug_registry::{Artifact, OciOptions, OciRegistry, PackageRef, RegistryError};

#[path = "support/registry_server.rs"]
mod registry_server;

use registry_server::{Access, PASSWORD, Registry, USER, start_registry, start_registry_with};

fn options(registry: &Registry) -> OciOptions {
    OciOptions { registry: registry.address.clone(), prefix: "plugins/".into(), insecure_http: true, ..OciOptions::default() }
}

fn client(registry: &Registry) -> OciRegistry {
    OciRegistry::new(options(registry))
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

        // The catalog lists the packages under the prefix (what `polyplug search` reads), and a
        // description comes from the manifest alone.
        client.push(&"globex:auth@1.0.0".parse().unwrap(), &artifact("auth-rust")).await.unwrap();
        let outside = OciRegistry::new(OciOptions { prefix: "elsewhere/".into(), ..options(&registry) });
        outside.push(&"initech:hidden@1.0.0".parse().unwrap(), &artifact("auth-rust")).await.unwrap();
        let packages: Vec<String> = client.packages().await.unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(packages, ["acme:reshaper", "globex:auth"]);
        let description = client.description(&first).await.unwrap();
        assert_eq!(description.as_deref(), Some("Renames, maps, drops and filters fields of JSON messages"));
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
    let (registry, secured) = start_registry_with(Access::PasswordsOverTls);
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

#[test]
fn a_registry_that_wants_bearer_tokens_gets_them_for_the_right_password_only() {
    let (registry, _) = start_registry_with(Access::Tokens);
    let connect = |credentials: Option<(&str, &str)>| {
        OciRegistry::new(OciOptions {
            credentials: credentials.map(|(user, password)| (user.to_string(), password.to_string())),
            ..options(&registry)
        })
    };
    runtime().block_on(async {
        let reference: PackageRef = "acme:reshaper@1.0.0".parse().unwrap();
        let published = artifact("transform-rust");
        // The password is traded at the token server for a token the registry accepts, for push and pull alike.
        let good = connect(Some((USER, PASSWORD)));
        good.push(&reference, &published).await.unwrap();
        assert_eq!(good.pull(&reference).await.unwrap().component, published.component);
        assert_eq!(good.versions(&reference.package).await.unwrap().len(), 1);

        for credentials in [Some((USER, "guess")), None] {
            let err = connect(credentials).pull(&reference).await.unwrap_err().to_string();
            assert!(err.contains("the registry refused the credentials"), "{err}");
            assert!(!err.contains("guess") && !err.contains(PASSWORD), "credentials are never printed: {err}");
        }
    });
}

/// What a progress report was told, in order.
#[derive(Default)]
struct Recorded(std::sync::Mutex<Vec<(String, u64, u64)>>);

impl polyplug_registry::Progress for Recorded {
    fn begin(&self, what: &str, total: u64) {
        self.0.lock().unwrap().push((what.to_string(), total, 0));
    }

    fn advance(&self, bytes: u64) {
        self.0.lock().unwrap().last_mut().expect("advance after begin").2 += bytes;
    }

    fn end(&self) {}
}

#[test]
fn transfers_report_their_progress_blob_by_blob() {
    let registry = start_registry();
    let recorded = std::sync::Arc::new(Recorded::default());
    let client = client(&registry).with_progress(recorded.clone());
    let reference: PackageRef = "acme:big@1.0.0".parse().unwrap();
    let published = artifact("transform-python");
    runtime().block_on(async {
        client.push(&reference, &published).await.unwrap();
        client.pull(&reference).await.unwrap();
    });
    let (config, component) = (published.config.len() as u64, published.component.len() as u64);
    let seen = recorded.0.lock().unwrap();
    let expected = [("config", config), ("component", component), ("config", config), ("component", component)]
        .map(|(part, size)| (format!("acme:big@1.0.0 {part}"), size, size));
    assert_eq!(*seen, expected, "every byte of every blob, up and down, counted against its size");
}
