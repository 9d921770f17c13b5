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
    /// Bytes of linear memory per instance, all its memories together.
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

impl Limits {
    /// The most bytes the host allocates copying what the plugin hands over
    /// in one go (a call's result, a host call's arguments): wasmtime's
    /// per-store "hostcall fuel", which counts every lifted value at its host
    /// size. A multiple of the output limit: a dynamic value costs up to one
    /// `Val` (32 bytes) per list element, each of which is at least a byte of
    /// JSON output; so a result within the output limit always fits, and a
    /// bigger one is refused before the host holds more than this.
    pub fn copy_budget(&self) -> usize {
        usize::try_from(self.output.0.saturating_mul(COPY_FACTOR)).unwrap_or(usize::MAX)
    }
}

/// Host bytes allowed per byte of output limit; see [`Limits::copy_budget`].
pub const COPY_FACTOR: u64 = 32;

/// Fuel per call when the host meters fuel and nothing else is said: about a
/// second of simple instructions.
pub const DEFAULT_FUEL: u64 = 1_000_000_000;

impl Limits {
    /// The limits of one plugin. Limits belong to the operator: each is what
    /// the plugin asks for (`requested`, from its manifest) if it asks, else
    /// the operator's limit for it (`operator`, from the policy), else the
    /// host's default; and a request may not exceed the operator's limit, or
    /// where the operator set none, the host's default. Every request above
    /// its cap is listed in the error: the plugin does not load until the
    /// operator raises the cap (or the plugin asks for less). `fuel_metering`
    /// says whether the host's engine counts fuel at all.
    pub fn resolve(
        defaults: &Limits,
        operator: &LimitsRequest,
        requested: &LimitsRequest,
        fuel_metering: bool,
    ) -> Result<Limits, Vec<OverLimit>> {
        // The caps: the operator's limit for each key, else the host's default.
        let memory = operator.memory.unwrap_or(defaults.memory);
        let table_elements = operator.table_elements.unwrap_or(defaults.table_elements);
        let instances = operator.instances.unwrap_or(defaults.instances);
        let fuel = operator.fuel.or(defaults.fuel).unwrap_or(DEFAULT_FUEL);
        let timeout_ms = operator.timeout_ms.unwrap_or(u64::try_from(defaults.timeout.as_millis()).unwrap_or(u64::MAX));
        let concurrency = operator.concurrency.unwrap_or(defaults.concurrency);
        let calls_per_second = operator.calls_per_second.or(defaults.calls_per_second);
        let output = operator.output.unwrap_or(defaults.output);
        let caps = LimitsRequest {
            memory: Some(memory),
            table_elements: Some(table_elements),
            instances: Some(instances),
            // The wasm stack is engine-wide: the host checks a request against
            // its own; an operator's `stack` caps it further.
            stack: operator.stack,
            fuel: fuel_metering.then_some(fuel),
            timeout_ms: Some(timeout_ms),
            concurrency: Some(concurrency),
            calls_per_second,
            output: Some(output),
        };
        let mut over = above(&caps, requested);
        if !over.is_empty() {
            let set_by_operator = operator.values();
            for limit in &mut over {
                limit.from_default = set_by_operator.iter().any(|(key, value, _)| *key == limit.key && value.is_none());
            }
            return Err(over);
        }
        Ok(Limits {
            memory: requested.memory.unwrap_or(memory),
            table_elements: requested.table_elements.unwrap_or(table_elements),
            instances: requested.instances.unwrap_or(instances),
            fuel: fuel_metering.then(|| requested.fuel.unwrap_or(fuel)),
            timeout: Duration::from_millis(requested.timeout_ms.unwrap_or(timeout_ms)),
            concurrency: requested.concurrency.unwrap_or(concurrency).max(1),
            calls_per_second: requested.calls_per_second.or(calls_per_second),
            output: requested.output.unwrap_or(output),
        })
    }
}

/// Every limit `requested` asks for above its key in `caps` (keys `caps`
/// leaves unset cap nothing), as written in `[limits]`.
pub fn above(caps: &LimitsRequest, requested: &LimitsRequest) -> Vec<OverLimit> {
    requested
        .values()
        .into_iter()
        .zip(caps.values())
        .filter_map(|((key, wanted, unit), (_, allowed, _))| match (wanted, allowed) {
            (Some(wanted), Some(allowed)) if wanted > allowed => {
                Some(OverLimit { key, requested: unit.toml(wanted), allowed: unit.toml(allowed), from_default: false })
            }
            _ => None,
        })
        .collect()
}

/// One limit a plugin asks for above what it is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverLimit {
    /// The key, as in `[limits]` and the policy (`timeout-ms`).
    pub key: &'static str,
    /// What the plugin asks for, as TOML (`9000`, `"4 GiB"`).
    pub requested: String,
    /// What it may have, as TOML.
    pub allowed: String,
    /// Whether the cap is the host's default (the operator set no limit for it).
    pub from_default: bool,
}

impl fmt::Display for OverLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whose = if self.from_default { "the host's default" } else { "the operator's limit" };
        write!(f, "`{} = {}` (allowed: {}, {whose})", self.key, self.requested, self.allowed)
    }
}

/// A limit that ended a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// The instance's linear memory (all its memories together) would have
    /// grown past the limit.
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
    /// The plugin handed the host (as a result, or as the arguments of a
    /// host call) more data than its output limit lets the host copy: refused
    /// while being copied, before the host allocated more than
    /// [`Limits::copy_budget`].
    #[error("{}", explain("output", &self.value(), "output", &format!("\"{}\"", ByteSize(self.raise_to()))))]
    Copied {
        /// The output limit in bytes.
        limit: u64,
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
            LimitError::Copied { limit } => format!("{}, the plugin handed over more", ByteSize(*limit)),
        }
    }

    /// A suggested new value: double the limit (or what was wanted, if more).
    fn raise_to(&self) -> u64 {
        let round_mib = |n: u64| n.div_ceil(1 << 20) << 20;
        match self {
            LimitError::Memory { limit, wanted } => round_mib((*limit * 2).max(*wanted)),
            LimitError::Output { limit, size } => round_mib((*limit * 2).max(*size)),
            LimitError::Copied { limit } => round_mib(*limit * 2),
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
        // wasmtime's own refusal to copy past the store's hostcall fuel
        // (`copy_budget`); its error type is private, its message is not.
        if error.chain().any(|e| e.to_string().starts_with(HOSTCALL_FUEL_EXHAUSTED)) {
            return Some(LimitError::Copied { limit: limits.output.0 });
        }
        match error.downcast_ref::<Trap>()? {
            Trap::OutOfFuel => Some(LimitError::Fuel { limit: limits.fuel.unwrap_or(0) }),
            Trap::Interrupt => Some(LimitError::Timeout { limit: limits.timeout }),
            Trap::StackOverflow => Some(LimitError::Stack { size: stack }),
            _ => None,
        }
    }
}

/// How wasmtime's error starts when a store's hostcall fuel runs out (checked
/// against wasmtime itself by `crates/polyplug-host/tests/output.rs`).
const HOSTCALL_FUEL_EXHAUSTED: &str = "too much data is being copied between the host and the guest";

/// The `ResourceLimiter` of one store: fails memory and table growth past
/// the limits with a [`LimitError`], which [`LimitError::from_call`] finds.
#[derive(Debug, Clone)]
pub struct Limiter {
    memory: u64,
    table_elements: u64,
    instances: usize,
    /// Bytes of linear memory the store holds, all its memories together.
    memory_in_use: u64,
}

impl Limiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: &Limits) -> Limiter {
        Limiter {
            memory: limits.memory.0,
            table_elements: limits.table_elements,
            instances: usize::try_from(limits.instances).unwrap_or(usize::MAX),
            memory_in_use: 0,
        }
    }
}

impl ResourceLimiter for Limiter {
    /// The limit is for the whole instance: a component holding several
    /// memories (one per core module) shares one budget among them all.
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let growth = (desired as u64).saturating_sub(current as u64);
        let wanted = self.memory_in_use.saturating_add(growth);
        if wanted > self.memory {
            return Err(wasmtime::Error::new(LimitError::Memory { limit: self.memory, wanted }));
        }
        // Counted once granted; a growth the engine then fails stays counted,
        // which errs on the side of the limit.
        self.memory_in_use = wanted;
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

/// How often the host's deadline clock ticks (and the engine's epoch
/// advances): the granularity of call deadlines.
pub const TICK: Duration = Duration::from_millis(10);

/// A coarse clock, advanced every [`TICK`] by the host's epoch thread, in
/// step with the engine's epoch. Reading it is one atomic load: cheap enough
/// to arm every call.
#[derive(Debug, Clone, Default)]
pub struct Ticks(std::sync::Arc<AtomicU64>);

impl Ticks {
    /// Ticks since the clock started.
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Moves the clock one tick on (the epoch thread does this).
    pub fn advance(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// When the call running in a store must end. Wasm code is stopped there by
/// the engine's epoch deadline; host calls that wait (sleeps, polls, streams,
/// HTTP) are bounded by [`Deadline::time_left`].
#[derive(Debug, Clone)]
pub struct Deadline {
    ticks: Ticks,
    at: u64,
    limit: Duration,
}

impl Deadline {
    /// A deadline for calls limited to `limit`, on `ticks`; armed by [`Deadline::arm`].
    pub fn new(ticks: Ticks, limit: Duration) -> Deadline {
        Deadline { at: ticks.now(), ticks, limit }
    }

    /// Starts a call: it must end `ticks` ticks from now.
    pub fn arm(&mut self, ticks: u64) {
        self.at = self.ticks.now().saturating_add(ticks);
    }

    /// What is left of the call's time (zero once it is past).
    pub fn time_left(&self) -> Duration {
        let ticks = self.at.saturating_sub(self.ticks.now());
        TICK.saturating_mul(u32::try_from(ticks).unwrap_or(u32::MAX))
    }

    /// The error a call that ran out of time ends with.
    pub fn expired(&self) -> LimitError {
        LimitError::Timeout { limit: self.limit }
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
    /// Callers waiting for an instance to free ([`CallGate::admit_waiting`]).
    waiters: AtomicU64,
    freed: tokio::sync::Notify,
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
        // Sequentially consistent with `admit_waiting`'s registration: a
        // waiter either sees this slot free or is woken.
        self.gate.running.fetch_sub(1, Ordering::SeqCst);
        if self.gate.waiters.load(Ordering::SeqCst) > 0 {
            self.gate.freed.notify_one();
        }
    }
}

/// A caller registered as waiting in [`CallGate::admit_waiting`], until dropped.
struct Waiting<'g>(&'g AtomicU64);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
            waiters: AtomicU64::new(0),
            freed: tokio::sync::Notify::new(),
        }
    }

    /// Admits one more instance in use, waiting (on a tokio runtime with
    /// time enabled) up to `patience` for one to free when all `concurrency`
    /// are in use; then refuses with the concurrency limit. Asynchronous
    /// callers queue here instead of being refused at once.
    pub async fn admit_waiting(&self, patience: Duration) -> Result<Admission<'_>, LimitError> {
        if let Ok(admission) = self.admit() {
            return Ok(admission);
        }
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let _registered = Waiting(&self.waiters);
        let wait = async {
            loop {
                let freed = self.freed.notified();
                let mut freed = std::pin::pin!(freed);
                // Registered before trying, so a slot freed after a refusal wakes it.
                freed.as_mut().enable();
                if let Ok(admission) = self.admit() {
                    return admission;
                }
                freed.await;
            }
        };
        tokio::time::timeout(patience, wait).await.map_err(|_| LimitError::Concurrency { limit: self.concurrency })
    }

    /// Admits one more instance in use (each serves one call at a time, so
    /// this bounds concurrent calls), or refuses with the concurrency limit.
    pub fn admit(&self) -> Result<Admission<'_>, LimitError> {
        // Never counted above the limit, not even for an instant: a refused
        // caller must not make a freed slot look taken to a waiting one.
        let mut running = self.running.load(Ordering::SeqCst);
        loop {
            if running >= self.concurrency {
                return Err(LimitError::Concurrency { limit: self.concurrency });
            }
            match self.running.compare_exchange_weak(running, running + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return Ok(Admission { gate: self }),
                Err(now) => running = now,
            }
        }
    }

    /// Instances in use right now (calls running, typed instances held).
    pub fn in_use(&self) -> u64 {
        self.running.load(Ordering::Acquire)
    }

    /// Takes one call from the rate budget, or refuses with the rate limit.
    /// Free when no rate limit is set (inlined: one branch per call).
    #[inline]
    pub fn check_rate(&self) -> Result<(), LimitError> {
        match &self.rate {
            None => Ok(()),
            Some(bucket) => take_token(bucket),
        }
    }
}

/// Takes one token from `bucket`, refilled for the time since it last was.
fn take_token(bucket: &Mutex<Bucket>) -> Result<(), LimitError> {
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
    fn requests_below_their_cap_are_taken_and_fuel_needs_metering() {
        let none = LimitsRequest::default();
        let request = LimitsRequest { memory: Some(ByteSize(1 << 20)), fuel: Some(500), ..Default::default() };
        let limits = Limits::resolve(&Limits::default(), &none, &request, false).unwrap();
        assert_eq!(limits.memory, ByteSize(1 << 20), "asking for less is always allowed");
        assert_eq!(limits.fuel, None, "no metering, no fuel limit");
        assert_eq!(Limits::resolve(&Limits::default(), &none, &request, true).unwrap().fuel, Some(500));
        assert_eq!(Limits::resolve(&Limits::default(), &none, &none, true).unwrap().fuel, Some(DEFAULT_FUEL));
        let operator = LimitsRequest { timeout_ms: Some(30_000), ..Default::default() };
        let limits = Limits::resolve(&Limits::default(), &operator, &none, false).unwrap();
        assert_eq!(limits.timeout, Duration::from_secs(30), "no request: the operator's limit");
    }

    #[test]
    fn a_waiting_caller_is_admitted_when_an_instance_frees_and_refused_when_none_does() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let gate = CallGate::new(&Limits { concurrency: 1, ..Limits::default() });
        runtime.block_on(async {
            let held = gate.admit().unwrap();
            let refused = gate.admit_waiting(Duration::from_millis(20)).await.unwrap_err();
            assert_eq!(refused, LimitError::Concurrency { limit: 1 }, "nothing freed within its patience");
            // The holder lets go while the caller waits: it is admitted.
            let release = async move {
                tokio::task::yield_now().await;
                drop(held);
            };
            let (admitted, ()) = tokio::join!(gate.admit_waiting(Duration::from_secs(60)), release);
            assert!(admitted.is_ok());
            assert_eq!(gate.in_use(), 1);
        });
        assert_eq!(gate.in_use(), 0);
    }

    #[test]
    fn a_plugin_cannot_raise_its_own_limits() {
        let request = LimitsRequest {
            timeout_ms: Some(9000),
            memory: Some(ByteSize(4 << 30)),
            concurrency: Some(100_000),
            calls_per_second: Some(10),
            ..Default::default()
        };
        let operator = LimitsRequest { concurrency: Some(8), ..Default::default() };
        let over = Limits::resolve(&Limits::default(), &operator, &request, false).unwrap_err();
        let shown: Vec<String> = over.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "`memory = \"4 GiB\"` (allowed: \"128 MiB\", the host's default)",
                "`timeout-ms = 9000` (allowed: 5000, the host's default)",
                "`concurrency = 100000` (allowed: 8, the operator's limit)",
            ],
            "calls-per-second has no default cap"
        );
        // An operator's `stack` caps the request too (the host's own wasm stack caps it as well).
        let stack = LimitsRequest { stack: Some(ByteSize(512 << 10)), ..Default::default() };
        let operator = LimitsRequest { stack: Some(ByteSize(256 << 10)), ..Default::default() };
        let over = Limits::resolve(&Limits::default(), &operator, &stack, false).unwrap_err();
        assert_eq!(over[0].to_string(), "`stack = \"512 KiB\"` (allowed: \"256 KiB\", the operator's limit)");
        // The operator raises the caps: the requests are taken as asked.
        let operator = LimitsRequest { timeout_ms: Some(10_000), memory: Some(ByteSize(4 << 30)), concurrency: Some(100_000), ..Default::default() };
        let limits = Limits::resolve(&Limits::default(), &operator, &request, false).unwrap();
        assert_eq!((limits.timeout, limits.memory, limits.concurrency), (Duration::from_millis(9000), ByteSize(4 << 30), 100_000));
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
