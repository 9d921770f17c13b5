//! The `secrets` host interface: a plugin reads a secret by name, if its
//! grant names it (and, in a call for a tenant whose policy section lists
//! secrets, that list too), from the host's [`SecretStore`], in the
//! namespace of the tenant the call runs for. Values are wrapped in [`Secret`] so that no
//! `Debug` or `Display` of them (a log line, an error, a span) shows them.

use std::fmt;

use polyplug_bindings::base::polyplug::plugin::secrets::SecretError;
use polyplug_policy::AuditEvent;

use crate::PluginState;

/// A secret's value. `Debug` and `Display` print `[redacted]`: only
/// [`Secret::expose`] gives the value, and the `secrets` host interface is
/// its one caller in polyplug.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself: to hand to a plugin, or to put into a configuration
    /// value that referenced it (`${SECRET:name}`).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where a host's secrets come from: a file or the environment
/// (`polyplug-host` has both), or a vault (HashiCorp Vault, Kubernetes
/// secrets) behind an implementation of this trait.
///
/// `tenant` is the tenant the call runs for, as the host application set it
/// (`None` for a call made for no tenant); an implementation reads that
/// tenant's value of `name` and never another tenant's. Reads happen inside
/// plugin calls, so they must be quick (cache what a remote store returns).
pub trait SecretStore: Send + Sync + 'static {
    /// The value of `name` for `tenant`: `Ok(None)` when the store has
    /// none, `Err(reason)` when it cannot be read. The reason reaches the
    /// plugin and the logs: it must never contain a value.
    fn get(&self, tenant: Option<&str>, name: &str) -> Result<Option<Secret>, String>;
}

impl PluginState {
    /// The `secrets.get` host function: the plugin's grant and the tenant's
    /// are checked first (a refusal is audited), then the store is asked in
    /// the call's tenant's namespace.
    pub(crate) fn read_secret(&mut self, name: &str) -> Result<String, SecretError> {
        let tenant = self.tenant.as_deref();
        if !self.secret_names.iter().any(|granted| granted == name) {
            let hint = format!("add `secrets = [\"{name}\"]` to the plugin's grant in the policy (and to `[capabilities]` in its polyplug.toml)");
            return Err(self.refuse(name, "a secret its grant does not name", format!(": its grant does not name it; {hint}"), &hint));
        }
        if let (Some(tenant), Some(names)) = (tenant, &self.tenant_secret_names)
            && !names.iter().any(|granted| granted == name)
        {
            let hint = format!("add \"{name}\" to `secrets` under `[tenants.{tenant}]` in the policy if this tenant's calls should read it");
            let why = format!(" for tenant `{tenant}`: the policy's `[tenants.{tenant}]` does not name it; {hint}");
            return Err(self.refuse(name, &format!("a secret tenant `{tenant}` is not granted"), why, &hint));
        }
        let Some(store) = &self.secrets else {
            return Err(SecretError::Unavailable(format!(
                "plugin `{}` is granted the secret `{name}`, but this host has no secret store; give the host one (`HostBuilder::secrets`)",
                self.plugin
            )));
        };
        match store.get(tenant, name) {
            Ok(Some(secret)) => Ok(secret.expose().to_string()),
            Ok(None) => Err(SecretError::NotFound(match tenant {
                Some(tenant) => format!("the host has no value of the secret `{name}` for tenant `{tenant}`"),
                None => format!("the host has no value of the secret `{name}` (the call runs for no tenant)"),
            })),
            Err(reason) => Err(SecretError::Unavailable(format!("the secret `{name}` cannot be read: {reason}"))),
        }
    }
}

impl PluginState {
    /// A refused read of `name`: audited (`what`, then `hint`), and the
    /// plugin's error (`plugin … may not read the secret `name`` then `why`).
    fn refuse(&self, name: &str, what: &str, why: String, hint: &str) -> SecretError {
        self.audit.record(AuditEvent { plugin: self.plugin.to_string(), capability: "secrets", target: name.to_string(), reason: format!("{what}; {hint}") });
        SecretError::NotGranted(format!("plugin `{}` may not read the secret `{name}`{why}", self.plugin))
    }
}

impl polyplug_bindings::base::polyplug::plugin::secrets::Host for PluginState {
    fn get(&mut self, name: String) -> Result<String, SecretError> {
        self.read_secret(&name)
    }
}
