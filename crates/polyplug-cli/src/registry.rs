//! `polyplug publish`, `list` and `pull`: plugins to and from a registry,
//! a local directory (`--registry ./plugins`) or an OCI registry
//! (`--registry ghcr.io/acme-plugins/`), through `polyplug-registry`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use polyplug_registry::{Artifact, LocalRegistry, OciOptions, OciRegistry, PackageName, PackageRef};

/// How to reach the registry, from the command line.
#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    /// The registry: a directory (`./plugins`, `/srv/plugins`, `file:///srv/plugins`),
    /// or an OCI registry as `host[:port][/prefix/]` (e.g. `ghcr.io/acme/`).
    #[arg(long)]
    registry: String,
    /// Talk plain HTTP to this OCI registry (only for a registry you run on a trusted network).
    #[arg(long)]
    plain_http: bool,
    /// A PEM certificate to trust for the registry's TLS (its private CA); repeatable.
    #[arg(long = "ca")]
    cas: Vec<PathBuf>,
}

enum Registry {
    Local(LocalRegistry),
    Oci(OciRegistry),
}

impl RegistryArgs {
    fn open(&self) -> Result<Registry> {
        let text = self.registry.as_str();
        let local = text.strip_prefix("file://").map(PathBuf::from).or_else(|| {
            (text.starts_with('/') || text.starts_with("./") || text.starts_with("../") || Path::new(text).is_dir()).then(|| PathBuf::from(text))
        });
        if let Some(dir) = local {
            if self.plain_http || !self.cas.is_empty() {
                bail!("`--plain-http` and `--ca` are for OCI registries; `{text}` is a directory");
            }
            return Ok(Registry::Local(LocalRegistry::new(dir)));
        }
        let (host, prefix) = match text.split_once('/') {
            Some((host, prefix)) => (host.to_string(), prefix.to_string()),
            None => (text.to_string(), String::new()),
        };
        let mut extra_roots = Vec::new();
        for ca in &self.cas {
            extra_roots.push(std::fs::read(ca).with_context(|| format!("reading the CA certificate {}", ca.display()))?);
        }
        let credentials = polyplug_registry::credentials::for_registry(&host)?.map(|c| (c.username, c.password));
        Ok(Registry::Oci(OciRegistry::new(OciOptions { registry: host, prefix, insecure_http: self.plain_http, extra_roots, credentials })))
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("starting the network runtime")
}

/// Publishes `component` as `reference`, or as `<publisher>:<name>@<version>` from its manifest.
pub fn publish(component: &Path, reference: Option<&str>, args: &RegistryArgs) -> Result<()> {
    let bytes = std::fs::read(component).with_context(|| format!("reading {}", component.display()))?;
    let reference: PackageRef = match reference {
        Some(text) => text.parse()?,
        None => {
            let text = polyplug_manifest::read_section(&bytes)?
                .with_context(|| format!("{} has no embedded polyplug.toml; build it with `polyplug build`", component.display()))?;
            let manifest = polyplug_manifest::Manifest::from_toml(&text, "the embedded polyplug.toml")?;
            let Some(publisher) = manifest.plugin.publisher.clone() else {
                bail!(
                    "plugin `{}` names no publisher: set `publisher = \"<namespace>\"` under [plugin] in polyplug.toml (and rebuild), or pass `--as namespace:name@version`",
                    manifest.plugin.name.as_str()
                );
            };
            PackageRef::new(PackageName::new(&publisher, manifest.plugin.name.as_str())?, manifest.plugin.version.clone())?
        }
    };
    let artifact = Artifact::from_component(bytes, SystemTime::now(), None)?;
    let digest = match args.open()? {
        Registry::Local(registry) => registry.push(&reference, &artifact)?,
        Registry::Oci(registry) => runtime()?.block_on(registry.push(&reference, &artifact))?,
    };
    println!("published {reference} to {} ({digest})", args.registry);
    Ok(())
}

/// Prints the published versions of `package`, one per line, lowest first.
pub fn list(package: &str, args: &RegistryArgs) -> Result<()> {
    let package: PackageName = package.parse()?;
    let versions = match args.open()? {
        Registry::Local(registry) => registry.versions(&package)?,
        Registry::Oci(registry) => runtime()?.block_on(registry.versions(&package))?,
    };
    if versions.is_empty() {
        bail!("no version of {package} is published in {}", args.registry);
    }
    for version in versions {
        println!("{version}");
    }
    Ok(())
}

/// Downloads `reference` (every blob checked against its digest) to `out`.
pub fn pull(reference: &str, out: &Path, args: &RegistryArgs) -> Result<()> {
    let reference: PackageRef = reference.parse()?;
    let artifact = match args.open()? {
        Registry::Local(registry) => registry.pull(&reference)?,
        Registry::Oci(registry) => runtime()?.block_on(registry.pull(&reference))?,
    };
    std::fs::write(out, &artifact.component).with_context(|| format!("writing {}", out.display()))?;
    println!("pulled {reference} to {} ({}, {} bytes)", out.display(), artifact.manifest_digest(), artifact.component.len());
    Ok(())
}
