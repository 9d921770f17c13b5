//! The generated facades: plain Rust calls, async and blocking, to a real
//! component; and the same facade over a backend that carries every call
//! through the JSON mapping (as the remote bridge will), giving the same
//! answers: the generated conversions agree with `polyplug-value`'s mapping
//! for every WIT type of the conformance world.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use polyplug::conformance::{Color, Conformance, Everything, Failure, Permissions, Point, Shape};
use polyplug::{Error, Host, Plugin, RemotePlugin};
use serde_json::Value as Json;

fn guest(dir: &str, name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir).join(name).join("plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask test` (or `cargo xtask guests` first)", path.display());
    path
}

fn conformance_plugin() -> Plugin {
    use sha2::Digest;
    let path = guest("tests/conformance", "rust");
    // Its `host-round-trip` imports log, config and kv, its `read-secret` secrets: grant them to this component.
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
    let policy = format!("[plugins.conformance-rust]\nsha256 = [\"{digest}\"]\nlog = true\nconfig = true\nkv = {{ quota = \"64 KiB\" }}\nsecrets = [\"conformance-token\", \"conformance-unset\"]\n");
    let policy = polyplug_policy::Policy::from_toml(&policy, "the test policy").unwrap();
    Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(policy)
        .build()
        .unwrap()
        .load_file(path)
        .unwrap()
}

/// A backend that serves every call through the JSON mapping, by a real
/// component's dynamic calls: what a remote plugin's wire carries, in process.
struct ThroughJson(Plugin);

impl RemotePlugin for ThroughJson {
    fn name(&self) -> &str {
        "conformance-through-json"
    }

    fn world(&self) -> &str {
        &self.0.world().name
    }

    fn call_json(&self, interface: &str, function: &str, args: &[Json]) -> polyplug::Result<Json> {
        self.0.call_json(interface, function, args)
    }

    fn call_json_async<'a>(&'a self, interface: &'a str, function: &'a str, args: &'a [Json]) -> polyplug_host::CallFuture<'a> {
        Box::pin(self.0.call_json_async(interface, function, args))
    }

    fn stats(&self) -> polyplug_host::RemoteStats {
        polyplug_host::RemoteStats::default()
    }
}

fn everything() -> Everything {
    Everything {
        points: vec![Point { x: 1, y: -2, label: "a".into() }, Point { x: i32::MAX, y: i32::MIN, label: "é\u{0}".into() }],
        shape: Shape::Polygon(vec![Point { x: 0, y: 0, label: String::new() }]),
        color: Color::Blue,
        permissions: Permissions::READ | Permissions::EXECUTE,
        nickname: Some("nick".into()),
        nested: Some(None),
        outcome: Err("no".into()),
        triple: (255, "three".into(), f32::NAN),
        bytes: vec![0, 255, 7],
    }
}

/// The calls every backend must answer alike, async.
async fn exercise(conformance: &Conformance) -> Vec<String> {
    let mut seen = vec![
        format!("{:?}", conformance.inc_u64(u64::MAX).await.unwrap()),
        format!("{:?}", conformance.neg_s64(i64::MIN + 1).await.unwrap()),
        format!("{:?}", conformance.double_f64(f64::INFINITY).await.unwrap()),
        format!("{:?}", conformance.next_char('z').await.unwrap()),
        format!("{:?}", conformance.reverse_string("héllo").await.unwrap()),
        format!("{:?}", conformance.reverse_bytes(&[1, 2, 3]).await.unwrap()),
        format!("{:?}", conformance.upper_all(&["a".to_string(), "b".to_string()]).await.unwrap()),
        format!("{:?}", conformance.move_point(&Point { x: 1, y: 2, label: "p".into() }, 3, 4).await.unwrap()),
        format!("{:?}", conformance.area(&Shape::Rectangle((2.0, 3.0))).await.unwrap()),
        format!("{:?}", conformance.area(&Shape::Empty).await.unwrap()),
        format!("{:?}", conformance.next_color(Color::Blue).await.unwrap()),
        format!("{:?}", conformance.toggle_permissions(Permissions::WRITE).await.unwrap()),
        format!("{:?}", conformance.option_len(Some("four")).await.unwrap()),
        format!("{:?}", conformance.option_len(None).await.unwrap()),
        format!("{:?}", conformance.nested_option(Some(None)).await.unwrap()),
        format!("{:?}", conformance.parse_number("12").await.unwrap()),
        format!("{:?}", conformance.parse_number("").await.unwrap()),
        format!("{:?}", conformance.rotate_tuple((1, "x", 0.5)).await.unwrap()),
    ];
    let echoed = conformance.echo_everything(&everything()).await.unwrap();
    seen.push(format!("{echoed:?}"));
    seen
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn a_local_plugin_answers_through_the_facade_async_and_blocking() {
    let conformance = Conformance::new(conformance_plugin()).unwrap();
    let seen = runtime().block_on(exercise(&conformance));
    assert_eq!(seen[0], "0", "u64::MAX + 1 wraps");
    assert_eq!(seen[7], r#"Point { x: 4, y: 6, label: "p moved" }"#);
    assert_eq!(seen[15], "Ok(12)");
    assert_eq!(seen[16], format!("{:?}", Err::<u32, _>(Failure::EmptyInput)));
    let blocking = conformance.blocking();
    assert_eq!(blocking.parse_number("").unwrap(), Err(Failure::EmptyInput));
    assert_eq!(blocking.move_point(&Point { x: 1, y: 2, label: "p".into() }, 3, 4).unwrap().x, 4);
    let echoed = blocking.echo_everything(&everything()).unwrap();
    assert_eq!(format!("{echoed:?}"), format!("{:?}", everything()), "everything survives the boundary");
}

#[test]
fn the_same_facade_over_the_json_mapping_answers_exactly_as_the_local_plugin() {
    let local = Conformance::new(conformance_plugin()).unwrap();
    let remote: Arc<dyn RemotePlugin> = Arc::new(ThroughJson(conformance_plugin()));
    let through_json = Conformance::new(remote).unwrap();
    assert!(through_json.backend().local().is_none());
    let runtime = runtime();
    assert_eq!(runtime.block_on(exercise(&through_json)), runtime.block_on(exercise(&local)));
    // Blocking calls take the same way.
    let blocking = through_json.blocking();
    assert_eq!(blocking.parse_number("7").unwrap(), Ok(7));
    assert_eq!(format!("{:?}", blocking.echo_everything(&everything()).unwrap()), format!("{:?}", everything()));
}

#[test]
fn a_plugin_of_another_world_is_refused_by_the_facade() {
    use sha2::Digest;
    let path = guest("examples", "transform-rust");
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
    let policy = polyplug::Policy::from_toml(&format!("[plugins.transform-rust]\nlog = true\nsha256 = [\"{digest}\"]\n"), "policy.toml").unwrap();
    let transform = Host::builder().policy(policy).build().unwrap().load_file(path).unwrap();
    match Conformance::new(transform) {
        Err(Error::WorldMismatch { plugin, world, missing }) => {
            assert_eq!((plugin.as_str(), world.as_str()), ("transform-rust", "conformance"));
            assert!(missing.join(" ").contains("all-types"), "{missing:?}");
        }
        Err(other) => panic!("expected a world mismatch, got {other:?}"),
        Ok(_) => panic!("a transform plugin passed as a conformance one"),
    }
}
