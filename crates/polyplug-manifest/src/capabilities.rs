//! The capability vocabulary: what a plugin may ask to reach, shared by the
//! manifest (requests) and the policy (grants).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Deserializer};

use crate::ByteSize;

/// The `[capabilities]` table. Everything absent is not requested.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Capabilities {
    /// The `log` host interface.
    #[serde(default)]
    pub log: bool,
    /// The `config` host interface.
    #[serde(default)]
    pub config: bool,
    /// Outgoing HTTP to these origins (`wasi:http/outgoing-handler`).
    #[serde(default)]
    pub http: Vec<HttpPattern>,
    /// Directories the plugin expects to see (the operator maps host paths onto them).
    #[serde(default)]
    pub files: Vec<FileRequest>,
    /// Environment variables, by name (values come from the host's environment).
    /// Each is a POSIX portable name, checked as the manifest is read.
    #[serde(default, deserialize_with = "env_names")]
    pub env: Vec<String>,
    /// The real wall and monotonic clocks (without: both frozen, the wall clock at zero).
    #[serde(default)]
    pub clocks: bool,
    /// Real entropy (without: every WASI random generator returns a fixed sequence).
    #[serde(default)]
    pub random: bool,
    /// Writing to stdout and stderr (captured into the host's logs; without: discarded).
    #[serde(default)]
    pub stdio: bool,
    /// A per-plugin key-value store with this quota.
    #[serde(default)]
    pub kv: Option<KvRequest>,
    /// Secrets it reads through the `secrets` host interface, by name (the
    /// values stay with the host). Each name is checked as the manifest is read.
    #[serde(default, deserialize_with = "secret_names")]
    pub secrets: Vec<String>,
    /// Sockets (`wasi:sockets`) to these addresses.
    #[serde(default)]
    pub sockets: Vec<SocketPattern>,
    /// Host interfaces the host application provides (its own WIT), by the
    /// capability names it gives them, e.g. `host = ["names"]`.
    #[serde(default)]
    pub host: Vec<String>,
}

impl Capabilities {
    /// What these capabilities ask for, one line each, in words for people
    /// (`log: write to the host's logs`, `kv: a key-value store of 64 KiB`);
    /// empty when nothing is asked.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (name, on, what) in [
            ("log", self.log, "write to the host's logs"),
            ("config", self.config, "read its configuration"),
            ("clocks", self.clocks, "read the real clocks"),
            ("random", self.random, "real randomness (entropy)"),
            ("stdio", self.stdio, "stdout/stderr into the host's logs"),
        ] {
            if on {
                lines.push(format!("{name}: {what}"));
            }
        }
        lines.extend(self.http.iter().map(|h| format!("http: requests to {h}")));
        lines.extend(self.files.iter().map(|f| format!("files: {} access to {}", f.access, f.path)));
        lines.extend(self.env.iter().map(|e| format!("env: environment variable {e}")));
        lines.extend(self.sockets.iter().map(|s| format!("sockets: {s}")));
        lines.extend(self.host.iter().map(|h| format!("host interface: {h}")));
        lines.extend(self.kv.iter().map(|kv| format!("kv: a key-value store of {}", kv.quota)));
        lines.extend(self.secrets.iter().map(|name| format!("secrets: read the secret `{name}`")));
        lines
    }
}

/// An HTTP origin pattern: `scheme://host[:port]`, where the host may start
/// with `*.` to match any subdomain, and the port may be `*` for any.
/// Without a port, the scheme's default.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct HttpPattern {
    /// `http` or `https`.
    pub scheme: String,
    /// `example.com`, or `*.example.com` for any subdomain of it.
    pub host: String,
    /// The port; `None` for any.
    pub port: Option<u16>,
}

impl TryFrom<String> for HttpPattern {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let wrong = |why: &str| {
            format!("`{text}` is not an HTTP origin pattern ({why}): write e.g. `https://api.example.com`, `https://*.example.com:8443`")
        };
        let (scheme, rest) = text.split_once("://").ok_or_else(|| wrong("no scheme"))?;
        let default_port = match scheme {
            "https" => 443,
            "http" => 80,
            _ => return Err(wrong("the scheme must be http or https")),
        };
        if rest.contains('/') || rest.contains('?') || rest.contains('@') {
            return Err(wrong("an origin has no path, query or user"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, "*")) => (host, None),
            Some((host, port)) => (host, Some(port.parse::<u16>().map_err(|_| wrong("the port is not a number or `*`"))?)),
            None => (rest, Some(default_port)),
        };
        let bare = host.strip_prefix("*.").unwrap_or(host);
        let valid_host = !bare.is_empty()
            && bare.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid_host {
            return Err(wrong("the host must be a DNS name or IP address, optionally starting with `*.`"));
        }
        Ok(HttpPattern { scheme: scheme.to_string(), host: host.to_ascii_lowercase(), port })
    }
}

impl HttpPattern {
    /// Whether a request to `scheme://host:port` falls under this pattern.
    pub fn matches(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
            && self.port.is_none_or(|p| p == port)
            && host_matches(&self.host, host)
    }

    /// Whether every origin `other` matches is matched by `self` too.
    pub fn covers(&self, other: &HttpPattern) -> bool {
        self.scheme == other.scheme
            && (self.port.is_none() || self.port == other.port)
            && host_matches(&self.host, &other.host)
    }
}

/// `pattern` (`a.b` or `*.b`) against `host` (which may itself be a `*.` pattern).
fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.strip_suffix(suffix).is_some_and(|head| head.ends_with('.') && head.len() > 1),
        None => pattern == host,
    }
}

impl fmt::Display for HttpPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = if self.scheme == "https" { 443 } else { 80 };
        match self.port {
            Some(port) if port == default => write!(f, "{}://{}", self.scheme, self.host),
            Some(port) => write!(f, "{}://{}:{port}", self.scheme, self.host),
            None => write!(f, "{}://{}:*", self.scheme, self.host),
        }
    }
}

/// A directory the plugin expects, by its path inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    /// The guest path, absolute and normalized, e.g. `/data`; checked as the
    /// manifest is read.
    #[serde(deserialize_with = "guest_path")]
    pub path: String,
    /// Read-only unless asked otherwise.
    #[serde(default)]
    pub access: FileAccess,
}

/// The longest environment variable name accepted, in bytes.
const ENV_NAME_MAX: usize = 256;

/// The longest guest path accepted, in bytes.
const GUEST_PATH_MAX: usize = 1024;

/// An environment variable name, valid by construction: ASCII letters,
/// digits and underscores, not starting with a digit, 1 to 256 bytes. Only
/// the deserializer uses it; the public field stays a `String`.
#[derive(Debug, Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct EnvName(String);

impl TryFrom<String> for EnvName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= ENV_NAME_MAX
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            Ok(EnvName(name))
        } else {
            Err(format!(
                "{name:?} is not an environment variable name: use ASCII letters, digits and underscores, not starting with a digit, at most {ENV_NAME_MAX} bytes (e.g. `JWT_AUDIENCE`)"
            ))
        }
    }
}

/// Reads `env = [...]`, each name checked (an error names the bad one; toml
/// places it at the array).
fn env_names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let names = Vec::<EnvName>::deserialize(deserializer)?;
    Ok(names.into_iter().map(|EnvName(name)| name).collect())
}

/// The longest secret name accepted, in bytes.
const SECRET_NAME_MAX: usize = 128;

/// A secret's name, valid by construction: ASCII letters, digits, `-`, `_`
/// and `.`, starting with a letter, 1 to 128 bytes (`crm-token`,
/// `db.password`). Names, not values, appear in manifests, grants, errors
/// and audit events. The policy's grants use it too.
#[derive(Debug, Deserialize)]
#[serde(try_from = "String")]
pub struct SecretName(pub String);

impl TryFrom<String> for SecretName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        let valid = name.len() <= SECRET_NAME_MAX
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid {
            Ok(SecretName(name))
        } else {
            Err(format!(
                "{name:?} is not a secret name: use ASCII letters, digits, `-`, `_` and `.`, starting with a letter, at most {SECRET_NAME_MAX} bytes (e.g. `crm-token`)"
            ))
        }
    }
}

/// Reads `secrets = [...]`, each name checked.
pub fn secret_names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let names = Vec::<SecretName>::deserialize(deserializer)?;
    Ok(names.into_iter().map(|SecretName(name)| name).collect())
}

/// A guest path, valid by construction: absolute, at most 1024 bytes, no
/// control characters, no `.`, `..` or empty components. Only the
/// deserializer uses it; the public field stays a `String`.
#[derive(Debug, Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct GuestPath(String);

impl TryFrom<String> for GuestPath {
    type Error = String;

    fn try_from(path: String) -> Result<Self, String> {
        let wrong = |why: &str| format!("{path:?} is not a guest path ({why}): write an absolute path such as `/data` or `/srv/app-data`");
        let Some(rest) = path.strip_prefix('/') else {
            return Err(wrong("it must be absolute, starting with `/`"));
        };
        if path.len() > GUEST_PATH_MAX {
            return Err(wrong(&format!("it must be at most {GUEST_PATH_MAX} bytes")));
        }
        if path.chars().any(char::is_control) {
            return Err(wrong("it must not contain control characters"));
        }
        if !rest.is_empty() {
            for component in rest.split('/') {
                match component {
                    "." | ".." => return Err(wrong("it must not contain `.` or `..` components")),
                    "" => return Err(wrong("it must not contain empty components: no `//`, no trailing `/`")),
                    _ => {}
                }
            }
        }
        Ok(GuestPath(path))
    }
}

/// Reads a `files` entry's `path`, checked.
fn guest_path<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    GuestPath::deserialize(deserializer).map(|GuestPath(path)| path)
}

/// How a directory may be used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileAccess {
    /// Read files and list directories.
    #[default]
    ReadOnly,
    /// Also create, write and remove.
    ReadWrite,
}

impl fmt::Display for FileAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileAccess::ReadOnly => "read-only",
            FileAccess::ReadWrite => "read-write",
        })
    }
}

/// The key-value store request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvRequest {
    /// The most bytes (keys plus values) the plugin may store.
    pub quota: ByteSize,
}

/// A socket address pattern: `tcp:<ip>:<port>` or `udp:<ip>:<port>`; the port may be `*`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct SocketPattern {
    /// `tcp` or `udp`.
    pub protocol: String,
    /// The address.
    pub ip: IpAddr,
    /// The port; `None` for any.
    pub port: Option<u16>,
}

impl TryFrom<String> for SocketPattern {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let wrong = || format!("`{text}` is not a socket pattern: write `tcp:<ip>:<port>` or `udp:<ip>:<port>`, port `*` for any (e.g. `tcp:10.0.0.5:5432`)");
        let (protocol, rest) = text.split_once(':').ok_or_else(wrong)?;
        if protocol != "tcp" && protocol != "udp" {
            return Err(wrong());
        }
        let (ip, port) = rest.rsplit_once(':').ok_or_else(wrong)?;
        let ip = ip.trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| wrong())?;
        let port = if port == "*" { None } else { Some(port.parse().map_err(|_| wrong())?) };
        Ok(SocketPattern { protocol: protocol.to_string(), ip, port })
    }
}

impl SocketPattern {
    /// Whether a `protocol` socket to `addr` falls under this pattern.
    pub fn matches(&self, protocol: &str, addr: SocketAddr) -> bool {
        self.protocol == protocol && self.ip == addr.ip() && self.port.is_none_or(|p| p == addr.port())
    }

    /// Whether every address `other` matches is matched by `self` too.
    pub fn covers(&self, other: &SocketPattern) -> bool {
        self.protocol == other.protocol && self.ip == other.ip && (self.port.is_none() || self.port == other.port)
    }
}

impl fmt::Display for SocketPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ip = match self.ip {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        match self.port {
            Some(port) => write!(f, "{}:{ip}:{port}", self.protocol),
            None => write!(f, "{}:{ip}:*", self.protocol),
        }
    }
}

/// An address range in CIDR notation: `10.0.0.0/8`, `127.0.0.1/32`,
/// `fc00::/7`. The address is the range's first one (no host bits set), so
/// that what the operator reads is exactly what is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct IpRange {
    /// The first address of the range.
    pub addr: IpAddr,
    /// How many leading bits every address in the range shares with `addr`.
    pub prefix: u8,
}

impl TryFrom<String> for IpRange {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let wrong = |why: &str| {
            format!(
                "`{text}` is not an address range ({why}): write `<address>/<prefix length>`, e.g. `10.0.0.0/8`, `127.0.0.1/32`, `fd00::/8`"
            )
        };
        let (addr, prefix) = text.split_once('/').ok_or_else(|| wrong("no `/<prefix length>`"))?;
        let addr: IpAddr = addr.parse().map_err(|_| wrong("not an IPv4 or IPv6 address before the `/`"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|prefix| *prefix <= max)
            .ok_or_else(|| wrong(&format!("the prefix length must be a number from 0 to {max}")))?;
        let range = IpRange { addr, prefix };
        if range.first() != addr {
            return Err(wrong(&format!("bits beyond the prefix are set; the range starts at `{}/{prefix}`", range.first())));
        }
        Ok(range)
    }
}

impl IpRange {
    /// The range's first address: `addr` with the bits beyond the prefix cleared.
    fn first(&self) -> IpAddr {
        let beyond = |bits: u32| bits.saturating_sub(self.prefix.into());
        match self.addr {
            IpAddr::V4(ip) => std::net::Ipv4Addr::from(u32::from(ip) & u32::MAX.checked_shl(beyond(32)).unwrap_or(0)).into(),
            IpAddr::V6(ip) => std::net::Ipv6Addr::from(u128::from(ip) & u128::MAX.checked_shl(beyond(128)).unwrap_or(0)).into(),
        }
    }

    /// Whether `ip` lies in the range. An IPv4 range never contains an IPv6
    /// address, nor the other way round: an IPv4-mapped IPv6 address
    /// (`::ffff:10.0.0.1`) is to be converted first (`IpAddr::to_canonical`).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let within = IpRange { addr: ip, prefix: self.prefix };
        self.addr.is_ipv4() == ip.is_ipv4() && within.first() == self.addr
    }

    /// The range holding exactly `ip` (`/32` or `/128`).
    pub fn single(ip: IpAddr) -> IpRange {
        IpRange { addr: ip, prefix: if ip.is_ipv4() { 32 } else { 128 } }
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}
