//! The policy file, grants, and the effective grant of one plugin.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use polyplug_manifest::{ByteSize, Capabilities, FileAccess, HttpPattern, LimitsRequest, Manifest, SocketPattern};
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
    /// Granted to plugins by name.
    #[serde(default)]
    pub plugins: BTreeMap<String, Grant>,
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
    /// Socket addresses.
    #[serde(default)]
    pub sockets: Vec<SocketPattern>,
    /// The operator's limits for the plugin, overriding its requests.
    #[serde(default)]
    pub limits: LimitsRequest,
    /// Who consented to this grant, when, for which component.
    #[serde(default)]
    pub consent: Option<crate::ConsentRecord>,
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
    /// Socket patterns (the requested ones).
    pub sockets: Vec<SocketPattern>,
    /// Limits: the plugin's requests overridden by the operator's.
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
            ..EffectiveGrant::nothing()
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

/// A plugin that requests more than its grant allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Refusal {
    /// The plugin.
    pub plugin: String,
    /// The policy file, for the hint.
    pub policy: String,
    /// Every request not granted.
    pub missing: Vec<MissingGrant>,
}

impl fmt::Display for Refusal {
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
        Ok(policy)
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

    /// The grant that applies to `plugin`: the default, plus its verified
    /// publisher's, plus its own (limits: the most specific wins).
    pub fn grant_for(&self, plugin: &str, verified_publisher: Option<&str>) -> Grant {
        let mut grant = self.default.clone();
        if let Some(publisher) = verified_publisher.and_then(|p| self.publishers.get(p)) {
            merge(&mut grant, publisher);
        }
        if let Some(own) = self.plugins.get(plugin) {
            merge(&mut grant, own);
        }
        grant
    }

    /// What the plugin described by `manifest` may use: every request,
    /// checked against its grant. A single request not granted refuses the
    /// whole plugin, listing everything missing.
    pub fn effective(&self, manifest: &Manifest, verified_publisher: Option<&str>) -> Result<EffectiveGrant, Refusal> {
        let name = manifest.plugin.name.as_str();
        let grant = self.grant_for(name, verified_publisher);
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
        for socket in &requested.sockets {
            let text = socket.to_string();
            need(
                grant.sockets.iter().any(|g| g.covers(socket)),
                format!("sockets to `{text}`"),
                format!("sockets = [{}]", toml_string(&text)),
            );
        }
        if !missing.is_empty() {
            return Err(Refusal { plugin: name.to_string(), policy: self.origin.clone(), missing });
        }
        let mut limits = manifest.limits.clone();
        merge_limits(&mut limits, &grant.limits);
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
            sockets: requested.sockets.clone(),
            limits,
        })
    }
}

fn merge_limits(into: &mut LimitsRequest, over: &LimitsRequest) {
    let mut grant = Grant { limits: into.clone(), ..Grant::default() };
    merge(&mut grant, &Grant { limits: over.clone(), ..Grant::default() });
    *into = grant.limits;
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
        sockets: requested.sockets.clone(),
        ..Grant::default()
    }
}
