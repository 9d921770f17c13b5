//! Recording an operator's consent: `polyplug grant` writes a plugin's grant
//! into the policy file, keeping the rest of the file (comments included) as it was.

use std::path::{Path, PathBuf};

use polyplug_manifest::Manifest;
use serde::Deserialize;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value, value};

use crate::Grant;

/// Who consented to a grant, when, and for which component.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConsentRecord {
    /// The operator (user name).
    pub by: String,
    /// When, in seconds since the Unix epoch.
    pub at_unix: u64,
    /// The SHA-256 of the component consented to, hex.
    pub sha256: String,
}

/// Why consent could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// The policy file could not be read or written.
    #[error("cannot update policy file `{}`: {reason}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: std::io::Error,
    },
    /// The policy file is not valid TOML.
    #[error("policy file `{}` is not valid TOML: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A requested directory has no host directory to map.
    #[error(
        "plugin `{plugin}` asks for directory `{guest}`; say which host directory it gets with `--dir {guest}=<host directory>`"
    )]
    MissingDirectory {
        /// The plugin.
        plugin: String,
        /// The guest path.
        guest: String,
    },
}

fn array<T: ToString>(items: &[T]) -> Value {
    Value::Array(items.iter().map(|i| i.to_string()).collect())
}

/// Records in the policy file at `path` (created if missing) the operator's
/// consent to the plugin of `manifest`, the component with digest
/// `record.sha256`: its grant allows exactly what the manifest requests, and
/// lists that digest beside any it listed before (so consenting to a new
/// version keeps the old one granted until the operator removes it).
/// `dirs` maps each requested guest directory to a host directory.
///
/// What the operator wrote stays: the rest of the file and its comments, and
/// in the plugin's own table every `limits` key already set (a requested limit
/// is added only where the operator set none). The file is replaced
/// atomically: a reader sees the old policy or the new one, never half.
pub fn record_consent(
    path: &Path,
    manifest: &Manifest,
    dirs: &[(String, PathBuf)],
    record: &ConsentRecord,
) -> Result<(), Box<ConsentError>> {
    let io = |reason| Box::new(ConsentError::Io { path: path.to_path_buf(), reason });
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let parse_error = |message: String| Box::new(ConsentError::Parse { path: path.to_path_buf(), message });
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| parse_error(e.to_string()))?;
    let name = manifest.plugin.name.as_str();
    let requested = &manifest.capabilities;
    let grant = Grant::allowing(requested);

    let plugins = doc.entry("plugins").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let plugins = plugins.as_table_mut().ok_or_else(|| parse_error("`plugins` is not a table".into()))?;
    let table = plugins.entry(name).or_insert_with(|| Item::Table(Table::new()));
    let table = table.as_table_mut().ok_or_else(|| parse_error(format!("`plugins.{name}` is not a table")))?;

    // Capabilities: exactly the request, replacing what an earlier consent wrote.
    for (key, on) in [
        ("log", grant.log),
        ("config", grant.config),
        ("clocks", grant.clocks),
        ("random", grant.random),
        ("stdio", grant.stdio),
    ] {
        if on {
            table.insert(key, value(true));
        } else {
            table.remove(key);
        }
    }
    let mut set_list = |key: &str, items: Option<Value>| match items {
        Some(items) => {
            table.insert(key, Item::Value(items));
        }
        None => {
            table.remove(key);
        }
    };
    set_list("http", (!grant.http.is_empty()).then(|| array(&grant.http)));
    set_list("env", (!grant.env.is_empty()).then(|| array(&grant.env)));
    set_list("sockets", (!grant.sockets.is_empty()).then(|| array(&grant.sockets)));
    set_list("secrets", (!grant.secrets.is_empty()).then(|| array(&grant.secrets)));
    set_list("host", (!grant.host.is_empty()).then(|| array(&grant.host)));
    set_list(
        "kv",
        grant.kv.map(|kv| {
            let mut inline = InlineTable::new();
            inline.insert("quota", kv.quota.to_string().into());
            Value::InlineTable(inline)
        }),
    );
    let files = if requested.files.is_empty() {
        None
    } else {
        let mut files = toml_edit::Array::new();
        for file in &requested.files {
            let host = dirs.iter().find(|(guest, _)| *guest == file.path).map(|(_, host)| host).ok_or_else(|| {
                Box::new(ConsentError::MissingDirectory { plugin: name.to_string(), guest: file.path.clone() })
            })?;
            let mut inline = InlineTable::new();
            inline.insert("host", host.display().to_string().into());
            inline.insert("guest", file.path.clone().into());
            inline.insert("access", file.access.to_string().into());
            files.push(Value::InlineTable(inline));
        }
        Some(Value::Array(files))
    };
    set_list("files", files);

    // Limits: the operator's stay; requested ones fill only the keys left unset.
    let wanted = manifest.limits.entries();
    if !wanted.is_empty() {
        let limits = table.entry("limits").or_insert_with(|| Item::Value(Value::InlineTable(InlineTable::new())));
        let Some(limits) = limits.as_table_like_mut() else {
            return Err(parse_error(format!("`plugins.{name}.limits` is not a table")));
        };
        for (key, requested) in wanted {
            if !limits.contains_key(key) {
                let requested: Value = requested.parse().map_err(|e: toml_edit::TomlError| parse_error(e.to_string()))?;
                limits.insert(key, Item::Value(requested));
            }
        }
    }

    // The component consented to joins the digests the grant is for.
    let digests = table.entry("sha256").or_insert_with(|| Item::Value(Value::Array(toml_edit::Array::new())));
    let digests = digests.as_array_mut().ok_or_else(|| parse_error(format!("`plugins.{name}.sha256` is not a list")))?;
    if !digests.iter().any(|d| d.as_str().is_some_and(|d| d.eq_ignore_ascii_case(&record.sha256))) {
        digests.push(record.sha256.as_str());
    }

    let mut consent = InlineTable::new();
    consent.insert("by", record.by.clone().into());
    consent.insert("at-unix", i64::try_from(record.at_unix).unwrap_or(i64::MAX).into());
    consent.insert("sha256", record.sha256.clone().into());
    table.insert("consent", Item::Value(Value::InlineTable(consent)));

    write_atomically(path, &doc.to_string()).map_err(io)
}

/// Writes `text` to a new file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    // Keep the permissions of the file being replaced (a policy may be private).
    if let Ok(metadata) = std::fs::metadata(path) {
        file.as_file().set_permissions(metadata.permissions())?;
    }
    file.persist(path).map(drop).map_err(|e| e.error)
}
