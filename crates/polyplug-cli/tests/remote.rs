//! `polyplug serve-remote` and `polyplug call <url>` as an operator runs
//! them: a component served on 127.0.0.1 with an API key, called over
//! HTTP/JSON and gRPC by the same binary, refused without the key.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn polyplug() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_polyplug"));
    command.env("POLYPLUG_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache")).env_remove("RUST_LOG");
    command
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn serve_remote_serves_a_component_that_call_reaches_by_url_with_its_key() {
    let component = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust/plugin.wasm");
    assert!(component.exists(), "{} is not built; run `cargo xtask test`", component.display());
    let mut child = polyplug()
        .args(["serve-remote", component.to_str().unwrap(), "--listen", "127.0.0.1:0", "--allow-requested", "--api-key-env", "SERVE_TEST_KEY"])
        .args(["--config", "rename=a=b"])
        .env("SERVE_TEST_KEY", "k3y")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let line = std::io::BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let served = Served(child);
    let url = line.strip_prefix("polyplug-remote listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_string();
    let message = r#"{"payload":"{\"a\":1}","content-type":"application/json","headers":[]}"#;

    let grpc = format!("grpc://{}", url.trim_start_matches("http://"));
    for endpoint in [url.as_str(), grpc.as_str()] {
        let out = polyplug()
            .args(["call", endpoint, "--world", "transform", "transformer/transform", message, "--api-key-env", "SERVE_TEST_KEY"])
            .env("SERVE_TEST_KEY", "k3y")
            .output()
            .unwrap();
        assert!(out.status.success(), "{endpoint}: {}", text(&out));
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(answer["tag"], "ok", "{endpoint}");
        assert_eq!(answer["val"]["payload"], r#"{"b":1}"#, "{endpoint}");
    }

    let keyless = polyplug().args(["call", &url, "--world", "transform", "transformer/transform", message]).output().unwrap();
    assert!(!keyless.status.success());
    assert!(text(&keyless).contains("describe answered UNAUTHENTICATED"), "{}", text(&keyless));

    let no_world = polyplug().args(["call", &url, "transformer/transform", message]).output().unwrap();
    assert!(text(&no_world).contains("say which it must serve with `--world <world>`"), "{}", text(&no_world));

    let wrong_world = polyplug()
        .args(["call", &url, "--world", "auth", "authenticator/authenticate", "{}", "{}", "--api-key-env", "SERVE_TEST_KEY"])
        .env("SERVE_TEST_KEY", "k3y")
        .output()
        .unwrap();
    assert!(text(&wrong_world).contains("does not implement the world the host expects"), "{}", text(&wrong_world));
    drop(served);
}

#[test]
fn serve_remote_without_a_grant_says_how_to_give_one() {
    let component = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/transform-rust/plugin.wasm");
    let out = polyplug().args(["serve-remote", component.to_str().unwrap(), "--listen", "127.0.0.1:0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("`--policy <file>`, or `--allow-requested`"), "{}", text(&out));
}
