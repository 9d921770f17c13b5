//! Manifest parsing, validation errors with positions, and the custom section.

use proptest::prelude::*;

use super::*;
use crate::capabilities::{EnvName, GuestPath};

const FULL: &str = r#"
[plugin]
name = "auth-jwt"
version = "1.2.0-beta.1"
description = "JWT authentication"
authors = ["Ada <ada@example.com>"]
license = "Apache-2.0"
publisher = "acme"
world = "polyplug:plugin/auth@0.1.0"
idempotent = ["authenticator/authenticate"]

[capabilities]
log = true
config = true
http = ["https://keys.example.com", "https://*.example.org:8443"]
files = [{ path = "/data", access = "read-write" }, { path = "/etc/app" }]
env = ["JWT_AUDIENCE"]
clocks = true
kv = { quota = "1 MiB" }
sockets = ["tcp:10.0.0.5:5432", "udp:[::1]:*"]

[limits]
memory = "64 MiB"
fuel = 1000000
timeout-ms = 250
output = 65536

[dependencies]
key-cache = "^0.3"
"globex:jwks" = "=1.4.2"
"#;

#[test]
fn a_full_manifest_parses() {
    let m = Manifest::from_toml(FULL, "polyplug.toml").unwrap();
    assert_eq!(m.plugin.name, "auth-jwt");
    assert_eq!(m.plugin.version.to_string(), "1.2.0-beta.1");
    assert_eq!(m.plugin.world.to_string(), "polyplug:plugin/auth@0.1.0");
    assert_eq!(m.plugin.world.name, "auth");
    assert_eq!(m.plugin.publisher.as_deref(), Some("acme"));
    assert_eq!(m.plugin.idempotent.iter().map(FunctionPath::as_str).collect::<Vec<_>>(), ["authenticator/authenticate"]);
    let caps = &m.capabilities;
    assert!(caps.log && caps.config && caps.clocks && !caps.random && !caps.stdio);
    assert_eq!(caps.http[1].to_string(), "https://*.example.org:8443");
    assert_eq!(caps.files[0], FileRequest { path: "/data".into(), access: FileAccess::ReadWrite });
    assert_eq!(caps.files[1].access, FileAccess::ReadOnly);
    assert_eq!(caps.kv, Some(KvRequest { quota: ByteSize(1 << 20) }));
    assert_eq!(caps.sockets[1].to_string(), "udp:[::1]:*");
    assert_eq!(m.limits.memory, Some(ByteSize(64 << 20)));
    assert_eq!(m.limits.output, Some(ByteSize(65536)));
    assert_eq!(m.limits.timeout_ms, Some(250));
    let req = &m.dependencies[&DependencyName::try_from("key-cache".to_string()).unwrap()];
    assert!(req.matches(&semver::Version::new(0, 3, 9)));
    let (other, req) = m.dependencies.iter().find(|(d, _)| d.namespace.is_some()).unwrap();
    assert_eq!((other.namespace.as_deref(), other.name.as_str(), other.to_string()), (Some("globex"), "jwks", "globex:jwks".into()));
    assert!(req.matches(&semver::Version::new(1, 4, 2)) && !req.matches(&semver::Version::new(1, 4, 3)));
}

#[test]
fn errors_point_at_line_column_and_key() {
    let cases = [
        ("[plugin]\nnmae = \"x\"\n", 2, "unknown field `nmae`"),
        ("[plugin]\nname = \"Auth_JWT\"\nversion = \"1.0.0\"\nworld = \"a:b/c@1.0.0\"\n", 2, "`Auth_JWT` is not a plugin name"),
        ("[plugin]\nname = \"a\"\nversion = \"one\"\nworld = \"a:b/c@1.0.0\"\n", 3, "unexpected character"),
        ("[plugin]\nname = \"a\"\nversion = \"1.0.0\"\nworld = \"auth\"\n", 4, "`auth` is not a world"),
        (
            "[plugin]\nname = \"a\"\nversion = \"1.0.0\"\nworld = \"a:b/c@1.0.0\"\n[capabilities]\nhttp = [\"ftp://x\"]\n",
            6,
            "the scheme must be http or https",
        ),
        (
            "[plugin]\nname = \"a\"\nversion = \"1.0.0\"\nworld = \"a:b/c@1.0.0\"\n[limits]\nmemory = \"lots\"\n",
            6,
            "`lots` is not a size",
        ),
        (
            "[plugin]\nname = \"a\"\nversion = \"1.0.0\"\nworld = \"a:b/c@1.0.0\"\n[dependencies]\n\"Acme:jwks\" = \"^1\"\n",
            6,
            "`Acme` is not a registry namespace",
        ),
        ("[plugin]\nname = \"a\"\nversion = \"1.0.0\"\n", 1, "missing field `world`"),
        ("[plugin\n", 1, "unclosed table"),
    ];
    for (text, line, message) in cases {
        let err = Manifest::from_toml(text, "my/polyplug.toml").unwrap_err();
        assert_eq!(err.line, line, "{text:?}: {err}");
        assert!(err.message.contains(message), "{text:?}: {err}");
        assert!(err.to_string().starts_with(&format!("my/polyplug.toml:{line}:")), "{err}");
    }
}

/// A manifest whose `[capabilities]` table is the given line, on line 6.
fn with_capabilities(line: &str) -> String {
    format!("[plugin]\nname = \"a\"\nversion = \"1.0.0\"\nworld = \"a:b/c@1.0.0\"\n[capabilities]\n{line}\n")
}

#[test]
fn env_names_and_guest_paths_are_checked_as_they_are_read() {
    let env_rule = "is not an environment variable name: use ASCII letters, digits and underscores, not starting with a digit, at most 256 bytes (e.g. `JWT_AUDIENCE`)";
    let path_advice = "write an absolute path such as `/data` or `/srv/app-data`";
    // (the capabilities line, as TOML; the column toml reports, which is the
    // array's for an element of `env` and the value's for a `path`; the whole message)
    let cases = [
        (r#"env = ["LOG", "A=B"]"#, 7, format!(r#""A=B" {env_rule}"#)),
        (r#"env = ["A\nB"]"#, 7, format!(r#""A\nB" {env_rule}"#)),
        (r#"files = [{ path = "data" }]"#, 19, format!(r#""data" is not a guest path (it must be absolute, starting with `/`): {path_advice}"#)),
        (
            r#"files = [{ path = "/data/../etc" }]"#,
            19,
            format!(r#""/data/../etc" is not a guest path (it must not contain `.` or `..` components): {path_advice}"#),
        ),
        (
            r#"files = [{ path = "/data\u001b[2J" }]"#,
            19,
            format!(r#""/data\u{{1b}}[2J" is not a guest path (it must not contain control characters): {path_advice}"#),
        ),
    ];
    for (line, column, message) in cases {
        let err = Manifest::from_toml(&with_capabilities(line), "polyplug.toml").unwrap_err();
        assert_eq!(err.message, message, "{line}");
        assert_eq!((err.line, err.column), (6, column), "{line}: {err}");
    }
}

#[test]
fn env_name_and_guest_path_rules_at_the_edges() {
    let env = |name: &str| EnvName::try_from(name.to_string()).is_ok();
    for good in ["JWT_AUDIENCE", "_", "a", "A1", &"X".repeat(256)] {
        assert!(env(good), "{good:?}");
    }
    for bad in ["", "1A", "A B", "A\0B", "A-B", "\u{c9}T\u{c9}", "A\u{1b}", &"X".repeat(257)] {
        assert!(!env(bad), "{bad:?}");
    }
    let path = |path: &str| GuestPath::try_from(path.to_string()).is_ok();
    for good in ["/", "/data", "/srv/app-data", "/a/.hidden/b..c", "/\u{65e5}\u{672c}", &format!("/{}", "x".repeat(1023))] {
        assert!(path(good), "{good:?}");
    }
    let too_long = format!("/{}", "x".repeat(1024));
    for bad in ["", "data", "./data", "//data", "/data/", "/data//x", "/.", "/..", "/a/./b", "/a\0b", "/a\nb", "/a\u{85}b", &too_long] {
        assert!(!path(bad), "{bad:?}");
    }
    assert_eq!(
        GuestPath::try_from("/data/".to_string()).unwrap_err(),
        r#""/data/" is not a guest path (it must not contain empty components: no `//`, no trailing `/`): write an absolute path such as `/data` or `/srv/app-data`"#
    );
    assert!(GuestPath::try_from(too_long).unwrap_err().contains("(it must be at most 1024 bytes)"));
}

#[test]
fn secret_names_are_checked_as_they_are_read() {
    let caps = Manifest::from_toml(&with_capabilities(r#"secrets = ["crm-token", "db.password", "A_1"]"#), "polyplug.toml").unwrap().capabilities;
    assert_eq!(caps.secrets, ["crm-token", "db.password", "A_1"]);
    assert_eq!(caps.describe(), ["secrets: read the secret `crm-token`", "secrets: read the secret `db.password`", "secrets: read the secret `A_1`"]);
    let rule = "is not a secret name: use ASCII letters, digits, `-`, `_` and `.`, starting with a letter, at most 128 bytes (e.g. `crm-token`)";
    for bad in ["", "1token", "-x", "a b", "a/b", "${SECRET:x}", "caf\u{e9}", &"x".repeat(129)] {
        let err = Manifest::from_toml(&with_capabilities(&format!("secrets = [\"{bad}\"]")), "polyplug.toml").unwrap_err();
        assert!(err.message.ends_with(rule), "{bad:?}: {}", err.message);
        assert_eq!(err.line, 6, "{bad:?}");
    }
}

#[test]
fn valid_env_names_and_guest_paths_parse() {
    let text = with_capabilities(r#"env = ["JWT_AUDIENCE"]
files = [{ path = "/data" }, { path = "/srv/app-data", access = "read-write" }]"#);
    let caps = Manifest::from_toml(&text, "polyplug.toml").unwrap().capabilities;
    assert_eq!(caps.env, ["JWT_AUDIENCE"]);
    assert_eq!(caps.files[0].path, "/data");
    assert_eq!(caps.files[1].path, "/srv/app-data");
}

#[test]
fn http_patterns_match_and_cover() {
    let p = |s: &str| HttpPattern::try_from(s.to_string()).unwrap();
    let any_sub = p("https://*.example.com");
    assert!(any_sub.matches("https", "api.example.com", 443));
    assert!(any_sub.matches("https", "a.b.EXAMPLE.com", 443));
    assert!(!any_sub.matches("https", "example.com", 443), "the wildcard needs a subdomain");
    assert!(!any_sub.matches("https", "evil-example.com", 443));
    assert!(!any_sub.matches("http", "api.example.com", 443));
    assert!(!any_sub.matches("https", "api.example.com", 8443));
    assert!(any_sub.covers(&p("https://api.example.com")));
    assert!(any_sub.covers(&p("https://*.api.example.com")));
    assert!(!p("https://api.example.com").covers(&any_sub));
    assert_eq!(p("http://localhost:8080").to_string(), "http://localhost:8080");
    let any_port = p("http://127.0.0.1:*");
    assert!(any_port.matches("http", "127.0.0.1", 41234));
    assert!(any_port.covers(&p("http://127.0.0.1:8080")));
    assert!(!p("http://127.0.0.1:8080").covers(&any_port));
    assert_eq!(any_port.to_string(), "http://127.0.0.1:*");
    for (bad, why) in [
        ("example.com", "no scheme"),
        ("https://", "the host must be a DNS name or IP address, optionally starting with `*.`"),
        ("https://a/b", "an origin has no path, query or user"),
        ("https://*", "the host must be a DNS name or IP address, optionally starting with `*.`"),
        ("https://u@a", "an origin has no path, query or user"),
        ("https://a:x", "the port is not a number or `*`"),
    ] {
        assert_eq!(
            HttpPattern::try_from(bad.to_string()).unwrap_err(),
            format!("`{bad}` is not an HTTP origin pattern ({why}): write e.g. `https://api.example.com`, `https://*.example.com:8443`")
        );
    }
}

#[test]
fn sizes_read_and_print() {
    assert_eq!("512 KiB".parse::<ByteSize>(), Ok(ByteSize(512 << 10)));
    assert_eq!("3GiB".parse::<ByteSize>(), Ok(ByteSize(3 << 30)));
    assert_eq!(ByteSize(64 << 20).to_string(), "64 MiB");
    assert_eq!(ByteSize(1000).to_string(), "1000 B");
    let not_a_size = |text: &str| format!("`{text}` is not a size: write e.g. `65536`, `512 KiB`, `64 MiB` or `1 GiB`");
    assert_eq!("1 TB".parse::<ByteSize>(), Err(not_a_size("1 TB")));
    assert_eq!("99999999999999 GiB".parse::<ByteSize>(), Err(not_a_size("99999999999999 GiB")), "overflow is an error");
}

fn tiny_component() -> Vec<u8> {
    // `(component)` plus one custom section named "other".
    let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
    bytes.extend_from_slice(&[0, 6, 5, b'o', b't', b'h', b'e', b'r']);
    bytes
}

#[test]
fn the_manifest_travels_in_a_custom_section() {
    let component = tiny_component();
    assert_eq!(read_section(&component).unwrap(), None);
    let with = embed(&component, FULL).unwrap();
    assert_eq!(read_section(&with).unwrap().as_deref(), Some(FULL));
    let replaced = embed(&with, "[plugin]\n").unwrap();
    assert_eq!(read_section(&replaced).unwrap().as_deref(), Some("[plugin]\n"));
    assert!(replaced.windows(5).any(|w| w == b"other"), "other sections are kept");
    assert_eq!(read_section(b"not wasm").unwrap_err().to_string(), "not a WebAssembly binary: it does not start with `\\0asm`");
    let mut truncated = with.clone();
    truncated.truncate(with.len() - 3);
    assert!(read_section(&truncated).unwrap_err().to_string().contains("past the end"));
}

proptest! {
    #[test]
    fn any_text_round_trips_through_the_section(text in ".{0,300}") {
        let with = embed(&tiny_component(), &text).unwrap();
        prop_assert_eq!(read_section(&with).unwrap(), Some(text));
    }

    #[test]
    fn arbitrary_bytes_never_panic(tail in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
        bytes.extend(tail);
        let _ = read_section(&bytes);
        let _ = embed(&bytes, "x");
    }

    #[test]
    fn arbitrary_manifests_never_panic(text in "[\\[\\]a-z=\" \n.{},0-9-]{0,200}") {
        let _ = Manifest::from_toml(&text, "fuzz");
    }
}

#[test]
fn an_idempotent_entry_must_name_a_function() {
    let text = FULL.replace(r#"idempotent = ["authenticator/authenticate"]"#, r#"idempotent = ["authenticate"]"#);
    let err = Manifest::from_toml(&text, "polyplug.toml").unwrap_err().to_string();
    assert!(err.contains("`authenticate` is not a function as `interface/function`"), "{err}");
}
