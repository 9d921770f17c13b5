//! A stock `wasi:http/incoming-handler` component (`tests/guests/wasi-http-rust`:
//! the `wasip2` crate's proxy example, no polyplug SDK, no manifest) answers
//! requests through `Plugin::handle_http`, under the host's limits: its
//! deadline ends a handler that loops, its output limit bounds the body,
//! and a plugin of another world is not called as a handler.

mod common;

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use polyplug_host::{Error, Host};
use polyplug_limits::{ByteSize, Limits};

fn host_with(limits: Limits) -> Host {
    Host::builder().cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache")).default_limits(limits).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stock_wasi_http_component_answers_requests_whole() {
    let plugin = common::host().load_file(common::guest("wasi-http-rust")).unwrap();
    assert!(plugin.serves_http());
    assert_eq!(plugin.world().name, "wasi:http/proxy@0.2.12");
    assert!(plugin.manifest().is_none(), "a stock component carries no manifest");
    assert!(plugin.imports().iter().any(|i| i.starts_with("wasi:http/types@")), "{:?}", plugin.imports());

    let request = http::Request::post("http://mock.local/orders?page=2").header("x-echo", "hi").body(Bytes::from(r#"{"a":1}"#)).unwrap();
    let response = plugin.handle_http(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-served-by"], "wasi-http-rust");
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(response.body(), r#"POST /orders?page=2 echo=hi body={"a":1}"#);

    // Its own status codes pass through; concurrent requests each get their own instance.
    let calls = (0..16).map(|i| {
        let plugin = plugin.clone();
        async move {
            let request = http::Request::get(format!("http://mock.local/missing/{i}")).body(Bytes::new()).unwrap();
            plugin.handle_http(request).await.unwrap()
        }
    });
    for (i, response) in join_all_spawned(calls).await.into_iter().enumerate() {
        assert_eq!((response.status().as_u16(), response.body().clone()), (404, Bytes::from(format!("GET /missing/{i} echo= body="))));
    }
}

/// Runs every future at once on the current runtime and returns their outputs in order.
async fn join_all_spawned<F: Future + Send + 'static>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let tasks: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for task in tasks {
        outputs.push(task.await.unwrap());
    }
    outputs
}

/// The operator puts a stock component under the policy by embedding a
/// manifest naming it (what `polyplug build` does for a project with a
/// `polyplug.toml`); its grant is then by name and digest like any plugin's.
#[tokio::test(flavor = "current_thread")]
async fn under_its_policy_limits_a_looping_handler_ends_at_its_deadline_and_the_next_request_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "[plugin]\nname = \"hello-http\"\nversion = \"1.0.0\"\nworld = \"wasi:http/proxy@0.2.12\"\n";
    let bytes = polyplug_manifest::embed(&std::fs::read(common::guest("wasi-http-rust")).unwrap(), manifest).unwrap();
    let path = dir.path().join("hello-http.wasm");
    std::fs::write(&path, &bytes).unwrap();
    let digest = { use sha2::Digest as _; hex::encode(sha2::Sha256::digest(&bytes)) };
    let policy = format!("[plugins.hello-http]\nsha256 = [\"{digest}\"]\nlimits = {{ timeout-ms = 200 }}\n");
    let host = Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug_policy::Policy::from_toml(&policy, "the test policy").unwrap())
        .build()
        .unwrap();
    let plugin = host.load_file(&path).unwrap();
    assert_eq!((plugin.name(), plugin.limits().timeout), ("hello-http", Duration::from_millis(200)));

    let looping = http::Request::get("http://mock.local/loop").body(Bytes::new()).unwrap();
    let error = plugin.handle_http(looping).await.unwrap_err();
    assert!(matches!(error, Error::Limit { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.starts_with("plugin `hello-http`, `incoming-handler/handle`: limit `timeout` (200 ms) exceeded"), "{message}");
    let next = http::Request::get("http://mock.local/next").body(Bytes::new()).unwrap();
    assert_eq!(plugin.handle_http(next).await.unwrap().status(), 200);
}

#[tokio::test(flavor = "current_thread")]
async fn a_response_body_over_the_output_limit_is_refused_naming_the_limit() {
    let host = host_with(Limits { output: ByteSize(16), ..Limits::default() });
    let plugin = host.load_file(common::guest("wasi-http-rust")).unwrap();
    let request = http::Request::post("http://mock.local/").body(Bytes::from("far more than sixteen bytes of body")).unwrap();
    let message = plugin.handle_http(request).await.unwrap_err().to_string();
    assert!(message.starts_with("plugin `plugin.wasm` failed in `incoming-handler/handle`"), "{message}");
    assert!(message.contains("larger than its `output` limit (16 bytes)"), "{message}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_plugin_of_another_world_is_not_called_as_an_http_handler() {
    let plugin = common::host().load_file(common::guest("transform-rust")).unwrap();
    assert!(!plugin.serves_http());
    let request = http::Request::get("http://mock.local/").body(Bytes::new()).unwrap();
    let error = plugin.handle_http(request).await.unwrap_err();
    assert!(matches!(&error, Error::WorldMismatch { world, .. } if world == "wasi:http/proxy"), "{error:?}");
    assert!(error.to_string().contains("missing export `wasi:http/incoming-handler`"), "{error}");

    // Asked for by name, a component without the handler is refused at load.
    let refused = common::host().loader(common::guest("transform-rust")).world("wasi:http/proxy@0.2.12").load().unwrap_err();
    assert!(refused.to_string().contains("missing export `wasi:http/incoming-handler@0.2.x`"), "{refused}");
}
