//! A plugin's whole way from its author to an operator, through the
//! `polyplug` binary and a real OCI registry on loopback (Debian's
//! `docker-registry`): `polyplug new`, a publisher claim and a request only
//! the publisher's grant allows, `build`, `keygen`, `sign`, `publish`; then,
//! on the operator's side with an empty cache, `install` by name and version
//! (verified), and `call` with the policy's `[publishers.acme]` grant, which
//! applies only because the host verifies the signature again at load. The
//! refusals against the same registry (unsigned; signed by a stranger; a
//! key trusted for another namespace), and with the registry stopped: the lockfile reinstalled from
//! the cache, and a bundle carried to an empty machine, installed and run.

mod common;

#[path = "../../polyplug-registry/tests/support/registry_server.rs"]
mod registry_server;

use common::{ok, polyplug, text};

#[test]
fn a_new_plugin_is_published_installed_verified_and_runs_with_its_publishers_grant() {
    let registry = registry_server::start_registry();
    let address = format!("{}/plugins/", registry.address);

    // The author: a new project that claims the publisher `acme` and asks for the clocks.
    let author = tempfile::tempdir().unwrap();
    ok(author.path(), &["new", "stamp", "--lang", "rust", "--world", "transform"]);
    let project = author.path().join("stamp");
    let manifest = std::fs::read_to_string(project.join("polyplug.toml")).unwrap();
    assert_eq!(manifest.matches("[capabilities]\n").count(), 1, "{manifest}");
    let manifest = manifest.replace("[plugin]\n", "[plugin]\npublisher = \"acme\"\n").replace("[capabilities]\n", "[capabilities]\nclocks = true\n");
    std::fs::write(project.join("polyplug.toml"), manifest).unwrap();
    ok(&project, &["build"]);
    let keygen = ok(&project, &["keygen", "acme-release"]);
    ok(&project, &["sign", "plugin.wasm", "--key", "acme-release.secret", "--out", "signed.wasm"]);
    let published = ok(&project, &["publish", "signed.wasm", "--registry", &address, "--plain-http"]);
    assert!(published.starts_with("published acme:stamp@0.1.0 to "), "{published}");

    // The operator: an empty directory and cache, the publisher's key, a grant to the publisher.
    let operator = tempfile::tempdir().unwrap();
    let dir = operator.path();
    let entry = keygen.split_once("\n\n[keys.").map(|(_, rest)| format!("[keys.{rest}")).unwrap();
    std::fs::write(dir.join("trust.toml"), entry.replace(r#"namespaces = ["your-namespace"]"#, r#"namespaces = ["acme"]"#)).unwrap();
    std::fs::write(dir.join("policy.toml"), "[publishers.acme]\nlog = true\nclocks = true\n").unwrap();
    let installed = ok(dir, &["install", "acme:stamp@^0.1", "--registry", &address, "--plain-http", "--trust", "trust.toml"]);
    assert!(installed.contains("installed acme:stamp@0.1.0 (sha256:"), "{installed}");

    let message = r#"{"payload": "on time", "content-type": "text/plain", "headers": []}"#;
    let call = ["call", "plugins/stamp.wasm", "transformer/transform", message, "--policy", "policy.toml"];
    let verified = [&call[..], &["--trust", "trust.toml", "--require-signatures"]].concat();
    let out = ok(dir, &verified);
    assert!(out.contains(r#""payload": "ON TIME""#), "{out}");

    // Without the trust file the claim counts for nothing: the clocks are not granted.
    let out = polyplug(dir, &call);
    assert!(!out.status.success());
    assert!(text(&out).contains("clocks"), "{}", text(&out));
    // Refused from the real registry too: an unsigned version, and a key the operator trusts only for another namespace.
    ok(&project, &["publish", "plugin.wasm", "--as", "acme:stamp@0.2.0", "--registry", &address, "--plain-http"]);
    let out = polyplug(dir, &["install", "acme:stamp@=0.2.0", "--registry", &address, "--plain-http", "--trust", "trust.toml"]);
    assert!(text(&out).contains("is not signed; sign it with `polyplug sign`"), "{}", text(&out));
    ok(&project, &["publish", "signed.wasm", "--as", "globex:stamp@0.1.0", "--registry", &address, "--plain-http"]);
    let out = polyplug(dir, &["install", "globex:stamp@^0.1", "--registry", &address, "--plain-http", "--trust", "trust.toml"]);
    assert!(text(&out).contains("claims the publisher `globex` but is signed by `acme-release`, which trust.toml allows only for `acme`"), "{}", text(&out));

    // And a version signed by a key the operator does not trust.
    let stranger = ok(&project, &["keygen", "stranger"]);
    assert!(stranger.contains("stranger.secret"), "{stranger}");
    ok(&project, &["sign", "plugin.wasm", "--key", "stranger.secret", "--out", "theirs.wasm"]);
    ok(&project, &["publish", "theirs.wasm", "--as", "acme:stamp@0.3.0", "--registry", &address, "--plain-http"]);
    let out = polyplug(dir, &["install", "acme:stamp@=0.3.0", "--registry", &address, "--plain-http", "--trust", "trust.toml"]);
    assert!(text(&out).contains("none of which trust.toml trusts; add the publisher's public key to it if you trust them"), "{}", text(&out));

    // The registry stops: the lockfile reinstalls from the cache, and a bundle carries it to a machine with nothing.
    drop(registry);
    std::fs::remove_dir_all(dir.join("plugins")).unwrap();
    let out = ok(dir, &["install", "--trust", "trust.toml"]);
    assert!(out.contains("from the cache"), "{out}");
    ok(dir, &["bundle", "export", "--out", "plugins.bundle"]);
    let island = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join("plugins.bundle"), island.path().join("plugins.bundle")).unwrap();
    for file in ["trust.toml", "policy.toml"] {
        std::fs::copy(dir.join(file), island.path().join(file)).unwrap();
    }
    ok(island.path(), &["bundle", "import", "plugins.bundle"]);
    ok(island.path(), &["install", "--trust", "trust.toml"]);
    assert!(ok(island.path(), &verified).contains(r#""payload": "ON TIME""#));

    // And bytes that are not what acme signed are refused by name.
    let mut tampered = std::fs::read(dir.join("plugins/stamp.wasm")).unwrap();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    std::fs::write(dir.join("plugins/stamp.wasm"), tampered).unwrap();
    let out = polyplug(dir, &verified);
    assert!(!out.status.success());
    assert!(text(&out).contains("plugin `stamp` is refused"), "{}", text(&out));
}

