//! An integration pipeline on polyplug and NATS: messages from HTTP and
//! NATS sources go through a chain of converter and filter plugins, run for
//! the message's tenant (its secrets, its fuel budget, instances of its
//! own), to HTTP and NATS sinks; a message a step rejects or fails after its
//! retries goes to a dead-letter subject with the reason. Configured by one
//! YAML file ([`Config`]); plugins come from a watched directory, so a
//! replaced plugin serves the next message.

pub mod config;
mod engine;
mod http;
mod nats;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use polyplug::{Host, PluginSet, SecretsFile};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

pub use config::Config;
pub use engine::{Delivery, NativeStep, Stats};

/// A running pipeline; [`Pipeline::stop`] ends it after the messages in flight.
pub struct Pipeline {
    engine: Arc<engine::Engine>,
    http: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    in_flight: Arc<Semaphore>,
}

/// A pipeline to start: its configuration, and the steps compiled into
/// the service ([`PipelineBuilder::native_step`]).
pub struct PipelineBuilder {
    config: Config,
    native: Vec<(String, Arc<dyn NativeStep>)>,
}

impl PipelineBuilder {
    /// Serves step `key` with `step`, a Rust step compiled into the service,
    /// instead of a plugin: an integration naming `key` among its `steps`
    /// runs it, in process, with no sandbox, no limits and no fuel. For the
    /// platform's own steps, which its operators trust as they trust the
    /// service; a plugin of the same key in the plugin directory is not used,
    /// and a second native step of the same key replaces the first.
    ///
    /// ```no_run
    /// # async fn run(config: pipeline::Config) -> anyhow::Result<()> {
    /// use polyplug::pipeline::{Context, Envelope, Outcome};
    ///
    /// struct Stamp;
    /// impl pipeline::NativeStep for Stamp {
    ///     fn run(&self, envelope: &Envelope, _context: &Context) -> Outcome {
    ///         let mut next = envelope.clone();
    ///         next.headers.push(("x-stamped".into(), "yes".into()));
    ///         Outcome::Pass(Box::new(next))
    ///     }
    /// }
    ///
    /// let pipeline = pipeline::Pipeline::builder(config).native_step("stamp", Stamp).start().await?;
    /// # pipeline.stop().await; Ok(()) }
    /// ```
    pub fn native_step(mut self, key: impl Into<String>, step: impl NativeStep) -> Self {
        self.native.push((key.into(), Arc::new(step)));
        self
    }

    /// Loads the plugins, connects to NATS, and starts every source.
    pub async fn start(self) -> Result<Pipeline> {
        let PipelineBuilder { config, native } = self;
        let policy = polyplug::Policy::load(&config.plugins.policy)?;
        // Fuel is metered so that each tenant's use is known and its budget kept.
        let mut host = Host::builder().policy(policy).fuel_metering(true);
        if let Some(dir) = &config.plugins.cache {
            host = host.cache_dir(dir);
        }
        if let Some(path) = &config.plugins.secrets {
            host = host.secrets(Arc::new(SecretsFile::load(path)?));
        }
        let host = host.build()?;
        let mut plugins = PluginSet::builder(&host, &config.plugins.dir).on_event(|event| tracing::info!(target: "pipeline", "{event:?}"));
        for (key, entries) in &config.plugins.config {
            plugins = plugins.config(key, entries.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let plugins = plugins.build()?;
        for member in plugins.members() {
            if let Some(reason) = &member.last_error {
                tracing::warn!(target: "pipeline", "plugin `{}` did not load: {reason}", member.key);
            }
        }
        let nats = match &config.nats {
            None => None,
            Some(settings) => {
                let client = async_nats::connect(&settings.url).await.with_context(|| format!("connecting to NATS at {}", settings.url))?;
                let jetstream = settings.jetstream.then(|| async_nats::jetstream::new(client.clone()));
                Some(engine::Nats { client, jetstream })
            }
        };
        let remote = config.plugins.remote.as_deref().map(polyplug::remote::Plugins::load).transpose()?;
        if let Some((key, _)) = native.iter().find(|(key, _)| remote.as_ref().is_some_and(|r| r.names().contains(&key.as_str()))) {
            anyhow::bail!("step `{key}` is both a native step of this service and a remote plugin in {}; rename one of them", config.plugins.remote.as_deref().map(|p| p.display().to_string()).unwrap_or_default());
        }
        let engine = Arc::new(engine::Engine::new(config, host, plugins, nats, remote, native).await);
        let (stop, stopped) = watch::channel(false);
        let in_flight = Arc::new(Semaphore::new(nats::IN_FLIGHT));
        let mut tasks = nats::start(engine.clone(), stopped.clone(), in_flight.clone()).await?;
        let mut http = None;
        if let Some(settings) = &engine.config.http {
            let listener = tokio::net::TcpListener::bind(&settings.listen).await.with_context(|| format!("listening on {}", settings.listen))?;
            http = Some(listener.local_addr()?);
            let router = http::router(engine.clone());
            let mut stopped = stopped.clone();
            tasks.push(tokio::spawn(async move {
                let serving = axum::serve(listener, router).with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                });
                if let Err(e) = serving.await {
                    tracing::error!(target: "pipeline", "the HTTP listener stopped: {e}");
                }
            }));
        }
        Ok(Pipeline { engine, http, stop, tasks, in_flight })
    }
}

impl Pipeline {
    /// Loads the plugins, connects to NATS, and starts every source.
    pub async fn start(config: Config) -> Result<Pipeline> {
        Pipeline::builder(config).start().await
    }

    /// A pipeline of `config`, to be given native steps before it starts.
    pub fn builder(config: Config) -> PipelineBuilder {
        PipelineBuilder { config, native: Vec::new() }
    }

    /// Where the HTTP sources are served, if any.
    pub fn http_address(&self) -> Option<SocketAddr> {
        self.http
    }

    /// The host: what each tenant used (`Host::tenant_usage`).
    pub fn host(&self) -> &Host {
        &self.engine.host
    }

    /// The plugin directory, as it stands.
    pub fn plugins(&self) -> &PluginSet {
        &self.engine.plugins
    }

    /// What became of the messages so far.
    pub fn stats(&self) -> Stats {
        self.engine.stats()
    }

    /// Stops taking messages, then waits for those in flight to be delivered,
    /// dropped or dead-lettered (and, with JetStream, acknowledged).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        // The server has the unsubscriptions before `stop` returns: a message
        // published after it goes to another member of the queue group, not here.
        if let Some(nats) = &self.engine.nats {
            let _ = nats.client.flush().await;
        }
        let all = u32::try_from(nats::IN_FLIGHT).unwrap_or(u32::MAX);
        let _ = self.in_flight.acquire_many(all).await;
    }
}
