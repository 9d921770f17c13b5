//! Signing real components and verifying them against a trust file, and
//! interoperating with wasmsign2's own single-signature API (what other
//! runtimes and tools use): each side verifies what the other signed.

use std::path::Path;

use polyplug_registry::signing::{self, SignatureError, TrustFile};

fn component() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust/plugin.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask guests` first", path.display()))
}

fn trust(entries: &[(&str, &wasmsign2::PublicKey, &[&str])]) -> TrustFile {
    let mut text = String::new();
    for (name, key, namespaces) in entries {
        let list: Vec<String> = namespaces.iter().map(|n| format!("{n:?}")).collect();
        text.push_str(&format!("[keys.{name}]\npublic-key = \"{}\"\nnamespaces = [{}]\n\n", hex::encode(key.to_bytes()), list.join(", ")));
    }
    TrustFile::from_toml(&text, "trust.toml").unwrap()
}

#[test]
fn a_signed_component_verifies_for_its_namespace_and_still_loads_as_a_component() {
    let (secret, public, id) = signing::generate();
    let signed = signing::sign("transform-rust", &component(), &secret, &public).unwrap();
    assert_eq!(signing::signers("transform-rust", &signed).unwrap(), [id.clone()]);
    // The signature section comes first; the rest is the component unchanged.
    assert!(signed.len() > component().len());
    assert!(polyplug_registry::ComponentShape::of(&signed).is_ok());
    assert!(polyplug_manifest::read_section(&signed).unwrap().is_some(), "the embedded manifest survives");
    let verified = trust(&[("acme-release", &public, &["acme"])]).verify("transform-rust", &signed, "acme").unwrap();
    assert_eq!((verified.key.as_str(), verified.key_id.as_str(), verified.namespace.as_str()), ("acme-release", id.as_str(), "acme"));
}

#[test]
fn every_refusal_says_what_to_do() {
    let (secret, public, id) = signing::generate();
    let (_, stranger, _) = signing::generate();
    let signed = signing::sign("transform-rust", &component(), &secret, &public).unwrap();

    let err = trust(&[("acme-release", &public, &["acme"])]).verify("transform-rust", &component(), "acme").unwrap_err();
    assert!(matches!(err, SignatureError::Unsigned { .. }), "{err}");
    assert!(err.to_string().contains("plugin `transform-rust` is not signed; sign it with `polyplug sign`"), "{err}");

    let err = trust(&[("someone", &stranger, &["acme"])]).verify("transform-rust", &signed, "acme").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "plugin `transform-rust` is signed by key(s) {id}, none of which trust.toml trusts; add the publisher's public key to it if you trust them"
        )
    );

    let err = trust(&[("acme-release", &public, &["acme"])]).verify("transform-rust", &signed, "globex").unwrap_err();
    assert!(
        err.to_string().contains("claims the publisher `globex` but is signed by `acme-release`, which trust.toml allows only for `acme`"),
        "{err}"
    );

    // One byte changed after signing: the signature no longer verifies, so no trusted key signed these bytes.
    let mut tampered = signed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let err = trust(&[("acme-release", &public, &["acme"])]).verify("transform-rust", &tampered, "acme").unwrap_err();
    assert!(matches!(err, SignatureError::Untrusted { .. }), "{err}");
}

#[test]
fn signatures_stack_and_each_trusted_signer_counts() {
    let (first_secret, first, _) = signing::generate();
    let (second_secret, second, _) = signing::generate();
    let once = signing::sign("transform-rust", &component(), &first_secret, &first).unwrap();
    let twice = signing::sign("transform-rust", &once, &second_secret, &second).unwrap();
    assert_eq!(signing::signers("transform-rust", &twice).unwrap().len(), 2);
    assert_eq!(trust(&[("first", &first, &["acme"])]).verify("transform-rust", &twice, "acme").unwrap().key, "first");
    assert_eq!(trust(&[("second", &second, &["globex"])]).verify("transform-rust", &twice, "globex").unwrap().key, "second");
}

#[test]
fn wasmsign2_and_polyplug_verify_each_others_signatures() {
    // Signed here, verified by wasmsign2's simple API.
    let (secret, public, _) = signing::generate();
    let signed = signing::sign("transform-rust", &component(), &secret, &public).unwrap();
    public.verify(&mut std::io::Cursor::new(&signed), None).expect("wasmsign2 verifies polyplug's signature");

    // Signed by wasmsign2's simple API (as `wasmsign2 sign` does), verified here.
    let pair = wasmsign2::KeyPair::generate();
    let module = wasmsign2::Module::deserialize(&mut std::io::Cursor::new(component())).unwrap();
    let theirs = pair.sk.sign(module, None).unwrap();
    let mut bytes = Vec::new();
    theirs.serialize(&mut bytes).unwrap();
    let verified = trust(&[("theirs", &pair.pk, &["acme"])]).verify("transform-rust", &bytes, "acme").unwrap();
    assert_eq!(verified.key, "theirs");
}

#[test]
fn a_malformed_trust_file_is_refused_naming_the_key() {
    let err = TrustFile::from_toml("[keys.k]\npublic-key = \"zz\"\nnamespaces = [\"acme\"]\n", "trust.toml").unwrap_err().to_string();
    assert!(err.starts_with("trust.toml: key `k`: `public-key` is not hex"), "{err}");
    let (_, public, _) = signing::generate();
    let text = format!("[keys.k]\npublic-key = \"{}\"\nnamespaces = []\n", hex::encode(public.to_bytes()));
    let err = TrustFile::from_toml(&text, "trust.toml").unwrap_err().to_string();
    assert!(err.contains("key `k` may sign for no namespace"), "{err}");
}
