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

/// Writes into the policy file at `path` (created if missing) a grant for
/// the plugin of `manifest` allowing exactly what it requests, with `record`.
/// `dirs` maps each requested guest directory to a host directory.
/// Replaces any earlier grant for the same plugin.
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
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| Box::new(ConsentError::Parse { path: path.to_path_buf(), message: e.to_string() }))?;
    let name = manifest.plugin.name.as_str();
    let requested = &manifest.capabilities;
    let grant = Grant::allowing(requested);

    let mut table = Table::new();
    for (key, on) in [
        ("log", grant.log),
        ("config", grant.config),
        ("clocks", grant.clocks),
        ("random", grant.random),
        ("stdio", grant.stdio),
    ] {
        if on {
            table.insert(key, value(true));
        }
    }
    if !grant.http.is_empty() {
        table.insert("http", Item::Value(array(&grant.http)));
    }
    if !grant.env.is_empty() {
        table.insert("env", Item::Value(array(&grant.env)));
    }
    if !grant.sockets.is_empty() {
        table.insert("sockets", Item::Value(array(&grant.sockets)));
    }
    if let Some(kv) = grant.kv {
        let mut inline = InlineTable::new();
        inline.insert("quota", kv.quota.to_string().into());
        table.insert("kv", Item::Value(Value::InlineTable(inline)));
    }
    if !requested.files.is_empty() {
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
        table.insert("files", Item::Value(Value::Array(files)));
    }
    let mut consent = InlineTable::new();
    consent.insert("by", record.by.clone().into());
    consent.insert("at-unix", i64::try_from(record.at_unix).unwrap_or(i64::MAX).into());
    consent.insert("sha256", record.sha256.clone().into());
    table.insert("consent", Item::Value(Value::InlineTable(consent)));

    let plugins = doc.entry("plugins").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let Some(plugins) = plugins.as_table_mut() else {
        return Err(Box::new(ConsentError::Parse { path: path.to_path_buf(), message: "`plugins` is not a table".into() }));
    };
    plugins.insert(name, Item::Table(table));
    std::fs::write(path, doc.to_string()).map_err(io)
}
