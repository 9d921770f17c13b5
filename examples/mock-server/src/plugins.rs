//! The plugins as the routes use them: the members of the watched plugin
//! directory and the remote plugins, by key, behind typed facades made once
//! per plugin version. A facade keeps its plugin's warm instances, so one
//! made per request would instantiate the plugin for every request (half a
//! millisecond for a Python plugin).

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyplug::remote::Reconnecting;
use polyplug::{Backend, Host, PluginSet};

use crate::{Failure, plugin_failed};

/// How long a remote plugin that could not be reached is left alone before
/// the next request tries it again (requests in between fail at once).
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The watched plugin directory, the remote plugins, and the facades made on them.
pub(crate) struct Plugins {
    set: PluginSet,
    host: Host,
    remote: BTreeMap<String, Reconnecting>,
    made: Mutex<Made>,
}

/// The facades made while the set was at `generation`, by key and type.
struct Made {
    generation: u64,
    facades: HashMap<String, HashMap<TypeId, Box<dyn Any + Send + Sync>>>,
}

impl Plugins {
    /// The directory's members, and the plugins of `remote` (a polyplug
    /// plugins file, `docs/remote-plugins.md`), connected now where they can
    /// be and on the first request after they come up where not.
    pub(crate) async fn new(set: PluginSet, host: &Host, remote: Option<polyplug::remote::Plugins>) -> Plugins {
        let mut remotes = BTreeMap::new();
        if let Some(configuration) = remote.map(Arc::new) {
            for name in configuration.names() {
                let remote = Reconnecting::new(configuration.clone(), name, RECONNECT_AFTER);
                if let Err(reason) = remote.backend(host).await {
                    tracing::warn!(target: "mock_server", "{reason}; its routes answer 503 until it is");
                }
                remotes.insert(name.to_string(), remote);
            }
        }
        // No set reports `u64::MAX`: the first call fills the cache.
        Plugins { set, host: host.clone(), remote: remotes, made: Mutex::new(Made { generation: u64::MAX, facades: HashMap::new() }) }
    }

    /// The set itself.
    pub(crate) fn set(&self) -> &PluginSet {
        &self.set
    }

    /// The facade of type `F` on the version of `key` serving now, made by
    /// `make` the first time it is asked for (and again after the set changes).
    pub(crate) async fn facade<F>(&self, key: &str, make: impl FnOnce(Backend) -> polyplug::Result<F>) -> Result<F, Failure>
    where
        F: Clone + Send + Sync + 'static,
    {
        // Read before the plugin: a change in between shows as a new generation next time.
        let generation = self.set.generation();
        {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            if made.generation != generation {
                made.facades.clear();
                made.generation = generation;
            }
            let cached = made.facades.get(key).and_then(|by_type| by_type.get(&TypeId::of::<F>())).and_then(|f| f.downcast_ref::<F>());
            if let Some(facade) = cached {
                return Ok(facade.clone());
            }
        }
        let backend = match self.remote.get(key) {
            // The reason names the plugin and each endpoint's failure.
            Some(remote) => remote.backend(&self.host).await.map_err(|reason| Failure::new(503, reason))?,
            None => self.serving(key)?.into(),
        };
        let facade = make(backend).map_err(|e| plugin_failed(key, e))?;
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if made.generation == generation {
            made.facades.entry(key.to_string()).or_default().insert(TypeId::of::<F>(), Box::new(facade.clone()));
        }
        Ok(facade)
    }

    /// The version of `key` serving now, or a 503 saying why none does.
    fn serving(&self, key: &str) -> Result<polyplug::Plugin, Failure> {
        self.set.get(key).ok_or_else(|| {
            let why = self.set.members().into_iter().find(|m| m.key == key).and_then(|m| m.last_error);
            Failure::new(
                503,
                match why {
                    Some(reason) => format!("plugin `{key}` is not serving: {reason}"),
                    None => format!("plugin `{key}` is not in the plugin directory"),
                },
            )
        })
    }
}
