//! A circuit breaker per endpoint: closed (calls pass) until `threshold`
//! failures in a row, then open (no calls) for `open_for`, then half-open
//! (one probe call); the probe's success closes it, its failure opens it again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) struct Breaker {
    threshold: u32,
    open_for: Duration,
    state: Mutex<State>,
}

#[derive(Clone, Copy)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

impl Breaker {
    pub(crate) fn new(threshold: u32, open_for: Duration) -> Breaker {
        Breaker { threshold: threshold.max(1), open_for, state: Mutex::new(State::Closed { failures: 0 }) }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether [`Breaker::allow`] would let a call through now (takes nothing).
    pub(crate) fn would_allow(&self) -> bool {
        match *self.state() {
            State::Closed { .. } => true,
            State::Open { until } => Instant::now() >= until,
            State::HalfOpen { probing } => !probing,
        }
    }

    /// Lets a call through, or not; past the open period, the first call is the probe.
    pub(crate) fn allow(&self) -> bool {
        let mut state = self.state();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::HalfOpen { probing: false } => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::Open { .. } | State::HalfOpen { probing: true } => false,
        }
    }

    /// A call let through was not made after all: a waiting probe slot frees.
    pub(crate) fn release_probe(&self) {
        let mut state = self.state();
        if let State::HalfOpen { probing: true } = *state {
            *state = State::HalfOpen { probing: false };
        }
    }

    pub(crate) fn success(&self) {
        *self.state() = State::Closed { failures: 0 };
    }

    pub(crate) fn failure(&self) {
        let mut state = self.state();
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed { failures: failures + 1 },
            State::Open { until } => State::Open { until },
            _ => State::Open { until: Instant::now() + self.open_for },
        };
        if let State::Open { .. } = *state {
            tracing::debug!("circuit breaker open");
        }
    }

    pub(crate) fn state_name(&self) -> &'static str {
        match *self.state() {
            State::Closed { .. } => "closed",
            State::Open { until } if Instant::now() >= until => "half-open",
            State::Open { .. } => "open",
            State::HalfOpen { .. } => "half-open",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_probes_once_and_closes_on_success() {
        let breaker = Breaker::new(3, Duration::from_millis(20));
        for _ in 0..2 {
            breaker.failure();
        }
        assert_eq!(breaker.state_name(), "closed");
        breaker.failure();
        assert_eq!(breaker.state_name(), "open");
        assert!(!breaker.allow());
        std::thread::sleep(Duration::from_millis(25));
        assert!(breaker.allow(), "the probe");
        assert!(!breaker.allow(), "one probe at a time");
        breaker.failure();
        assert_eq!(breaker.state_name(), "open", "a failed probe opens it again");
        std::thread::sleep(Duration::from_millis(25));
        assert!(breaker.allow());
        breaker.success();
        assert_eq!(breaker.state_name(), "closed");
        assert!(breaker.allow() && breaker.allow());
    }
}
