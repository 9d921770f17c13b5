//! A real NATS server for tests: Debian's `nats-server` (unpacked by
//! `cargo xtask test` into `target/tools/`), started on 127.0.0.1 with a
//! random port and JetStream storing in a temporary directory.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `nats-server` binary: `$POLYPLUG_NATS_SERVER`, else where xtask unpacks it.
pub fn nats_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("POLYPLUG_NATS_SERVER") {
        return path.into();
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../tools/nats-server/usr/sbin/nats-server");
    assert!(
        path.exists(),
        "{} is missing: `cargo xtask test` fetches Debian's nats-server package into target/tools (or set POLYPLUG_NATS_SERVER)",
        path.display()
    );
    path
}

/// A running NATS server, stopped when dropped.
pub struct NatsServer {
    child: Child,
    /// `nats://127.0.0.1:<port>`.
    pub url: String,
    _storage: tempfile::TempDir,
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A NATS server with JetStream on a random port of 127.0.0.1; waits (at
/// most 30 s) until it says it listens.
pub fn start() -> NatsServer {
    let storage = tempfile::tempdir().unwrap();
    let mut child = Command::new(nats_binary())
        .args(["-a", "127.0.0.1", "-p", "-1", "-js", "-sd"])
        .arg(storage.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nats-server starts");
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(address) = line.split("Listening for client connections on ").nth(1) {
                let _ = send.send(address.trim().to_string());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let address = receive.recv_timeout(deadline - Instant::now()).expect("nats-server said where it listens within 30 s");
    NatsServer { child, url: format!("nats://{address}"), _storage: storage }
}
