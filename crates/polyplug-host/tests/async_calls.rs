//! Asynchronous calls on tokio: a plugin never holds a worker thread for
//! longer than a slice (looping or waiting in a host call), is still ended at
//! its deadline, and many concurrent calls queue for its instances instead of
//! being refused, never running more at once than its `concurrency`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use polyplug_bindings::transform::Transform;
use polyplug_bindings::transform::exports::polyplug::plugin::transformer::Message;
use polyplug_host::{Error, Plugin};
use polyplug_limits::LimitError;
use serde_json::{Value as Json, json};

fn message(payload: &str) -> Json {
    json!({"payload": payload, "content-type": "text/plain", "headers": []})
}

async fn command(plugin: &Plugin, payload: &str) -> Result<Json, Error> {
    plugin.call_json_async("transformer", "transform", &[message(payload)]).await
}

fn answered(result: Result<Json, Error>) -> String {
    let json = result.unwrap();
    assert_eq!(json["tag"], "ok", "{json}");
    json["val"]["payload"].as_str().unwrap().to_string()
}

fn timeout_of(result: Result<Json, Error>) -> Duration {
    match result {
        Err(Error::Limit { plugin, function, limit: LimitError::Timeout { limit } }) => {
            assert_eq!((plugin.as_str(), function.as_str()), ("hostile-rust", "transformer/transform"));
            limit
        }
        other => panic!("expected the timeout limit error, got {other:?}"),
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Runs `call` on a current-thread runtime beside a 20 ms timer task, and
/// returns its outcome with how often the timer fired while it ran.
fn beside_a_timer<T>(call: impl std::future::Future<Output = T>) -> (T, u32) {
    current_thread().block_on(async {
        let fired = Arc::new(AtomicU32::new(0));
        let timer = tokio::spawn({
            let fired = fired.clone();
            async move {
                let mut interval = tokio::time::interval(Duration::from_millis(20));
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                loop {
                    interval.tick().await;
                    fired.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        let outcome = call.await;
        // Read before this task yields again: only firings during the call count.
        let count = fired.load(Ordering::Relaxed);
        timer.abort();
        (outcome, count)
    })
}

#[test]
fn on_a_current_thread_runtime_a_looping_plugin_lets_a_timer_fire_and_ends_at_its_deadline() {
    let host = common::host_with_limits("timeout-ms = 1000", false);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    let (result, fired) = beside_a_timer(command(&plugin, "loop"));
    assert_eq!(timeout_of(result), Duration::from_secs(1));
    // One second of looping spans ~50 timer periods. A call holding the
    // thread would let the timer fire at most once (its first tick).
    assert!(fired >= 10, "the timer fired {fired} times while the plugin looped");
    // The instance that ran out of time was discarded; the plugin serves again.
    assert_eq!(answered(current_thread().block_on(command(&plugin, "ok"))), "ok");
}

#[test]
fn on_a_current_thread_runtime_a_plugin_waiting_in_a_host_call_frees_the_thread_until_its_deadline() {
    let silent_addr = common::silent_server();
    let host = common::host_with_limits("timeout-ms = 1000", false);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    for (what, payload) in [("an hour's sleep", "sleep:3600000".to_string()), ("a fetch from a silent server", format!("fetch:http://{silent_addr}/never"))] {
        let (result, fired) = beside_a_timer(command(&plugin, &payload));
        assert_eq!(timeout_of(result), Duration::from_secs(1), "{what}");
        assert!(fired >= 10, "the timer fired {fired} times during {what}");
    }
}

#[test]
fn outgoing_http_of_an_async_call_runs_on_the_hosts_runtime() {
    let server = common::http_server();
    let host = common::host_with_limits("timeout-ms = 5000", false);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    let fetched = current_thread().block_on(command(&plugin, &format!("fetch:http://{server}/greeting")));
    assert_eq!(answered(fetched), "200 hello");
    // The same plugin keeps serving synchronous calls, from its other pool.
    let sync = plugin.call_json("transformer", "transform", &[message("ok")]);
    assert_eq!(answered(sync), "ok");
}

/// Counts `plugin_call` spans open at once: calls admitted and running.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

struct CountCalls(Arc<InFlight>);

impl<S> tracing_subscriber::Layer<S> for CountCalls
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, _: &tracing::span::Id, _: tracing_subscriber::layer::Context<'_, S>) {
        if attrs.metadata().name() == "plugin_call" {
            let now = self.0.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.0.most.fetch_max(now, Ordering::SeqCst);
        }
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if ctx.span(&id).is_some_and(|span| span.name() == "plugin_call") {
            self.0.now.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn a_thousand_concurrent_async_calls_all_complete_correctly_within_the_concurrency_limit() {
    use tracing_subscriber::layer::SubscriberExt;
    let in_flight = Arc::new(InFlight::default());
    let subscriber = Arc::new(tracing_subscriber::registry().with(CountCalls(in_flight.clone())));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .on_thread_start(move || {
            // Only this runtime's threads report to the counter: other tests' calls do not count.
            std::mem::forget(tracing::subscriber::set_default(subscriber.clone()));
        })
        .build()
        .unwrap();
    let host = common::host_with_limits("concurrency = 8, timeout-ms = 20000", false);
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    let answers = runtime.block_on(async {
        let calls: Vec<_> = (0..1000)
            .map(|i| {
                let plugin = plugin.clone();
                // Each call sleeps 2 ms in a host call: they overlap, and most wait for an instance.
                tokio::spawn(async move { command(&plugin, &format!("echo:2:call {i}")).await })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            answers.push(answered(call.await.unwrap()));
        }
        answers
    });
    let expected: Vec<String> = (0..1000).map(|i| format!("call {i}")).collect();
    assert_eq!(answers, expected, "every call answered, each with its own answer");
    let most = in_flight.most.load(Ordering::SeqCst);
    assert!(most <= 8, "{most} calls ran at once, above the plugin's concurrency of 8");
    assert!(most > 1, "the calls never overlapped ({most} at most), so the limit was not exercised");
}

#[test]
fn a_typed_async_call_answers_and_returns_its_instance_to_the_pool() {
    let plugin = common::host().loader(common::guest("transform-rust")).config([("rename", "a=b")]).load().unwrap();
    let transform = plugin.typed::<Transform>().unwrap();
    let out = current_thread().block_on(async {
        let message = Message { payload: r#"{"a":1}"#.into(), content_type: "application/json".into(), headers: vec![] };
        transform
            .call_async("transformer/transform", async |mut slot| {
                let (bindings, store) = slot.parts();
                let result = bindings.polyplug_plugin_transformer().func_transform().call_async(store, (&message,)).await;
                (slot, result.map(|(out,)| out))
            })
            .await
    });
    assert_eq!(out.unwrap().unwrap().unwrap().payload, r#"{"b":1}"#);
    assert_eq!(plugin.instances_in_use(), 0, "the instance went back to the pool");
}
