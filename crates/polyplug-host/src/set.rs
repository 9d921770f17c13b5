//! [`PluginSet`]: every plugin of a directory, loaded with the host's policy,
//! kept in step with the directory while it is watched: a new file is
//! loaded, a changed one reloaded, a removed one unloaded.
//!
//! A reload swaps versions atomically: a call holds the [`Plugin`] it got
//! from [`PluginSet::get`], so calls in flight finish on the old version
//! while new calls get the new one, and no call fails because of a reload. A
//! new version that does not compile, pass the policy or `init` is refused
//! with the reason, and the old version keeps serving.
//!
//! Members that depend on others (`[dependencies]` in their manifests) are
//! linked to the members of those names: one waiting for a dependency loads
//! when it arrives, and a dependency's new version is followed by its
//! dependents' reloads, linked to it. A dependency cycle refuses each member
//! in it, naming the cycle.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;

use sha2::{Digest, Sha256};

use polyplug_manifest::Manifest;

use crate::plugin::LoadSpec;
use crate::{Error, Host, Plugin, Result};

/// Where a member of a set is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Its first version is being loaded.
    Loading,
    /// A version is serving calls.
    Serving,
    /// A version is serving while a new one is being loaded.
    Reloading,
    /// No version serves: its file never loaded (see `last_error`).
    Failed,
}

/// One plugin of a set, as the set reports it.
#[derive(Clone)]
pub struct Member {
    /// The set's name for it: its file name without `.wasm`.
    pub key: String,
    /// Its file.
    pub file: PathBuf,
    /// Where it is in its lifecycle.
    pub lifecycle: Lifecycle,
    /// The version serving calls, if one is.
    pub plugin: Option<Plugin>,
    /// Why its last load or reload was refused, if it was.
    pub last_error: Option<String>,
}

/// What happened to a set, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetEvent {
    /// A plugin's first version loaded.
    Loaded {
        /// The member's key.
        key: String,
        /// The plugin's name and version.
        plugin: String,
    },
    /// A new version replaced the one serving.
    Reloaded {
        /// The member's key.
        key: String,
        /// The name and version that served before.
        from: String,
        /// The name and version serving now.
        to: String,
    },
    /// A file could not be loaded; what served before (if anything) still serves.
    Refused {
        /// The member's key.
        key: String,
        /// Why, as the host's error says it.
        reason: String,
    },
    /// A file was removed, and its plugin with it.
    Unloaded {
        /// The member's key.
        key: String,
    },
}

type Listener = Box<dyn Fn(&SetEvent) + Send + Sync>;

/// Settings for a [`PluginSet`]; start with [`PluginSet::builder`].
pub struct PluginSetBuilder {
    host: Host,
    dir: PathBuf,
    config: HashMap<String, Vec<(String, String)>>,
    listeners: Vec<Listener>,
    watch: bool,
}

impl PluginSetBuilder {
    /// The configuration of the member `key` (its file name without `.wasm`).
    pub fn config<K: Into<String>, V: Into<String>>(mut self, key: &str, entries: impl IntoIterator<Item = (K, V)>) -> Self {
        self.config.insert(key.to_string(), entries.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        self
    }

    /// Calls `listener` with every event, as it happens (on the watching thread).
    pub fn on_event(mut self, listener: impl Fn(&SetEvent) + Send + Sync + 'static) -> Self {
        self.listeners.push(Box::new(listener));
        self
    }

    /// Keeps the set in step with the directory (default: on): a new
    /// `.wasm` file is loaded, a changed one reloaded, a removed one unloaded.
    pub fn watch(mut self, watch: bool) -> Self {
        self.watch = watch;
        self
    }

    /// Loads every `.wasm` file of the directory, then watches it. A file
    /// that does not load is a member in the `Failed` state, not an error:
    /// the others serve.
    pub fn build(self) -> Result<PluginSet> {
        let inner = Arc::new(SetInner {
            host: self.host,
            dir: self.dir.clone(),
            config: self.config,
            listeners: self.listeners,
            members: RwLock::new(BTreeMap::new()),
            generation: AtomicU64::new(0),
            watcher: OnceLock::new(),
        });
        let files = std::fs::read_dir(&self.dir).map_err(|reason| Error::Read { path: self.dir.clone(), reason })?;
        let mut paths: Vec<PathBuf> = files.filter_map(|entry| entry.ok().map(|e| e.path())).filter(|p| is_plugin_file(p)).collect();
        paths.sort();
        // What each file is and needs first, so that dependencies load before their dependents.
        for path in &paths {
            inner.register(path);
        }
        for path in inner.load_order(&paths) {
            inner.refresh(&path, false);
        }
        if self.watch {
            let watcher = watch(&inner)?;
            // Set once, here: the set owns its watcher from now on.
            let _ = inner.watcher.set(watcher);
        }
        Ok(PluginSet { inner })
    }
}

/// Every plugin of a directory, loaded with the host's policy and kept in
/// step with the directory (see the module docs). Cheap to clone.
///
/// ```no_run
/// let host = polyplug_host::Host::new()?;
/// let set = polyplug_host::PluginSet::builder(&host, "plugins/")
///     .config("auth-jwt", [("audience", "api")])
///     .on_event(|event| println!("{event:?}"))
///     .build()?;
/// if let Some(plugin) = set.get("auth-jwt") {
///     // `plugin` is the version serving now; a reload does not disturb this call.
///     plugin.call_json("authenticator", "authenticate", &[/* … */])?;
/// }
/// # Ok::<(), polyplug_host::Error>(())
/// ```
#[derive(Clone)]
pub struct PluginSet {
    inner: Arc<SetInner>,
}

struct SetInner {
    host: Host,
    dir: PathBuf,
    config: HashMap<String, Vec<(String, String)>>,
    listeners: Vec<Listener>,
    members: RwLock<BTreeMap<String, Slot>>,
    /// Counts the changes to `members` ([`PluginSet::generation`]).
    generation: AtomicU64,
    /// Dropped with the set, which ends the watching thread.
    watcher: OnceLock<notify::RecommendedWatcher>,
}

struct Slot {
    file: PathBuf,
    lifecycle: Lifecycle,
    plugin: Option<Plugin>,
    last_error: Option<String>,
    /// The plugin name its file's manifest gives, and the plugins it depends on.
    name: Option<String>,
    needs: Vec<String>,
}

impl PluginSet {
    /// A set of the plugins in `dir`, loaded by `host`.
    pub fn builder(host: &Host, dir: impl Into<PathBuf>) -> PluginSetBuilder {
        PluginSetBuilder { host: host.clone(), dir: dir.into(), config: HashMap::new(), listeners: Vec::new(), watch: true }
    }

    /// The version of `key` (its file name without `.wasm`) serving now, if one is.
    pub fn get(&self, key: &str) -> Option<Plugin> {
        self.inner.members.read().unwrap_or_else(|e| e.into_inner()).get(key)?.plugin.clone()
    }

    /// Every member, in key order.
    pub fn members(&self) -> Vec<Member> {
        let members = self.inner.members.read().unwrap_or_else(|e| e.into_inner());
        members
            .iter()
            .map(|(key, slot)| Member {
                key: key.clone(),
                file: slot.file.clone(),
                lifecycle: slot.lifecycle,
                plugin: slot.plugin.clone(),
                last_error: slot.last_error.clone(),
            })
            .collect()
    }

    /// A number that changes whenever a member does (loaded, reloaded,
    /// refused, unloaded). Whatever a host derives from the members — typed
    /// facades, which keep their plugin's warm instances, or a table of which
    /// plugin provides what — stays current while this has not changed. Read
    /// it *before* [`PluginSet::get`] so that a change in between shows as a
    /// new number next time.
    ///
    /// ```no_run
    /// # fn run(set: polyplug_host::PluginSet) {
    /// let mut made_at = set.generation();
    /// let mut auth = set.get("auth-jwt").map(|p| p.typed::<polyplug_bindings::auth::Auth>());
    /// // For each request:
    /// if set.generation() != made_at {
    ///     made_at = set.generation();
    ///     auth = set.get("auth-jwt").map(|p| p.typed::<polyplug_bindings::auth::Auth>());
    /// }
    /// # }
    /// ```
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// The directory the set holds.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
}

impl SetInner {
    fn emit(&self, event: SetEvent) {
        tracing::info!(dir = %self.dir.display(), "plugin set: {event:?}");
        for listener in &self.listeners {
            listener(&event);
        }
    }

    /// Runs `change` on the member `key` (made, without a version, if new).
    fn update(&self, key: &str, file: &Path, change: impl FnOnce(&mut Slot)) {
        let mut members = self.members.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::Release);
        let slot = members.entry(key.to_string()).or_insert_with(|| Slot {
            file: file.to_path_buf(),
            lifecycle: Lifecycle::Loading,
            plugin: None,
            last_error: None,
            name: None,
            needs: Vec::new(),
        });
        change(slot);
    }

    /// Brings the member of `path` in step with the file: loads, reloads
    /// (if its content changed, or `relink` says its dependencies did) or
    /// unloads it; then reloads the members that depend on it.
    fn refresh(&self, path: &Path, relink: bool) {
        let Some(key) = member_key(path) else { return };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let removed = self.members.write().unwrap_or_else(|e| e.into_inner()).remove(&key);
                self.generation.fetch_add(1, Ordering::Release);
                if removed.is_some() {
                    self.emit(SetEvent::Unloaded { key });
                }
                return;
            }
            Err(e) => return self.refuse(&key, path, format!("cannot read {}: {e}", path.display())),
        };
        let digest = hex::encode(Sha256::digest(&bytes));
        let current = self.members.read().unwrap_or_else(|e| e.into_inner()).get(&key).and_then(|slot| slot.plugin.clone());
        if !relink && current.as_ref().is_some_and(|plugin| plugin.digest() == digest) {
            return;
        }
        let loading = if current.is_some() { Lifecycle::Reloading } else { Lifecycle::Loading };
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // What the manifest says it is and needs, kept even if it fails to load: its dependencies' loads retry it.
        let (name, needs) = identity(path, &bytes);
        self.update(&key, path, |slot| {
            slot.lifecycle = loading;
            slot.name = name.clone();
            slot.needs = needs.clone();
        });
        let dependencies = match self.dependencies_of(name.as_deref().unwrap_or(&key), &needs) {
            Ok(dependencies) => dependencies,
            Err(reason) => return self.refuse(&key, path, reason),
        };
        let spec = LoadSpec { config: self.config.get(&key).cloned().unwrap_or_default(), dependencies, ..LoadSpec::default() };
        match Plugin::load(&self.host, &file_name, &bytes, spec) {
            Ok(plugin) => {
                let to = describe(&plugin);
                // The swap: new calls get this version; calls holding the old one finish on it.
                self.update(&key, path, |slot| {
                    slot.plugin = Some(plugin);
                    slot.lifecycle = Lifecycle::Serving;
                    slot.last_error = None;
                });
                match current {
                    Some(old) => self.emit(SetEvent::Reloaded { key, from: describe(&old), to }),
                    None => self.emit(SetEvent::Loaded { key, plugin: to }),
                }
                if let Some(name) = &name {
                    for dependent in self.dependents_of(name) {
                        self.refresh(&dependent, true);
                    }
                }
            }
            Err(error) => self.refuse(&key, path, error.to_string()),
        }
    }

    /// Records the name and dependencies the manifest of `path` gives, before anything loads.
    fn register(&self, path: &Path) {
        let (Some(key), Ok(bytes)) = (member_key(path), std::fs::read(path)) else { return };
        let (name, needs) = identity(path, &bytes);
        self.update(&key, path, |slot| {
            slot.name = name;
            slot.needs = needs;
        });
    }

    /// `paths` with every member after the members it depends on (members
    /// in a cycle in any order: they are refused when loaded).
    fn load_order(&self, paths: &[PathBuf]) -> Vec<PathBuf> {
        let members = self.members.read().unwrap_or_else(|e| e.into_inner());
        fn visit(members: &BTreeMap<String, Slot>, path: &Path, order: &mut Vec<PathBuf>, visiting: &mut Vec<PathBuf>) {
            if order.iter().any(|p| p == path) || visiting.iter().any(|p| p == path) {
                return;
            }
            visiting.push(path.to_path_buf());
            let Some(slot) = member_key(path).and_then(|key| members.get(&key)) else { return };
            for need in &slot.needs {
                if let Some(dependency) = members.values().find(|s| s.name.as_deref() == Some(need.as_str())) {
                    visit(members, &dependency.file, order, visiting);
                }
            }
            order.push(path.to_path_buf());
        }
        let mut order = Vec::new();
        for path in paths {
            visit(&members, path, &mut order, &mut Vec::new());
        }
        order
    }

    /// The serving members named in `needs`, or why `plugin` must wait.
    fn dependencies_of(&self, plugin: &str, needs: &[String]) -> std::result::Result<Vec<Plugin>, String> {
        let members = self.members.read().unwrap_or_else(|e| e.into_inner());
        let by_name = |name: &str| members.values().find(|slot| slot.name.as_deref() == Some(name));
        let mut found = Vec::new();
        for need in needs {
            if let Some(cycle) = cycle_through(&members, plugin, need) {
                return Err(format!("plugin `{plugin}` is in a dependency cycle ({cycle}); a plugin cannot depend on itself, even through others"));
            }
            match by_name(need).and_then(|slot| slot.plugin.clone()) {
                Some(dependency) => found.push(dependency),
                None => {
                    let why = if by_name(need).is_some() { "has not loaded (see its own error)" } else { "is not in this directory" };
                    return Err(format!(
                        "plugin `{plugin}` depends on `{need}`, which {why}; it loads as soon as `{need}` does"
                    ));
                }
            }
        }
        Ok(found)
    }

    /// The files of the members whose manifests depend on `name`.
    fn dependents_of(&self, name: &str) -> Vec<PathBuf> {
        let members = self.members.read().unwrap_or_else(|e| e.into_inner());
        members.values().filter(|slot| slot.needs.iter().any(|n| n == name)).map(|slot| slot.file.clone()).collect()
    }

    fn refuse(&self, key: &str, path: &Path, reason: String) {
        self.update(key, path, |slot| {
            slot.lifecycle = if slot.plugin.is_some() { Lifecycle::Serving } else { Lifecycle::Failed };
            slot.last_error = Some(reason.clone());
        });
        tracing::warn!(plugin = key, "plugin set: {} refused: {reason}", path.display());
        self.emit(SetEvent::Refused { key: key.to_string(), reason });
    }
}

/// The plugin name the manifest in `bytes` gives, and the names of the
/// plugins it depends on (none known without a valid manifest).
fn identity(path: &Path, bytes: &[u8]) -> (Option<String>, Vec<String>) {
    let origin = path.display().to_string();
    let manifest = polyplug_manifest::read_section(bytes).ok().flatten().and_then(|text| Manifest::from_toml(&text, &origin).ok());
    let name = manifest.as_ref().map(|m| m.plugin.name.to_string());
    let needs = manifest.iter().flat_map(|m| m.dependencies.keys().map(|d| d.name.to_string())).collect();
    (name, needs)
}

/// The cycle `plugin` → `need` → … → `plugin` among the members' declared
/// dependencies, as `a → b → a`, if there is one.
fn cycle_through(members: &BTreeMap<String, Slot>, plugin: &str, need: &str) -> Option<String> {
    /// Depth-first from `current` along declared dependencies; `path` ends at `current`.
    fn reaches(members: &BTreeMap<String, Slot>, target: &str, current: &str, path: &mut Vec<String>, seen: &mut Vec<String>) -> bool {
        if current == target {
            return true;
        }
        if seen.iter().any(|s| s == current) {
            return false;
        }
        seen.push(current.to_string());
        let needs = members.values().find(|slot| slot.name.as_deref() == Some(current)).map(|slot| slot.needs.clone()).unwrap_or_default();
        for next in needs {
            path.push(next.clone());
            if reaches(members, target, &next, path, seen) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![plugin.to_string(), need.to_string()];
    reaches(members, plugin, need, &mut path, &mut Vec::new()).then(|| path.join(" → "))
}

/// `name version` of a loaded plugin.
fn describe(plugin: &Plugin) -> String {
    match plugin.manifest() {
        Some(manifest) => format!("{} {}", plugin.name(), manifest.plugin.version),
        None => plugin.name().to_string(),
    }
}

fn is_plugin_file(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "wasm")
}

/// A plugin file's key: its name without `.wasm`; `None` for other files.
fn member_key(path: &Path) -> Option<String> {
    if !is_plugin_file(path) {
        return None;
    }
    path.file_stem().map(|stem| stem.to_string_lossy().into_owned())
}

/// How long a file must be quiet before it is (re)loaded: a plugin written
/// in several pieces is loaded once, whole.
const SETTLE: Duration = Duration::from_millis(10);

/// Watches the set's directory on a thread of its own; the thread ends when
/// the set (and so the watcher) is dropped.
fn watch(inner: &Arc<SetInner>) -> Result<notify::RecommendedWatcher> {
    use notify::Watcher;
    let (events, changes) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(events)
        .map_err(|e| Error::Setup(format!("cannot watch {}: {e}", inner.dir.display())))?;
    watcher
        .watch(&inner.dir, notify::RecursiveMode::NonRecursive)
        .map_err(|e| Error::Setup(format!("cannot watch {}: {e}", inner.dir.display())))?;
    let set: Weak<SetInner> = Arc::downgrade(inner);
    std::thread::Builder::new()
        .name("polyplug-set-watch".into())
        .spawn(move || {
            use std::sync::mpsc::RecvTimeoutError;
            let mut pending: Vec<PathBuf> = Vec::new();
            loop {
                let next = if pending.is_empty() {
                    changes.recv().map_err(|_| RecvTimeoutError::Disconnected)
                } else {
                    changes.recv_timeout(SETTLE)
                };
                match next {
                    Ok(Ok(event)) => {
                        for path in event.paths.into_iter().filter(|p| is_plugin_file(p)) {
                            if !pending.contains(&path) {
                                pending.push(path);
                            }
                        }
                    }
                    Ok(Err(error)) => tracing::warn!("plugin set: watching failed: {error}"),
                    // Quiet for SETTLE: load what changed.
                    Err(RecvTimeoutError::Timeout) => {
                        let Some(set) = set.upgrade() else { return };
                        for path in pending.drain(..) {
                            set.refresh(&path, false);
                        }
                    }
                    // The watcher is gone: so is the set.
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        })
        .map_err(|e| Error::Setup(format!("cannot start the watching thread: {e}")))?;
    Ok(watcher)
}
