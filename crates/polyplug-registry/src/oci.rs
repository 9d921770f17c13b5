//! An OCI registry (any CNCF distribution server: Docker Hub, GHCR, Harbor,
//! Zot, `docker-registry`), through the `oci-client` crate. The artifact's
//! bytes go up and come down exactly as [`Artifact`] holds them (blobs and
//! the raw manifest), so its digest is the registry's digest, and every blob
//! pulled is checked against it.

use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::artifact::{Artifact, MANIFEST_MEDIA_TYPE};
use crate::{PackageName, PackageRef, RegistryError};

/// Where an OCI registry is and how to talk to it.
#[derive(Clone, Default)]
pub struct OciOptions {
    /// `host[:port]`, e.g. `ghcr.io` or `127.0.0.1:5000`.
    pub registry: String,
    /// Put before `<namespace>/<name>` (as written, with its own trailing
    /// `/` if it has one), as `wkg`'s `namespacePrefix`.
    pub prefix: String,
    /// Plain HTTP instead of HTTPS: only when explicitly allowed for this registry.
    pub insecure_http: bool,
    /// PEM certificates to trust besides the system's (a private CA).
    pub extra_roots: Vec<Vec<u8>>,
    /// Basic credentials (the client exchanges them for a bearer token when
    /// the registry asks for one). Never printed.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for OciOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciOptions")
            .field("registry", &self.registry)
            .field("prefix", &self.prefix)
            .field("insecure_http", &self.insecure_http)
            .field("extra_roots", &self.extra_roots.len())
            .field("credentials", &self.credentials.as_ref().map(|(user, _)| format!("{user}:<hidden>")))
            .finish()
    }
}

/// Told how a transfer goes, for whoever shows it (a progress bar in the
/// command line; this crate draws nothing).
pub trait Progress: Send + Sync {
    /// A transfer of `total` bytes begins; `what` says which, e.g.
    /// `acme:auth-jwt@1.2.0 component`.
    fn begin(&self, what: &str, total: u64);
    /// `bytes` more have moved.
    fn advance(&self, bytes: u64);
    /// The transfer is over.
    fn end(&self);
}

/// A client of one OCI registry.
pub struct OciRegistry {
    client: Client,
    options: OciOptions,
    auth: RegistryAuth,
    progress: Option<std::sync::Arc<dyn Progress>>,
}

impl OciRegistry {
    /// A client for the registry `options` describe.
    pub fn new(options: OciOptions) -> OciRegistry {
        // reqwest is built without a default crypto provider; polyplug uses ring throughout.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = ClientConfig {
            protocol: if options.insecure_http { ClientProtocol::Http } else { ClientProtocol::Https },
            extra_root_certificates: options
                .extra_roots
                .iter()
                .map(|pem| Certificate { encoding: CertificateEncoding::Pem, data: pem.clone() })
                .collect(),
            ..ClientConfig::default()
        };
        let auth = match &options.credentials {
            Some((user, password)) => RegistryAuth::Basic(user.clone(), password.clone()),
            None => RegistryAuth::Anonymous,
        };
        OciRegistry { client: Client::new(config), options, auth, progress: None }
    }

    /// Reports every blob pushed or pulled to `progress`.
    pub fn with_progress(mut self, progress: std::sync::Arc<dyn Progress>) -> OciRegistry {
        self.progress = Some(progress);
        self
    }

    /// What the registry is called in messages.
    pub fn name(&self) -> String {
        format!("{}{}", if self.options.insecure_http { "http://" } else { "https://" }, self.options.registry)
    }

    fn reference(&self, package: &PackageName, tag: &str) -> Reference {
        Reference::with_tag(self.options.registry.clone(), package.repository(&self.options.prefix), tag.to_string())
    }

    fn failed(&self, what: &str, error: oci_client::errors::OciDistributionError) -> RegistryError {
        RegistryError::Remote { registry: self.name(), what: what.to_string(), reason: explain(&error) }
    }

    /// Publishes `artifact` as `reference`: the blobs, then the manifest,
    /// byte for byte. A version already there with other contents is refused
    /// (versions are immutable); the same contents again is a no-op.
    pub async fn push(&self, reference: &PackageRef, artifact: &Artifact) -> Result<String, RegistryError> {
        let image = self.reference(&reference.package, &reference.tag());
        let digest = artifact.manifest_digest();
        match self.client.fetch_manifest_digest(&image, &self.auth).await {
            Ok(existing) if existing == digest => return Ok(digest),
            Ok(_) => return Err(RegistryError::VersionExists { reference: reference.to_string(), registry: self.name() }),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(self.failed(&format!("checking whether {reference} exists"), e)),
        }
        let (config, layer) = artifact.descriptors()?;
        for (part, descriptor, bytes) in [("config", &config, &artifact.config), ("component", &layer, &artifact.component)] {
            // An upload goes in one request: its progress moves when it is done.
            if let Some(progress) = &self.progress {
                progress.begin(&format!("{reference} {part}"), descriptor.size);
            }
            let pushed = self.client.push_blob(&image, bytes.clone(), &descriptor.digest).await;
            if let Some(progress) = &self.progress {
                progress.advance(descriptor.size);
                progress.end();
            }
            pushed.map_err(|e| self.failed(&format!("uploading a blob of {reference}"), e))?;
        }
        let content_type = http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE);
        self.client
            .push_manifest_raw(&image, artifact.manifest.clone(), content_type)
            .await
            .map_err(|e| self.failed(&format!("uploading the manifest of {reference}"), e))?;
        Ok(digest)
    }

    /// The published versions of `package`, lowest first: tags that are
    /// semver versions (`latest`, `sha256-…` and other tags are not versions).
    pub async fn versions(&self, package: &PackageName) -> Result<Vec<semver::Version>, RegistryError> {
        let image = self.reference(package, "latest");
        let tags = match self.client.list_tags(&image, &self.auth, None, None).await {
            Ok(tags) => tags.tags,
            Err(e) if is_not_found(&e) => Vec::new(),
            Err(e) => return Err(self.failed(&format!("listing the versions of {package}"), e)),
        };
        let mut versions: Vec<semver::Version> = tags.iter().filter_map(|tag| tag.parse().ok()).collect();
        versions.sort();
        Ok(versions)
    }

    /// Every package under this registry's prefix, from its catalog
    /// (`/v2/_catalog`, read page by page). Registries that offer no catalog
    /// to this client (GHCR, Docker Hub) refuse, saying so.
    pub async fn packages(&self) -> Result<Vec<PackageName>, RegistryError> {
        const PAGE: usize = 100;
        let any = self.reference(&PackageName { namespace: "polyplug".into(), name: "catalog".into() }, "latest");
        let mut packages = Vec::new();
        let mut last: Option<String> = None;
        loop {
            let page = self.client.catalog(&any, &self.auth, Some(PAGE), last.as_deref()).await.map_err(|e| RegistryError::Remote {
                registry: self.name(),
                what: "reading the catalog".into(),
                reason: format!(
                    "{}; a registry without a catalog cannot be searched: `polyplug list <namespace:name>` lists one package's versions",
                    explain(&e)
                ),
            })?;
            let count = page.repositories.len();
            for repository in &page.repositories {
                let Some(path) = repository.strip_prefix(self.options.prefix.as_str()) else { continue };
                if let Some((namespace, name)) = path.split_once('/')
                    && let Ok(package) = format!("{namespace}:{name}").parse::<PackageName>()
                {
                    packages.push(package);
                }
            }
            match page.repositories.last() {
                Some(next) if count == PAGE => last = Some(next.clone()),
                _ => break,
            }
        }
        packages.sort_by_key(ToString::to_string);
        Ok(packages)
    }

    /// The description `reference`'s manifest carries, read without the component.
    pub async fn description(&self, reference: &PackageRef) -> Result<Option<String>, RegistryError> {
        let image = self.reference(&reference.package, &reference.tag());
        match self.client.pull_manifest_raw(&image, &self.auth, &[MANIFEST_MEDIA_TYPE]).await {
            Ok((manifest, _)) => Ok(crate::artifact::manifest_description(&manifest)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.failed(&format!("fetching the manifest of {reference}"), e)),
        }
    }

    /// The artifact published as `reference`, every blob checked against its digest.
    pub async fn pull(&self, reference: &PackageRef) -> Result<Artifact, RegistryError> {
        let image = self.reference(&reference.package, &reference.tag());
        let (manifest, _) = match self.client.pull_manifest_raw(&image, &self.auth, &[MANIFEST_MEDIA_TYPE]).await {
            Ok(found) => found,
            Err(e) if is_not_found(&e) => {
                return Err(RegistryError::NotFound { reference: reference.to_string(), registry: self.name() });
            }
            Err(e) => return Err(self.failed(&format!("fetching the manifest of {reference}"), e)),
        };
        let probe = Artifact { manifest: manifest.to_vec(), config: Vec::new(), component: Vec::new() };
        let (config, layer) = probe.descriptors()?;
        let mut blobs = Vec::new();
        for (part, descriptor) in [("config", &config), ("component", &layer)] {
            let mut bytes = Vec::with_capacity(usize::try_from(descriptor.size).unwrap_or_default());
            let progress = self.progress.as_deref();
            if let Some(progress) = progress {
                progress.begin(&format!("{reference} {part}"), descriptor.size);
            }
            // oci-client checks the digest as it streams; `from_parts` checks again, with our error.
            let pulled = self.client.pull_blob(&image, descriptor.digest.as_str(), Counting { out: &mut bytes, progress }).await;
            if let Some(progress) = progress {
                progress.end();
            }
            match pulled {
                Ok(()) => {}
                Err(oci_client::errors::OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError { .. })) => {
                    return Err(RegistryError::DigestMismatch {
                        what: "blob the registry sent",
                        expected: descriptor.digest.clone(),
                        actual: crate::digest(&bytes),
                    });
                }
                Err(e) => return Err(self.failed(&format!("downloading a blob of {reference}"), e)),
            }
            blobs.push(bytes);
        }
        let component = blobs.pop().unwrap_or_default();
        let config_bytes = blobs.pop().unwrap_or_default();
        Artifact::from_parts(probe.manifest, config_bytes, component)
    }
}

/// A blob's bytes as they arrive, counted for a progress report.
struct Counting<'a> {
    out: &'a mut Vec<u8>,
    progress: Option<&'a dyn Progress>,
}

impl tokio::io::AsyncWrite for Counting<'_> {
    fn poll_write(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>, buf: &[u8]) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.out.extend_from_slice(buf);
        if let Some(progress) = this.progress {
            progress.advance(buf.len() as u64);
        }
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

fn is_not_found(error: &oci_client::errors::OciDistributionError) -> bool {
    use oci_client::errors::{OciDistributionError, OciErrorCode};
    match error {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::RegistryError { envelope, .. } => envelope
            .errors
            .iter()
            .any(|e| matches!(e.code, OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::BlobUnknown)),
        OciDistributionError::ServerError { code, .. } => *code == 404,
        _ => false,
    }
}

/// An oci-client error in words a person acts on.
fn explain(error: &oci_client::errors::OciDistributionError) -> String {
    use oci_client::errors::OciDistributionError;
    match error {
        OciDistributionError::AuthenticationFailure(_) | OciDistributionError::UnauthorizedError { .. } => {
            "the registry refused the credentials: check the user and password (Docker config file or POLYPLUG_REGISTRY_USERNAME / POLYPLUG_REGISTRY_PASSWORD)".into()
        }
        OciDistributionError::RequestError(e) => {
            // reqwest's own text hides the cause (a refused connection, a certificate): say it.
            let mut chain = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                chain.push_str(": ");
                chain.push_str(&cause.to_string());
                source = cause.source();
            }
            if chain.contains("certificate") {
                format!("{chain}; the registry's TLS certificate is not trusted here: add its CA to the extra root certificates")
            } else if e.is_connect() {
                format!("cannot connect ({chain}); is the registry running, and is it HTTPS or (explicitly allowed) plain HTTP?")
            } else {
                chain
            }
        }
        other => other.to_string(),
    }
}
