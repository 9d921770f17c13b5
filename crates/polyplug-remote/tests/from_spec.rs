//! A remote plugin written from `docs/remote-protocol.md` alone, in a
//! language polyplug ships no remote SDK for (Go, standard library only:
//! `tests/remote/from-spec-go`), built and started for real, registered
//! and called as any remote plugin is.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};

use polyplug_host::RemotePlugin;
use polyplug_remote::{RemoteClient, RemoteConfig};
use serde_json::json;

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_plugin_written_from_the_spec_alone_is_registered_and_called() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/remote/from-spec-go");
    let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join("from-spec-go");
    let built = Command::new("go").arg("build").arg("-o").arg(&binary).arg(".").current_dir(&source).env("GOFLAGS", "-mod=mod").status();
    assert!(built.is_ok_and(|s| s.success()), "`go build` of {} failed (Go 1.25 or newer is needed)", source.display());
    let mut child = Command::new(&binary).env("POLYPLUG_LISTEN", "127.0.0.1:0").stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let line = std::io::BufReader::new(stdout).lines().next().unwrap().unwrap();
    let url = line.strip_prefix("polyplug-remote listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_string();

    let client = RemoteClient::connect_blocking("from-spec-go", RemoteConfig::new("transform", [url]), &polyplug_wit::Catalog::builtin()).unwrap();
    assert_eq!(client.idempotent(), ["transformer/transform"], "its describe's claim is read");
    let message = |payload: &str| json!({"payload": payload, "content-type": "application/json", "headers": []});
    let upper = client.call_json("transformer", "transform", &[message(r#"{"a":1}"#)]).unwrap();
    assert_eq!(upper["tag"], "ok");
    assert_eq!(upper["val"]["payload"], r#"{"A":1}"#);
    assert_eq!(upper["val"]["headers"], json!([["x-transformed-by", "from-spec-go"]]));
    let dropped = client.call_json("transformer", "transform", &[message(r#"{"drop":true}"#)]).unwrap();
    assert_eq!(dropped, json!({"tag": "ok", "val": null}));
    let refused = client.call_json("transformer", "transform", &[message("[1,2]")]).unwrap();
    assert_eq!(refused, json!({"tag": "err", "val": "the payload is not a JSON object"}));
    assert_eq!(client.stats().calls, 3);
    drop(child);
}
