//! The one table of host interfaces a plugin may import only by declaring a
//! capability: which import, which `[capabilities]` key, and what to tell a
//! plugin author who forgot it. The linker (what it links and refuses), the
//! policy (what inspection links), xtask (the world a guest toolchain builds
//! against, and the shared host bindings) all read it, so a new host
//! interface is one row here (plus its implementation in the linker).

use crate::Capabilities;

/// A host interface behind a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostInterface {
    /// What the plugin imports, unversioned: an interface
    /// (`polyplug:plugin/log`) or every interface of a package (`wasi:http`).
    pub import: &'static str,
    /// The `[capabilities]` key that declares it.
    pub capability: &'static str,
    /// The line that declares it, for hints.
    pub declare: &'static str,
    /// What the plugin does with it, for hints ("rebuild without …").
    pub purpose: &'static str,
}

/// Every host interface behind a capability.
pub const HOST_INTERFACES: &[HostInterface] = &[
    HostInterface { import: "polyplug:plugin/log", capability: "log", declare: "log = true", purpose: "logging" },
    HostInterface { import: "polyplug:plugin/config", capability: "config", declare: "config = true", purpose: "reading config" },
    HostInterface {
        import: "polyplug:plugin/kv",
        capability: "kv",
        declare: "kv = { quota = \"64 KiB\" }",
        purpose: "the key-value store",
    },
    HostInterface {
        import: "polyplug:plugin/secrets",
        capability: "secrets",
        declare: "secrets = [\"<name>\"]",
        purpose: "reading secrets",
    },
    HostInterface { import: "wasi:http", capability: "http", declare: "http = [\"https://<host>\"]", purpose: "HTTP" },
];

impl HostInterface {
    /// The row for an import name as a component writes it
    /// (`polyplug:plugin/log@0.1.0`, `wasi:http/types@0.2.6`), if it is one.
    pub fn of_import(import: &str) -> Option<&'static HostInterface> {
        let unversioned = import.split('@').next().unwrap_or(import);
        let package = unversioned.split_once('/').map_or(unversioned, |(package, _)| package);
        HOST_INTERFACES.iter().find(|row| row.import == unversioned || row.import == package)
    }

    /// The row for a polyplug interface by its short name (`log`), if it is one.
    pub fn polyplug(short: &str) -> Option<&'static HostInterface> {
        HOST_INTERFACES.iter().find(|row| row.import.strip_prefix("polyplug:plugin/") == Some(short))
    }

    /// Whether `capabilities` declares this interface.
    pub fn declared_in(&self, capabilities: &Capabilities) -> bool {
        match self.capability {
            "log" => capabilities.log,
            "config" => capabilities.config,
            "kv" => capabilities.kv.is_some(),
            "secrets" => !capabilities.secrets.is_empty(),
            "http" => !capabilities.http.is_empty(),
            _ => false,
        }
    }

    /// The refusal's reason when a plugin imports this without declaring it.
    pub fn undeclared(&self) -> String {
        format!(
            "but does not declare `{}`; add `{}` to `[capabilities]` in its polyplug.toml (and grant it), or rebuild without {}",
            self.capability, self.declare, self.purpose
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_find_their_row_whatever_their_version() {
        assert_eq!(HostInterface::of_import("polyplug:plugin/log@0.1.0").map(|r| r.capability), Some("log"));
        assert_eq!(HostInterface::of_import("wasi:http/outgoing-handler@0.2.6").map(|r| r.capability), Some("http"));
        assert_eq!(HostInterface::of_import("wasi:cli/environment@0.2.6"), None, "always linked, reach gated");
        assert_eq!(HostInterface::of_import("polyplug:plugin/types@0.1.0"), None, "types only");
        assert_eq!(HostInterface::polyplug("kv").map(|r| r.capability), Some("kv"));
        let every = Capabilities { log: true, config: true, kv: Some(crate::KvRequest { quota: crate::ByteSize(1) }), http: vec!["https://a".to_string().try_into().unwrap()], secrets: vec!["s".into()], ..Capabilities::default() };
        for row in HOST_INTERFACES {
            assert!(row.declared_in(&every), "{} has no capability check", row.capability);
            assert!(!row.declared_in(&Capabilities::default()), "{}", row.capability);
        }
    }
}
