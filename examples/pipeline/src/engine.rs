//! What happens to one message: its envelope made, each step run (for the
//! message's tenant, on that tenant's instances), retried within the
//! integration's bound, then the sinks; or the dead-letter subject with the
//! reason attached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use polyplug::pipeline::{Context, Envelope, Outcome, StepPlugin, StepRecord};
use polyplug::{Host, PluginSet};
use serde_json::json;

use crate::config::{Config, Integration, Sink};

/// A message as a source received it.
pub(crate) struct Incoming {
    pub(crate) payload: Vec<u8>,
    pub(crate) content_type: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) correlation_id: Option<String>,
    /// Where it entered: `http:/orders`, `nats:acme.orders.in`.
    pub(crate) source: String,
    /// How many times it was delivered before (JetStream redeliveries).
    pub(crate) redelivered: u32,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// It passed every step and reached every sink.
    Delivered {
        /// The message's id.
        id: String,
    },
    /// A filter stopped it, on purpose.
    Dropped {
        /// The message's id.
        id: String,
        /// The step that dropped it.
        step: String,
        /// Why.
        reason: String,
    },
    /// A step rejected or failed it, or a sink could not take it, after the
    /// retries: it went to the dead-letter subject with this reason.
    DeadLettered {
        /// The message's id.
        id: String,
        /// The dead-letter subject.
        subject: String,
        /// Why.
        reason: String,
    },
    /// It could not be delivered nor dead-lettered (no NATS, or NATS
    /// refused): its sender must send it again.
    Failed {
        /// The message's id.
        id: String,
        /// Why.
        reason: String,
    },
}

/// Counts of what became of messages, since the start.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Messages received from any source.
    pub received: u64,
    /// Delivered to every sink.
    pub delivered: u64,
    /// Dropped by a filter.
    pub dropped: u64,
    /// Sent to a dead-letter subject.
    pub dead_lettered: u64,
    /// Neither delivered nor dead-lettered.
    pub failed: u64,
    /// Fuel the plugin steps used, all messages together (the host's
    /// per-tenant account has it by tenant: `Host::tenant_usage`).
    pub fuel_used: u64,
}

/// A step compiled into the service rather than loaded as a plugin
/// ([`crate::PipelineBuilder::native_step`]): it gets each message's
/// envelope and the step's context, as a converter or filter plugin does,
/// and says what becomes of the message. A panic is the step failing (the
/// message is retried, then dead-lettered).
pub trait NativeStep: Send + Sync + 'static {
    /// What becomes of `envelope` at this step.
    fn run(&self, envelope: &Envelope, context: &Context) -> Outcome;
}

/// Runs a native step; its panic is the step failing.
fn run_native(step: &dyn NativeStep, envelope: &Envelope, context: &Context) -> Result<Outcome, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| step.run(envelope, context))).map_err(|panic| {
        let message = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
        format!("the native step panicked: {}", message.unwrap_or_else(|| "(no message)".into()))
    })
}

/// NATS as the pipeline uses it.
#[derive(Clone)]
pub(crate) struct Nats {
    pub(crate) client: async_nats::Client,
    /// With JetStream on, every publish waits for the server's acknowledgement.
    pub(crate) jetstream: Option<async_nats::jetstream::Context>,
}

impl Nats {
    /// Publishes and, with JetStream, waits until the server has stored it.
    pub(crate) async fn publish(&self, subject: String, headers: async_nats::HeaderMap, payload: bytes::Bytes) -> Result<(), String> {
        match &self.jetstream {
            Some(jetstream) => {
                let ack = jetstream.publish_with_headers(subject.clone(), headers, payload).await.map_err(|e| format!("publishing to `{subject}`: {e}"))?;
                ack.await.map(|_| ()).map_err(|e| format!("JetStream did not store the message on `{subject}`: {e}"))
            }
            None => self.client.publish_with_headers(subject.clone(), headers, payload).await.map_err(|e| format!("publishing to `{subject}`: {e}")),
        }
    }
}

/// The step facades made for each plugin version, by step key and tenant
/// (looked up by `&str`: no allocation per message).
struct Made {
    generation: u64,
    steps: HashMap<String, HashMap<String, (StepPlugin, Arc<str>)>>,
}

/// How long a remote plugin that could not be reached is left alone before
/// a message tries it again (messages in between fail that step at once).
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Everything a message needs on its way.
pub(crate) struct Engine {
    pub(crate) config: Config,
    pub(crate) host: Host,
    pub(crate) plugins: PluginSet,
    pub(crate) nats: Option<Nats>,
    /// The remote plugins, by step key.
    remote: HashMap<String, polyplug::remote::Reconnecting>,
    /// The native steps, by step key, and what the step history calls each (`native:<key>`).
    native: HashMap<String, (Arc<dyn NativeStep>, Arc<str>)>,
    http: reqwest::Client,
    made: Mutex<Made>,
    stats: Mutex<Stats>,
}

/// How often a step or sink was tried, with `retries` retries: `tried once`, `tried 3 times`.
fn tried(retries: u32) -> String {
    match retries {
        0 => "tried once".into(),
        n => format!("tried {} times", n + 1),
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Engine {
    pub(crate) async fn new(
        config: Config,
        host: Host,
        plugins: PluginSet,
        nats: Option<Nats>,
        remote: Option<polyplug::remote::Plugins>,
        native: Vec<(String, Arc<dyn NativeStep>)>,
    ) -> Engine {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a default HTTP client builds");
        let mut connections = HashMap::new();
        if let Some(file) = remote.map(Arc::new) {
            for name in file.names() {
                let connection = polyplug::remote::Reconnecting::new(file.clone(), name, RECONNECT_AFTER);
                if let Err(reason) = connection.backend(&host).await {
                    tracing::warn!(target: "pipeline", "remote plugin `{name}` is not reachable yet: {reason}");
                }
                connections.insert(name.to_string(), connection);
            }
        }
        let remote = connections;
        let native = native.into_iter().map(|(key, step)| (key.clone(), (step, format!("native:{key}").into()))).collect();
        Engine { config, host, plugins, nats, remote, native, http, made: Mutex::new(Made { generation: u64::MAX, steps: HashMap::new() }), stats: Mutex::default() }
    }

    pub(crate) fn stats(&self) -> Stats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, delivery: &Delivery, fuel: u64) {
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.received += 1;
        stats.fuel_used += fuel;
        match delivery {
            Delivery::Delivered { .. } => stats.delivered += 1,
            Delivery::Dropped { .. } => stats.dropped += 1,
            Delivery::DeadLettered { .. } => stats.dead_lettered += 1,
            Delivery::Failed { .. } => stats.failed += 1,
        }
    }

    /// The step `key` for `tenant`: its facade on the plugin version serving
    /// now, made for the tenant, and what the step history calls it
    /// (`name@version`).
    async fn step(&self, key: &str, tenant: &str) -> Result<(StepPlugin, Arc<str>), String> {
        if let Some(remote) = self.remote.get(key) {
            let backend = remote.backend(&self.host).await?;
            let name: Arc<str> = backend.name().into();
            return Ok((StepPlugin::new(backend).map_err(|e| e.to_string())?, name));
        }
        // Read before the plugin: a change in between shows as a new generation next time.
        let generation = self.plugins.generation();
        {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            if made.generation != generation {
                made.steps.clear();
                made.generation = generation;
            }
            if let Some(step) = made.steps.get(key).and_then(|by_tenant| by_tenant.get(tenant)) {
                return Ok(step.clone());
            }
        }
        let plugin = self.plugins.get(key).ok_or_else(|| {
            let why = self.plugins.members().into_iter().find(|m| m.key == key).and_then(|m| m.last_error);
            match why {
                Some(reason) => format!("plugin `{key}` is not serving: {reason}"),
                None => format!("plugin `{key}` is not in the plugin directory"),
            }
        })?;
        let version = plugin.manifest().map(|m| m.plugin.version.to_string()).or_else(|| plugin.info().map(|i| i.version.clone())).unwrap_or_default();
        let name: Arc<str> = format!("{}@{version}", plugin.name()).into();
        let step = StepPlugin::new(plugin.for_tenant(tenant)).map_err(|e| e.to_string())?;
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if made.generation == generation {
            made.steps.entry(key.to_string()).or_default().insert(tenant.to_string(), (step.clone(), name.clone()));
        }
        Ok((step, name))
    }

    /// Takes one message of `tenant` through `integration`: what became of
    /// it, and the fuel its plugin steps used (retries included).
    pub(crate) async fn process(&self, integration: &Integration, tenant: &str, incoming: Incoming) -> (Delivery, u64) {
        let created_at = now_ms();
        let mut envelope = Envelope {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant.to_string(),
            integration_id: integration.name.clone(),
            correlation_id: incoming.correlation_id,
            content_type: incoming.content_type,
            payload: incoming.payload,
            headers: incoming.headers,
            source: incoming.source,
            steps: Vec::new(),
            created_at,
            expires_at: Some(created_at.saturating_add(integration.ttl_seconds.saturating_mul(1000))),
            retry_count: incoming.redelivered,
        };
        let (delivery, fuel) = polyplug::metered(self.run(integration, &mut envelope)).await;
        let delivery = match delivery {
            Err((step, reason)) => self.dead_letter(integration, &envelope, &step, reason).await,
            Ok(delivery) => delivery,
        };
        match &delivery {
            Delivery::Delivered { .. } => tracing::debug!(target: "pipeline", id = %envelope.id, tenant, fuel, "delivered"),
            Delivery::Dropped { step, reason, .. } => tracing::info!(target: "pipeline", id = %envelope.id, tenant, fuel, step, "dropped: {reason}"),
            Delivery::DeadLettered { subject, reason, .. } => tracing::warn!(target: "pipeline", id = %envelope.id, tenant, fuel, subject, "dead-lettered: {reason}"),
            Delivery::Failed { reason, .. } => tracing::error!(target: "pipeline", id = %envelope.id, tenant, fuel, "not delivered: {reason}"),
        }
        self.count(&delivery, fuel);
        (delivery, fuel)
    }

    /// The steps, then the sinks; `Err((where, why))` when the message is for the dead-letter subject.
    async fn run(&self, integration: &Integration, envelope: &mut Envelope) -> Result<Delivery, (String, String)> {
        let tenant = envelope.tenant_id.clone();
        for key in &integration.steps {
            if envelope.expires_at.is_some_and(|at| now_ms() > at) {
                return Err((key.clone(), format!("the message expired before step `{key}` ({} s after it entered)", integration.ttl_seconds)));
            }
            let context = Context { pipeline: integration.name.clone(), step: key.clone(), tenant_id: tenant.clone() };
            let mut why = String::new();
            let mut passed = None;
            for attempt in 0..=integration.retries {
                if attempt > 0 {
                    envelope.retry_count += 1;
                }
                let outcome = match self.native.get(key) {
                    Some((native, name)) => run_native(native.as_ref(), envelope, &context).map(|outcome| (outcome, name.clone())),
                    None => match self.step(key, &tenant).await {
                        Ok((step, name)) => step.run(envelope, &context).await.map(|outcome| (outcome, name)).map_err(|e| e.to_string()),
                        Err(reason) => Err(reason),
                    },
                };
                match outcome {
                    Ok((Outcome::Pass(next), name)) => {
                        passed = Some((next, name));
                        break;
                    }
                    Ok((Outcome::Drop(reason), _)) => return Ok(Delivery::Dropped { id: envelope.id.clone(), step: key.clone(), reason }),
                    Ok((Outcome::Reject(reason), _)) => why = format!("step `{key}` rejected it: {reason}"),
                    Err(reason) => why = format!("step `{key}` failed: {reason}"),
                }
                tracing::debug!(target: "pipeline", id = %envelope.id, attempt, "{why}");
            }
            let Some((next, name)) = passed else {
                return Err((key.clone(), format!("{why} ({})", tried(integration.retries))));
            };
            let (id, retry_count, steps) = (envelope.id.clone(), envelope.retry_count, std::mem::take(&mut envelope.steps));
            *envelope = *next;
            // A plugin may not change which message this is or whose, nor hide where it has been.
            (envelope.id, envelope.tenant_id, envelope.retry_count, envelope.steps) = (id, tenant.clone(), retry_count, steps);
            envelope.steps.push(StepRecord { name: key.clone(), plugin: name.to_string(), finished_at: now_ms() });
        }
        for sink in &integration.sinks {
            let mut why = String::new();
            let mut sent = false;
            for _ in 0..=integration.retries {
                match self.send(integration, envelope, sink).await {
                    Ok(()) => {
                        sent = true;
                        break;
                    }
                    Err(reason) => why = reason,
                }
            }
            if !sent {
                return Err(("sink".into(), format!("{why} ({})", tried(integration.retries))));
            }
        }
        Ok(Delivery::Delivered { id: envelope.id.clone() })
    }

    /// The headers every sink sends with a message: its metadata, then the
    /// headers it carries.
    fn headers(envelope: &Envelope) -> Vec<(String, String)> {
        let mut headers = vec![
            ("content-type".to_string(), envelope.content_type.clone()),
            ("x-message-id".into(), envelope.id.clone()),
            ("x-tenant-id".into(), envelope.tenant_id.clone()),
            ("x-integration-id".into(), envelope.integration_id.clone()),
            ("x-steps".into(), envelope.steps.iter().map(|s| format!("{}={}", s.name, s.plugin)).collect::<Vec<_>>().join(",")),
        ];
        if let Some(correlation) = &envelope.correlation_id {
            headers.push(("x-correlation-id".into(), correlation.clone()));
        }
        headers.extend(envelope.headers.iter().filter(|(name, _)| !name.eq_ignore_ascii_case("content-type")).cloned());
        headers
    }

    async fn send(&self, integration: &Integration, envelope: &Envelope, sink: &Sink) -> Result<(), String> {
        match sink {
            Sink::Http(url) => {
                let mut request = self.http.post(url).body(envelope.payload.clone());
                for (name, value) in Self::headers(envelope) {
                    request = request.header(name, value);
                }
                let response = request.send().await.map_err(|e| format!("the HTTP sink {url} could not be reached: {e}"))?;
                match response.status() {
                    status if status.is_success() => Ok(()),
                    status => Err(format!("the HTTP sink {url} answered {status}")),
                }
            }
            Sink::Nats(stage) => {
                let nats = self.nats.as_ref().ok_or("no NATS connection")?;
                let subject = Config::subject(&envelope.tenant_id, &integration.name, stage);
                let mut headers = async_nats::HeaderMap::new();
                for (name, value) in Self::headers(envelope) {
                    headers.append(name.as_str(), value.as_str());
                }
                nats.publish(subject, headers, envelope.payload.clone().into()).await
            }
        }
    }

    /// Sends `envelope` to the integration's dead-letter subject: the whole
    /// envelope in polyplug's JSON mapping, where it failed and why.
    async fn dead_letter(&self, integration: &Integration, envelope: &Envelope, step: &str, reason: String) -> Delivery {
        let id = envelope.id.clone();
        let Some(nats) = &self.nats else {
            return Delivery::Failed { id, reason: format!("{reason}; and there is no NATS connection to dead-letter it") };
        };
        let subject = Config::subject(&envelope.tenant_id, &integration.name, &integration.dead_letter);
        let body = json!({"reason": reason, "step": step, "envelope": polyplug::value::to_json(envelope)});
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("content-type", "application/json");
        headers.insert("x-message-id", id.as_str());
        headers.insert("x-dead-reason", reason.replace(['\r', '\n'], " ").as_str());
        match nats.publish(subject.clone(), headers, body.to_string().into()).await {
            Ok(()) => Delivery::DeadLettered { id, subject, reason },
            Err(e) => Delivery::Failed { id, reason: format!("{reason}; and dead-lettering it failed: {e}") },
        }
    }
}
