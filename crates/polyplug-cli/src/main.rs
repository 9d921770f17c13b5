//! `polyplug`: inspect plugin components, call their functions, and record
//! the operator's consent to what they may reach.
//!
//! This binary is the edge: it parses arguments, prints for people, asks for
//! consent on a terminal, and turns every error into a message and a
//! non-zero exit.

mod progress;
mod project;
mod registry;
mod sanitize;
mod signing;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use polyplug_host::{Error as HostError, Host, Plugin, SetEvent};
use polyplug_manifest::Manifest;
use polyplug_policy::{ConsentRecord, Grant, Policy, Preopen};
use sha2::{Digest, Sha256};

/// polyplug: a polyglot plugin framework on the WebAssembly Component Model.
#[derive(Parser)]
#[command(name = "polyplug", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Compile every plugin afresh instead of using the compiled-plugin cache.
    #[arg(long, global = true)]
    no_cache: bool,

    /// Log what the host does (plugin logs included) to stderr; RUST_LOG filters finer.
    #[arg(long, short, global = true)]
    verbose: bool,

    /// Match plugins against the WIT package in this directory (a host
    /// application's own worlds) instead of polyplug's built-in worlds.
    #[arg(long, global = true, value_name = "DIR")]
    wit: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Show a plugin's identity, world, requested capabilities and limits, imports, exports and size.
    Inspect {
        /// The plugin component (`.wasm`).
        component: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Call a plugin function with JSON arguments and print the JSON result.
    /// The plugin is a component, or a remote plugin's URL (then `--world`
    /// says which world it must serve, checked against its describe).
    ///
    /// Example: polyplug call plugin.wasm transformer/transform '{"payload":"{}","content-type":"application/json","headers":[]}'
    ///
    /// Example: polyplug call http://127.0.0.1:8080 --world transform transformer/transform '{…}'
    Call {
        /// The plugin component (`.wasm`), or a remote plugin's base URL (`http://…`, `https://…`; gRPC: `grpc://…`, `grpcs://…`).
        component: PathBuf,
        /// The function, as `interface/function` (e.g. `transformer/transform`), or a world-level function name.
        function: String,
        /// One JSON value per parameter, in order (negative numbers as they are: `-21`).
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// Configuration entry for the plugin, `key=value`; repeatable.
        #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
        config: Vec<String>,
        /// The world the plugin must implement (default: from its manifest, else detected).
        #[arg(long)]
        world: Option<String>,
        /// For a remote plugin: the environment variable holding its API key.
        #[arg(long, value_name = "VAR")]
        api_key_env: Option<String>,
        #[command(flatten)]
        grants: GrantArgs,
    },
    /// Serve a component as a remote plugin (docs/remote-protocol.md: HTTP/JSON
    /// and gRPC on the same port), under
    /// its policy and limits, until interrupted: the bridge that runs Wasm
    /// plugins out of process or on other machines behind a load balancer.
    ///
    /// Example: polyplug serve-remote plugin.wasm --listen 127.0.0.1:8080 --policy policy.toml --api-key-env PLUGIN_KEY
    ServeRemote {
        /// The plugin component (`.wasm`).
        component: PathBuf,
        /// Where to listen, `host:port` (port 0 picks one; the address is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Configuration entry for the plugin, `key=value`; repeatable.
        #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
        config: Vec<String>,
        /// The world the plugin must implement (default: from its manifest).
        #[arg(long)]
        world: Option<String>,
        /// The environment variable holding the API key callers must send.
        #[arg(long, value_name = "VAR")]
        api_key_env: Option<String>,
        /// Serve HTTPS with this PEM certificate chain (with `--tls-key`).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of `--tls-cert`.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Require client certificates signed by this PEM CA (mutual TLS).
        #[arg(long, requires = "tls_cert")]
        client_ca: Option<PathBuf>,
        /// A function (`interface/function`) to declare idempotent, so hosts may retry it; repeatable.
        #[arg(long)]
        idempotent: Vec<String>,
        #[command(flatten)]
        grants: GrantArgs,
    },
    /// Record consent: grant a plugin exactly what its manifest requests, in a policy file.
    Grant {
        /// The plugin component (`.wasm`) or its `polyplug.toml`.
        plugin: PathBuf,
        /// The policy file to update (created if missing).
        #[arg(long, env = "POLYPLUG_POLICY")]
        policy: PathBuf,
        /// Host directory for a requested guest directory, `GUEST=HOST`; repeatable.
        #[arg(long = "dir", value_name = "GUEST=HOST")]
        dirs: Vec<String>,
        /// Record without asking (for scripts; there is no terminal to ask on).
        #[arg(long)]
        yes: bool,
    },
    /// Load every plugin of a directory with a policy and show how each
    /// fares; with `--watch`, keep it loaded and print loads, reloads and
    /// refusals as files change (for an edit-build-call loop).
    ///
    /// Example: polyplug run plugins/ --policy policy.toml --watch
    Run {
        /// The directory of plugins (`*.wasm`; each one's key is its file name without `.wasm`).
        dir: PathBuf,
        /// The operator's policy file (a `[default]` grant applies to every
        /// plugin, whatever its digest: handy while rebuilding one).
        #[arg(long, env = "POLYPLUG_POLICY")]
        policy: PathBuf,
        /// Configuration entry for a plugin, `KEY:NAME=VALUE` (its key, then the entry); repeatable.
        #[arg(long = "config", short = 'c', value_name = "KEY:NAME=VALUE")]
        config: Vec<String>,
        /// Keep running and follow the directory.
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Create a plugin project that builds and passes its own tests.
    ///
    /// Example: polyplug new auth-jwt --lang go --world auth
    ///
    /// Example: polyplug new auth-oauth --lang remote-python --world auth
    ///
    /// Example: polyplug new users-api --lang ts --world response
    New {
        /// The plugin's name (lowercase, digits and `-`).
        name: String,
        /// Its language: rust, go, c, python, js or ts (a component); remote-python or
        /// remote-node (a remote plugin: a service, docs/remote-plugins.md).
        #[arg(long)]
        lang: String,
        /// The world it implements: transform or auth; for a component also
        /// auth@0.2, template, response, response-modifier or datasource (the
        /// mock-server worlds, docs/worlds.md).
        #[arg(long)]
        world: String,
        /// Where to create it (default: a directory named after the plugin).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The `sdk/` directory of a polyplug checkout (default: the one this polyplug was built from).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Build a plugin project (Rust, Go, C or Python, detected) into one
    /// component, `plugin.wasm`, with its manifest embedded. A remote plugin
    /// project (remote Python or Node) makes no component: its environment
    /// is prepared (a venv at `.venv`, `npm install`).
    Build(BuildArgs),
    /// Build a plugin project, load it under what its manifest requests, and
    /// run the test cases of its `tests/*.json`. A remote plugin's service is
    /// started for each file, with the file's `config` as `POLYPLUG_CONFIG`.
    Test(BuildArgs),
    /// Publish a component to a registry (a directory or an OCI registry) as
    /// `<publisher>:<name>@<version>` from its manifest, or as `--as`.
    /// Versions are immutable.
    ///
    /// Example: polyplug publish plugin.wasm --registry ghcr.io/acme/
    Publish {
        /// The component (`.wasm`), as `polyplug build` (and `polyplug sign`) made it.
        component: PathBuf,
        /// Publish under this reference instead of the manifest's, e.g. `acme:auth-jwt@1.2.0`.
        #[arg(long = "as")]
        reference: Option<String>,
        #[command(flatten)]
        registry: registry::RegistryArgs,
    },
    /// List the published versions of a plugin, lowest first.
    ///
    /// Example: polyplug list acme:auth-jwt --registry ./plugins
    List {
        /// The plugin, `namespace:name`.
        package: String,
        #[command(flatten)]
        registry: registry::RegistryArgs,
    },
    /// Find plugins in a registry: those whose name or description contains
    /// the words (all of them, any case), with their newest version. A
    /// directory registry is its own index; an OCI registry is searched
    /// through its catalog, where it offers one.
    ///
    /// Example: polyplug search jwt --registry 127.0.0.1:5000/plugins/ --plain-http
    Search {
        /// Words to look for; none lists every plugin.
        words: Vec<String>,
        #[command(flatten)]
        registry: registry::RegistryArgs,
    },
    /// Download one version of a plugin, every blob checked against its digest.
    ///
    /// Example: polyplug pull acme:auth-jwt@1.2.0 --registry ./plugins --out auth-jwt.wasm
    Pull {
        /// The version, `namespace:name@version`.
        reference: String,
        /// Where to write the component.
        #[arg(long, default_value = "plugin.wasm")]
        out: PathBuf,
        #[command(flatten)]
        registry: registry::RegistryArgs,
    },
    /// Install plugins from a registry into a plugin directory, verified
    /// against a trust file, and lock them in `polyplug.lock`; with no
    /// requirement, reinstall exactly what the lockfile records (from the
    /// cache when it holds it: no network needed).
    ///
    /// Example: polyplug install acme:auth-jwt@^1.2 --registry ghcr.io/acme/ --trust trust.toml
    ///
    /// Example: polyplug install --lock polyplug.lock
    Install {
        /// What to install, `namespace:name@requirement` (e.g. `acme:auth-jwt@^1.2`); none: the lockfile's.
        requirements: Vec<String>,
        #[command(flatten)]
        args: registry::InstallArgs,
    },
    /// Offline bundles: one file with a lockfile's plugins (and their
    /// signatures), to install on a machine with no network.
    ///
    /// Example: polyplug bundle export --out plugins.bundle, then on the other machine:
    /// polyplug bundle import plugins.bundle && polyplug install --trust trust.toml
    Bundle {
        #[command(subcommand)]
        action: BundleAction,
    },
    /// Make an Ed25519 key pair for signing plugins (`<name>.secret`,
    /// `<name>.public`, in wasmsign2's raw format) and print the public
    /// key's entry for an operator's trust file.
    ///
    /// Example: polyplug keygen acme-release --dir ~/.polyplug/keys
    Keygen {
        /// The key's name (the files' and the trust-file entry's).
        name: String,
        /// Where to write the key files.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Sign a component (after `polyplug build`, before publishing): adds
    /// an Ed25519 signature in the format `wasmsign2` reads; signatures stack.
    ///
    /// Example: polyplug sign plugin.wasm --key acme-release.secret
    Sign {
        /// The component (`.wasm`).
        component: PathBuf,
        /// The secret key file (`polyplug keygen` or `wasmsign2 keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Write the signed component here instead of in place.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check that a component is signed by a key a trust file holds for its
    /// publisher (the manifest's `publisher`, or `--namespace`).
    ///
    /// Example: polyplug verify plugin.wasm --trust trust.toml
    Verify {
        /// The component (`.wasm`).
        component: PathBuf,
        /// The trust file: `[keys.<name>]` with `public-key` and `namespaces`.
        #[arg(long)]
        trust: PathBuf,
        /// The namespace whose signature to check (default: the manifest's `publisher`).
        #[arg(long)]
        namespace: Option<String>,
    },
    /// Print the WIT text a remote plugin of `world` serves from `GET
    /// /v1/describe` (docs/remote-protocol.md), exactly; with `--digest`, its digest.
    ///
    /// Example: polyplug wit auth > auth.wit
    Wit {
        /// The world: a built-in one, or one of the package given with `--wit`.
        world: String,
        /// Print the `digest` field instead (`sha256:` and the hex SHA-256 of the text).
        #[arg(long)]
        digest: bool,
    },
    /// Generate a host application's Rust for its own WIT world: wasmtime's
    /// bindings, the JSON-mapping conversions of its types, and the typed
    /// facade (async and blocking), in one file to check in.
    ///
    /// Example: polyplug bindgen --wit wit --world greeter --out src/generated/greeter.rs
    Bindgen {
        /// The directory holding the host application's WIT package.
        #[arg(long)]
        wit: PathBuf,
        /// The world to generate for.
        #[arg(long)]
        world: String,
        /// Where to write the file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail when `--out` differs from what would be written (for CI).
        #[arg(long, requires = "out")]
        check: bool,
    },
}

/// `polyplug bundle` actions.
#[derive(Subcommand)]
enum BundleAction {
    /// Write the lockfile and every blob it needs (from the cache) to one file.
    Export {
        /// The lockfile.
        #[arg(long, default_value = "polyplug.lock")]
        lock: PathBuf,
        /// The cache `polyplug install` filled.
        #[arg(long, default_value = ".polyplug-cache")]
        cache: PathBuf,
        /// The bundle to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Read a bundle into the cache (every blob checked) and write its lockfile.
    Import {
        /// The bundle.
        bundle: PathBuf,
        /// The cache to fill.
        #[arg(long, default_value = ".polyplug-cache")]
        cache: PathBuf,
        /// Where to write its lockfile.
        #[arg(long, default_value = "polyplug.lock")]
        lock: PathBuf,
    },
}

/// What `build` and `test` build.
#[derive(clap::Args)]
struct BuildArgs {
    /// The project directory (default: the current one).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The `sdk/` directory of a polyplug checkout (default: the one this polyplug was built from).
    #[arg(long)]
    sdk: Option<PathBuf>,
    /// Install a missing toolchain piece a package manager provides (Debian packages, a Python venv).
    #[arg(long)]
    install_missing: bool,
}

/// How a `call` gets its capabilities.
#[derive(clap::Args)]
struct GrantArgs {
    /// The operator's policy file.
    #[arg(long, env = "POLYPLUG_POLICY")]
    policy: Option<PathBuf>,
    /// Grant the plugin what its manifest requests, for this run only (development).
    #[arg(long)]
    allow_requested: bool,
    /// Host directory for a requested guest directory, `GUEST=HOST`; repeatable.
    #[arg(long = "dir", value_name = "GUEST=HOST")]
    dirs: Vec<String>,
    #[command(flatten)]
    trust: TrustArgs,
}

/// Which publishers' signatures the host believes.
#[derive(clap::Args, Default)]
struct TrustArgs {
    /// The trust file: a plugin signed by a key it trusts for the publisher
    /// its manifest claims gets the policy's `[publishers.<name>]` grant.
    #[arg(long, env = "POLYPLUG_TRUST")]
    trust: Option<PathBuf>,
    /// Refuse any plugin whose signature the trust file does not verify.
    #[arg(long, requires = "trust")]
    require_signatures: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = if cli.verbose { "debug" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote what plugins said (a panic message, a refusal of their configuration).
            eprintln!("error: {}", sanitize::for_terminal_lines(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn host(no_cache: bool, wit: Option<&Path>, policy: Policy, trust: &TrustArgs) -> Result<Host> {
    let mut builder = Host::builder().policy(policy).require_signatures(trust.require_signatures);
    if let Some(path) = &trust.trust {
        builder = builder.trust(polyplug_policy::trust::TrustFile::from_file(path)?);
    }
    if no_cache {
        builder = builder.no_cache();
    }
    if let Some(dir) = wit {
        builder = builder.catalog(polyplug_wit::Catalog::from_dir(dir)?);
    }
    Ok(builder.build()?)
}

fn pairs(entries: &[String], flag: &str) -> Result<Vec<(String, String)>> {
    entries
        .iter()
        .map(|entry| {
            entry
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .with_context(|| format!("{flag} `{entry}` is not `key=value`"))
        })
        .collect()
}

/// The manifest inside a component, or of a `polyplug.toml` given directly.
fn read_manifest(path: &Path) -> Result<Option<Manifest>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let origin = path.display().to_string();
    if path.extension().is_some_and(|e| e == "toml") {
        let text = String::from_utf8(bytes).with_context(|| format!("`{origin}` is not UTF-8"))?;
        return Ok(Some(Manifest::from_toml(&text, &origin)?));
    }
    // WAT text (which the host compiles too) has no sections to carry a manifest.
    if !bytes.starts_with(b"\0asm") {
        return Ok(None);
    }
    match polyplug_manifest::read_section(&bytes)? {
        Some(text) => Ok(Some(Manifest::from_toml(&text, &format!("{origin}#polyplug-manifest"))?)),
        None => Ok(None),
    }
}

/// A policy granting the component `sha256` with `manifest` exactly its
/// requests (limits included), directories from `dirs`.
fn policy_allowing(manifest: &Manifest, sha256: &str, dirs: &[(String, String)]) -> Result<Policy> {
    let mut grant = Grant::allowing(&manifest.capabilities);
    grant.limits = manifest.limits.clone();
    grant.sha256 = vec![sha256.to_string()];
    for file in &manifest.capabilities.files {
        let Some((_, host)) = dirs.iter().find(|(guest, _)| *guest == file.path) else {
            bail!(
                "plugin `{}` asks for directory `{}`; say which host directory it gets with `--dir {}=<host directory>`",
                manifest.plugin.name,
                file.path,
                file.path
            );
        };
        grant.files.push(Preopen { host: host.into(), guest: file.path.clone(), access: file.access });
    }
    let mut policy = Policy { origin: "the command line (--allow-requested)".into(), ..Policy::default() };
    policy.plugins.insert(manifest.plugin.name.to_string(), grant);
    Ok(policy)
}

fn ask(question: &str) -> Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Inspect { component, json } => {
            let plugin = host(cli.no_cache, cli.wit.as_deref(), Policy::deny_all(), &TrustArgs::default())?.loader(&component).inspect_only().own_world().load()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&inspect_json(&plugin))?);
            } else {
                print_inspect(&plugin);
            }
            Ok(())
        }
        Command::Call { component, function, args, config, world, api_key_env, grants } => {
            let args = json_args(&args)?;
            let remote = ["http://", "https://", "grpc://", "grpcs://"];
            if let Some(url) = component.to_str().filter(|c| remote.iter().any(|scheme| c.starts_with(scheme))) {
                return call_remote(url, world.as_deref(), api_key_env, cli.wit.as_deref(), &function, &args);
            }
            let config = pairs(&config, "--config")?;
            let dirs = pairs(&grants.dirs, "--dir")?;
            let manifest = read_manifest(&component)?;
            let sha256 = file_digest(&component)?;
            let policy = match (&grants.policy, grants.allow_requested, &manifest) {
                (Some(path), _, _) => Policy::load(path)?,
                (None, true, Some(manifest)) => policy_allowing(manifest, &sha256, &dirs)?,
                _ => Policy { origin: "a policy file (none given: pass `--policy <file>`)".into(), ..Policy::deny_all() },
            };
            let load = |policy: Policy| -> Result<Plugin, HostError> {
                let host = host(cli.no_cache, cli.wit.as_deref(), policy, &grants.trust).map_err(|e| HostError::Setup(format!("{e:#}")))?;
                // Any component can be called: one of a world no WIT here describes is typed by its own exports.
                let mut loader = host.loader(&component).config(config.clone()).own_world();
                if let Some(world) = &world {
                    loader = loader.world(world.clone());
                }
                loader.load()
            };
            let plugin = match (load(policy), &manifest) {
                // On a terminal, a refusal becomes a question: grant for this run?
                (Err(refusal @ (HostError::Denied(_) | HostError::LimitsRefused { .. })), Some(manifest))
                    if std::io::stdin().is_terminal() =>
                {
                    eprintln!("{}", sanitize::for_terminal_lines(&refusal.to_string()));
                    eprintln!("plugin `{}` {} (sha256 {sha256}) requests:", manifest.plugin.name, manifest.plugin.version);
                    for line in describe_requests(manifest) {
                        eprintln!("  - {}", sanitize::for_terminal(&line));
                    }
                    if !ask(&format!("Grant plugin `{}` these requests for this run?", manifest.plugin.name))? {
                        bail!("not granted; nothing was run");
                    }
                    load(policy_allowing(manifest, &sha256, &dirs)?)?
                }
                (Err(refusal @ (HostError::Denied(_) | HostError::LimitsRefused { .. })), _) => bail!(
                    "{refusal}\nhint: for a development run, `--allow-requested` grants what the plugin requests for this run only"
                ),
                (Err(unlinked @ HostError::Dependency { .. }), _) => bail!(
                    "{unlinked}\nhint: `polyplug call` loads one component; `polyplug run DIR` serves a directory of plugins linked to their dependencies"
                ),
                (result, _) => result?,
            };
            let (interface, name) = function.rsplit_once('/').unwrap_or(("", function.as_str()));
            let result = plugin.call_json(interface, name, &args)?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            Ok(())
        }
        Command::ServeRemote { component, listen, config, world, api_key_env, tls_cert, tls_key, client_ca, idempotent, grants } => {
            let manifest = read_manifest(&component)?;
            let sha256 = file_digest(&component)?;
            let dirs = pairs(&grants.dirs, "--dir")?;
            let policy = match (&grants.policy, grants.allow_requested, &manifest) {
                (Some(path), _, _) => Policy::load(path)?,
                (None, true, Some(manifest)) => policy_allowing(manifest, &sha256, &dirs)?,
                (None, true, None) => Policy::deny_all(),
                (None, false, _) => bail!("say what the plugin is granted: `--policy <file>`, or `--allow-requested` for a development run"),
            };
            let host = host(cli.no_cache, cli.wit.as_deref(), policy, &grants.trust)?;
            let mut loader = host.loader(&component).config(pairs(&config, "--config")?);
            if let Some(world) = world {
                loader = loader.world(world);
            }
            let plugin = loader.load()?;
            let api_key = match api_key_env {
                Some(var) => Some(std::env::var(&var).with_context(|| format!("--api-key-env names `{var}`, which is not set"))?),
                None => None,
            };
            let tls = tls_cert.zip(tls_key).map(|(cert, key)| polyplug_remote::ServerTls { cert, key, client_ca });
            let options = polyplug_remote::ServeOptions { api_key, tls, idempotent, max_body: 0 };
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let server = polyplug_remote::RemoteServer::bind(plugin, host.catalog(), &listen, options).await?;
                // Tests and scripts wait for this exact line.
                println!("polyplug-remote listening on {}", server.url());
                std::io::Write::flush(&mut std::io::stdout())?;
                tokio::signal::ctrl_c().await?;
                eprintln!("stopping: letting calls in flight finish");
                server.shutdown().await;
                Ok(())
            })
        }
        Command::Grant { plugin, policy, dirs, yes } => {
            let manifest = read_manifest(&plugin)?.with_context(|| {
                format!("`{}` carries no manifest, so it requests nothing and needs no grant", plugin.display())
            })?;
            let dirs: Vec<(String, PathBuf)> =
                pairs(&dirs, "--dir")?.into_iter().map(|(guest, host)| (guest, PathBuf::from(host))).collect();
            if !yes && !std::io::stdin().is_terminal() {
                bail!("no terminal to ask for consent on; pass --yes to record consent non-interactively");
            }
            let sha256 = file_digest(&plugin)?;
            eprintln!("plugin `{}` {} (sha256 {sha256}) requests:", manifest.plugin.name, manifest.plugin.version);
            for line in describe_requests(&manifest) {
                eprintln!("  - {}", sanitize::for_terminal(&line));
            }
            let kept = operator_limits_below_requests(&policy, &manifest)?;
            for line in &kept {
                eprintln!("note: {line}");
            }
            if !yes && !ask(&format!("Record this grant in `{}`?", policy.display()))? {
                bail!("not granted; the policy file is unchanged");
            }
            let record = ConsentRecord {
                by: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
                at_unix: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
                sha256,
            };
            polyplug_policy::record_consent(&policy, &manifest, &dirs, &record)?;
            eprintln!(
                "granted: `[plugins.{}]` in {} now covers the component with sha256 {}",
                manifest.plugin.name,
                policy.display(),
                record.sha256
            );
            if !kept.is_empty() {
                eprintln!("warning: the plugin will be refused at load until its limits fit; see the notes above");
            }
            Ok(())
        }
        Command::Run { dir, policy, config, watch, trust } => {
            let policy = Policy::load(&policy)?;
            let host = host(cli.no_cache, cli.wit.as_deref(), policy, &trust)?;
            let mut builder = polyplug_host::PluginSet::builder(&host, &dir).watch(watch).on_event(|event| {
                let line = match event {
                    SetEvent::Loaded { key, plugin } => format!("loaded   {key}: {plugin}"),
                    SetEvent::Reloaded { key, from, to } => format!("reloaded {key}: {from} -> {to}"),
                    SetEvent::Refused { key, reason } => format!("refused  {key}: {reason}"),
                    SetEvent::Unloaded { key } => format!("unloaded {key}"),
                };
                println!("{}", sanitize::for_terminal_lines(&line));
            });
            let mut per_plugin: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
            for entry in &config {
                let (key, pair) = entry.split_once(':').with_context(|| format!("--config `{entry}` is not `KEY:NAME=VALUE`"))?;
                per_plugin.entry(key.to_string()).or_default().extend(pairs(std::slice::from_ref(&pair.to_string()), "--config")?);
            }
            for (key, entries) in per_plugin {
                builder = builder.config(&key, entries);
            }
            let set = builder.build()?;
            let members = set.members();
            let failed = members.iter().filter(|m| m.plugin.is_none()).count();
            println!("{} plugins in {}, {failed} not serving", members.len(), dir.display());
            if watch {
                println!("watching {} (Ctrl-C to stop)", dir.display());
                // The set's own thread follows the directory and prints as it goes.
                loop {
                    std::thread::park();
                }
            }
            if failed > 0 {
                bail!("{failed} of {} plugins did not load (see `refused` above)", members.len());
            }
            Ok(())
        }
        Command::New { name, lang, world, dir, sdk } => project::new(&name, &lang, &world, dir.as_deref(), sdk.as_deref()),
        Command::Build(args) => project::build(&args.dir, args.sdk.as_deref(), args.install_missing).map(|_| ()),
        Command::Test(args) => project::test(&args.dir, args.sdk.as_deref(), args.install_missing, cli.no_cache),
        Command::Publish { component, reference, registry } => registry::publish(&component, reference.as_deref(), &registry),
        Command::List { package, registry } => registry::list(&package, &registry),
        Command::Search { words, registry } => registry::search(&words, &registry),
        Command::Pull { reference, out, registry } => registry::pull(&reference, &out, &registry),
        Command::Install { requirements, args } => registry::install(&requirements, &args, cli.wit.as_deref()),
        Command::Bundle { action: BundleAction::Export { lock, cache, out } } => registry::bundle_export(&lock, &cache, &out),
        Command::Bundle { action: BundleAction::Import { bundle, cache, lock } } => registry::bundle_import(&bundle, &cache, &lock),
        Command::Keygen { name, dir } => signing::keygen(&name, &dir),
        Command::Sign { component, key, out } => signing::sign(&component, &key, out.as_deref()),
        Command::Verify { component, trust, namespace } => signing::verify(&component, &trust, namespace.as_deref()),
        Command::Wit { world, digest } => {
            let catalog = match &cli.wit {
                Some(dir) => polyplug_wit::Catalog::from_dir(dir)?,
                None => polyplug_wit::Catalog::builtin(),
            };
            let text = catalog.world_wit(&world)?;
            if digest {
                println!("{}", polyplug_wit::wit_digest(&text));
            } else {
                print!("{text}");
            }
            Ok(())
        }
        Command::Bindgen { wit, world, out, check } => {
            let text = polyplug_bindgen::own_world_file(&wit, &world, "`polyplug bindgen`")?;
            match (out, check) {
                (Some(out), true) => {
                    if std::fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
                        bail!("`{}` is stale: run `polyplug bindgen --wit {} --world {world} --out {}`", out.display(), wit.display(), out.display());
                    }
                    eprintln!("`{}` is fresh", out.display());
                }
                (Some(out), false) => {
                    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
                    eprintln!("wrote {}", out.display());
                }
                (None, _) => print!("{text}"),
            }
            Ok(())
        }
    }
}

/// The positional JSON arguments of `call`.
fn json_args(args: &[String]) -> Result<Vec<serde_json::Value>> {
    args.iter()
        .enumerate()
        .map(|(i, text)| {
            serde_json::from_str(text)
                .with_context(|| format!("argument {} is not JSON: {text}\nhint: quote JSON strings, e.g. '\"text\"'", i + 1))
        })
        .collect()
}

/// `polyplug call <url>`: registers the remote plugin as a host would (its
/// describe checked against `world`) and makes one call.
fn call_remote(url: &str, world: Option<&str>, api_key_env: Option<String>, wit: Option<&Path>, function: &str, args: &[serde_json::Value]) -> Result<()> {
    let world = world.context("a remote plugin's world cannot be read from a file: say which it must serve with `--world <world>`")?;
    let catalog = match wit {
        Some(dir) => polyplug_wit::Catalog::from_dir(dir)?,
        None => polyplug_wit::Catalog::builtin(),
    };
    let mut config = polyplug_remote::RemoteConfig::new(world, [url]);
    config.api_key_env = api_key_env;
    let remote = polyplug_remote::RemoteClient::connect_blocking(url, config, &catalog)?;
    let (interface, name) = function.rsplit_once('/').unwrap_or(("", function));
    let result = polyplug_host::RemotePlugin::call_json(&remote, interface, name, args)?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

/// SHA-256 of the file at `path`, hex: what a grant binds to.
fn file_digest(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// For each limit the plugin asks for above the operator's limit already in
/// the policy file at `path` (which consent keeps), a line saying so.
fn operator_limits_below_requests(path: &Path, manifest: &Manifest) -> Result<Vec<String>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let policy = Policy::load(path)?;
    let Some(own) = policy.plugins.get(manifest.plugin.name.as_str()) else { return Ok(Vec::new()) };
    // Only the operator's own keys matter here: unset ones are filled from the request.
    let over = polyplug_limits::above(&own.limits, &manifest.limits);
    Ok(over
        .iter()
        .map(|o| format!("it asks for `{} = {}`, but {} keeps your `{} = {}`", o.key, o.requested, path.display(), o.key, o.allowed))
        .collect())
}

/// The requested capabilities and limits, one line each.
fn describe_requests(manifest: &Manifest) -> Vec<String> {
    let mut lines = manifest.capabilities.describe();
    lines.extend(requested_limits(manifest));
    if lines.is_empty() {
        lines.push("nothing".into());
    }
    lines
}

/// The limits the manifest asks for, one line each, marking those above the
/// host's defaults (which an operator must then allow in the policy).
fn requested_limits(manifest: &Manifest) -> Vec<String> {
    let limits = &manifest.limits;
    let defaults = polyplug_limits::Limits::default();
    let over = polyplug_limits::Limits::resolve(&defaults, &Default::default(), limits, true).err().unwrap_or_default();
    limits
        .entries()
        .into_iter()
        .map(|(key, value)| {
            let note = match over.iter().find(|o| o.key == key) {
                Some(o) => format!(" (above the default {}: the operator must allow it)", o.allowed),
                None => String::new(),
            };
            format!("limit: {key} = {value}{note}")
        })
        .collect()
}

fn inspect_json(plugin: &Plugin) -> serde_json::Value {
    let info = plugin.info().map(|info| {
        serde_json::json!({"name": info.name, "version": info.version, "description": info.description})
    });
    serde_json::json!({
        "plugin": info,
        "world": plugin.world().name,
        "size": plugin.size(),
        "sha256": plugin.digest(),
        "manifest": plugin.manifest().map(|m| serde_json::json!({
            "name": m.plugin.name.as_str(),
            "version": m.plugin.version.to_string(),
            "publisher": m.plugin.publisher,
            "authors": m.plugin.authors,
            "license": m.plugin.license,
            "world": m.plugin.world.to_string(),
            "requests": describe_requests(m),
            "dependencies": m.dependencies.iter().map(|(n, r)| format!("{n} {r}")).collect::<Vec<_>>(),
        })),
        "imports": plugin.imports(),
        "exports": plugin.functions().iter().map(|f| serde_json::json!({"name": f.name, "signature": f.signature})).collect::<Vec<_>>(),
    })
}

fn print_inspect(plugin: &Plugin) {
    match plugin.info() {
        // What `describe` returns is the plugin's to choose: shown, never obeyed by the terminal.
        Some(info) => {
            println!("{} {}", sanitize::for_terminal(&info.name), sanitize::for_terminal(&info.version));
            println!("  {}", sanitize::for_terminal(&info.description));
        }
        None => println!("{}", sanitize::for_terminal(plugin.name())),
    }
    println!();
    println!("world    {}", plugin.world().name);
    println!("size     {} bytes ({:.1} KiB)", plugin.size(), plugin.size() as f64 / 1024.0);
    println!("sha256   {}", plugin.digest());
    println!();
    match plugin.manifest() {
        Some(m) => {
            println!("manifest {} {}", m.plugin.name, m.plugin.version);
            if !m.plugin.description.is_empty() {
                println!("  about     {}", sanitize::for_terminal(&m.plugin.description));
            }
            if let Some(publisher) = &m.plugin.publisher {
                println!("  publisher {} (claimed; verified only by a signature)", sanitize::for_terminal(publisher));
            }
            if !m.plugin.authors.is_empty() {
                println!("  authors   {}", sanitize::for_terminal(&m.plugin.authors.join(", ")));
            }
            if let Some(license) = &m.plugin.license {
                println!("  license   {}", sanitize::for_terminal(license));
            }
            println!("  requests");
            for line in describe_requests(m) {
                println!("    {}", sanitize::for_terminal(&line));
            }
            for (name, req) in &m.dependencies {
                println!("  depends on {name} {req}");
            }
        }
        None => println!("manifest none (the plugin requests nothing)"),
    }
    println!();
    println!("exports");
    for function in plugin.functions() {
        println!("  {}: {}", function.name, function.signature);
    }
    println!();
    println!("imports");
    for import in plugin.imports() {
        println!("  {import}");
    }
}
