//! Requested ∩ granted, refusals that say what to add, and recorded consent.

use polyplug_manifest::Manifest;

use super::*;
use crate::{ConsentRecord, record_consent};

fn manifest(capabilities: &str) -> Manifest {
    let text = format!(
        "[plugin]\nname = \"auth-jwt\"\nversion = \"1.0.0\"\npublisher = \"acme\"\nworld = \"polyplug:plugin/auth@0.1.0\"\n[capabilities]\n{capabilities}"
    );
    Manifest::from_toml(&text, "polyplug.toml").unwrap()
}

const POLICY: &str = r#"
[default]
log = true

[publishers.acme]
clocks = true
limits = { memory = "32 MiB" }

[plugins.auth-jwt]
http = ["https://*.example.com"]
files = [{ host = "/srv/jwt", guest = "/data", access = "read-write" }]
env = ["JWT_AUDIENCE"]
kv = { quota = "1 MiB" }
sockets = ["tcp:10.0.0.5:*"]
limits = { fuel = 5000 }
"#;

#[test]
fn the_effective_grant_is_exactly_what_was_requested() {
    let policy = Policy::from_toml(POLICY, "policy.toml").unwrap();
    let m = manifest(
        "log = true\nclocks = true\nhttp = [\"https://keys.example.com\"]\nfiles = [{ path = \"/data\" }]\nenv = [\"JWT_AUDIENCE\"]\nkv = { quota = \"64 KiB\" }\nsockets = [\"tcp:10.0.0.5:5432\"]\n",
    );
    let effective = policy.effective(&m, Some("acme")).unwrap();
    assert!(effective.log && effective.clocks && !effective.random && !effective.config);
    assert_eq!(effective.http[0].to_string(), "https://keys.example.com", "the narrower, requested pattern");
    assert_eq!(effective.preopens[0].host, std::path::PathBuf::from("/srv/jwt"));
    assert_eq!(effective.preopens[0].access, polyplug_manifest::FileAccess::ReadOnly, "only what was requested");
    assert_eq!(effective.kv_quota, Some(polyplug_manifest::ByteSize(64 << 10)));
    assert_eq!(effective.sockets[0].to_string(), "tcp:10.0.0.5:5432");
    assert_eq!(effective.limits.fuel, Some(5000));
    assert_eq!(effective.limits.memory, Some(polyplug_manifest::ByteSize(32 << 20)));

    let nothing = policy.effective(&manifest(""), None).unwrap();
    assert_eq!(nothing.limits.fuel, Some(5000), "the operator's limits apply whatever the plugin asks");
    assert!(!nothing.log, "granted but not requested: not given");
}

#[test]
fn a_refusal_lists_every_missing_grant_and_the_line_to_add() {
    let policy = Policy::from_toml(POLICY, "/etc/polyplug/policy.toml").unwrap();
    let m = manifest(
        "clocks = true\nrandom = true\nhttp = [\"https://evil.org\", \"https://api.example.com\"]\nfiles = [{ path = \"/data\" }, { path = \"/secrets\" }]\nenv = [\"HOME\"]\nkv = { quota = \"2 MiB\" }\nsockets = [\"udp:10.0.0.5:53\"]\n",
    );
    // The publisher is not verified: its `clocks` grant does not apply.
    let refusal = policy.effective(&m, None).unwrap_err();
    let text = refusal.to_string();
    assert!(text.starts_with("plugin `auth-jwt` requests capabilities its grant does not allow:\n"), "{text}");
    let expected = [
        "`clocks`: add `clocks = true` under `[plugins.auth-jwt]` in /etc/polyplug/policy.toml",
        "`random`: add `random = true`",
        "HTTP to `https://evil.org`: add `http = [\"https://evil.org\"]`",
        "read-only access to directory `/secrets`: add `files = [{ host = \"<directory on this machine>\", guest = \"/secrets\", access = \"read-only\" }]`",
        "environment variable `HOME`: add `env = [\"HOME\"]`",
        "a key-value store of 2 MiB (granted: 1 MiB): add `kv = { quota = \"2 MiB\" }`",
        "sockets to `udp:10.0.0.5:53`: add `sockets = [\"udp:10.0.0.5:53\"]`",
    ];
    for line in expected {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    assert_eq!(refusal.missing.len(), 7, "{text}");
    assert!(text.contains("polyplug grant"), "{text}");

    // A verified publisher gets its publisher's grant.
    let refusal = policy.effective(&m, Some("acme")).unwrap_err();
    assert!(!refusal.to_string().contains("`clocks`"), "{refusal}");
}

#[test]
fn the_deny_all_policy_refuses_any_request() {
    let refusal = Policy::deny_all().effective(&manifest("log = true"), None).unwrap_err();
    assert!(refusal.to_string().contains("`log`: add `log = true`"), "{refusal}");
    assert!(Policy::deny_all().effective(&manifest(""), None).is_ok());
}

#[test]
fn policy_errors_name_the_line() {
    let err = Policy::from_toml("[default]\nlog = true\nhttp = [\"ftp://x\"]\n", "p.toml").unwrap_err();
    assert_eq!(err.line, 3, "{err}");
    assert!(err.to_string().contains("the scheme must be http or https"), "{err}");
    let err = Policy::from_toml("[plugins.x]\nnetwork = true\n", "p.toml").unwrap_err();
    assert!(err.to_string().contains("unknown field `network`"), "{err}");
}

#[test]
fn recorded_consent_grants_exactly_the_request_and_keeps_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "# operator's notes stay\n[default]\nlog = true\n").unwrap();
    let m = manifest("log = true\nhttp = [\"https://keys.example.com\"]\nfiles = [{ path = \"/data\", access = \"read-write\" }]\nkv = { quota = \"1 MiB\" }\n");
    let record = ConsentRecord { by: "ops".into(), at_unix: 1_790_000_000, sha256: "ab".repeat(32) };

    let err = record_consent(&path, &m, &[], &record).unwrap_err();
    assert!(err.to_string().contains("--dir /data=<host directory>"), "{err}");

    record_consent(&path, &m, &[("/data".into(), dir.path().join("data"))], &record).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# operator's notes stay\n"), "{text}");
    let policy = Policy::load(&path).unwrap();
    let effective = policy.effective(&m, None).unwrap();
    assert_eq!(effective.preopens[0].access, polyplug_manifest::FileAccess::ReadWrite);
    assert_eq!(policy.plugins["auth-jwt"].consent.as_ref().unwrap(), &record);

    // Consent again (e.g. a new version): replaced, not duplicated.
    record_consent(&path, &m, &[("/data".into(), dir.path().join("data"))], &record).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap().matches("[plugins.auth-jwt]").count(), 1);
}
