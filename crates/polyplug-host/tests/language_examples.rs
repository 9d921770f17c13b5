//! Plugins that use their language's own strengths for a use case of our
//! users: `examples/fake-data-python` (a `template` plugin: realistic fake
//! data from Python's standard library, for the mock server) and `examples/validate-ts` (JSON
//! Schema validation with Ajv from npm, for the pipeline).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use polyplug_host::{Host, Plugin};
use polyplug_policy::Policy;
use serde_json::{Value, json};

const EXAMPLES: [&str; 2] = ["fake-data-python", "validate-ts"];

fn component(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("plugin.wasm");
    assert!(path.exists(), "{} is not built; run `cargo xtask guests`", path.display());
    path
}

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        use sha2::Digest;
        let mut text = String::new();
        for name in EXAMPLES {
            let digest = hex::encode(sha2::Sha256::digest(std::fs::read(component(name)).unwrap()));
            text.push_str(&format!("[plugins.{name}]\nsha256 = [\"{digest}\"]\nlog = true\n\n"));
        }
        Host::builder()
            .policy(Policy::from_toml(&text, "the language examples' policy").unwrap())
            .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
            .build()
            .expect("the host starts")
    })
}

/// `plugin`'s answer for `payload` with `headers`.
fn transform(plugin: &Plugin, payload: &str, headers: Value) -> Value {
    let message = json!({"payload": payload, "content-type": "application/json", "headers": headers});
    plugin.call_json("transformer", "transform", &[message]).unwrap()
}

// ---------------------------------------------------------------------------
// fake-data-python

/// `plugin`'s answer to `execute(name, args)`, each argument JSON: `Ok` with the
/// value it made, or `Err` with its refusal.
fn execute(plugin: &Plugin, name: &str, args: &[Value]) -> Result<Value, String> {
    let args: Vec<String> = args.iter().map(Value::to_string).collect();
    let out = plugin.call_json("template-functions", "execute", &[json!(name), json!(args)]).unwrap();
    match out["tag"].as_str() {
        Some("ok") => Ok(serde_json::from_str(out["val"].as_str().unwrap()).unwrap()),
        _ => Err(out["val"].as_str().unwrap().to_string()),
    }
}

const TEMPLATE: &str = r#"{
  "user": {"name": "{{name}}", "email": "{{email}}", "age": "{{int:18-90}}", "joined": "{{date:2024-01-01..2024-12-31}}",
           "seen": "{{datetime}}", "id": "{{uuid}}", "phone": "{{phone}}", "greeting": "Hi {{first-name}}!"},
  "orders": {"$repeat": 25, "$item": {"total": "{{float:1-500}}", "status": "{{choice:open|shipped|returned}}", "gift": "{{bool}}"}},
  "kept": [1, "two", null]
}"#;

/// The data `fake.fill` makes for [`TEMPLATE`] under the key `key`.
fn fake(plugin: &Plugin, key: &str) -> Value {
    execute(plugin, "fake.fill", &[serde_json::from_str(TEMPLATE).unwrap(), json!(key)]).unwrap()
}

#[test]
fn fake_data_lists_its_functions_with_their_parameters() {
    let plugin = host().load_file(component("fake-data-python")).unwrap();
    let functions = plugin.call_json("template-functions", "functions", &[]).unwrap();
    let names: Vec<&str> = functions.as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    for name in ["fake.name", "fake.email", "fake.int", "fake.date", "fake.uuid", "fake.choice", "fake.fill"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let int = functions.as_array().unwrap().iter().find(|f| f["name"] == "fake.int").unwrap();
    assert_eq!(int["returns"], "integer");
    assert_eq!(int["category"], "fake data");
    let params: Vec<(&str, bool)> = int["parameters"].as_array().unwrap().iter().map(|p| (p["name"].as_str().unwrap(), p["required"].as_bool().unwrap())).collect();
    assert_eq!(params, [("low", true), ("high", true), ("key", false)]);
    let choice = functions.as_array().unwrap().iter().find(|f| f["name"] == "fake.choice").unwrap();
    assert_eq!(choice["parameters"][1]["var-args"], true);
}

#[test]
fn fake_data_makes_plausible_values() {
    let plugin = host().load_file(component("fake-data-python")).unwrap();
    for key in ["a", "b", "c", "d"] {
        let data = fake(&plugin, key);
        let user = &data["user"];
        let name = user["name"].as_str().unwrap();
        let (first, last) = name.split_once(' ').unwrap_or_else(|| panic!("{name}"));
        // The email belongs to the name made just before it.
        let email = user["email"].as_str().unwrap();
        let (local, domain) = email.split_once('@').unwrap();
        assert!(local.starts_with(&first.to_lowercase()), "{email} for {name}");
        assert!(local.contains(&last.to_lowercase().replace([' ', '-'], "").chars().filter(char::is_ascii).collect::<String>()), "{email} for {name}");
        assert!(["example.org", "example.com", "example.net"].contains(&domain), "{email}");
        let age = user["age"].as_i64().unwrap();
        assert!((18..=90).contains(&age), "{age}");
        let joined = user["joined"].as_str().unwrap();
        assert!(joined.starts_with("2024-") && joined.len() == 10, "{joined}");
        let seen = user["seen"].as_str().unwrap();
        assert!(seen.len() == 20 && seen.ends_with('Z') && &seen[10..11] == "T", "{seen}");
        let id = user["id"].as_str().unwrap();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert_eq!(&id[14..15], "4", "a version 4 UUID: {id}");
        assert!(user["phone"].as_str().unwrap().starts_with('+'), "{user}");
        assert!(user["greeting"].as_str().unwrap().starts_with("Hi ") && user["greeting"].as_str().unwrap().ends_with('!'), "{user}");
        let orders = data["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 25);
        for order in orders {
            let total = order["total"].as_f64().unwrap();
            assert!((1.0..=500.0).contains(&total), "{order}");
            assert!(["open", "shipped", "returned"].contains(&order["status"].as_str().unwrap()), "{order}");
            assert!(order["gift"].is_boolean(), "{order}");
        }
        assert_eq!(data["kept"], json!([1, "two", null]));
    }
    let age = execute(&plugin, "fake.int", &[json!(18), json!(90), json!("user-7")]).unwrap();
    assert!((18..=90).contains(&age.as_i64().unwrap()), "{age}");
    let day = execute(&plugin, "fake.date", &[json!("2025-03-01"), json!("2025-03-31")]).unwrap();
    assert!(day.as_str().unwrap().starts_with("2025-03-"), "{day}");
    let colour = execute(&plugin, "fake.choice", &[json!("user-7"), json!("red"), json!("green")]).unwrap();
    assert!(colour == "red" || colour == "green", "{colour}");
}

#[test]
fn fake_data_is_the_same_for_the_same_key_on_any_instance() {
    let plugin = host().load_file(component("fake-data-python")).unwrap();
    let first = fake(&plugin, "request-17");
    assert_eq!(fake(&plugin, "request-17"), first, "the same key, the same data");
    let again = host().load_file(component("fake-data-python")).unwrap();
    assert_eq!(fake(&again, "request-17"), first, "on a fresh load too");
    assert_ne!(fake(&plugin, "request-18"), first);
    let name = execute(&plugin, "fake.name", &[json!("user-7")]).unwrap();
    assert_eq!(execute(&again, "fake.name", &[json!("user-7")]).unwrap(), name);
    let reseeded = host().loader(component("fake-data-python")).config([("seed", "other")]).load().unwrap();
    assert_ne!(fake(&reseeded, "request-17"), first, "the configured seed takes part");
    // The `users` data set: ten users, the same on every instance.
    let users = plugin.call_json("template-functions", "data-source", &[json!("users")]).unwrap();
    let users: Value = serde_json::from_str(users.as_str().unwrap()).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 10);
    let again_users = again.call_json("template-functions", "data-source", &[json!("users")]).unwrap();
    assert_eq!(serde_json::from_str::<Value>(again_users.as_str().unwrap()).unwrap(), users);
    assert_eq!(plugin.call_json("template-functions", "data-source", &[json!("orders")]).unwrap(), Value::Null);
}

#[test]
fn fake_data_refuses_what_it_cannot_make_and_names_it() {
    let plugin = host().load_file(component("fake-data-python")).unwrap();
    let refused = |template: Value| execute(&plugin, "fake.fill", &[template]).unwrap_err();
    assert!(refused(json!({"x": "{{colour}}"})).starts_with("unknown placeholder `{{colour}}`; known: name, first-name"));
    assert_eq!(refused(json!({"x": "{{int:ten}}"})), "`{{int:ten}}`: write the range as LOW-HIGH, e.g. int:1-100");
    assert_eq!(refused(json!({"$repeat": 1000000, "$item": 1})), "`$repeat` must be an integer from 0 to 10000, not 1000000");
    assert!(execute(&plugin, "fake.colour", &[]).unwrap_err().starts_with("unknown function `fake.colour`; this plugin has: fake.name"));
    assert_eq!(execute(&plugin, "fake.int", &[json!(1)]).unwrap_err(), "`fake.int` needs `high`");
    assert_eq!(execute(&plugin, "fake.name", &[json!("a"), json!("b")]).unwrap_err(), "`fake.name` takes at most 1 argument(s), got 2");
    let out = plugin.call_json("template-functions", "execute", &[json!("fake.name"), json!(["{not json"])]).unwrap();
    assert!(out["val"].as_str().unwrap().starts_with("`fake.name`: argument 1 is not JSON"), "{out}");
    let err = host().loader(component("fake-data-python")).config([("sede", "1")]).load().err().unwrap();
    assert!(err.to_string().contains("unknown config key `sede`; known keys: seed"), "{err}");
}

// ---------------------------------------------------------------------------
// validate-ts

const SCHEMA: &str = r#"{
  "type": "object",
  "required": ["id", "email", "amount"],
  "properties": {
    "id": {"type": "integer", "minimum": 1},
    "email": {"type": "string", "format": "email"},
    "amount": {"type": "number", "exclusiveMinimum": 0},
    "currency": {"enum": ["EUR", "USD"]},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}
  },
  "additionalProperties": false
}"#;

fn validator(invalid: &str) -> Plugin {
    host().loader(component("validate-ts")).config([("schema", SCHEMA), ("invalid", invalid)]).load().unwrap()
}

#[test]
fn a_matching_message_passes_unchanged_and_marked() {
    let plugin = validator("refuse");
    let payload = r#"{"id": 7, "email": "ada@example.org", "amount": 12.5, "currency": "EUR", "tags": ["a"]}"#;
    let out = transform(&plugin, payload, json!([["x-trace", "1"]]));
    assert_eq!(out["tag"], "ok", "{out}");
    assert_eq!(out["val"]["payload"], payload, "passed on byte for byte");
    assert_eq!(out["val"]["headers"], json!([["x-trace", "1"], ["x-validated-by", "validate-ts"]]));
}

#[test]
fn a_message_breaking_the_schema_is_refused_with_every_violation() {
    let plugin = validator("refuse");
    let payload = r#"{"id": 0, "email": "not-an-email", "currency": "GBP", "tags": ["a", 2, "c", "d"], "extra": true}"#;
    let out = transform(&plugin, payload, json!([]));
    assert_eq!(out["tag"], "err", "{out}");
    assert_eq!(
        out["val"],
        "the message does not match the schema: /: must have required property 'amount'; \
         /: must NOT have additional properties (`extra`); /id: must be >= 1; /email: must match format \"email\"; \
         /currency: must be equal to one of the allowed values (\"EUR\", \"USD\"); /tags: must NOT have more than 3 items; \
         /tags/1: must be string"
    );
    let out = transform(&plugin, "{oops", json!([]));
    assert!(out["val"].as_str().unwrap().starts_with("payload is not JSON: "), "{out}");
}

#[test]
fn with_invalid_drop_a_breaking_message_is_filtered_out() {
    let plugin = validator("drop");
    let out = transform(&plugin, r#"{"id": 1}"#, json!([]));
    assert_eq!(out, json!({"tag": "ok", "val": null}));
}

#[test]
fn a_bad_schema_or_option_is_refused_at_load() {
    let load = |config: Vec<(&str, &str)>| host().loader(component("validate-ts")).config(config).load().err().unwrap().to_string();
    assert!(load(vec![]).contains("set `schema` to the JSON Schema messages must match"));
    assert!(load(vec![("schema", "{")]).contains("config `schema` is not JSON: "));
    assert!(load(vec![("schema", r#"{"type": "thing"}"#)]).contains("config `schema` is not a valid JSON Schema: "));
    assert!(load(vec![("schema", "{}"), ("invalid", "ignore")]).contains("config `invalid` is `ignore`; use `refuse` or `drop`"));
    assert!(load(vec![("schema", "{}"), ("shema", "{}")]).contains("unknown config key `shema`; known keys: schema, invalid"));
}
