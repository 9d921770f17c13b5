//! `polyplug publish`, `list` and `pull` with a directory registry, as a
//! publisher and an operator run them, with a signed real component: what
//! is pulled on the other side verifies, loads and answers.

mod common;

use std::path::Path;

use common::{ok, polyplug, text};

#[test]
fn a_signed_plugin_goes_through_a_registry_and_runs_on_the_other_side() {
    let publisher = tempfile::tempdir().unwrap();
    let operator = tempfile::tempdir().unwrap();
    let registry = tempfile::tempdir().unwrap();
    let registry_dir = registry.path().to_str().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust/plugin.wasm");
    std::fs::copy(&example, publisher.path().join("plugin.wasm")).expect("examples/transform-rust is built (cargo xtask guests)");

    // The publisher: a key, a signature, two versions.
    let keygen = ok(publisher.path(), &["keygen", "acme-release"]);
    ok(publisher.path(), &["sign", "plugin.wasm", "--key", "acme-release.secret"]);
    let published = ok(publisher.path(), &["publish", "plugin.wasm", "--as", "acme:reshaper@1.0.0", "--registry", registry_dir]);
    assert!(published.starts_with("published acme:reshaper@1.0.0 to ") && published.contains("(sha256:"), "{published}");
    ok(publisher.path(), &["publish", "plugin.wasm", "--as", "acme:reshaper@1.1.0", "--registry", registry_dir]);
    // The manifest names no publisher: `--as` is needed, and the error says so.
    let out = polyplug(publisher.path(), &["publish", "plugin.wasm", "--registry", registry_dir]);
    assert!(text(&out).contains("plugin `transform-rust` names no publisher: set `publisher = \"<namespace>\"`"), "{}", text(&out));
    // Versions are immutable.
    std::fs::copy(&example, publisher.path().join("unsigned.wasm")).unwrap();
    let out = polyplug(publisher.path(), &["publish", "unsigned.wasm", "--as", "acme:reshaper@1.0.0", "--registry", registry_dir]);
    assert!(text(&out).contains("is already published in") && text(&out).contains("versions are immutable"), "{}", text(&out));

    // The operator: list, pull, verify against their trust file, run.
    assert_eq!(ok(operator.path(), &["list", "acme:reshaper", "--registry", registry_dir]), "1.0.0\n1.1.0\n");
    let out = polyplug(operator.path(), &["list", "acme:nothing", "--registry", registry_dir]);
    assert!(text(&out).contains("no version of acme:nothing is published in"), "{}", text(&out));
    ok(operator.path(), &["pull", "acme:reshaper@1.1.0", "--registry", registry_dir, "--out", "reshaper.wasm"]);
    assert_eq!(std::fs::read(operator.path().join("reshaper.wasm")).unwrap(), std::fs::read(publisher.path().join("plugin.wasm")).unwrap());
    let entry = keygen.split_once("\n\n[keys.").map(|(_, rest)| format!("[keys.{rest}")).unwrap().replace("your-namespace", "acme");
    std::fs::write(operator.path().join("trust.toml"), entry).unwrap();
    let verified = ok(operator.path(), &["verify", "reshaper.wasm", "--trust", "trust.toml", "--namespace", "acme"]);
    assert!(verified.contains("signed for `acme` by `acme-release`"), "{verified}");
    let message = r#"{"payload": "{\"a\": 1}", "content-type": "application/json", "headers": []}"#;
    let answer = ok(operator.path(), &["call", "reshaper.wasm", "transformer/transform", message, "--allow-requested", "-c", "rename=a=b"]);
    assert!(answer.contains(r#"{\"b\":1}"#), "{answer}");
    let out = polyplug(operator.path(), &["pull", "acme:reshaper@2.0.0", "--registry", registry_dir]);
    assert!(text(&out).contains("acme:reshaper@2.0.0 is not in") && text(&out).contains("`polyplug list` shows the versions there are"), "{}", text(&out));
}

#[test]
fn install_resolves_verifies_locks_and_reinstalls_offline() {
    let publisher = tempfile::tempdir().unwrap();
    let operator = tempfile::tempdir().unwrap();
    let registry = tempfile::tempdir().unwrap();
    let registry_dir = registry.path().to_str().unwrap().to_string();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust/plugin.wasm");
    std::fs::copy(&example, publisher.path().join("plugin.wasm")).expect("examples/transform-rust is built (cargo xtask guests)");
    std::fs::copy(&example, publisher.path().join("unsigned.wasm")).unwrap();
    let keygen = ok(publisher.path(), &["keygen", "acme-release"]);
    ok(publisher.path(), &["sign", "plugin.wasm", "--key", "acme-release.secret"]);
    for version in ["1.0.0", "1.4.2", "2.0.0"] {
        ok(publisher.path(), &["publish", "plugin.wasm", "--as", &format!("acme:reshaper@{version}"), "--registry", &registry_dir]);
    }
    ok(publisher.path(), &["publish", "unsigned.wasm", "--as", "acme:raw@1.0.0", "--registry", &registry_dir]);
    let entry = keygen.split_once("\n\n[keys.").map(|(_, rest)| format!("[keys.{rest}")).unwrap().replace("your-namespace", "acme");
    std::fs::write(operator.path().join("trust.toml"), entry).unwrap();
    let dir = operator.path();

    // Resolve ^1 → 1.4.2, verified, installed, locked.
    let out = ok(dir, &["install", "acme:reshaper@^1", "--registry", &registry_dir, "--trust", "trust.toml"]);
    assert!(out.contains("installed acme:reshaper@1.4.2 (sha256:"), "{out}");
    assert_eq!(std::fs::read(dir.join("plugins/reshaper.wasm")).unwrap(), std::fs::read(publisher.path().join("plugin.wasm")).unwrap());
    let lock = std::fs::read_to_string(dir.join("polyplug.lock")).unwrap();
    for expected in ["name = \"acme:reshaper\"", "requirement = \"^1\"", "version = \"1.4.2\"", "digest = \"sha256:", "signer = \""] {
        assert!(lock.contains(expected), "{expected} in {lock}");
    }

    // Refusals: no trust given, an unsigned plugin, nothing matching.
    let refused = |args: &[&str]| {
        let out = polyplug(dir, args);
        assert!(!out.status.success(), "{args:?}");
        text(&out)
    };
    assert!(refused(&["install", "acme:reshaper@^1", "--registry", &registry_dir])
        .contains("is not verified: pass `--trust trust.toml` (the keys you trust), or `--allow-unsigned` for development only"));
    assert!(refused(&["install", "acme:raw@^1", "--registry", &registry_dir, "--trust", "trust.toml"]).contains("is not signed; sign it with `polyplug sign`"));
    assert!(refused(&["install", "acme:reshaper@^3", "--registry", &registry_dir, "--trust", "trust.toml"])
        .contains("cannot resolve acme:reshaper@^3: no published version matches (published: 1.0.0, 1.4.2, 2.0.0)"));
    let dev = ok(dir, &["install", "acme:raw@^1", "--registry", &registry_dir, "--allow-unsigned", "--dir", "dev-plugins", "--lock", "dev.lock"]);
    assert!(dev.contains("installed WITHOUT signature verification (--allow-unsigned): for development only"), "{dev}");

    // The registry is gone: the lockfile reinstalls from the cache, verified again.
    std::fs::remove_dir_all(registry.path()).unwrap();
    std::fs::remove_file(dir.join("plugins/reshaper.wasm")).unwrap();
    let out = ok(dir, &["install", "--trust", "trust.toml"]);
    assert!(out.contains("installed acme:reshaper@1.4.2") && out.contains("from the cache"), "{out}");
    assert!(dir.join("plugins/reshaper.wasm").exists());

    // An offline bundle: exported here, imported on an empty machine with no registry, installed and verified there.
    ok(dir, &["bundle", "export", "--out", "plugins.bundle"]);
    let island = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join("plugins.bundle"), island.path().join("plugins.bundle")).unwrap();
    std::fs::copy(dir.join("trust.toml"), island.path().join("trust.toml")).unwrap();
    ok(island.path(), &["bundle", "import", "plugins.bundle"]);
    let out = ok(island.path(), &["install", "--trust", "trust.toml"]);
    assert!(out.contains("installed acme:reshaper@1.4.2") && out.contains("from the cache"), "{out}");
    assert_eq!(std::fs::read(island.path().join("plugins/reshaper.wasm")).unwrap(), std::fs::read(publisher.path().join("plugin.wasm")).unwrap());

    // A bundle altered in transit is refused.
    let mut bytes = std::fs::read(dir.join("plugins.bundle")).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    let tampered = tempfile::tempdir().unwrap();
    std::fs::write(tampered.path().join("plugins.bundle"), bytes).unwrap();
    let out = polyplug(tampered.path(), &["bundle", "import", "plugins.bundle"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("does not match its digest"), "{}", text(&out));
}

#[test]
fn install_brings_a_plugins_dependencies_and_the_directory_serves_them_linked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests");
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let registry = dir.join("registry");
    std::fs::create_dir(&registry).unwrap();
    let registry = registry.to_str().unwrap();
    let wit = root.join("chain-wit");
    let wit = wit.to_str().unwrap();
    for (guest, reference) in [("words-rust", "acme:words-rust@1.2.0"), ("words-rust", "acme:words-rust@2.0.0"), ("summary-rust", "acme:summary-rust@0.3.0")] {
        let component = root.join(guest).join("plugin.wasm");
        ok(dir, &["publish", component.to_str().unwrap(), "--as", reference, "--registry", registry]);
    }
    // The chain's worlds are a host application's own (`--wit`); the plugins are unsigned (development).
    let out = ok(dir, &["install", "acme:summary-rust@^0.3", "--registry", registry, "--allow-unsigned", "--wit", wit]);
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("installed")).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("installed acme:words-rust@1.2.0 (sha256:") && lines[0].ends_with("needed by acme:summary-rust@0.3.0"), "{out}");
    assert!(lines[1].starts_with("installed acme:summary-rust@0.3.0 (sha256:"), "{out}");
    let lock = std::fs::read_to_string(dir.join("polyplug.lock")).unwrap();
    assert!(lock.contains("acme:words-rust") && lock.contains("\"1.2.0\"") && lock.contains("^1.1"), "{lock}");

    std::fs::write(dir.join("policy.toml"), "[default]\n").unwrap();
    let out = ok(dir, &["run", "plugins", "--policy", "policy.toml", "--wit", wit]);
    assert!(out.contains("loaded   words-rust: words-rust 1.2.0\nloaded   summary-rust: summary-rust 0.3.0\n2 plugins in plugins, 0 not serving"), "{out}");

    // A requirement no published version meets, through a dependency: named, with what there is.
    ok(dir, &["publish", root.join("summary-rust/plugin.wasm").to_str().unwrap(), "--as", "acme:summary-rust@0.3.1", "--registry", registry]);
    let out = polyplug(dir, &["install", "acme:summary-rust@^0.3", "acme:words-rust@^2", "--registry", registry, "--allow-unsigned", "--wit", wit]);
    assert!(!out.status.success());
    let shown = text(&out);
    assert!(shown.contains("cannot resolve acme:words-rust: no published version meets all of its requirements ("), "{shown}");
    assert!(shown.contains("the command line needs ^2") && shown.contains("acme:summary-rust@0.3.1 needs ^1.1"), "{shown}");
}

#[test]
fn search_finds_plugins_by_name_and_description_with_their_newest_version() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let registry = dir.join("registry");
    std::fs::create_dir(&registry).unwrap();
    let registry = registry.to_str().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (component, reference) in [
        ("examples/transform-rust", "acme:reshaper@1.0.0"),
        ("examples/transform-rust", "acme:reshaper@1.1.0"),
        ("examples/transform-rust", "acme:reshaper@2.0.0-rc.1"),
        ("tests/guests/words-rust", "globex:words@0.4.0"),
    ] {
        let path = root.join(component).join("plugin.wasm");
        ok(dir, &["publish", path.to_str().unwrap(), "--as", reference, "--registry", registry]);
    }
    let all = ok(dir, &["search", "--registry", registry]);
    assert_eq!(all, "acme:reshaper  1.1.0  Renames, maps, drops and filters fields of JSON messages\nglobex:words   0.4.0  Counts words\n");
    assert_eq!(ok(dir, &["search", "COUNTS", "--registry", registry]), "globex:words  0.4.0  Counts words\n");
    assert!(ok(dir, &["search", "acme", "json", "--registry", registry]).starts_with("acme:reshaper  1.1.0"));
    let out = polyplug(dir, &["search", "json", "words", "--registry", registry]);
    assert!(!out.status.success());
    assert!(text(&out).contains(&format!("no plugin in {registry} matches `json words`")), "{}", text(&out));
}
