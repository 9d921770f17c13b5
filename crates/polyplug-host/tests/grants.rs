//! Grants the hostile plugin does not request by default (`random`,
//! `clocks`): with the grant the plugin reaches the real thing, without it a
//! fixed sequence and frozen clocks.

mod common;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use polyplug_host::{Host, Plugin};
use polyplug_policy::Policy;
use serde_json::json;

/// The payload `hostile-rust` answers `command` with (the call must succeed
/// with `ok(some(message))`).
fn answer(plugin: &Plugin, command: &str) -> String {
    let json = plugin
        .call_json("transformer", "transform", &[json!({"payload": command, "content-type": "text/plain", "headers": []})])
        .unwrap();
    assert_eq!(json["tag"], "ok", "{json}");
    json["val"]["payload"].as_str().unwrap().to_string()
}

/// The SHA-256 (hex) of the file at `path`.
fn digest_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// A copy of `hostile-rust` whose manifest also requests `extra` (lines for
/// its `[capabilities]`), written under the target's temporary directory.
fn hostile_requesting(extra: &str) -> PathBuf {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/hostile-rust/polyplug.toml")).unwrap();
    assert_eq!(manifest.matches("[capabilities]\n").count(), 1, "{manifest}");
    let manifest = manifest.replace("[capabilities]\n", &format!("[capabilities]\n{extra}\n"));
    let bytes = std::fs::read(common::guest("hostile-rust")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grants");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("hostile-{}.wasm", extra.replace([' ', '='], "")));
    std::fs::write(&path, polyplug_manifest::embed(&bytes, &manifest).unwrap()).unwrap();
    path
}

/// A host whose policy grants `component` what `hostile-rust` requests, plus `extra`.
fn host_granting(component: &Path, extra: &str) -> Host {
    let text = format!(
        "[plugins.hostile-rust]\nsha256 = [\"{}\"]\nlog = true\nstdio = true\nfiles = [{{ host = {:?}, guest = \"/data\" }}]\nenv = [\"POLYPLUG_TEST_GRANTED\"]\nsockets = [\"tcp:127.0.0.1:9\"]\nkv = {{ quota = \"16 KiB\" }}\nhttp = [\"http://127.0.0.1:*\"]\n{extra}\n",
        digest_of(component),
        common::data_dir().display().to_string()
    );
    Host::builder()
        .policy(Policy::from_toml(&text, "policy").unwrap())
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .build()
        .unwrap()
}

/// The three readings of the `now` command: wall clock (seconds since the
/// epoch), monotonic clock (ns) and how far it moved across a 2 ms sleep (ns).
fn clocks(plugin: &Plugin) -> (u64, u64, u64) {
    let text = answer(plugin, "now");
    let field = |name: &str| -> u64 {
        let value = text.split(' ').find_map(|part| part.strip_prefix(name)).unwrap_or_else(|| panic!("no `{name}` in {text}"));
        value.parse().unwrap_or_else(|e| panic!("`{name}` in {text}: {e}"))
    };
    (field("wall="), field("monotonic="), field("elapsed="))
}

#[test]
fn granted_randomness_differs_between_instances_and_from_the_fixed_sequence() {
    // What a plugin without the grant reads (hostile.rs checks it is the same in every instance).
    let fixed = answer(&common::host().load_file(common::guest("hostile-rust")).unwrap(), "random");
    let component = hostile_requesting("random = true");
    let host = host_granting(&component, "random = true");
    let first = host.load_file(&component).unwrap();
    assert!(first.grant().random, "{:?}", first.grant());
    let second = host.load_file(&component).unwrap();
    let (a, b) = (answer(&first, "random"), answer(&second, "random"));
    for bytes in [&a, &b] {
        assert_eq!(bytes.matches(", ").count(), 15, "16 bytes: {bytes}");
        assert_ne!(bytes, &fixed, "granted randomness is not the fixed sequence");
    }
    assert_ne!(a, b, "two instances read the same 16 random bytes");
    // The same instance draws new bytes on every read too.
    assert_ne!(answer(&first, "random"), a);
}

#[test]
fn without_the_clocks_grant_the_clocks_are_frozen() {
    let plugin = common::host().load_file(common::guest("hostile-rust")).unwrap();
    assert!(!plugin.grant().clocks);
    // The monotonic clock stands at 1 ns, not 0: Go's runtime refuses a zero reading.
    assert_eq!(answer(&plugin, "now"), "wall=0 monotonic=1 elapsed=0");
    // The same on the next call, after the first one's sleep: frozen, not merely started there.
    assert_eq!(clocks(&plugin), (0, 1, 0));
}

#[test]
fn with_the_clocks_grant_the_clocks_are_the_real_ones() {
    let component = hostile_requesting("clocks = true");
    let plugin = host_granting(&component, "clocks = true").load_file(&component).unwrap();
    assert!(plugin.grant().clocks, "{:?}", plugin.grant());
    let host_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (wall, first, elapsed) = clocks(&plugin);
    const DAY: u64 = 24 * 60 * 60;
    assert!(wall.abs_diff(host_now) < DAY, "the plugin's wall clock {wall} is not within a day of the host's {host_now}");
    // A monotonic clock measures the 2 ms sleep: it moves by at least that much.
    assert!(elapsed >= 2_000_000, "the monotonic clock moved {elapsed} ns across a 2 ms sleep");
    // The pooled instance serves the next call too (each instance's monotonic clock has its own origin).
    let (_, second, _) = clocks(&plugin);
    assert!(second > first, "the monotonic clock went from {first} to {second} between calls");
}
