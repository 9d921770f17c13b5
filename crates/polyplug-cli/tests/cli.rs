//! The `polyplug` binary as a user runs it: output and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn guest(dir: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir).join("plugin.wasm");
    assert!(path.exists(), "{} is not built; run `cargo xtask test`", path.display());
    path
}

fn polyplug(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polyplug"))
        .args(args)
        .env("POLYPLUG_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"))
        .env_remove("RUST_LOG")
        .output()
        .expect("polyplug runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn inspect_shows_world_description_exports_and_imports() {
    let path = guest("examples/auth-rust");
    let out = polyplug(&["inspect", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("auth-rust 0.1.0\n"), "{text}");
    assert!(text.contains("world    polyplug:plugin/auth@0.1.0"), "{text}");
    assert!(text.contains("authenticator/authenticate: func(context: record {"), "{text}");
    assert!(text.contains("polyplug:plugin/log@0.1.0"), "{text}");
    assert!(text.contains("size     "), "{text}");

    let out = polyplug(&["inspect", "--json", path.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["plugin"]["name"], "auth-rust");
    assert_eq!(json["world"], "polyplug:plugin/auth@0.1.0");
}

#[test]
fn call_prints_the_json_result() {
    let path = guest("examples/transform-rust");
    let message = r#"{"payload": "{\"old\": 1}", "content-type": "application/json", "headers": []}"#;
    let out = polyplug(&["call", path.to_str().unwrap(), "transformer/transform", message, "-c", "rename=old=new"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tag"], "ok");
    assert_eq!(json["val"]["payload"], r#"{"new":1}"#);
}

#[test]
fn every_error_is_a_message_and_a_failing_exit() {
    let auth = guest("examples/auth-rust");
    let auth = auth.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["inspect", "/nonexistent/plugin.wasm"], "cannot read plugin file"),
        (&["call", auth, "authenticator/authenticate"], "refused its configuration: config key `api-keys` is missing"),
        (&["call", auth, "nope/nothing", "-c", "api-keys=k=a"], "has no function `nope/nothing`"),
        (&["call", auth, "authenticator/authenticate", "{", "-c", "api-keys=k=a"], "argument 1 is not JSON"),
        (&["call", auth, "authenticator/authenticate", "1", "2", "-c", "api-keys=k=a"], "at $.context: expected record"),
        (&["call", auth, "authenticator/authenticate", "-c", "novalue"], "--config `novalue` is not `key=value`"),
        (&["call", auth, "plugin/describe", "--world", "transform"], "does not implement world `polyplug:plugin/transform@0.1.0`"),
    ];
    for (args, expected) in cases {
        let out = polyplug(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr(&out);
        assert!(err.contains(expected), "{args:?}: expected `{expected}` in:\n{err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
}
