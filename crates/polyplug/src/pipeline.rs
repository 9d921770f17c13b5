//! Pipeline steps of any transform version, called alike: a converter or a
//! filter of `transform@0.2` / `filter@0.2`, or a `transform@0.1` plugin
//! (which converts and filters in one call), each given a message envelope
//! and answering with what becomes of it ([`Outcome`]).
//!
//! A `transform@0.1` plugin is given what it always took: the envelope's
//! payload as text (a payload that is not UTF-8 is rejected without calling
//! it), its content type and headers. `ok(some(message))` passes the
//! envelope on with those three replaced; `ok(none)` drops it; `err`
//! rejects it.

use crate::transform::{self, Message};
use crate::{Backend, Result, filter_0_2, transform_0_2};

pub use crate::bindings::transform_0_2::polyplug::plugin0_2_0::envelopes::{Context, Envelope, Step as StepRecord};

/// What a step made of a message.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Go on with this envelope (the converted one, or the same for a filter that passed it).
    Pass(Box<Envelope>),
    /// Stop here, on purpose: a filter's decision (not an error, never retried).
    Drop(String),
    /// The plugin refused the message, for this reason: the pipeline may
    /// retry it and then dead-letter it with the reason.
    Reject(String),
}

/// A pipeline step's plugin, local or remote, of `transform@0.1`,
/// `transform@0.2` (a converter) or `filter@0.2`, by the world it implements.
///
/// ```no_run
/// # async fn run(host: polyplug::Host, envelope: polyplug::pipeline::Envelope, context: polyplug::pipeline::Context) -> polyplug::Result<()> {
/// let step = polyplug::pipeline::StepPlugin::new(host.load_file("map-fields.wasm")?.for_tenant(&envelope.tenant_id))?;
/// match step.run(&envelope, &context).await? {
///     polyplug::pipeline::Outcome::Pass(next) => { /* the next step gets `next` */ }
///     polyplug::pipeline::Outcome::Drop(reason) => { /* done with it */ }
///     polyplug::pipeline::Outcome::Reject(reason) => { /* retry, then dead-letter */ }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct StepPlugin {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Converter(transform_0_2::Transform),
    Filter(filter_0_2::Filter),
    First(transform::Transform),
}

impl StepPlugin {
    /// A step on `plugin`, which implements one of the three worlds.
    pub fn new(plugin: impl Into<Backend>) -> Result<StepPlugin> {
        let backend = plugin.into();
        let kind = match backend.world() {
            "polyplug:plugin/transform@0.1.0" => Kind::First(transform::Transform::new(backend)?),
            "polyplug:plugin/filter@0.2.0" => Kind::Filter(filter_0_2::Filter::new(backend)?),
            // A world mismatch is reported by the converter's facade, naming what is missing.
            _ => Kind::Converter(transform_0_2::Transform::new(backend)?),
        };
        Ok(StepPlugin { kind })
    }

    /// The world the plugin implements.
    pub fn world(&self) -> &'static str {
        match self.kind {
            Kind::Converter(_) => "polyplug:plugin/transform@0.2.0",
            Kind::Filter(_) => "polyplug:plugin/filter@0.2.0",
            Kind::First(_) => "polyplug:plugin/transform@0.1.0",
        }
    }

    /// The plugin behind it.
    pub fn backend(&self) -> &Backend {
        match &self.kind {
            Kind::Converter(plugin) => plugin.backend(),
            Kind::Filter(plugin) => plugin.backend(),
            Kind::First(plugin) => plugin.backend(),
        }
    }

    /// What becomes of `message` at this step. The outer error is a failure
    /// to call the plugin (a trap, a deadline, a refused call): the message
    /// is not lost by it, and the pipeline may retry.
    pub async fn run(&self, message: &Envelope, context: &Context) -> Result<Outcome> {
        Ok(match &self.kind {
            Kind::Converter(plugin) => match plugin.convert(message, context).await? {
                Ok(converted) => Outcome::Pass(Box::new(converted)),
                Err(reason) => Outcome::Reject(reason),
            },
            Kind::Filter(plugin) => match plugin.filter(message, context).await? {
                Ok(filter_0_2::Decision::Pass) => Outcome::Pass(Box::new(message.clone())),
                Ok(filter_0_2::Decision::Drop(reason)) => Outcome::Drop(reason),
                Err(reason) => Outcome::Reject(reason),
            },
            Kind::First(plugin) => {
                let Ok(payload) = String::from_utf8(message.payload.clone()) else {
                    return Ok(Outcome::Reject(format!(
                        "plugin `{}` implements transform@0.1, which takes text payloads, and this message's payload is not UTF-8",
                        plugin.backend().name()
                    )));
                };
                let input = Message { payload, content_type: message.content_type.clone(), headers: message.headers.clone() };
                match plugin.transform(&input).await? {
                    Ok(Some(out)) => {
                        Outcome::Pass(Box::new(Envelope { payload: out.payload.into_bytes(), content_type: out.content_type, headers: out.headers, ..message.clone() }))
                    }
                    Ok(None) => Outcome::Drop(format!("plugin `{}` (transform@0.1) filtered it out", plugin.backend().name())),
                    Err(reason) => Outcome::Reject(reason),
                }
            }
        })
    }
}
