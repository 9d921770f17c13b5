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

/// A client of one OCI registry.
pub struct OciRegistry {
    client: Client,
    options: OciOptions,
    auth: RegistryAuth,
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
        OciRegistry { client: Client::new(config), options, auth }
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
        for (descriptor, bytes) in [(&config, &artifact.config), (&layer, &artifact.component)] {
            self.client
                .push_blob(&image, bytes.clone(), &descriptor.digest)
                .await
                .map_err(|e| self.failed(&format!("uploading a blob of {reference}"), e))?;
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
        for descriptor in [&config, &layer] {
            let mut bytes = Vec::with_capacity(usize::try_from(descriptor.size).unwrap_or_default());
            // oci-client checks the digest as it streams; `from_parts` checks again, with our error.
            match self.client.pull_blob(&image, descriptor.digest.as_str(), &mut bytes).await {
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
