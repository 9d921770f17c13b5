//! The policy file, grants, and the effective grant of one plugin.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use polyplug_manifest::{
    ByteSize, Capabilities, FileAccess, HostInterface, HttpPattern, IpRange, LimitsRequest, Manifest, SocketPattern,
};
use serde::Deserialize;

/// The operator's policy: grants by default, by publisher and by plugin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Granted to every plugin.
    #[serde(default)]
    pub default: Grant,
    /// Granted to plugins whose publisher the host has verified.
    #[serde(default)]
    pub publishers: BTreeMap<String, Grant>,
    /// Granted to plugins by name, each grant bound to the components
    /// (digests) the operator consented to.
    #[serde(default)]
    pub plugins: BTreeMap<String, Grant>,
    /// What the tenants plugins are called for (`Plugin::for_tenant` in
    /// the host) may use, by tenant id.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantGrant>,
    /// Where the policy came from, for messages.
    #[serde(skip)]
    pub origin: String,
}

/// What an operator grants. Every field defaults to nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Grant {
    /// The `log` host interface.
    #[serde(default)]
    pub log: bool,
    /// The `config` host interface.
    #[serde(default)]
    pub config: bool,
    /// HTTP origins the plugin may call.
    #[serde(default)]
    pub http: Vec<HttpPattern>,
    /// Host directories mapped into the sandbox.
    #[serde(default)]
    pub files: Vec<Preopen>,
    /// Environment variables (by name) passed from the host's environment.
    #[serde(default)]
    pub env: Vec<String>,
    /// The real clocks.
    #[serde(default)]
    pub clocks: bool,
    /// Secure random bytes.
    #[serde(default)]
    pub random: bool,
    /// stdout/stderr into the host's logs.
    #[serde(default)]
    pub stdio: bool,
    /// The key-value store, up to this quota.
    #[serde(default)]
    pub kv: Option<KvGrant>,
    /// Secrets the plugin may read through the `secrets` host interface, by
    /// name. In a call for a tenant it reads that tenant's value of a name.
    #[serde(default, deserialize_with = "polyplug_manifest::secret_names")]
    pub secrets: Vec<String>,
    /// Socket addresses.
    #[serde(default)]
    pub sockets: Vec<SocketPattern>,
    /// Host interfaces of the host application, by capability name.
    #[serde(default)]
    pub host: Vec<String>,
    /// Non-public address ranges (CIDR: `10.0.0.0/8`, `127.0.0.0/8`) that a
    /// granted HTTP host name may resolve to. A name resolving to a loopback,
    /// private, link-local or otherwise non-public address is refused unless
    /// the address lies in one of these. Operator-only knowledge (which
    /// internal networks a name may point to): no manifest requests it, and
    /// it is given to every plugin the grant applies to.
    #[serde(default)]
    pub private_ranges: Vec<IpRange>,
    /// The operator's limits for the plugin: the most it may ask for, and
    /// what it gets when it asks for nothing.
    #[serde(default)]
    pub limits: LimitsRequest,
    /// In `[plugins.<name>]`: the SHA-256 digests (hex) of the components
    /// this grant is for. A component claiming the name with any other
    /// digest gets nothing from it and is refused. Written by `polyplug
    /// grant`; list several to grant to versions on purpose.
    #[serde(default)]
    pub sha256: Vec<String>,
    /// Who consented to this grant last, when, for which component.
    #[serde(default)]
    pub consent: Option<crate::ConsentRecord>,
}

/// What one tenant may use, whichever plugins its calls go to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TenantGrant {
    /// The most fuel (instructions, as wasmtime counts them) the tenant's
    /// calls may use in any one second, all plugins together; a call that
    /// would start past it is refused, naming the tenant and the budget.
    /// Needs a host that meters fuel.
    pub fuel_per_second: Option<u64>,
    /// The secrets the tenant's calls may read, by name: with a list, a
    /// plugin called for this tenant reads only names that both its own
    /// grant and this list name; without one, its own grant decides.
    #[serde(default, deserialize_with = "some_secret_names")]
    pub secrets: Option<Vec<String>>,
}

/// A tenant's `secrets = [...]`, each name checked.
fn some_secret_names<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    polyplug_manifest::secret_names(deserializer).map(Some)
}

/// A key-value store grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvGrant {
    /// The most bytes the plugin may store.
    pub quota: ByteSize,
}

/// A host directory mapped into the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preopen {
    /// The directory on the host.
    pub host: PathBuf,
    /// Where the plugin sees it, e.g. `/data`.
    pub guest: String,
    /// Read-only unless granted otherwise.
    #[serde(default)]
    pub access: FileAccess,
}

/// A policy file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct PolicyError {
    /// The policy file.
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// What one plugin gets: exactly what it requested, where its grant allows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EffectiveGrant {
    /// The `log` host interface.
    pub log: bool,
    /// The `config` host interface.
    pub config: bool,
    /// Link outgoing HTTP (`wasi:http`): the plugin declared it. Which origins
    /// a request may reach is `http`, which may be empty (e.g. inspection).
    pub http_interface: bool,
    /// HTTP origins the plugin may reach (the requested patterns).
    pub http: Vec<HttpPattern>,
    /// Directories, with the host paths from the grant and the requested access.
    pub preopens: Vec<Preopen>,
    /// Environment variable names.
    pub env: Vec<String>,
    /// The real clocks.
    pub clocks: bool,
    /// Secure random bytes.
    pub random: bool,
    /// stdout/stderr into logs.
    pub stdio: bool,
    /// Key-value quota in bytes.
    pub kv_quota: Option<ByteSize>,
    /// Secret names it may read (the requested ones, all granted).
    pub secrets: Vec<String>,
    /// Socket patterns (the requested ones).
    pub sockets: Vec<SocketPattern>,
    /// Host interfaces of the host application, by capability name.
    pub host: Vec<String>,
    /// Non-public ranges a granted HTTP host name may resolve to (the
    /// grant's `private-ranges`: not requested, the operator's alone).
    pub private_ranges: Vec<IpRange>,
    /// The operator's limits for this plugin (its grant's, most specific
    /// first); unset keys fall back to the host's defaults. They cap what
    /// the plugin's manifest asks for: `polyplug-limits` resolves the two.
    pub limits: LimitsRequest,
}

impl EffectiveGrant {
    /// Nothing at all: what a plugin without a manifest gets.
    pub fn nothing() -> EffectiveGrant {
        EffectiveGrant::default()
    }

    /// For inspection: the interfaces the plugin declares are linked, so it
    /// can be instantiated and described, but it reaches nothing — no
    /// origins, directories, environment, sockets, clocks or entropy; a
    /// key-value store of the requested size that starts empty.
    pub fn interfaces_only(requested: &Capabilities) -> EffectiveGrant {
        EffectiveGrant {
            log: requested.log,
            config: requested.config,
            http_interface: !requested.http.is_empty(),
            kv_quota: requested.kv.map(|kv| kv.quota),
            secrets: requested.secrets.clone(),
            host: requested.host.clone(),
            ..EffectiveGrant::nothing()
        }
    }

    /// Whether the plugin may import the host interface `row` (its
    /// capability is part of the grant).
    pub fn links(&self, row: &HostInterface) -> bool {
        match row.capability {
            "log" => self.log,
            "config" => self.config,
            "kv" => self.kv_quota.is_some(),
            "secrets" => !self.secrets.is_empty(),
            "http" => self.http_interface,
            _ => false,
        }
    }
}

/// One request the grant does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGrant {
    /// What the plugin requested, in words.
    pub requested: String,
    /// The policy line that would grant it.
    pub line: String,
}

/// Why the policy gives a plugin nothing: it requests more than its grant
/// allows, or it is not the component its grant was given to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Requests its grant does not cover.
    #[error(transparent)]
    Ungranted(Ungranted),
    /// A component claiming the name of a granted plugin, with another digest.
    #[error(transparent)]
    OtherComponent(OtherComponent),
}

/// A plugin that requests more than its grant allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Ungranted {
    /// The plugin.
    pub plugin: String,
    /// The policy file, for the hint.
    pub policy: String,
    /// Every request not granted.
    pub missing: Vec<MissingGrant>,
}

impl fmt::Display for Ungranted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "plugin `{}` requests capabilities its grant does not allow:", self.plugin)?;
        for missing in &self.missing {
            writeln!(f, "  - {}: add `{}` under `[plugins.{}]` in {}", missing.requested, missing.line, self.plugin, self.policy)?;
        }
        write!(
            f,
            "hint: review the requests and record consent with `polyplug grant <component> --policy <policy file>`, or rebuild the plugin without them"
        )
    }
}

/// A component that claims the name of a plugin granted something, but whose
/// digest is not one the grant was given to: an impostor, or a new build
/// nobody has reviewed yet. Either way it gets nothing from that grant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "plugin `{plugin}` (sha256 {actual}) is not a component its grant in {policy} was given to ({}): a grant binds to the component, not to the name it claims\n\
     hint: review this component with `polyplug inspect <component>`; if you trust it, record consent with `polyplug grant <component> --policy {policy}`",
    if granted.is_empty() { "no digest is listed: add `sha256 = [...]`".to_string() } else { format!("sha256 {}", granted.join(", ")) }
)]
pub struct OtherComponent {
    /// The name the component claims.
    pub plugin: String,
    /// The policy file.
    pub policy: String,
    /// The digests the grant lists.
    pub granted: Vec<String>,
    /// The component's own digest.
    pub actual: String,
}

/// Who a component is, as far as the host has established it, not as it claims.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// SHA-256 of the component's bytes, hex.
    pub sha256: &'a str,
    /// The publisher the host verified (by signature), if any.
    pub verified_publisher: Option<&'a str>,
}

fn merge(into: &mut Grant, from: &Grant) {
    into.log |= from.log;
    into.config |= from.config;
    into.clocks |= from.clocks;
    into.random |= from.random;
    into.stdio |= from.stdio;
    into.http.extend(from.http.iter().cloned());
    into.files.extend(from.files.iter().cloned());
    into.env.extend(from.env.iter().cloned());
    into.sockets.extend(from.sockets.iter().cloned());
    into.secrets.extend(from.secrets.iter().cloned());
    into.host.extend(from.host.iter().cloned());
    into.private_ranges.extend(from.private_ranges.iter().copied());
    into.kv = match (into.kv, from.kv) {
        (Some(a), Some(b)) => Some(if b.quota > a.quota { b } else { a }),
        (a, b) => a.or(b),
    };
    let limits = &mut into.limits;
    let over = &from.limits;
    limits.memory = over.memory.or(limits.memory);
    limits.table_elements = over.table_elements.or(limits.table_elements);
    limits.instances = over.instances.or(limits.instances);
    limits.stack = over.stack.or(limits.stack);
    limits.fuel = over.fuel.or(limits.fuel);
    limits.timeout_ms = over.timeout_ms.or(limits.timeout_ms);
    limits.concurrency = over.concurrency.or(limits.concurrency);
    limits.calls_per_second = over.calls_per_second.or(limits.calls_per_second);
    limits.output = over.output.or(limits.output);
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl Policy {
    /// Parses a policy file's text; `origin` names it in errors and hints.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let mut policy: Policy = toml::from_str(text).map_err(|e| PolicyError {
            origin: origin.to_string(),
            line: text[..e.span().map_or(0, |s| s.start).min(text.len())].matches('\n').count() + 1,
            message: e.message().trim().to_string(),
        })?;
        policy.origin = origin.to_string();
        policy.check_digests(text)?;
        Ok(policy)
    }

    /// Digests belong to plugin grants, and each is a SHA-256 in hex.
    fn check_digests(&self, text: &str) -> Result<(), PolicyError> {
        let line_of = |needle: &str| text.find(needle).map_or(0, |at| text[..at].matches('\n').count() + 1);
        let wrong = |line: usize, message: String| PolicyError { origin: self.origin.clone(), line, message };
        let misplaced = std::iter::once(("[default]".to_string(), &self.default))
            .chain(self.publishers.iter().map(|(name, grant)| (format!("[publishers.{name}]"), grant)));
        for (table, grant) in misplaced {
            if !grant.sha256.is_empty() {
                return Err(wrong(
                    line_of(&table),
                    format!("`sha256` binds a grant to components; it belongs under `[plugins.<name>]`, not `{table}`"),
                ));
            }
        }
        for (name, grant) in &self.plugins {
            if let Some(bad) = grant.sha256.iter().find(|d| d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit())) {
                return Err(wrong(
                    line_of(bad),
                    format!("`{bad}` under `[plugins.{name}]` is not a SHA-256 digest (64 hex digits, as `polyplug inspect` shows)"),
                ));
            }
        }
        Ok(())
    }

    /// Reads and parses the policy file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Policy, PolicyError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError { origin: origin.clone(), line: 0, message: format!("cannot read: {e}") })?;
        Self::from_toml(&text, &origin)
    }

    /// A policy that grants nothing to anyone.
    pub fn deny_all() -> Policy {
        Policy { origin: "the policy file".into(), ..Policy::default() }
    }

    /// The grant that applies to the component `identity` claiming the name
    /// `plugin`: the default, plus its verified publisher's, plus its own
    /// (limits: the most specific wins). Its own grant applies only if it
    /// lists the component's digest; a component claiming a granted name with
    /// another digest is refused.
    pub fn grant_for(&self, plugin: &str, identity: Identity<'_>) -> Result<Grant, OtherComponent> {
        let mut grant = self.default.clone();
        if let Some(publisher) = identity.verified_publisher.and_then(|p| self.publishers.get(p)) {
            merge(&mut grant, publisher);
        }
        if let Some(own) = self.plugins.get(plugin) {
            if !own.sha256.iter().any(|digest| digest.eq_ignore_ascii_case(identity.sha256)) {
                return Err(OtherComponent {
                    plugin: plugin.to_string(),
                    policy: self.origin.clone(),
                    granted: own.sha256.clone(),
                    actual: identity.sha256.to_string(),
                });
            }
            merge(&mut grant, own);
        }
        Ok(grant)
    }

    /// What the plugin described by `manifest` may use: every request,
    /// checked against its grant. A single request not granted refuses the
    /// whole plugin, listing everything missing.
    pub fn effective(&self, manifest: &Manifest, identity: Identity<'_>) -> Result<EffectiveGrant, Refusal> {
        let name = manifest.plugin.name.as_str();
        let grant = self.grant_for(name, identity).map_err(Refusal::OtherComponent)?;
        let requested = &manifest.capabilities;
        let mut missing = Vec::new();
        let mut need = |ok: bool, requested: String, line: String| {
            if !ok {
                missing.push(MissingGrant { requested, line });
            }
        };
        let flags = [
            ("log", requested.log, grant.log),
            ("config", requested.config, grant.config),
            ("clocks", requested.clocks, grant.clocks),
            ("random", requested.random, grant.random),
            ("stdio", requested.stdio, grant.stdio),
        ];
        for (flag, wants, has) in flags {
            need(!wants || has, format!("`{flag}`"), format!("{flag} = true"));
        }
        for pattern in &requested.http {
            let text = pattern.to_string();
            need(
                grant.http.iter().any(|g| g.covers(pattern)),
                format!("HTTP to `{text}`"),
                format!("http = [{}]", toml_string(&text)),
            );
        }
        let mut preopens = Vec::new();
        for file in &requested.files {
            match grant.files.iter().find(|p| p.guest == file.path && p.access >= file.access) {
                Some(preopen) => preopens.push(Preopen { access: file.access, ..preopen.clone() }),
                None => need(
                    false,
                    format!("{} access to directory `{}`", file.access, file.path),
                    format!(
                        "files = [{{ host = \"<directory on this machine>\", guest = {}, access = \"{}\" }}]",
                        toml_string(&file.path),
                        file.access
                    ),
                ),
            }
        }
        for var in &requested.env {
            need(grant.env.contains(var), format!("environment variable `{var}`"), format!("env = [{}]", toml_string(var)));
        }
        if let Some(kv) = requested.kv {
            let ok = grant.kv.is_some_and(|g| g.quota >= kv.quota);
            let why = match grant.kv {
                Some(g) if !ok => format!("a key-value store of {} (granted: {})", kv.quota, g.quota),
                _ => format!("a key-value store of {}", kv.quota),
            };
            need(ok, why, format!("kv = {{ quota = \"{}\" }}", kv.quota));
        }
        for secret in &requested.secrets {
            need(grant.secrets.contains(secret), format!("the secret `{secret}`"), format!("secrets = [{}]", toml_string(secret)));
        }
        for socket in &requested.sockets {
            let text = socket.to_string();
            need(
                grant.sockets.iter().any(|g| g.covers(socket)),
                format!("sockets to `{text}`"),
                format!("sockets = [{}]", toml_string(&text)),
            );
        }
        for capability in &requested.host {
            need(
                grant.host.contains(capability),
                format!("the host interface `{capability}`"),
                format!("host = [{}]", toml_string(capability)),
            );
        }
        if !missing.is_empty() {
            return Err(Refusal::Ungranted(Ungranted { plugin: name.to_string(), policy: self.origin.clone(), missing }));
        }
        Ok(EffectiveGrant {
            log: requested.log,
            config: requested.config,
            http_interface: !requested.http.is_empty(),
            http: requested.http.clone(),
            preopens,
            env: requested.env.clone(),
            clocks: requested.clocks,
            random: requested.random,
            stdio: requested.stdio,
            kv_quota: requested.kv.map(|kv| kv.quota),
            secrets: requested.secrets.clone(),
            sockets: requested.sockets.clone(),
            host: requested.host.clone(),
            private_ranges: grant.private_ranges,
            limits: grant.limits,
        })
    }
}

impl Grant {
    /// A grant allowing exactly `requested`, except directories (their host
    /// paths are the operator's to choose; add them to `files`).
    pub fn allowing(requested: &Capabilities) -> Grant {
        grant_allowing(requested)
    }
}

fn grant_allowing(requested: &Capabilities) -> Grant {
    Grant {
        log: requested.log,
        config: requested.config,
        http: requested.http.clone(),
        env: requested.env.clone(),
        clocks: requested.clocks,
        random: requested.random,
        stdio: requested.stdio,
        kv: requested.kv.map(|kv| KvGrant { quota: kv.quota }),
        secrets: requested.secrets.clone(),
        sockets: requested.sockets.clone(),
        host: requested.host.clone(),
        ..Grant::default()
    }
}
