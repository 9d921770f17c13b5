//! Resource limits: how much one plugin may take, and the mechanics that
//! enforce it.
//!
//! [`Limits`] resolves a plugin's limits from the host's defaults and what its
//! manifest and the operator's policy say ([`LimitsRequest`]). Enforcement:
//!
//! - memory, tables and instances: [`Limiter`], a wasmtime `ResourceLimiter`
//!   installed in each store, that fails the growth with a typed error;
//! - fuel (a deterministic instruction budget) and a wall-clock deadline per
//!   call: set on the store before each call by the host;
//! - concurrent calls and calls per second: [`CallGate`];
//! - output size: checked by the host on what a call returns.
//!
//! Whatever the limit, exceeding it ends that call with a [`LimitError`] that
//! names the limit, its value and how to raise it; [`LimitError::from_call`]
//! recognises one in the error a call returned.
//!
//! This crate knows nothing about capability policy.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use polyplug_manifest::{ByteSize, LimitsRequest};
use wasmtime::{ResourceLimiter, Trap};

/// The resolved limits of one plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of each linear memory.
    pub memory: ByteSize,
    /// Elements of each table.
    pub table_elements: u64,
    /// Core instances, tables and memories in one store (a component holds several).
    pub instances: u64,
    /// Fuel per call; `None` when the host does not meter fuel.
    pub fuel: Option<u64>,
    /// Wall-clock time per call.
    pub timeout: Duration,
    /// Calls running at once.
    pub concurrency: u64,
    /// Calls per second, `None` for no limit.
    pub calls_per_second: Option<u64>,
    /// Bytes of a call's result (as JSON for dynamic calls).
    pub output: ByteSize,
}

impl Default for Limits {
    /// The defaults for a plugin that asks for nothing in particular.
    fn default() -> Self {
        Limits {
            memory: ByteSize(128 << 20),
            table_elements: 100_000,
            instances: 100,
            fuel: None,
            timeout: Duration::from_secs(5),
            concurrency: 64,
            calls_per_second: None,
            output: ByteSize(16 << 20),
        }
    }
}

/// Fuel per call when the host meters fuel and nothing else is said: about a
/// second of simple instructions.
pub const DEFAULT_FUEL: u64 = 1_000_000_000;

impl Limits {
    /// `defaults`, overridden by `request` (the plugin's manifest merged with
    /// the operator's policy). `fuel_metering` says whether the host's engine
    /// counts fuel at all.
    pub fn resolve(defaults: &Limits, request: &LimitsRequest, fuel_metering: bool) -> Limits {
        Limits {
            memory: request.memory.unwrap_or(defaults.memory),
            table_elements: request.table_elements.unwrap_or(defaults.table_elements),
            instances: request.instances.unwrap_or(defaults.instances),
            fuel: fuel_metering.then(|| request.fuel.or(defaults.fuel).unwrap_or(DEFAULT_FUEL)),
            timeout: request.timeout_ms.map(Duration::from_millis).unwrap_or(defaults.timeout),
            concurrency: request.concurrency.unwrap_or(defaults.concurrency).max(1),
            calls_per_second: request.calls_per_second.or(defaults.calls_per_second),
            output: request.output.unwrap_or(defaults.output),
        }
    }
}

/// A limit that ended a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Linear memory would have grown past the limit.
    #[error("{}", explain("memory", &self.value(), "memory", &format!("\"{}\"", ByteSize(self.raise_to()))))]
    Memory {
        /// The limit in bytes.
        limit: u64,
        /// The size the plugin asked to grow to.
        wanted: u64,
    },
    /// A table would have grown past the limit.
    #[error("{}", explain("table elements", &self.value(), "table-elements", &self.raise_to().to_string()))]
    TableElements {
        /// The limit.
        limit: u64,
    },
    /// The call used up its fuel.
    #[error("{}", explain("fuel", &self.value(), "fuel", &self.raise_to().to_string()))]
    Fuel {
        /// Fuel per call.
        limit: u64,
    },
    /// The call ran past its deadline.
    #[error("{}", explain("timeout", &self.value(), "timeout-ms", &self.raise_to().to_string()))]
    Timeout {
        /// The deadline.
        limit: Duration,
    },
    /// The wasm stack overflowed (e.g. unbounded recursion).
    #[error("the plugin's call stack overflowed ({size} of wasm stack; the host sets it for all plugins with `HostBuilder::max_wasm_stack`); unbounded recursion is the usual cause")]
    Stack {
        /// The stack size.
        size: ByteSize,
    },
    /// Too many calls at once.
    #[error("{}", explain("concurrency", &self.value(), "concurrency", &self.raise_to().to_string()))]
    Concurrency {
        /// Calls allowed at once.
        limit: u64,
    },
    /// Too many calls per second.
    #[error("{}", explain("calls per second", &self.value(), "calls-per-second", &self.raise_to().to_string()))]
    Rate {
        /// Calls allowed per second.
        limit: u64,
    },
    /// The result was too large.
    #[error("{}", explain("output", &self.value(), "output", &format!("\"{}\"", ByteSize(self.raise_to()))))]
    Output {
        /// The limit in bytes.
        limit: u64,
        /// The size of the result.
        size: u64,
    },
}

fn explain(name: &str, value: &str, key: &str, suggestion: &str) -> String {
    format!("limit `{name}` ({value}) exceeded; to raise it, set `{key} = {suggestion}` in the plugin's `limits` in the policy")
}

impl LimitError {
    /// The limit's value, for people.
    pub fn value(&self) -> String {
        match self {
            LimitError::Memory { limit, wanted } => format!("{}, wanted {}", ByteSize(*limit), ByteSize(*wanted)),
            LimitError::TableElements { limit } => limit.to_string(),
            LimitError::Fuel { limit } => limit.to_string(),
            LimitError::Timeout { limit } => format!("{} ms", limit.as_millis()),
            LimitError::Stack { size } => size.to_string(),
            LimitError::Concurrency { limit } => format!("{limit} at once"),
            LimitError::Rate { limit } => format!("{limit} per second"),
            LimitError::Output { limit, size } => format!("{}, result was {}", ByteSize(*limit), ByteSize(*size)),
        }
    }

    /// A suggested new value: double the limit (or what was wanted, if more).
    fn raise_to(&self) -> u64 {
        let round_mib = |n: u64| n.div_ceil(1 << 20) << 20;
        match self {
            LimitError::Memory { limit, wanted } => round_mib((*limit * 2).max(*wanted)),
            LimitError::Output { limit, size } => round_mib((*limit * 2).max(*size)),
            LimitError::TableElements { limit }
            | LimitError::Fuel { limit }
            | LimitError::Concurrency { limit }
            | LimitError::Rate { limit } => limit.saturating_mul(2),
            LimitError::Timeout { limit } => u64::try_from(limit.as_millis()).unwrap_or(u64::MAX).saturating_mul(2),
            LimitError::Stack { size } => size.0.saturating_mul(2),
        }
    }

    /// The limit behind a failed call, if a limit ended it: a typed error
    /// from [`Limiter`], or wasmtime's fuel, interrupt or stack-overflow trap.
    pub fn from_call(error: &wasmtime::Error, limits: &Limits, stack: ByteSize) -> Option<LimitError> {
        if let Some(limit) = error.downcast_ref::<LimitError>() {
            return Some(limit.clone());
        }
        match error.downcast_ref::<Trap>()? {
            Trap::OutOfFuel => Some(LimitError::Fuel { limit: limits.fuel.unwrap_or(0) }),
            Trap::Interrupt => Some(LimitError::Timeout { limit: limits.timeout }),
            Trap::StackOverflow => Some(LimitError::Stack { size: stack }),
            _ => None,
        }
    }
}

/// The `ResourceLimiter` of one store: fails memory and table growth past
/// the limits with a [`LimitError`], which [`LimitError::from_call`] finds.
#[derive(Debug, Clone)]
pub struct Limiter {
    memory: u64,
    table_elements: u64,
    instances: usize,
}

impl Limiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: &Limits) -> Limiter {
        Limiter {
            memory: limits.memory.0,
            table_elements: limits.table_elements,
            instances: usize::try_from(limits.instances).unwrap_or(usize::MAX),
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let wanted = desired as u64;
        if wanted > self.memory {
            return Err(wasmtime::Error::new(LimitError::Memory { limit: self.memory, wanted }));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired as u64 > self.table_elements {
            return Err(wasmtime::Error::new(LimitError::TableElements { limit: self.table_elements }));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.instances
    }

    fn memories(&self) -> usize {
        self.instances
    }
}

/// Admission for calls: at most `concurrency` instances in use at once
/// ([`CallGate::admit`], when an instance is taken for a call or held), and,
/// optionally, at most `calls_per_second` ([`CallGate::check_rate`], a token
/// bucket holding one second's worth).
#[derive(Debug)]
pub struct CallGate {
    concurrency: u64,
    running: AtomicU64,
    rate: Option<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    per_second: u64,
    tokens: f64,
    refilled: Instant,
}

/// An instance in use, admitted by a [`CallGate`]; the slot frees when dropped.
#[derive(Debug)]
pub struct Admission<'g> {
    gate: &'g CallGate,
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.gate.running.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CallGate {
    /// A gate for `limits`.
    pub fn new(limits: &Limits) -> CallGate {
        CallGate {
            concurrency: limits.concurrency,
            running: AtomicU64::new(0),
            rate: limits.calls_per_second.map(|per_second| {
                Mutex::new(Bucket { per_second, tokens: per_second as f64, refilled: Instant::now() })
            }),
        }
    }

    /// Admits one more instance in use (each serves one call at a time, so
    /// this bounds concurrent calls), or refuses with the concurrency limit.
    pub fn admit(&self) -> Result<Admission<'_>, LimitError> {
        let before = self.running.fetch_add(1, Ordering::AcqRel);
        let admission = Admission { gate: self };
        if before >= self.concurrency {
            return Err(LimitError::Concurrency { limit: self.concurrency });
        }
        Ok(admission)
    }

    /// Takes one call from the rate budget, or refuses with the rate limit.
    /// Free when no rate limit is set.
    pub fn check_rate(&self) -> Result<(), LimitError> {
        let Some(bucket) = &self.rate else { return Ok(()) };
        let mut bucket = bucket.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let per_second = bucket.per_second as f64;
        let earned = now.duration_since(bucket.refilled).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + earned).min(per_second);
        bucket.refilled = now;
        if bucket.tokens < 1.0 {
            return Err(LimitError::Rate { limit: bucket.per_second });
        }
        bucket.tokens -= 1.0;
        Ok(())
    }
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memory {}, table elements {}, instances {}, fuel {}, timeout {} ms, concurrency {}, calls/s {}, output {}",
            self.memory,
            self.table_elements,
            self.instances,
            self.fuel.map_or("unmetered".into(), |f| f.to_string()),
            self.timeout.as_millis(),
            self.concurrency,
            self.calls_per_second.map_or("unlimited".into(), |r| r.to_string()),
            self.output
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_override_defaults_and_fuel_needs_metering() {
        let request = LimitsRequest { memory: Some(ByteSize(1 << 20)), fuel: Some(500), ..Default::default() };
        let limits = Limits::resolve(&Limits::default(), &request, false);
        assert_eq!(limits.memory, ByteSize(1 << 20));
        assert_eq!(limits.fuel, None, "no metering, no fuel limit");
        assert_eq!(Limits::resolve(&Limits::default(), &request, true).fuel, Some(500));
        assert_eq!(Limits::resolve(&Limits::default(), &LimitsRequest::default(), true).fuel, Some(DEFAULT_FUEL));
    }

    #[test]
    fn errors_say_which_limit_its_value_and_how_to_raise_it() {
        let e = LimitError::Memory { limit: 64 << 20, wanted: 100 << 20 };
        assert_eq!(
            e.to_string(),
            "limit `memory` (64 MiB, wanted 100 MiB) exceeded; to raise it, set `memory = \"128 MiB\"` in the plugin's `limits` in the policy"
        );
        let e = LimitError::Timeout { limit: Duration::from_millis(250) };
        assert!(e.to_string().contains("`timeout-ms = 500`"), "{e}");
    }

    #[test]
    fn the_gate_limits_concurrency_and_rate() {
        let limits = Limits { concurrency: 2, calls_per_second: Some(3), ..Limits::default() };
        let gate = CallGate::new(&limits);
        let a = gate.admit().unwrap();
        let _b = gate.admit().unwrap();
        assert_eq!(gate.admit().unwrap_err(), LimitError::Concurrency { limit: 2 });
        drop(a);
        let _c = gate.admit().unwrap();
        for _ in 0..3 {
            gate.check_rate().unwrap();
        }
        // The bucket refills at 3 per second.
        assert_eq!(gate.check_rate().unwrap_err(), LimitError::Rate { limit: 3 });
        assert!(CallGate::new(&Limits::default()).check_rate().is_ok(), "no rate limit, no refusal");
    }
}
