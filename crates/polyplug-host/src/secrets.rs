//! The secret stores a host can be given ([`SecretsFile`], [`EnvSecrets`]),
//! and `${SECRET:name}` in plugin configuration. A vault (HashiCorp Vault,
//! Kubernetes secrets) would be another [`SecretStore`]: none ships, since
//! none can be tested here.

use std::collections::BTreeMap;
use std::path::Path;

use polyplug_linker::{Secret, SecretStore};

use crate::{Error, Result};

/// Secrets from a TOML file: a `[secrets]` table for calls made for no
/// tenant, and one `[tenants.<id>]` table per tenant, each mapping a name to
/// its value. A call for tenant `acme` reads `[tenants.acme]` only.
///
/// ```toml
/// [secrets]
/// crm-token = "t-shared"
///
/// [tenants.acme]
/// crm-token = "t-acme"
/// ```
///
/// Errors reading it name the file and the line, never what is on it.
pub struct SecretsFile {
    shared: BTreeMap<String, Secret>,
    tenants: BTreeMap<String, BTreeMap<String, Secret>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayout {
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    #[serde(default)]
    tenants: BTreeMap<String, BTreeMap<String, String>>,
}

impl SecretsFile {
    /// Reads the file at `path`.
    pub fn load(path: &Path) -> Result<SecretsFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Setup(format!("cannot read the secrets file {}: {e}", path.display())))?;
        SecretsFile::from_toml(&text, &path.display().to_string())
    }

    /// Reads secrets from `text`; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<SecretsFile> {
        let layout: FileLayout = toml::from_str(text).map_err(|e| {
            // toml's own message may quote the value (`invalid type: integer `1234``): only the place is said.
            let line = e.span().map_or(0, |span| text[..span.start.min(text.len())].lines().count().max(1));
            Error::Setup(format!(
                "{origin}:{line}: not a secrets file: write `[secrets]` and `[tenants.<id>]` tables of `name = \"value\"` lines (values are not shown here)"
            ))
        })?;
        let wrap = |table: BTreeMap<String, String>| table.into_iter().map(|(name, value)| (name, Secret::new(value))).collect();
        Ok(SecretsFile { shared: wrap(layout.secrets), tenants: layout.tenants.into_iter().map(|(tenant, table)| (tenant, wrap(table))).collect() })
    }
}

impl SecretStore for SecretsFile {
    fn get(&self, tenant: Option<&str>, name: &str) -> std::result::Result<Option<Secret>, String> {
        let table = match tenant {
            Some(tenant) => self.tenants.get(tenant),
            None => Some(&self.shared),
        };
        Ok(table.and_then(|t| t.get(name)).cloned())
    }
}

/// Secrets from the host's environment: `name` is read from
/// `<PREFIX><NAME>`, and for tenant `acme` from `<PREFIX>ACME__<NAME>`, the
/// names upper-cased with `-` and `.` as `_` (`crm-token` is
/// `PIPELINE_SECRET_CRM_TOKEN` with the prefix `PIPELINE_SECRET_`). Names
/// differing only in `-`, `.` and `_` share a variable.
pub struct EnvSecrets {
    prefix: String,
}

impl EnvSecrets {
    /// Reads variables starting with `prefix`, e.g. `PIPELINE_SECRET_`.
    pub fn new(prefix: impl Into<String>) -> EnvSecrets {
        EnvSecrets { prefix: prefix.into() }
    }

    /// The variable holding `name` for `tenant`.
    pub fn variable(&self, tenant: Option<&str>, name: &str) -> String {
        let upper = |text: &str| text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect::<String>();
        match tenant {
            Some(tenant) => format!("{}{}__{}", self.prefix, upper(tenant), upper(name)),
            None => format!("{}{}", self.prefix, upper(name)),
        }
    }
}

impl SecretStore for EnvSecrets {
    fn get(&self, tenant: Option<&str>, name: &str) -> std::result::Result<Option<Secret>, String> {
        match std::env::var(self.variable(tenant, name)) {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("the variable `{}` is not valid UTF-8", self.variable(tenant, name))),
        }
    }
}

/// The marker that starts a secret reference in a configuration value.
const REFERENCE: &str = "${SECRET:";

/// `config` with every `${SECRET:name}` in its values replaced by the
/// secret's value (for no tenant), so that an operator never writes one into
/// a configuration file. A reference that cannot be resolved refuses the
/// plugin, naming the key and the secret.
pub(crate) fn resolve_config(plugin: &str, config: &mut [(String, String)], store: Option<&dyn SecretStore>) -> Result<()> {
    for (key, value) in config.iter_mut().filter(|(_, value)| value.contains(REFERENCE)) {
        let refuse = |reason: String| Error::Config { plugin: plugin.to_string(), key: key.clone(), reason };
        let mut resolved = String::with_capacity(value.len());
        let mut rest = value.as_str();
        while let Some(start) = rest.find(REFERENCE) {
            resolved.push_str(&rest[..start]);
            let after = &rest[start + REFERENCE.len()..];
            let end = after.find('}').ok_or_else(|| refuse("has `${SECRET:` without its closing `}`".into()))?;
            let name = &after[..end];
            let store = store.ok_or_else(|| refuse(format!("refers to the secret `{name}`, but this host has no secret store; give it one (`HostBuilder::secrets`)")))?;
            let secret = store
                .get(None, name)
                .map_err(|reason| refuse(format!("refers to the secret `{name}`, which cannot be read: {reason}")))?
                .ok_or_else(|| refuse(format!("refers to the secret `{name}`, which the host's secret store does not have")))?;
            resolved.push_str(secret.expose());
            rest = &after[end + 1..];
        }
        resolved.push_str(rest);
        *value = resolved;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "[secrets]\ncrm-token = \"t-shared\"\n\n[tenants.acme]\ncrm-token = \"t-acme\"\n\n[tenants.globex]\nerp-key = \"k-globex\"\n";

    #[test]
    fn a_file_gives_each_tenant_its_own_values_only() {
        let file = SecretsFile::from_toml(FILE, "secrets.toml").unwrap();
        let value = |tenant, name| file.get(tenant, name).unwrap().map(|s| s.expose().to_string());
        assert_eq!(value(None, "crm-token").as_deref(), Some("t-shared"));
        assert_eq!(value(Some("acme"), "crm-token").as_deref(), Some("t-acme"));
        assert_eq!(value(Some("acme"), "erp-key"), None, "globex's secret is not acme's");
        assert_eq!(value(Some("globex"), "crm-token"), None, "nor does a tenant fall back to the shared values");
        assert_eq!(value(Some("initech"), "crm-token"), None);
    }

    #[test]
    fn a_broken_file_is_refused_by_line_without_showing_values() {
        for (text, line) in [("[secrets]\npin = 12345678\n", 2), ("[secrets]\ntoken = \"s3cr3t-unterminated\n", 2), ("[tenants.acme]\nx = \"s3cr3t\"\n[other]\n", 3)] {
            let Err(err) = SecretsFile::from_toml(text, "secrets.toml") else { panic!("{text} read") };
            let shown = err.to_string();
            assert!(shown.contains(&format!("secrets.toml:{line}: not a secrets file")), "{shown}");
            assert!(!shown.contains("12345678") && !shown.contains("s3cr3t"), "{shown}");
        }
    }

    #[test]
    fn the_environment_is_read_by_prefix_name_and_tenant() {
        let env = EnvSecrets::new("POLYPLUG_TEST_SECRET_");
        assert_eq!(env.variable(None, "crm-token"), "POLYPLUG_TEST_SECRET_CRM_TOKEN");
        assert_eq!(env.variable(Some("acme-eu"), "db.password"), "POLYPLUG_TEST_SECRET_ACME_EU__DB_PASSWORD");
        assert_eq!(env.get(Some("nobody"), "never-set").unwrap(), None);
    }

    #[test]
    fn configuration_references_are_resolved_and_unresolvable_ones_refused_by_name() {
        let file = SecretsFile::from_toml(FILE, "secrets.toml").unwrap();
        let mut config = vec![("authorization".to_string(), "Bearer ${SECRET:crm-token}".to_string()), ("url".into(), "https://crm.example".into())];
        resolve_config("enrich", &mut config, Some(&file)).unwrap();
        assert_eq!(config[0].1, "Bearer t-shared");
        assert_eq!(config[1].1, "https://crm.example");
        let mut missing = vec![("key".to_string(), "${SECRET:erp-key}".to_string())];
        let err = resolve_config("enrich", &mut missing, Some(&file)).unwrap_err().to_string();
        assert_eq!(err, "plugin `enrich`: the configuration value of `key` refers to the secret `erp-key`, which the host's secret store does not have");
        let err = resolve_config("enrich", &mut missing, None).unwrap_err().to_string();
        assert!(err.contains("but this host has no secret store"), "{err}");
        let mut open = vec![("key".to_string(), "${SECRET:crm-token".to_string())];
        assert!(resolve_config("enrich", &mut open, Some(&file)).unwrap_err().to_string().contains("without its closing `}`"));
    }
}
