//! Grants by publisher: `[publishers.acme]` applies to a plugin only when a
//! key the operator trusts for `acme` signed it. Claiming `publisher =
//! "acme"` in a manifest is worth nothing by itself, and a key trusted for
//! another namespace does not vouch for acme.

mod common;

use std::path::{Path, PathBuf};

use polyplug_host::{Error, Host};
use polyplug_policy::Policy;
use polyplug_policy::trust::{self, TrustFile};

/// `hostile-rust` re-labelled: its manifest claims `publisher = "acme"` and
/// requests the clocks, which only the `acme` grant allows.
fn claiming_acme() -> Vec<u8> {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/hostile-rust/polyplug.toml")).unwrap();
    let manifest = manifest
        .replace("[plugin]\n", "[plugin]\npublisher = \"acme\"\n")
        .replace("[capabilities]\n", "[capabilities]\nclocks = true\n");
    polyplug_manifest::embed(&std::fs::read(common::guest("hostile-rust")).unwrap(), &manifest).unwrap()
}

/// `bytes` written where the host can load it from.
fn written(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("publishers");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A trust file holding one key, trusted for `namespaces`.
fn trusting(public: &trust::PublicKey, namespaces: &str) -> TrustFile {
    let text = format!("[keys.release]\npublic-key = \"{}\"\nnamespaces = [{namespaces}]\n", hex::encode(public.to_bytes()));
    TrustFile::from_toml(&text, "trust.toml").unwrap()
}

/// A host that grants `bytes` (by digest) what `hostile-rust` always
/// requests, and grants the clocks to publisher `acme` only.
fn host(bytes: &[u8], trust: Option<TrustFile>, require_signatures: bool) -> Host {
    use sha2::Digest;
    let policy = format!(
        "[publishers.acme]\nclocks = true\n\n[plugins.hostile-rust]\nsha256 = [\"{}\"]\nlog = true\nstdio = true\nfiles = [{{ host = {:?}, guest = \"/data\" }}]\nenv = [\"POLYPLUG_TEST_GRANTED\"]\nsockets = [\"tcp:127.0.0.1:9\"]\nkv = {{ quota = \"16 KiB\" }}\nhttp = [\"http://127.0.0.1:*\"]\n",
        hex::encode(sha2::Sha256::digest(bytes)),
        common::data_dir().display().to_string()
    );
    let mut builder = Host::builder()
        .policy(Policy::from_toml(&policy, "policy.toml").unwrap())
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .require_signatures(require_signatures);
    if let Some(trust) = trust {
        builder = builder.trust(trust);
    }
    builder.build().unwrap()
}

#[test]
fn a_signature_by_a_key_trusted_for_the_publisher_applies_its_grant() {
    let (secret, public, _) = trust::generate();
    let signed = trust::sign("hostile-rust", &claiming_acme(), &secret, &public).unwrap();
    for required in [false, true] {
        let plugin = host(&signed, Some(trusting(&public, "\"acme\"")), required).load_file(written("signed", &signed)).unwrap();
        assert!(plugin.grant().clocks, "{:?}", plugin.grant());
    }
}

#[test]
fn claiming_a_publisher_without_its_signature_grants_nothing() {
    let (_, public, _) = trust::generate();
    let unsigned = claiming_acme();
    let path = written("unsigned", &unsigned);
    // With no trust file at all, and with one that trusts a key acme never used.
    for trust in [None, Some(trusting(&public, "\"acme\""))] {
        let err = host(&unsigned, trust, false).load_file(&path).unwrap_err();
        assert!(matches!(err, Error::Denied(_)), "{err}");
        assert!(err.to_string().contains("clocks"), "{err}");
    }
}

#[test]
fn a_key_trusted_for_another_namespace_does_not_vouch_for_acme() {
    let (secret, public, _) = trust::generate();
    let signed = trust::sign("hostile-rust", &claiming_acme(), &secret, &public).unwrap();
    let path = written("other-namespace", &signed);
    let err = host(&signed, Some(trusting(&public, "\"globex\"")), false).load_file(&path).unwrap_err();
    assert!(matches!(err, Error::Denied(_)), "{err}");
    let err = host(&signed, Some(trusting(&public, "\"globex\"")), true).load_file(&path).unwrap_err();
    assert!(matches!(err, Error::Unverified { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("plugin `hostile-rust` is refused") && text.contains("allows only for `globex`"), "{text}");
}

#[test]
fn bytes_changed_after_signing_are_unverified() {
    let (secret, public, _) = trust::generate();
    let mut signed = trust::sign("hostile-rust", &claiming_acme(), &secret, &public).unwrap();
    // Flip one byte of the code section's tail: still a component, no longer what was signed.
    let last = signed.len() - 1;
    let tampered_at = (last / 2..last).find(|&i| signed[i] == 0x0b).unwrap();
    signed[tampered_at] = 0x01;
    let path = written("tampered", &signed);
    let err = host(&signed, Some(trusting(&public, "\"acme\"")), true).load_file(&path).unwrap_err();
    assert!(matches!(err, Error::Unverified { .. }), "{err}");
}

#[test]
fn when_signatures_are_required_an_unsigned_plugin_is_refused_by_name() {
    let (_, public, _) = trust::generate();
    let unsigned = claiming_acme();
    let path = written("required-unsigned", &unsigned);
    let err = host(&unsigned, Some(trusting(&public, "\"acme\"")), true).load_file(&path).unwrap_err();
    assert!(matches!(err, Error::Unverified { .. }), "{err}");
    assert!(err.to_string().contains("plugin `hostile-rust` is not signed; sign it with `polyplug sign`"), "{err}");
    let err = host(&unsigned, None, true).load_file(&path).unwrap_err();
    assert!(err.to_string().contains("no trust file"), "{err}");
}
