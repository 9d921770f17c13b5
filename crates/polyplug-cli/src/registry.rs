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
    Oci(Box<OciRegistry>),
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
        let options = OciOptions { registry: host, prefix, insecure_http: self.plain_http, extra_roots, credentials };
        Ok(Registry::Oci(Box::new(OciRegistry::new(options).with_progress(std::sync::Arc::new(crate::progress::Bars::default())))))
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

/// Prints the packages whose name or newest version's description holds
/// every one of `words` (any case), with that version and description.
pub fn search(words: &[String], args: &RegistryArgs) -> Result<()> {
    let registry = args.open()?;
    let runtime = runtime()?;
    let packages = match &registry {
        Registry::Local(r) => r.packages()?,
        Registry::Oci(r) => runtime.block_on(r.packages())?,
    };
    let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let mut found = Vec::new();
    for package in packages {
        let versions = match &registry {
            Registry::Local(r) => r.versions(&package)?,
            Registry::Oci(r) => runtime.block_on(r.versions(&package))?,
        };
        // The newest release; a package with only pre-releases shows its newest pre-release.
        let Some(newest) = versions.iter().rev().find(|v| v.pre.is_empty()).or(versions.last()).cloned() else { continue };
        let reference = PackageRef::new(package.clone(), newest)?;
        let description = match &registry {
            Registry::Local(r) => r.description(&reference)?,
            Registry::Oci(r) => runtime.block_on(r.description(&reference))?,
        }
        .unwrap_or_default();
        let haystack = format!("{package} {description}").to_lowercase();
        if words.iter().all(|w| haystack.contains(w.as_str())) {
            found.push((package.to_string(), reference.version.to_string(), description));
        }
    }
    if found.is_empty() {
        bail!("no plugin in {} matches `{}`", args.registry, words.join(" "));
    }
    let (name_width, version_width) =
        found.iter().fold((0, 0), |(n, v), (name, version, _)| (n.max(name.chars().count()), v.max(version.len())));
    for (name, version, description) in found {
        // Descriptions are the publishers' text: shown, never obeyed by the terminal.
        let line = format!("{name:name_width$}  {version:version_width$}  {description}");
        println!("{}", crate::sanitize::for_terminal(line.trim_end()));
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

/// Installs plugins into `dir`, recording them in `lock`: each requirement
/// (`namespace:name@^1.2`) is resolved to the highest version whose world this
/// polyplug serves, verified against `trust` (or, with `allow_unsigned`,
/// installed unverified with a warning), and locked; with no requirement,
/// every entry of `lock` is reinstalled exactly, from `cache` when it holds
/// them (no network needed).
pub fn install(requirements: &[String], args: &InstallArgs, wit: Option<&Path>) -> Result<()> {
    use polyplug_registry::{ContentCache, Locked, Lockfile, Requirement, install_locked};
    let mut lock = if args.lock.exists() { Lockfile::read(&args.lock)? } else { Lockfile { version: 1, plugins: Vec::new() } };
    let cache = ContentCache::new(&args.cache);
    std::fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
    let trust = args.trust.as_deref().map(polyplug_registry::signing::TrustFile::from_file).transpose()?;
    let source = args.registry.clone().map(|registry| RegistryArgs { registry, plain_http: args.plain_http, cas: args.cas.clone() });
    let registry = source.as_ref().map(RegistryArgs::open).transpose()?;
    // One source (and, for an OCI registry, one runtime) for every pull of this install.
    let mut from = registry.as_ref().map(|registry| runtime().map(|runtime| RegistrySource { registry, runtime })).transpose()?;
    let catalog = match wit {
        Some(dir) => polyplug_wit::Catalog::from_dir(dir)?,
        None => polyplug_wit::Catalog::builtin(),
    };
    let served: Vec<polyplug_manifest::WorldRef> = catalog
        .worlds()
        .iter()
        .filter_map(|w| polyplug_manifest::WorldRef::try_from(w.name.clone()).ok())
        .collect();
    let write = |reference: &PackageRef, artifact: &Artifact| -> Result<PathBuf> {
        let path = args.dir.join(format!("{}.wasm", reference.package.name));
        std::fs::write(&path, &artifact.component).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    let check_signature = |reference: &PackageRef, artifact: &Artifact| -> Result<Option<String>> {
        match &trust {
            Some(trust) => Ok(Some(trust.verify(&reference.to_string(), &artifact.component, &reference.package.namespace)?.key_id)),
            None if args.allow_unsigned => {
                eprintln!("warning: {reference} installed WITHOUT signature verification (--allow-unsigned): for development only");
                Ok(None)
            }
            None => bail!(
                "{reference} comes from a registry and is not verified: pass `--trust trust.toml` (the keys you trust), or `--allow-unsigned` for development only"
            ),
        }
    };
    if requirements.is_empty() {
        if lock.plugins.is_empty() {
            bail!("{} locks no plugin; name what to install, e.g. `polyplug install acme:auth-jwt@^1.2 --registry …`", args.lock.display());
        }
        for entry in &lock.plugins {
            let installed = install_locked(entry, &cache, |reference| match from.as_mut() {
                Some(source) => polyplug_registry::Source::pull(source, reference),
                None => Err(polyplug_registry::RegistryError::NotFound {
                    reference: reference.to_string(),
                    registry: "the cache (no --registry given)".into(),
                }),
            })?;
            for corrupt in &installed.corrupt {
                eprintln!("warning: the cache entry {corrupt} was corrupt: removed and fetched again");
            }
            let reference = entry.reference()?;
            if entry.signer.is_some() || !args.allow_unsigned {
                check_signature(&reference, &installed.artifact)?;
            }
            let path = write(&reference, &installed.artifact)?;
            println!("installed {reference} ({}) to {}{}", entry.digest, path.display(), if installed.from_cache { " from the cache" } else { "" });
        }
        return Ok(());
    }
    let (Some(source), Some(from)) = (&source, from.as_mut()) else { bail!("installing by requirement needs `--registry`") };
    let roots = requirements.iter().map(|text| text.parse()).collect::<Result<Vec<Requirement>, _>>()?;
    let graph = polyplug_registry::resolve_graph(&roots, from, &|world| served.iter().any(|s| polyplug_registry::serves(s, world)))?;
    // Every plugin of the graph is verified before any is installed: all or nothing.
    let mut signers = Vec::new();
    for resolved in &graph {
        signers.push(check_signature(&resolved.reference, &resolved.artifact)?);
    }
    for (resolved, signer) in graph.iter().zip(signers) {
        let (reference, artifact) = (&resolved.reference, &resolved.artifact);
        for bytes in [&artifact.manifest, &artifact.config, &artifact.component] {
            cache.put(bytes)?;
        }
        let path = write(reference, artifact)?;
        let name = reference.package.to_string();
        lock.plugins.retain(|p| p.name != name);
        lock.plugins.push(Locked {
            name,
            registry: source.registry.clone(),
            requirement: resolved.requirement.to_string(),
            version: reference.version.to_string(),
            digest: artifact.manifest_digest(),
            signer,
        });
        let why = match resolved.required_by.as_slice() {
            [only] if only == "the command line" => String::new(),
            by => format!(", needed by {}", by.join(" and ")),
        };
        println!("installed {reference} ({}) to {}{why}", artifact.manifest_digest(), path.display());
    }
    lock.write(&args.lock)?;
    println!("locked in {}", args.lock.display());
    Ok(())
}

/// A registry as resolution reads it: an OCI registry's requests run on `runtime`.
struct RegistrySource<'r> {
    registry: &'r Registry,
    runtime: tokio::runtime::Runtime,
}

impl polyplug_registry::Source for RegistrySource<'_> {
    fn versions(&mut self, package: &polyplug_registry::PackageName) -> Result<Vec<semver::Version>, polyplug_registry::RegistryError> {
        match self.registry {
            Registry::Local(r) => r.versions(package),
            Registry::Oci(r) => self.runtime.block_on(r.versions(package)),
        }
    }

    fn pull(&mut self, reference: &PackageRef) -> Result<Artifact, polyplug_registry::RegistryError> {
        match self.registry {
            Registry::Local(r) => r.pull(reference),
            Registry::Oci(r) => self.runtime.block_on(r.pull(reference)),
        }
    }
}

/// Where `polyplug install` puts things and how it trusts them.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Where to resolve requirements: a directory or `host[:port][/prefix/]` (see `polyplug publish`).
    #[arg(long)]
    registry: Option<String>,
    /// Talk plain HTTP to this OCI registry.
    #[arg(long)]
    plain_http: bool,
    /// A PEM certificate to trust for the registry's TLS; repeatable.
    #[arg(long = "ca")]
    cas: Vec<PathBuf>,
    /// The directory the plugins are installed into (a plugin directory `polyplug run` serves).
    #[arg(long, default_value = "plugins")]
    dir: PathBuf,
    /// The lockfile to write, or to install from when no requirement is given.
    #[arg(long, default_value = "polyplug.lock")]
    lock: PathBuf,
    /// The content-addressed cache of fetched blobs.
    #[arg(long, default_value = ".polyplug-cache")]
    cache: PathBuf,
    /// The trust file: the keys whose signatures are accepted, and for which namespaces.
    #[arg(long)]
    trust: Option<PathBuf>,
    /// Install unsigned or unverified plugins (development only; warned about).
    #[arg(long)]
    allow_unsigned: bool,
}

/// `polyplug bundle export`: `lock` and every blob it needs, from `cache`, into one file.
pub fn bundle_export(lock: &Path, cache: &Path, out: &Path) -> Result<()> {
    let text = std::fs::read_to_string(lock).with_context(|| format!("reading {}", lock.display()))?;
    let parsed = polyplug_registry::Lockfile::read(lock)?;
    let count = polyplug_registry::bundle::export(&parsed, &text, &polyplug_registry::ContentCache::new(cache), out)?;
    println!("bundled {count} plugin(s) of {} into {}", lock.display(), out.display());
    Ok(())
}

/// `polyplug bundle import`: a bundle's blobs into `cache` (each checked) and its lockfile to `lock`.
pub fn bundle_import(bundle: &Path, cache: &Path, lock: &Path) -> Result<()> {
    let text = polyplug_registry::bundle::import(bundle, &polyplug_registry::ContentCache::new(cache))?;
    if lock.exists() && std::fs::read_to_string(lock).ok().as_deref() != Some(text.as_str()) {
        bail!("{} exists and differs from the bundle's; move it away or pass `--lock` another path", lock.display());
    }
    std::fs::write(lock, &text).with_context(|| format!("writing {}", lock.display()))?;
    println!("imported {} into {}; `polyplug install --lock {}` installs it with no network", bundle.display(), cache.display(), lock.display());
    Ok(())
}
