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
//!
//! The cache has a size cap: after each write, the least recently used
//! entries (by modification time, which a hit refreshes) are removed until
//! the whole cache directory — entries of other engine configurations, left
//! by earlier wasmtime versions, included — fits.

use std::hash::{Hash, Hasher};
use std::time::SystemTime;
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
    root: PathBuf,
    dir: PathBuf,
    max_size: u64,
}

/// A `Hasher` feeding SHA-256: the same key for the same engine settings
/// whatever Rust release built the host (`DefaultHasher` promises no such thing).
struct StableHasher(Sha256);

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
}

impl ArtifactCache {
    /// A cache under `root` of at most `max_size` bytes, its entries in a
    /// subdirectory for `engine`'s configuration.
    pub(crate) fn new(root: &Path, engine: &Engine, max_size: u64) -> ArtifactCache {
        let mut hasher = StableHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let key = hex::encode(&hasher.0.finalize()[..16]);
        ArtifactCache { root: root.to_path_buf(), dir: root.join(format!("engine-{key}")), max_size }
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
        self.evict_to_fit();
        Ok((component, Provenance::Compiled))
    }

    /// Removes the least recently used entries until the cache fits its cap.
    fn evict_to_fit(&self) {
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        for dir in std::fs::read_dir(&self.root).into_iter().flatten().flatten() {
            for entry in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "cwasm")
                    && let Ok(metadata) = entry.metadata()
                {
                    entries.push((metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH), metadata.len(), path));
                }
            }
        }
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_size {
                break;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    tracing::debug!(path = %path.display(), "evicted from the compiled-plugin cache");
                    total -= len;
                }
                Err(e) => tracing::warn!(path = %path.display(), "could not evict from the compiled-plugin cache: {e}"),
            }
        }
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
            Ok(component) => {
                // A hit makes the entry the most recently used.
                if let Ok(file) = std::fs::File::options().append(true).open(path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Some(component)
            }
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
