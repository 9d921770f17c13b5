//! Audit events: every capability denial at run time, with plugin, capability and target.

use std::fmt;

/// A capability use that was refused at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The plugin that tried.
    pub plugin: String,
    /// The capability involved: `http`, `sockets`, `files`, `random`, `kv`…
    pub capability: &'static str,
    /// What it tried to reach: a URL, an address, a path, a key.
    pub target: String,
    /// Why it was refused.
    pub reason: String,
}

impl fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "denied: plugin `{}` {} `{}`: {}", self.plugin, self.capability, self.target, self.reason)
    }
}

/// Where audit events go. Implementations must be cheap and must not block:
/// they run on the plugin's call path.
pub trait AuditSink: Send + Sync + 'static {
    /// Records one event.
    fn record(&self, event: AuditEvent);
}

/// The default sink: a `tracing` warning with target `polyplug::audit`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingAudit;

impl AuditSink for TracingAudit {
    fn record(&self, event: AuditEvent) {
        tracing::warn!(
            target: "polyplug::audit",
            plugin = %event.plugin,
            capability = event.capability,
            target_ = %event.target,
            "{}",
            event.reason
        );
    }
}
