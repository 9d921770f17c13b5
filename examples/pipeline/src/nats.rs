//! NATS sources: each integration's source stage, for every tenant
//! (`*.<integration>.<stage>`). Core NATS hands each message to one member
//! of the queue group; with JetStream, a durable consumer that the replicas
//! share does, and a message is acknowledged only once it has been
//! delivered, dropped or dead-lettered, so a restart loses none.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use futures::StreamExt as _;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::config::{Integration, Source};
use crate::engine::{Delivery, Engine, Incoming};

/// How many messages one pipeline process works on at once.
pub(crate) const IN_FLIGHT: usize = 256;

/// The tenant of a subject `<tenant>.<integration>.<stage>`, if the pipeline serves it.
fn tenant_of<'a>(engine: &Engine, subject: &'a str) -> Option<&'a str> {
    let tenant = subject.split('.').next()?;
    engine.config.tenants.iter().any(|t| t == tenant).then_some(tenant)
}

/// What a NATS message carries into its envelope.
fn incoming(subject: &str, headers: Option<&async_nats::HeaderMap>, payload: &[u8], redelivered: u32) -> Incoming {
    let mut content_type = "application/octet-stream".to_string();
    let mut correlation_id = None;
    let mut carried = Vec::new();
    for (name, values) in headers.into_iter().flat_map(|h| h.iter()) {
        let name = name.to_string();
        for value in values {
            match name.to_ascii_lowercase().as_str() {
                "content-type" => content_type = value.to_string(),
                "x-correlation-id" => correlation_id = Some(value.to_string()),
                _ => carried.push((name.clone(), value.to_string())),
            }
        }
    }
    Incoming { payload: payload.to_vec(), content_type, headers: carried, correlation_id, source: format!("nats:{subject}"), redelivered }
}

/// Starts reading every NATS source; each task ends when `stop` turns true.
pub(crate) async fn start(engine: Arc<Engine>, stop: watch::Receiver<bool>, in_flight: Arc<Semaphore>) -> Result<Vec<JoinHandle<()>>> {
    let Some(nats) = engine.nats.clone() else { return Ok(Vec::new()) };
    let settings = engine.config.nats.clone().expect("a NATS connection comes from its configuration");
    let mut tasks = Vec::new();
    for (index, integration) in engine.config.integrations.iter().enumerate() {
        // Every integration publishes (its sinks, its dead letters), whatever its sources: with JetStream, into its stream.
        if let Some(jetstream) = &nats.jetstream {
            stream_of(jetstream, integration).await?;
        }
        for source in &integration.sources {
            let Source::Nats(stage) = source else { continue };
            let filter = format!("*.{}.{stage}", integration.name);
            let (engine, stop, in_flight) = (engine.clone(), stop.clone(), in_flight.clone());
            let task = match &nats.jetstream {
                None => {
                    let subscriber = nats.client.queue_subscribe(filter.clone(), settings.queue_group.clone()).await.with_context(|| format!("subscribing to `{filter}`"))?;
                    tokio::spawn(core(engine, index, subscriber, stop, in_flight))
                }
                Some(jetstream) => {
                    let consumer = durable_consumer(jetstream, integration, stage, Duration::from_millis(settings.ack_wait_ms)).await?;
                    tokio::spawn(durable(engine, index, consumer, stop, in_flight))
                }
            };
            tasks.push(task);
        }
    }
    // The server knows every subscription before `start` returns: a message published after it is not missed.
    nats.client.flush().await.context("flushing the NATS subscriptions")?;
    Ok(tasks)
}

/// The JetStream stream that keeps every stage of `integration` for every
/// tenant (`*.<integration>.>`), made if missing.
async fn stream_of(jetstream: &async_nats::jetstream::Context, integration: &Integration) -> Result<async_nats::jetstream::stream::Stream> {
    let name = format!("PIPELINE_{}", integration.name.to_ascii_uppercase().replace('-', "_"));
    let config = async_nats::jetstream::stream::Config { name: name.clone(), subjects: vec![format!("*.{}.>", integration.name)], ..Default::default() };
    jetstream.get_or_create_stream(config).await.map_err(|e| anyhow::anyhow!("making the JetStream stream `{name}`: {e}"))
}

/// The durable consumer of `stage` of `integration` that the pipeline's replicas share.
async fn durable_consumer(
    jetstream: &async_nats::jetstream::Context,
    integration: &Integration,
    stage: &str,
    ack_wait: Duration,
) -> Result<async_nats::jetstream::consumer::PullConsumer> {
    use async_nats::jetstream::consumer;
    let stream = stream_of(jetstream, integration).await?;
    let name = stream.cached_info().config.name.clone();
    let durable = format!("pipeline-{}-{stage}", integration.name);
    stream
        .get_or_create_consumer(
            &durable,
            consumer::pull::Config {
                durable_name: Some(durable.clone()),
                filter_subject: format!("*.{}.{stage}", integration.name),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("making the JetStream consumer `{durable}` of `{name}`: {e}"))
}

async fn core(engine: Arc<Engine>, index: usize, mut subscriber: async_nats::Subscriber, mut stop: watch::Receiver<bool>, in_flight: Arc<Semaphore>) {
    loop {
        let message = tokio::select! {
            message = subscriber.next() => message,
            _ = stop.changed() => None,
        };
        let Some(message) = message else { break };
        let Some(tenant) = tenant_of(&engine, &message.subject).map(str::to_string) else {
            tracing::warn!(target: "pipeline", subject = %message.subject, "a message for a tenant this pipeline does not serve was ignored");
            continue;
        };
        let Ok(permit) = in_flight.clone().acquire_owned().await else { break };
        let engine = engine.clone();
        tokio::spawn(async move {
            let incoming = incoming(&message.subject, message.headers.as_ref(), &message.payload, 0);
            engine.process(&engine.config.integrations[index], &tenant, incoming).await;
            drop(permit);
        });
    }
    let _ = subscriber.unsubscribe().await;
}

async fn durable(
    engine: Arc<Engine>,
    index: usize,
    consumer: async_nats::jetstream::consumer::PullConsumer,
    mut stop: watch::Receiver<bool>,
    in_flight: Arc<Semaphore>,
) {
    let mut messages = match consumer.messages().await {
        Ok(messages) => messages,
        Err(e) => {
            tracing::error!(target: "pipeline", "cannot read the JetStream consumer: {e}");
            return;
        }
    };
    loop {
        let next = tokio::select! {
            next = messages.next() => next,
            _ = stop.changed() => None,
        };
        let message = match next {
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                tracing::warn!(target: "pipeline", "reading from JetStream: {e}");
                continue;
            }
            None => break,
        };
        let redelivered = message.info().map_or(0, |info| u32::try_from(info.delivered.saturating_sub(1)).unwrap_or(u32::MAX));
        let Some(tenant) = tenant_of(&engine, &message.subject).map(str::to_string) else {
            tracing::warn!(target: "pipeline", subject = %message.subject, "a message for a tenant this pipeline does not serve was terminated");
            let _ = message.ack_with(async_nats::jetstream::AckKind::Term).await;
            continue;
        };
        let Ok(permit) = in_flight.clone().acquire_owned().await else { break };
        let engine = engine.clone();
        tokio::spawn(async move {
            let incoming = incoming(&message.subject, message.headers.as_ref(), &message.payload, redelivered);
            let (delivery, _fuel) = engine.process(&engine.config.integrations[index], &tenant, incoming).await;
            // Acknowledged only once it is somewhere for good; otherwise JetStream delivers it again.
            let acked = match delivery {
                Delivery::Failed { .. } => message.ack_with(async_nats::jetstream::AckKind::Nak(Some(Duration::from_secs(1)))).await,
                _ => message.ack().await,
            };
            if let Err(e) = acked {
                tracing::warn!(target: "pipeline", "acknowledging a message: {e}");
            }
            drop(permit);
        });
    }
}
