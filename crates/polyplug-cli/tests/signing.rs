//! `polyplug keygen`, `sign` and `verify` as a publisher and an operator run
//! them, on a real component: a signed plugin still loads and answers, and
//! every refusal says what to do.

mod common;

use std::path::Path;

use common::{polyplug, text};

/// The trust-file entry `keygen` printed, with the namespaces filled in.
fn trust_entry(keygen_output: &str, namespaces: &str) -> String {
    let entry = keygen_output.split_once("\n\n[keys.").map(|(_, rest)| format!("[keys.{rest}")).expect("keygen prints an entry");
    entry.replace(r#"namespaces = ["your-namespace"]"#, &format!("namespaces = [{namespaces}]"))
}

#[test]
fn a_publisher_signs_and_an_operator_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust/plugin.wasm");
    std::fs::copy(&source, dir.path().join("plugin.wasm")).expect("examples/transform-rust is built (cargo xtask guests)");

    let out = polyplug(dir.path(), &["keygen", "acme-release"]);
    assert!(out.status.success(), "{}", text(&out));
    let keygen = text(&out);
    assert!(keygen.contains("secret key: ./acme-release.secret (keep it private)"), "{keygen}");
    let again = polyplug(dir.path(), &["keygen", "acme-release"]);
    assert!(!again.status.success() && text(&again).contains("already exists; keys are not overwritten"), "{}", text(&again));

    let out = polyplug(dir.path(), &["sign", "plugin.wasm", "--key", "acme-release.secret"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("(1 signature(s) now)"), "{}", text(&out));

    std::fs::write(dir.path().join("trust.toml"), trust_entry(&keygen, r#""acme""#)).unwrap();
    let out = polyplug(dir.path(), &["verify", "plugin.wasm", "--trust", "trust.toml", "--namespace", "acme"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).starts_with("plugin `transform-rust`: signed for `acme` by `acme-release` (key id "), "{}", text(&out));

    // The manifest claims no publisher: the operator must say whose signature to check.
    let out = polyplug(dir.path(), &["verify", "plugin.wasm", "--trust", "trust.toml"]);
    assert!(text(&out).contains("claims no publisher (its manifest has no `publisher`); pass `--namespace`"), "{}", text(&out));

    let out = polyplug(dir.path(), &["verify", "plugin.wasm", "--trust", "trust.toml", "--namespace", "globex"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("claims the publisher `globex` but is signed by `acme-release`, which trust.toml allows only for `acme`"), "{}", text(&out));

    // A signed plugin is still a plugin: it loads and answers.
    let message = r#"{"payload": "{\"a\": 1}", "content-type": "application/json", "headers": []}"#;
    let out = polyplug(dir.path(), &["call", "plugin.wasm", "transformer/transform", message, "--allow-requested", "-c", "rename=a=b"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(r#"{\"b\":1}"#), "{}", text(&out));

    // Unsigned, and signed by a stranger.
    std::fs::copy(&source, dir.path().join("unsigned.wasm")).unwrap();
    let out = polyplug(dir.path(), &["verify", "unsigned.wasm", "--trust", "trust.toml", "--namespace", "acme"]);
    assert!(text(&out).contains("plugin `transform-rust` is not signed; sign it with `polyplug sign`"), "{}", text(&out));
    let stranger = polyplug(dir.path(), &["keygen", "stranger"]);
    assert!(stranger.status.success());
    let out = polyplug(dir.path(), &["sign", "unsigned.wasm", "--key", "stranger.secret", "--out", "theirs.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = polyplug(dir.path(), &["verify", "theirs.wasm", "--trust", "trust.toml", "--namespace", "acme"]);
    assert!(text(&out).contains("none of which trust.toml trusts; add the publisher's public key to it if you trust them"), "{}", text(&out));

    // A host that requires signatures refuses what no trusted publisher vouches for, by name.
    let out = polyplug(
        dir.path(),
        &["call", "unsigned.wasm", "transformer/transform", message, "--allow-requested", "--trust", "trust.toml", "--require-signatures"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("plugin `transform-rust` is refused: its manifest claims no `publisher`"), "{}", text(&out));
}
