//! Requested ∩ granted, refusals that say what to add, and recorded consent.

use polyplug_manifest::Manifest;

use super::*;
use crate::{ConsentRecord, Identity, record_consent};

/// The digest the test policy grants `auth-jwt` to.
const DIGEST: &str = "5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269";

fn component(verified_publisher: Option<&str>) -> Identity<'_> {
    Identity { sha256: DIGEST, verified_publisher }
}

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
sha256 = ["5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269"]
"#;

#[test]
fn the_effective_grant_is_exactly_what_was_requested() {
    let policy = Policy::from_toml(POLICY, "policy.toml").unwrap();
    let m = manifest(
        "log = true\nclocks = true\nhttp = [\"https://keys.example.com\"]\nfiles = [{ path = \"/data\" }]\nenv = [\"JWT_AUDIENCE\"]\nkv = { quota = \"64 KiB\" }\nsockets = [\"tcp:10.0.0.5:5432\"]\n",
    );
    let effective = policy.effective(&m, component(Some("acme"))).unwrap();
    assert!(effective.log && effective.clocks && !effective.random && !effective.config);
    assert_eq!(effective.http[0].to_string(), "https://keys.example.com", "the narrower, requested pattern");
    assert_eq!(effective.preopens[0].host, std::path::PathBuf::from("/srv/jwt"));
    assert_eq!(effective.preopens[0].access, polyplug_manifest::FileAccess::ReadOnly, "only what was requested");
    assert_eq!(effective.kv_quota, Some(polyplug_manifest::ByteSize(64 << 10)));
    assert_eq!(effective.sockets[0].to_string(), "tcp:10.0.0.5:5432");
    assert_eq!(effective.limits.fuel, Some(5000));
    assert_eq!(effective.limits.memory, Some(polyplug_manifest::ByteSize(32 << 20)));

    let nothing = policy.effective(&manifest(""), component(None)).unwrap();
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
    let Refusal::Ungranted(refusal) = policy.effective(&m, component(None)).unwrap_err() else { panic!("not a missing grant") };
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
    let refusal = policy.effective(&m, component(Some("acme"))).unwrap_err();
    assert!(!refusal.to_string().contains("`clocks`"), "{refusal}");
}

#[test]
fn a_component_claiming_a_granted_name_gets_nothing_from_that_grant() {
    let policy = Policy::from_toml(POLICY, "/etc/polyplug/policy.toml").unwrap();
    let impostor = "0".repeat(64);
    // Even a request the grant covers is refused: the component is not the one consented to.
    let refusal = policy.effective(&manifest("env = [\"JWT_AUDIENCE\"]"), Identity { sha256: &impostor, verified_publisher: None });
    let Err(Refusal::OtherComponent(other)) = refusal else { panic!("{refusal:?}") };
    assert_eq!(other.granted, [DIGEST]);
    assert_eq!(other.actual, impostor);
    assert_eq!(
        other.to_string(),
        format!(
            "plugin `auth-jwt` (sha256 {impostor}) is not a component its grant in /etc/polyplug/policy.toml was given to (sha256 {DIGEST}): a grant binds to the component, not to the name it claims\n\
             hint: review this component with `polyplug inspect <component>`; if you trust it, record consent with `polyplug grant <component> --policy /etc/polyplug/policy.toml`"
        )
    );
    // A grant written by hand without digests applies to no component.
    let policy = Policy::from_toml("[plugins.auth-jwt]\nlog = true\n", "p.toml").unwrap();
    let refusal = policy.effective(&manifest("log = true"), component(None)).unwrap_err();
    assert!(refusal.to_string().contains("(no digest is listed: add `sha256 = [...]`)"), "{refusal}");
}

#[test]
fn digests_are_checked_where_they_are_written() {
    let err = Policy::from_toml("[default]\nlog = true\nsha256 = [\"ab\"]\n", "p.toml").unwrap_err();
    assert_eq!(err.to_string(), "p.toml:1: `sha256` binds a grant to components; it belongs under `[plugins.<name>]`, not `[default]`");
    let err = Policy::from_toml("[plugins.x]\n\nsha256 = [\"abc\"]\n", "p.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "p.toml:3: `abc` under `[plugins.x]` is not a SHA-256 digest (64 hex digits, as `polyplug inspect` shows)"
    );
}

#[test]
fn the_deny_all_policy_refuses_any_request() {
    let refusal = Policy::deny_all().effective(&manifest("log = true"), component(None)).unwrap_err();
    assert!(refusal.to_string().contains("`log`: add `log = true`"), "{refusal}");
    assert!(Policy::deny_all().effective(&manifest(""), component(None)).is_ok());
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
fn recorded_consent_grants_exactly_the_request_to_that_component_and_keeps_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let operator = "# operator's notes stay\n[default]\nlog = true\n\n[plugins.auth-jwt]\n# tight on purpose\nlimits = { timeout-ms = 200 }\n";
    std::fs::write(&path, operator).unwrap();
    let text = "log = true\nhttp = [\"https://keys.example.com\"]\nfiles = [{ path = \"/data\", access = \"read-write\" }]\nkv = { quota = \"1 MiB\" }\n[limits]\ntimeout-ms = 9000\nmemory = \"64 MiB\"\n";
    let m = manifest(text);
    let record = ConsentRecord { by: "ops".into(), at_unix: 1_790_000_000, sha256: DIGEST.into() };

    let err = record_consent(&path, &m, &[], &record).unwrap_err();
    assert!(err.to_string().contains("--dir /data=<host directory>"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), operator, "a refused consent changes nothing");

    let dirs = [("/data".to_string(), dir.path().join("data"))];
    record_consent(&path, &m, &dirs, &record).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("# operator's notes stay\n"), "{written}");
    assert!(written.contains("# tight on purpose\n"), "{written}");
    let policy = Policy::load(&path).unwrap();
    let own = &policy.plugins["auth-jwt"];
    assert_eq!(own.limits.timeout_ms, Some(200), "the operator's limit stays:\n{written}");
    assert_eq!(own.limits.memory, Some(polyplug_manifest::ByteSize(64 << 20)), "a requested limit fills an unset key");
    assert_eq!(own.sha256, [DIGEST]);
    assert_eq!(own.consent.as_ref().unwrap(), &record);
    let effective = policy.effective(&m, component(None)).unwrap();
    assert_eq!(effective.preopens[0].access, polyplug_manifest::FileAccess::ReadWrite);

    // Consent to a new build: both digests are granted, in one table.
    let next = ConsentRecord { sha256: "ab".repeat(32), ..record.clone() };
    record_consent(&path, &m, &dirs, &next).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written.matches("[plugins.auth-jwt]").count(), 1, "{written}");
    let policy = Policy::load(&path).unwrap();
    assert_eq!(policy.plugins["auth-jwt"].sha256, [DIGEST.to_string(), "ab".repeat(32)]);
    // Nothing but the policy is left in the directory: no temporary file.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["policy.toml"]);
}

#[test]
fn private_ranges_are_checked_at_load_merged_and_given_unrequested() {
    let bad = |range: &str| {
        let text = format!("[default]\nlog = true\n\n[plugins.auth-jwt]\nsha256 = [\"{DIGEST}\"]\nprivate-ranges = [\"127.0.0.0/8\", \"{range}\"]\n");
        Policy::from_toml(&text, "p.toml").unwrap_err()
    };
    let err = bad("10.0.0.0/33");
    assert_eq!(err.line, 6, "{err}");
    assert_eq!(
        err.to_string(),
        "p.toml:6: `10.0.0.0/33` is not an address range (the prefix length must be a number from 0 to 32): write `<address>/<prefix length>`, e.g. `10.0.0.0/8`, `127.0.0.1/32`, `fd00::/8`"
    );
    for (range, why) in [
        ("10.0.0.1/8", "bits beyond the prefix are set; the range starts at `10.0.0.0/8`"),
        ("10.0.0.5", "no `/<prefix length>`"),
        ("intranet/8", "not an IPv4 or IPv6 address before the `/`"),
        ("fd00::/129", "the prefix length must be a number from 0 to 128"),
    ] {
        let err = bad(range);
        assert!(err.to_string().starts_with(&format!("p.toml:6: `{range}` is not an address range ({why}): ")), "{err}");
    }

    let text = format!(
        "[default]\nprivate-ranges = [\"10.0.0.0/8\"]\n[plugins.auth-jwt]\nsha256 = [\"{DIGEST}\"]\nhttp = [\"https://*.example.com\"]\nprivate-ranges = [\"fd00::/8\", \"127.0.0.1/32\"]\n"
    );
    let policy = Policy::from_toml(&text, "p.toml").unwrap();
    let m = manifest("http = [\"https://keys.example.com\"]");
    let ranges = policy.effective(&m, component(None)).unwrap().private_ranges;
    assert_eq!(ranges.iter().map(ToString::to_string).collect::<Vec<_>>(), ["10.0.0.0/8", "fd00::/8", "127.0.0.1/32"]);
    let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
    assert!(ranges[0].contains(ip("10.255.0.1")) && !ranges[0].contains(ip("11.0.0.1")));
    assert!(ranges[1].contains(ip("fd12::1")) && !ranges[1].contains(ip("fe80::1")) && !ranges[1].contains(ip("10.0.0.1")));
    assert!(ranges[2].contains(ip("127.0.0.1")) && !ranges[2].contains(ip("127.0.0.2")));
    assert!(EffectiveGrant::nothing().private_ranges.is_empty());
    assert!(EffectiveGrant::interfaces_only(&m.capabilities).private_ranges.is_empty());
}

#[test]
fn host_interfaces_are_granted_by_name_and_recorded_by_consent() {
    let m = manifest("host = [\"names\", \"graph\"]");
    let only_names = format!("[plugins.auth-jwt]\nsha256 = [\"{DIGEST}\"]\nhost = [\"names\"]\n");
    let refusal = Policy::from_toml(&only_names, "p.toml").unwrap().effective(&m, component(None)).unwrap_err();
    let shown = refusal.to_string();
    assert!(shown.contains("the host interface `graph`") && shown.contains("host = [\"graph\"]"), "{shown}");
    assert!(!shown.contains("`names`"), "granted, so not listed: {shown}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let record = ConsentRecord { by: "ops".into(), at_unix: 1_790_000_000, sha256: DIGEST.into() };
    record_consent(&path, &m, &[], &record).unwrap();
    let policy = Policy::load(&path).unwrap();
    assert_eq!(policy.plugins["auth-jwt"].host, ["names", "graph"]);
    assert_eq!(policy.effective(&m, component(None)).unwrap().host, ["names", "graph"]);
}

#[test]
fn secrets_are_granted_by_name_refused_with_the_line_to_add_and_recorded_by_consent() {
    let m = manifest("secrets = [\"crm-token\", \"db.password\"]");
    let one = format!("[plugins.auth-jwt]\nsha256 = [\"{DIGEST}\"]\nsecrets = [\"crm-token\"]\n");
    let refusal = Policy::from_toml(&one, "p.toml").unwrap().effective(&m, component(None)).unwrap_err();
    let shown = refusal.to_string();
    assert!(shown.contains("the secret `db.password`: add `secrets = [\"db.password\"]` under `[plugins.auth-jwt]` in p.toml"), "{shown}");
    assert!(!shown.contains("`crm-token`"), "granted, so not listed: {shown}");
    // Granting a name to every plugin by default reaches the plugin too; a bad name is refused where written.
    let by_default = format!("[default]\nsecrets = [\"db.password\"]\n{one}");
    let effective = Policy::from_toml(&by_default, "p.toml").unwrap().effective(&m, component(None)).unwrap();
    assert_eq!(effective.secrets, ["crm-token", "db.password"]);
    assert!(effective.links(polyplug_manifest::HostInterface::polyplug("secrets").unwrap()));
    let err = Policy::from_toml("[default]\nsecrets = [\"../etc/shadow\"]\n", "p.toml").unwrap_err();
    assert!(err.message.contains("\"../etc/shadow\" is not a secret name") && err.line == 2, "{err}");
    // A plugin asking for none links no `secrets` interface at all.
    let none = Policy::from_toml(&one, "p.toml").unwrap().effective(&manifest(""), component(None)).unwrap();
    assert!(!none.links(polyplug_manifest::HostInterface::polyplug("secrets").unwrap()));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let record = ConsentRecord { by: "ops".into(), at_unix: 1_790_000_000, sha256: DIGEST.into() };
    record_consent(&path, &m, &[], &record).unwrap();
    assert_eq!(Policy::load(&path).unwrap().plugins["auth-jwt"].secrets, ["crm-token", "db.password"]);
}
