//! The mock-server worlds through their generated facades, on real
//! components: the CSV datasource (Rust) over a directory the operator
//! grants, and the GraphQL-shaped response plugin (TypeScript).

use std::path::{Path, PathBuf};

use polyplug::datasource::Datasource;
use polyplug::response::{HttpRequest, Response};
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
