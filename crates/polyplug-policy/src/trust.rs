//! Signatures: Ed25519, in the WebAssembly tool-conventions format that
//! `wasmsign2` writes and reads (a `signature` custom section first in the
//! binary; signatures stack), through the `wasmsign2` crate itself, so that a
//! component signed by one verifies with the other.
//!
//! A [`TrustFile`] says which keys an operator trusts and which namespaces
//! (publishers) each may sign for: a verified signature by a key trusted for
//! `acme` is what makes a plugin's `publisher = "acme"` claim count, so that
//! the policy's `[publishers.acme]` grant applies (`HostBuilder::trust`).
//! It lives with the policy because it is the operator's: which publishers
//! they believe, as the policy is what they grant.
//!
//! ```toml
//! # trust.toml
//! [keys.acme-release]
//! public-key = "01a1b2…"        # hex of wasmsign2's raw public key (33 bytes), as `polyplug keygen` prints it
//! namespaces = ["acme"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use wasmsign2::{KeyPair, Module};
/// The key types, re-exported so that callers need not depend on `wasmsign2`.
pub use wasmsign2::{PublicKey, SecretKey};

/// Why signing or verifying failed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The component carries no signature.
    #[error("plugin `{plugin}` is not signed; sign it with `polyplug sign` (or, for development only, allow unsigned plugins explicitly)")]
    Unsigned {
        /// The plugin.
        plugin: String,
    },
    /// No signature is by a key the trust file holds.
    #[error(
        "plugin `{plugin}` is signed by key(s) {key_ids}, none of which {trust} trusts; add the publisher's public key to it if you trust them"
    )]
    Untrusted {
        /// The plugin.
        plugin: String,
        /// The key ids on its signatures (hex), comma separated.
        key_ids: String,
        /// Which trust file.
        trust: String,
    },
    /// The signing key is trusted, but not for this namespace.
    #[error(
        "plugin `{plugin}` claims the publisher `{namespace}` but is signed by `{key}`, which {trust} allows only for {allowed}; \
         add `{namespace}` to that key's `namespaces` if it may sign for it"
    )]
    WrongNamespace {
        /// The plugin.
        plugin: String,
        /// The namespace it claims.
        namespace: String,
        /// The trusted key that signed it.
        key: String,
        /// The namespaces that key may sign for.
        allowed: String,
        /// Which trust file.
        trust: String,
    },
    /// A key or trust file is malformed.
    #[error("{what}: {reason}")]
    BadKey {
        /// Which key or file.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The bytes are not a WebAssembly binary wasmsign2 can read.
    #[error("plugin `{plugin}` cannot be signed or verified: {reason}")]
    Format {
        /// The plugin.
        plugin: String,
        /// What wasmsign2 said.
        reason: String,
    },
}

/// A new key pair, and its key id (hex), as `polyplug keygen` makes them.
pub fn generate() -> (SecretKey, PublicKey, String) {
    let pair = KeyPair::generate();
    let public = pair.pk.attach_default_key_id();
    let id = key_id(&public);
    (pair.sk, public, id)
}

/// The key id of `public`, hex: wasmsign2's default (the first 12 bytes of
/// HMAC-SHA-256 of the key under `"key_id"`), stored with each signature.
pub fn key_id(public: &PublicKey) -> String {
    hex::encode(public.clone().attach_default_key_id().key_id().cloned().unwrap_or_default())
}

/// `component` with one more signature, by `secret` (whose public half is
/// `public`), stacked on any it already has.
pub fn sign(plugin: &str, component: &[u8], secret: &SecretKey, public: &PublicKey) -> Result<Vec<u8>, SignatureError> {
    let format = |e: wasmsign2::WSError| SignatureError::Format { plugin: plugin.into(), reason: e.to_string() };
    let module = Module::deserialize(&mut std::io::Cursor::new(component)).map_err(format)?;
    let id = public.clone().attach_default_key_id().key_id().cloned();
    let (signed, _) = secret.sign_multi(module, id.as_ref(), false, false).map_err(format)?;
    let mut out = Vec::with_capacity(component.len() + 128);
    signed.serialize(&mut out).map_err(format)?;
    Ok(out)
}

/// The key ids (hex) on `component`'s signatures; empty if it has none.
pub fn signers(plugin: &str, component: &[u8]) -> Result<Vec<String>, SignatureError> {
    let format = |e: wasmsign2::WSError| SignatureError::Format { plugin: plugin.into(), reason: e.to_string() };
    let module = Module::deserialize(&mut std::io::Cursor::new(component)).map_err(format)?;
    let mut ids = Vec::new();
    for section in &module.sections {
        let wasmsign2::Section::Custom(custom) = section else { continue };
        if !custom.is_signature_header() {
            continue;
        }
        let data = custom.signature_data().map_err(format)?;
        for set in &data.signed_hashes_set {
            for signature in &set.signatures {
                ids.push(signature.key_id.as_deref().map(hex::encode).unwrap_or_else(|| "(no key id)".into()));
            }
        }
    }
    Ok(ids)
}

/// A key the operator trusts, and for which namespaces.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// Its name in the trust file.
    pub name: String,
    /// The key.
    pub public: PublicKey,
    /// The namespaces (publishers) it may sign for.
    pub namespaces: Vec<String>,
}

/// The keys an operator trusts (`trust.toml`).
#[derive(Debug, Clone)]
pub struct TrustFile {
    origin: String,
    keys: Vec<TrustedKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustToml {
    #[serde(default)]
    keys: BTreeMap<String, KeyToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct KeyToml {
    public_key: String,
    namespaces: Vec<String>,
}

/// Who a verified signature is by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The trusted key's name in the trust file.
    pub key: String,
    /// Its key id, hex (what `polyplug.lock` records).
    pub key_id: String,
    /// The namespace it signed for.
    pub namespace: String,
}

impl TrustFile {
    /// The trust file `text`, read from `origin` (for errors).
    pub fn from_toml(text: &str, origin: &str) -> Result<TrustFile, SignatureError> {
        let bad = |reason: String| SignatureError::BadKey { what: origin.into(), reason };
        let parsed: TrustToml = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut keys = Vec::new();
        for (name, key) in parsed.keys {
            let bytes = hex::decode(key.public_key.trim())
                .map_err(|e| bad(format!("key `{name}`: `public-key` is not hex ({e}); paste what `polyplug keygen` printed")))?;
            let public = PublicKey::from_bytes(&bytes)
                .map_err(|e| bad(format!("key `{name}`: `public-key` is not an Ed25519 public key in wasmsign2's raw form ({e})")))?
                .attach_default_key_id();
            if key.namespaces.is_empty() {
                return Err(bad(format!("key `{name}` may sign for no namespace; list them, e.g. `namespaces = [\"acme\"]`")));
            }
            keys.push(TrustedKey { name, public, namespaces: key.namespaces });
        }
        Ok(TrustFile { origin: origin.into(), keys })
    }

    /// The trust file at `path`.
    pub fn from_file(path: &Path) -> Result<TrustFile, SignatureError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SignatureError::BadKey { what: path.display().to_string(), reason: e.to_string() })?;
        TrustFile::from_toml(&text, &path.display().to_string())
    }

    /// The keys it holds.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Verifies that `component` (the plugin `plugin`) carries a valid
    /// signature by a key trusted for `namespace`. A signature that does
    /// not verify (the bytes changed after signing) counts as none.
    pub fn verify(&self, plugin: &str, component: &[u8], namespace: &str) -> Result<Verified, SignatureError> {
        let on_it = signers(plugin, component)?;
        if on_it.is_empty() {
            return Err(SignatureError::Unsigned { plugin: plugin.into() });
        }
        let mut valid_but_elsewhere: Option<&TrustedKey> = None;
        for key in &self.keys {
            // The whole-module check: every section but the signatures'
            // hashed and compared. Not `verify_multi`: it compares hashes
            // only at `signature_delimiter` sections, so for a component
            // signed without them (as here and by `wasmsign2 sign`) it
            // accepts any bytes under a valid signature.
            let mut reader = std::io::Cursor::new(component);
            if key.public.verify(&mut reader, None).is_err() {
                continue;
            }
            if key.namespaces.iter().any(|n| n == namespace) {
                return Ok(Verified { key: key.name.clone(), key_id: key_id(&key.public), namespace: namespace.into() });
            }
            valid_but_elsewhere.get_or_insert(key);
        }
        match valid_but_elsewhere {
            Some(key) => Err(SignatureError::WrongNamespace {
                plugin: plugin.into(),
                namespace: namespace.into(),
                key: key.name.clone(),
                allowed: key.namespaces.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                trust: self.origin.clone(),
            }),
            None => Err(SignatureError::Untrusted { plugin: plugin.into(), key_ids: on_it.join(", "), trust: self.origin.clone() }),
        }
    }
}
