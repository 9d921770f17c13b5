//! The mock server over real HTTP on 127.0.0.1, with real plugins in four
//! languages from a plugin directory: basic auth (Rust, auth@0.2) and API
//! keys (Rust, auth@0.1) in one chain, fake data (Python, template), a
//! GraphQL-shaped API (TypeScript, response), CSV rows (Rust,
//! datasource), a stock `wasi:http` component (Rust, no polyplug SDK) and
//! a header and CORS modifier (Go) on every answer, and text functions
//! (Rust, template) in a route's headers.

mod common;

use std::path::Path;

use common::{basic, digest, example, get};
use mock_server::{Config, MockServer};
use serde_json::{Value as Json, json};

const CONFIG: &str = r#"
listen: 127.0.0.1:0
plugins:
  dir: plugins
  policy: policy.toml
  config:
    basic: { user.ada: "correct horse", roles.ada: admin }
    keys: { api-keys: "k-123=alice" }
    csv: { users: /data/users.csv }
    fake: { seed: "7" }
    headers: { headers: "x-powered-by: polyplug", cors-origin: "https://app.example" }
modifiers: [headers]
routes:
  - method: GET
    path: /users/{id}
    auth: [{ plugin: basic }, { plugin: keys }]
    response:
      headers: { x-mock: users }
      body: '{"id": "{{path.id}}", "name": "{{fake.name path.id}}", "by": "{{caller.id}}", "age": {{fake.int 18 90 path.id}}}'
  - method: POST
    path: /graphql
    responders: [graphql]
    headers: { x-order: '{{text.id "orders" query.order}}', x-shouted: '{{text.upper query.order}}' }
  - method: GET
    path: /people
    data: { plugin: csv, source: users, query: "age > ?", params: ["50"] }
  - method: ANY
    path: /hello/{name}
    responders: [hello]
  - method: GET
    path: /broken
    response:
      body: '{"x": "{{fake.colour}}"}'
"#;

/// A server over a fresh plugin directory holding the five examples.
async fn server() -> (MockServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let mut policy = String::new();
    for (key, example_name, grant) in [
        ("basic", "auth-basic-rust", String::new()),
        ("keys", "auth-rust", "log = true".to_string()),
        ("fake", "fake-data-python", "log = true".to_string()),
        ("graphql", "response-graphql-ts", String::new()),
        ("csv", "datasource-csv-rust", format!("files = [{{ host = {:?}, guest = \"/data\" }}]", example("datasource-csv-rust").join("data").display().to_string())),
        // A stock wasi:http component: no manifest, so no grant can name it; it gets nothing.
        ("hello", "wasi-http-rust", String::new()),
        ("headers", "modifier-headers-go", "log = true".to_string()),
        ("text", "template-text-rust", String::new()),
    ] {
        let bytes = std::fs::read(example(example_name).join("plugin.wasm")).unwrap();
        std::fs::write(plugins.join(format!("{key}.wasm")), &bytes).unwrap();
        policy.push_str(&format!("[plugins.{example_name}]\nsha256 = [\"{}\"]\n{grant}\n\n", digest(&bytes)));
    }
    std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
    // The compiled plugins are cached where the other tests of the workspace cache them.
    let cache = common::cache();
    let config = CONFIG.replace("  policy: policy.toml\n", &format!("  policy: policy.toml\n  cache: {}\n", cache.display()));
    std::fs::write(dir.path().join("mock.yaml"), config).unwrap();
    let config = Config::load(&dir.path().join("mock.yaml")).unwrap();
    (MockServer::start(config).await.unwrap(), dir)
}

/// Everything the server and its plugins log, at every level.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One server for every route (its plugins compile once), over real HTTP.
/// Its logs, at trace level, never hold a credential from the
/// configuration (the basic plugin's password), whatever the requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_plugin_answers_its_route_over_http() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_ansi(false).with_writer(move || writer.clone()).finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let (server, _dir) = server().await;
    routes_go_through_their_auth_chain_and_template_functions(&server).await;
    response_and_datasource_plugins_answer_their_routes(&server).await;
    server.stop().await;
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logs.contains("plugin_call"), "the calls were traced: {} bytes of logs", logs.len());
    assert!(!logs.contains("correct horse"), "a configured password reached the logs");
}

async fn routes_go_through_their_auth_chain_and_template_functions(server: &MockServer) {
    let ada = basic("ada", "correct horse");
    let (status, body) = get(&server, "/users/7", &[("authorization", &ada)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((&body["id"], &body["by"]), (&json!("7"), &json!("ada")));
    let name = body["name"].as_str().unwrap();
    assert!(name.contains(' '), "a full name: {name}");
    assert!((18..=90).contains(&body["age"].as_i64().unwrap()), "{body}");
    // Keyed by the path parameter: the same user, the same fake data.
    assert_eq!(get(&server, "/users/7", &[("authorization", &ada)]).await.1, body);
    assert_ne!(get(&server, "/users/8", &[("authorization", &ada)]).await.1["name"], body["name"]);

    // The basic plugin abstains from an API key; the auth@0.1 plugin next in the chain lets alice in.
    let (status, body) = get(&server, "/users/7", &[("x-api-key", "k-123")]).await;
    assert_eq!((status, &body["by"]), (200, &json!("alice")), "{body}");

    // The modifier adds CORS for the allowed origin only.
    let client = reqwest::Client::new();
    let url = format!("http://{}/users/7", server.address());
    for (origin, allowed) in [("https://app.example", Some("https://app.example")), ("https://evil.example", None)] {
        let response = client.get(&url).header("authorization", &ada).header("origin", origin).send().await.unwrap();
        assert_eq!(response.headers()["x-powered-by"], "polyplug");
        assert_eq!(response.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap()), allowed, "from {origin}");
    }

    // Refusals: a wrong password is the plugin's 401, no credentials the chain's.
    let (status, body) = get(&server, "/users/7", &[("authorization", &basic("ada", "guess"))]).await;
    assert_eq!((status, body), (401, json!({"error": "wrong user name or password (realm `polyplug`)"})));
    let (status, body) = get(&server, "/users/7", &[]).await;
    assert_eq!((status, body), (401, json!({"error": "no credentials this route accepts"})));

    // A template function no plugin provides is a 500 that says so; the server keeps serving.
    let (status, body) = get(&server, "/broken", &[]).await;
    assert_eq!(status, 500);
    assert!(body["error"].as_str().unwrap().contains("no template plugin provides the function `fake.colour`"), "{body}");
    assert_eq!(get(&server, "/users/7", &[("authorization", &ada)]).await.0, 200);
}

async fn response_and_datasource_plugins_answer_their_routes(server: &MockServer) {
    let client = reqwest::Client::new();
    let response = client
        .post(format!("http://{}/graphql?order=a7", server.address()))
        .json(&json!({"query": "{ users { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-mock"], "response-graphql-ts");
    // The modifier (Go) changed it, as it changes every answer.
    assert_eq!(response.headers()["x-powered-by"], "polyplug");
    // The route's own headers, resolved by the Rust template plugin.
    assert_eq!(response.headers()["x-shouted"], "A7");
    let order = response.headers()["x-order"].to_str().unwrap().to_string();
    assert!(order.len() == 20 && order.starts_with("ord-") && order[4..].chars().all(|c| c.is_ascii_hexdigit()), "{order}");
    let body: Json = response.json().await.unwrap();
    assert_eq!(body["data"]["users"][1], json!({"name": "Grace Hopper"}));

    let (status, body) = get(&server, "/people", &[]).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body.as_array().unwrap().iter().map(|row| row["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Grace Hopper", "Linus Torvalds"]);
    assert_eq!(body[1]["email"], Json::Null);
    assert_eq!(body[0]["age"], json!(85));

    // The stock wasi:http component answers unchanged: method, path and query, headers and body arrive whole.
    let response = client
        .put(format!("http://{}/hello/world?x=1", server.address()))
        .header("x-echo", "hi")
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(response.headers()["x-served-by"], "wasi-http-rust");
    assert_eq!(response.headers()["x-mock-plugin"], "hello=hello.wasm");
    assert_eq!(response.text().await.unwrap(), "PUT /hello/world?x=1 echo=hi body=payload");
    // Header values reach it as the bytes that arrived, not as text (`é` in Latin-1 is not UTF-8).
    let latin1 = reqwest::header::HeaderValue::from_bytes(b"caf\xe9").unwrap();
    let response = client.get(format!("http://{}/hello/x", server.address())).header("x-echo", latin1).send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "GET /hello/x echo=caf\u{fffd} bytes=636166e9 body=");
    let response = client.get(format!("http://{}/hello/missing", server.address())).send().await.unwrap();
    assert_eq!(response.status(), 200, "its own status: the path it sees is /hello/missing");
}

#[test]
fn the_demo_configuration_reads_and_mistakes_are_named() {
    let demo = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mock.yaml")).unwrap();
    assert_eq!(demo.routes.len(), 5);
    assert!(demo.plugins.remote.as_ref().unwrap().ends_with("mock-server/remote.toml"));
    assert!(demo.plugins.dir.ends_with("mock-server/plugins"), "{}", demo.plugins.dir.display());
    let dir = tempfile::tempdir().unwrap();
    let write = |text: &str| {
        let path = dir.path().join("mock.yaml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path).map(|_| ()).unwrap_err().to_string()
    };
    let head = "plugins: { dir: p, policy: p.toml }\nroutes:\n";
    let err = write(&format!("{head}  - {{ method: GET, path: /x, responders: [a], response: {{ body: x }} }}\n"));
    assert_eq!(err, "route 1 (GET /x): say what answers it: exactly one of `responders`, `response` or `data`");
    let err = write(&format!("{head}  - {{ method: GET, path: x, responders: [a] }}\n"));
    assert_eq!(err, "route 1 (GET x): the path must start with `/`");
    let err = format!("{:#}", Config::load(&dir.path().join("missing.yaml")).unwrap_err());
    assert!(err.starts_with("reading "), "{err}");
}
