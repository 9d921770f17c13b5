//! The on-disk cache of compiled components.
//!
//! Compiling a component is the slow part of loading it (milliseconds for a
//! Rust guest, seconds for an 18 MB Python one); deserializing a compiled
//! artifact is fast. Entries are keyed by the engine's compatibility hash
//! (wasmtime version and every code-generation setting) and the SHA-256 of
//! the component, so a changed component or engine never meets a stale entry.
//!
//! Each entry carries a SHA-256 of its own payload, checked before the
//! payload is handed to wasmtime: a truncated or corrupted file is detected,
//! removed and recompiled, never loaded. The directory must be writable only
//! by the host's user (wasmtime trusts what it deserializes).

use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 8] = b"ppcache1";
const HEADER: usize = MAGIC.len() + 32;

/// Where a compiled component came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Compiled now (and stored, when a cache is configured).
    Compiled,
    /// Deserialized from the cache.
    Cached,
}

/// A directory of compiled components for one engine configuration.
#[derive(Debug, Clone)]
pub(crate) struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// A cache under `root`, in a subdirectory for `engine`'s configuration.
    pub(crate) fn new(root: &Path, engine: &Engine) -> ArtifactCache {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ArtifactCache { dir: root.join(format!("engine-{:016x}", hasher.finish())) }
    }

    fn entry(&self, digest: &str) -> PathBuf {
        self.dir.join(format!("{digest}.cwasm"))
    }

    /// The compiled form of `bytes` (whose SHA-256 is `digest`): from the
    /// cache when a sound entry exists, else compiled now and stored.
    pub(crate) fn get_or_compile(
        &self,
        engine: &Engine,
        digest: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, Provenance)> {
        let path = self.entry(digest);
        if let Some(component) = self.read(engine, &path) {
            return Ok((component, Provenance::Cached));
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = self.write(&path, &component) {
            tracing::warn!(path = %path.display(), "could not store compiled plugin in the cache: {e:#}");
        }
        Ok((component, Provenance::Compiled))
    }

    fn read(&self, engine: &Engine, path: &Path) -> Option<Component> {
        let data = std::fs::read(path).ok()?;
        let sound = data.len() > HEADER
            && &data[..MAGIC.len()] == MAGIC
            && data[MAGIC.len()..HEADER] == Sha256::digest(&data[HEADER..])[..];
        if !sound {
            tracing::warn!(path = %path.display(), "corrupt entry in the compiled-plugin cache; recompiling");
            let _ = std::fs::remove_file(path);
            return None;
        }
        // SAFETY: the payload was written by `write` below from
        // `Component::serialize` (the checksum proves it is intact), and the
        // entry's directory is keyed by this engine's compatibility hash;
        // wasmtime re-checks version and configuration compatibility itself.
        match unsafe { Component::deserialize(engine, &data[HEADER..]) } {
            Ok(component) => Some(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), "unusable entry in the compiled-plugin cache ({e}); recompiling");
                let _ = std::fs::remove_file(path);
                None
            }
        }
    }

    fn write(&self, path: &Path, component: &Component) -> wasmtime::Result<()> {
        let payload = component.serialize()?;
        std::fs::create_dir_all(&self.dir)?;
        // Write to a unique temporary file, then rename: readers never see a
        // half-written entry, and concurrent writers of the same entry are harmless.
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(MAGIC)?;
        tmp.write_all(&Sha256::digest(&payload))?;
        tmp.write_all(&payload)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}
