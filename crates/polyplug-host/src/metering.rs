//! Fuel per piece of work: how much fuel the plugin calls made while a
//! future (or a closure) ran used, all plugins together, so that a host can
//! say what one message or one request cost. Counted only by a host that
//! meters fuel ([`crate::HostBuilder::fuel_metering`]); 0 otherwise.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    /// The fuel counted so far by the innermost [`metered`] of this task.
    static TASK_METER: Cell<u64>;
}

thread_local! {
    /// The fuel counted so far by the innermost [`metered_sync`] on this thread.
    static THREAD_METER: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Runs `work` and gives its output with the fuel that the plugin calls it
/// awaited used (sync or async, every plugin, the calls' own fuel only).
/// Calls made by tasks `work` spawns are not its own: meter those tasks
/// themselves. Nested, an inner measure counts toward the outer one too.
///
/// ```no_run
/// # async fn run(plugin: polyplug_host::Plugin) -> polyplug_host::Result<()> {
/// let (result, fuel) = polyplug_host::metered(plugin.call_json_async("transformer", "transform", &[serde_json::json!("…")])).await;
/// println!("that message took {fuel} fuel: {:?}", result?);
/// # Ok(()) }
/// ```
pub async fn metered<F: Future>(work: F) -> (F::Output, u64) {
    let (output, used) = TASK_METER
        .scope(Cell::new(0), async move {
            let output = work.await;
            (output, TASK_METER.with(Cell::get))
        })
        .await;
    let _ = TASK_METER.try_with(|outer| outer.set(outer.get().saturating_add(used)));
    (output, used)
}

/// [`metered`] for synchronous work on this thread.
pub fn metered_sync<R>(work: impl FnOnce() -> R) -> (R, u64) {
    /// Puts the outer count back (with this one's added) even when `work` panics.
    struct Restore(Option<u64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let used = THREAD_METER.get().unwrap_or(0);
            THREAD_METER.set(self.0.map(|outer| outer.saturating_add(used)));
        }
    }
    let _restore = Restore(THREAD_METER.replace(Some(0)));
    let output = work();
    (output, THREAD_METER.get().unwrap_or(0))
}

/// Counts `fuel`, used by a call that just ended, toward the innermost measure.
pub(crate) fn charge(fuel: u64) {
    if TASK_METER.try_with(|meter| meter.set(meter.get().saturating_add(fuel))).is_err() {
        THREAD_METER.with(|meter| {
            if let Some(count) = meter.get() {
                meter.set(Some(count.saturating_add(fuel)));
            }
        });
    }
}
