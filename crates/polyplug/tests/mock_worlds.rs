//! The mock-server worlds through their generated facades, on real
//! components: the CSV datasource (Rust) over a directory the operator
//! grants, the GraphQL-shaped response plugin (TypeScript), and the header
//! and CORS response modifier (Go).

use std::path::{Path, PathBuf};

use polyplug::datasource::Datasource;
use polyplug::response::{HttpRequest, Response};
use polyplug::response_modifier::{HttpResponse, ResponseModifier};
use polyplug::{Error, Host, Plugin};
use serde_json::{Value as Json, json};

fn example(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    assert!(path.join("plugin.wasm").exists(), "{} is not built: run `cargo xtask test` (or `cargo xtask guests` first)", path.display());
    path
}

/// A host granting `plugin` (by its digest) `grant` (policy lines).
fn load(plugin: &str, grant: &str, config: &[(&str, &str)]) -> Result<Plugin, Error> {
    use sha2::Digest;
    let path = example(plugin).join("plugin.wasm");
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
    let policy = format!("[plugins.{plugin}]\nsha256 = [\"{digest}\"]\n{grant}\n");
    let host = Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug_policy::Policy::from_toml(&policy, "the test policy").unwrap())
        .build()
        .unwrap();
    host.loader(path).config(config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()).load()
}

fn csv(config: &[(&str, &str)]) -> Result<Plugin, Error> {
    let data = example("datasource-csv-rust").join("data");
    load("datasource-csv-rust", &format!("files = [{{ host = {:?}, guest = \"/data\" }}]", data.display().to_string()), config)
}

#[test]
fn the_csv_datasource_serves_rows_types_and_filters_through_its_facade() {
    let source = Datasource::new(csv(&[("users", "/data/users.csv")]).unwrap()).unwrap().blocking();
    assert_eq!(source.supported_types().unwrap(), ["csv"]);
    let users = source.connect("users").unwrap().unwrap();
    assert_eq!(users.source, "users");
    assert!(users.id.starts_with("fnv1a:"), "{}", users.id);

    let all = source.query(&users, "*", &[]).unwrap().unwrap();
    let columns: Vec<(&str, &str, bool)> = all.columns.iter().map(|c| (c.name.as_str(), c.kind.as_str(), c.nullable)).collect();
    assert_eq!(
        columns,
        [("id", "integer", false), ("name", "text", false), ("email", "text", true), ("age", "integer", false), ("active", "boolean", false)]
    );
    assert_eq!(all.rows.len(), 4);
    assert_eq!(all.rows[3], ["4", "\"Linus Torvalds\"", "null", "54", "true"]);

    let names = |rows: &polyplug::datasource::Rows| -> Vec<Json> {
        rows.rows.iter().map(|row| serde_json::from_str(&row[1]).unwrap()).collect()
    };
    let older = source.query(&users, "age > ?", &["50".into()]).unwrap().unwrap();
    assert_eq!(names(&older), [json!("Grace Hopper"), json!("Linus Torvalds")]);
    let turing = source.query(&users, "name contains ?", &["\"Turing\"".into()]).unwrap().unwrap();
    assert_eq!(names(&turing), [json!("Alan Turing")]);

    let tables = source.schema(&users).unwrap().unwrap();
    assert_eq!((tables.len(), tables[0].name.as_str(), tables[0].columns.len()), (1, "users", 5));
    source.test_connection(&users).unwrap().unwrap();
}

#[test]
fn the_csv_datasource_says_what_is_wrong_with_a_source_or_a_query() {
    let source = Datasource::new(csv(&[("users", "/data/users.csv")]).unwrap()).unwrap().blocking();
    let err = source.connect("orders").unwrap().unwrap_err();
    assert!(err.starts_with("no source `orders` is configured (configured: users)"), "{err}");
    let users = source.connect("users").unwrap().unwrap();
    let err = source.query(&users, "salary > ?", &["1".into()]).unwrap().unwrap_err();
    assert_eq!(err, "`users` has no column `salary`; its columns: id, name, email, age, active");
    let err = source.query(&users, "drop table users", &[]).unwrap().unwrap_err();
    assert!(err.contains("is not a query this plugin reads"), "{err}");

    // A path outside the granted directory is refused at init, naming the source.
    let err = csv(&[("secrets", "/etc/shadow")]).unwrap_err().to_string();
    assert!(err.contains("source `secrets`: `/etc/shadow` is not in /data"), "{err}");
    // And a file the grant does not reach cannot be read, even inside /data.
    let source = Datasource::new(csv(&[("missing", "/data/missing.csv")]).unwrap()).unwrap().blocking();
    let err = source.connect("missing").unwrap().unwrap_err();
    assert!(err.starts_with("cannot read /data/missing.csv"), "{err}");
}

fn graphql(method: &str, path: &str, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        uri: path.into(),
        path: path.into(),
        path_params: vec![],
        query: vec![],
        headers: vec![("content-type".into(), "application/json".into())],
        body: Some(body.to_vec()),
        client_ip: Some("127.0.0.1".into()),
        caller: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_response_plugin_answers_as_a_graphql_server() {
    let plugin = Response::new(load("response-graphql-ts", "", &[]).unwrap()).unwrap();
    assert_eq!(plugin.priority().await.unwrap(), 10);
    let query = |text: &str| serde_json::to_vec(&json!({"query": text})).unwrap();
    assert!(plugin.can_handle(&graphql("POST", "/graphql", &query("{ users { id } }"))).await.unwrap());
    assert!(!plugin.can_handle(&graphql("GET", "/graphql", b"")).await.unwrap());
    assert!(!plugin.can_handle(&graphql("POST", "/rest", b"")).await.unwrap());

    let answer = |body: Vec<u8>| {
        let plugin = &plugin;
        async move {
            let response = plugin.generate(&graphql("POST", "/graphql", &body)).await.unwrap().unwrap();
            assert_eq!(response.content_type, "application/json");
            (response.status, serde_json::from_slice::<Json>(&response.body).unwrap())
        }
    };
    let (status, body) = answer(query("{ users { name } }")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"data": {"users": [{"name": "Ada Lovelace"}, {"name": "Grace Hopper"}, {"name": "Alan Turing"}]}}));

    let one = serde_json::to_vec(&json!({"query": "query One($id: Int!) { user(id: $id) { email } }", "variables": {"id": 2}})).unwrap();
    assert_eq!(answer(one).await, (200, json!({"data": {"user": {"email": "grace@example.org"}}})));

    let (status, body) = answer(query("{ users { salary } }")).await;
    assert_eq!((status, body), (200, json!({"errors": [{"message": "Cannot query field \"salary\" on type \"User\"."}]})));
    let (status, _) = answer(b"not json".to_vec()).await;
    assert_eq!(status, 400);
}

/// A GET of `/v1/users/7`, from `origin` if given.
fn browser_request(origin: Option<&str>) -> HttpRequest {
    let mut headers = vec![("accept".to_string(), "application/json".to_string())];
    headers.extend(origin.map(|origin| ("origin".to_string(), origin.to_string())));
    HttpRequest {
        method: "GET".into(),
        uri: "/v1/users/7".into(),
        path: "/v1/users/7".into(),
        path_params: vec![("id".into(), "7".into())],
        query: vec![],
        headers,
        body: None,
        client_ip: Some("127.0.0.1".into()),
        caller: None,
    }
}

fn user_response() -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![("cache-control".into(), "max-age=60".into()), ("vary".into(), "accept-encoding".into())],
        body: br#"{"id":7}"#.to_vec(),
        content_type: "application/json".into(),
    }
}

fn headers_of(response: &HttpResponse) -> Vec<(&str, &str)> {
    response.headers.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect()
}

/// The whole of `response`, comparable (the bindings' records are not `PartialEq`).
fn parts(response: &HttpResponse) -> (u16, Vec<(&str, &str)>, &[u8], &str) {
    (response.status, headers_of(response), &response.body, &response.content_type)
}

#[test]
fn the_go_header_modifier_adds_its_headers_and_cors_for_the_allowed_origin() {
    let config = [("headers", "X-Frame-Options: DENY; cache-control: no-store;"), ("cors-origin", "https://app.example:443")];
    let modifier = ResponseModifier::new(load("modifier-headers-go", "log = true", &config).unwrap()).unwrap().blocking();
    let response = user_response();

    // From the allowed origin: the configured headers (replacing the
    // response's own cache-control), the origin allowed, `origin` in `vary`.
    let from_app = browser_request(Some("https://app.example"));
    assert!(modifier.should_modify(&from_app, &response).unwrap());
    let modified = modifier.modify(&from_app, &response).unwrap().unwrap();
    assert_eq!(
        headers_of(&modified),
        [
            ("cache-control", "no-store"),
            ("vary", "accept-encoding, origin"),
            ("x-frame-options", "DENY"),
            ("access-control-allow-origin", "https://app.example"),
        ]
    );
    assert_eq!((modified.status, modified.body.as_slice(), modified.content_type.as_str()), (200, &br#"{"id":7}"#[..], "application/json"));
    // A response that has it all already needs nothing more.
    assert!(!modifier.should_modify(&from_app, &modified).unwrap());
    assert_eq!(parts(&modifier.modify(&from_app, &modified).unwrap().unwrap()), parts(&modified));

    // From another origin, or from no browser at all: the headers, no CORS.
    for request in [browser_request(Some("https://evil.example")), browser_request(None)] {
        assert!(modifier.should_modify(&request, &response).unwrap());
        let modified = modifier.modify(&request, &response).unwrap().unwrap();
        assert_eq!(headers_of(&modified), [("cache-control", "no-store"), ("vary", "accept-encoding"), ("x-frame-options", "DENY")]);
    }

    // With only CORS configured, a response to a request without an
    // `origin` is left alone; one with `origin` gets `*`.
    let cors_only = ResponseModifier::new(load("modifier-headers-go", "log = true", &[("cors-origin", "*")]).unwrap()).unwrap().blocking();
    assert!(!cors_only.should_modify(&browser_request(None), &response).unwrap());
    assert_eq!(parts(&cors_only.modify(&browser_request(None), &response).unwrap().unwrap()), parts(&response));
    let request = browser_request(Some("https://anyone.example"));
    assert!(cors_only.should_modify(&request, &response).unwrap());
    let modified = cors_only.modify(&request, &response).unwrap().unwrap();
    assert_eq!(
        headers_of(&modified),
        [("cache-control", "max-age=60"), ("vary", "accept-encoding, origin"), ("access-control-allow-origin", "*")]
    );

    // Nothing configured: nothing to add to any response.
    let idle = ResponseModifier::new(load("modifier-headers-go", "log = true", &[]).unwrap()).unwrap().blocking();
    assert!(!idle.should_modify(&from_app, &response).unwrap());

    // A configuration it cannot use is refused at init, saying what is wrong.
    let err = load("modifier-headers-go", "log = true", &[("headers", "x-frame-options DENY")]).unwrap_err().to_string();
    assert!(err.contains("`x-frame-options DENY` is not `name: value`"), "{err}");
    let err = load("modifier-headers-go", "log = true", &[("cors-origin", "https://app.example/path")]).unwrap_err().to_string();
    assert!(err.contains("has a path, query or fragment"), "{err}");
    let err = load("modifier-headers-go", "log = true", &[("header", "x: 1")]).unwrap_err().to_string();
    assert!(err.contains("unknown config key `header`"), "{err}");
}
