//! Shared by the facade crate's integration tests that load one built guest:
//! where it is, a host granting it by its digest, and loading it with a
//! configuration.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use polyplug::{Error, Host, Plugin};

/// The component `cargo xtask guests` built for guest `name` (under
/// `examples/` or `tests/guests/`).
pub fn guest(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let found = ["examples", "tests/guests"].iter().map(|dir| root.join(dir).join(name).join("plugin.wasm")).find(|p| p.exists());
    found.unwrap_or_else(|| panic!("the guest `{name}` is not built: run `cargo xtask test` (or `cargo xtask guests` first)"))
}

/// A host granting each guest of `grants` (by its name and digest) its
/// grant's lines (`config = true`, …), caching compiled plugins in the target directory.
pub fn host(grants: &[(&str, &str)]) -> Host {
    use sha2::Digest;
    let mut policy = String::new();
    for (name, grant) in grants {
        let digest = hex::encode(sha2::Sha256::digest(std::fs::read(guest(name)).unwrap()));
        policy.push_str(&format!("[plugins.{name}]\nsha256 = [\"{digest}\"]\n{grant}\n\n"));
    }
    Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug_policy::Policy::from_toml(&policy, "the test policy").unwrap())
        .build()
        .unwrap()
}

/// Guest `name` loaded on `host` with `config`.
pub fn load(host: &Host, name: &str, config: &[(&str, &str)]) -> Result<Plugin, Error> {
    host.loader(guest(name)).config(config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()).load()
}
