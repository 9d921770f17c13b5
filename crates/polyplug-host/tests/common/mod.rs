//! Shared helpers for the host's integration tests: where the guest plugins
//! are, one host per test binary, and an audit sink that keeps events.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use polyplug_host::Host;
use polyplug_policy::{AuditEvent, AuditSink, Policy};

/// The component built by `cargo xtask guests` for the guest crate `name`
/// (under `tests/guests/` or `examples/`).
pub fn guest(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The conformance plugins live at `tests/conformance/<language>`.
    let conformance = name.strip_prefix("conformance-").map(|language| root.join("tests/conformance").join(language));
    let candidates = ["tests/guests", "examples"].map(|dir| root.join(dir).join(name));
    for dir in conformance.into_iter().chain(candidates) {
        let path = dir.join("plugin.wasm");
        if path.exists() {
            return path;
        }
    }
    panic!("guest plugin `{name}` is not built; run `cargo xtask test` (or `cargo xtask guests` first)");
}

/// A directory the hostile plugin is granted as `/data`, holding `hello.txt`.
pub fn data_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-data");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "hello from the host").unwrap();
    dir
}

/// The SHA-256 (hex) of the guest plugin `name`: what a grant binds to.
pub fn digest(name: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(guest(name)).unwrap()))
}

/// The test policy: the examples get `log`; the hostile plugin gets what it
/// requests, with tight limits. Each grant is for the component built from
/// the repository, by digest.
pub fn policy() -> Policy {
    let text = format!(
        r#"
[plugins.transform-rust]
log = true
sha256 = ["{transform}"]

[plugins.auth-rust]
log = true
sha256 = ["{auth}"]

[plugins.conformance-rust]
log = true
config = true
kv = {{ quota = "64 KiB" }}
secrets = ["conformance-token", "conformance-unset"]
sha256 = ["{conformance}"]

[plugins.hostile-rust]
sha256 = ["{hostile}"]
log = true
stdio = true
files = [{{ host = {data:?}, guest = "/data" }}]
env = ["POLYPLUG_TEST_GRANTED"]
sockets = ["tcp:127.0.0.1:9"]
kv = {{ quota = "16 KiB" }}
http = ["http://127.0.0.1:*"]
limits = {{ memory = "32 MiB", timeout-ms = 300, output = "1 MiB" }}
"#,
        data = data_dir().display().to_string(),
        transform = digest("transform-rust"),
        auth = digest("auth-rust"),
        hostile = digest("hostile-rust"),
        conformance = digest("conformance-rust"),
    );
    Policy::from_toml(&text, "the test policy").unwrap()
}

/// Audit events, kept for inspection.
#[derive(Default)]
pub struct Recorded(pub Mutex<Vec<AuditEvent>>);

impl AuditSink for Recorded {
    fn record(&self, event: AuditEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorded {
    /// Events for `capability` so far.
    pub fn of(&self, capability: &str) -> Vec<AuditEvent> {
        self.0.lock().unwrap().iter().filter(|e| e.capability == capability).cloned().collect()
    }
}

/// The audit sink of [`host`].
pub fn audit() -> &'static Arc<Recorded> {
    static AUDIT: OnceLock<Arc<Recorded>> = OnceLock::new();
    AUDIT.get_or_init(Arc::default)
}

/// One host for the whole test binary, with the test policy, caching
/// compiled plugins in the target directory.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        Host::builder()
            .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
            .policy(policy())
            .audit(audit().clone())
            .build()
            .expect("the host starts")
    })
}

/// Waits until `condition` holds, checking as fast as it can; fails the test
/// (naming `what`) if it has not after 20 s — a bound on "at all", not a timing.
pub fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let patience = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !condition() {
        assert!(std::time::Instant::now() < patience, "waited 20 s for: {what}");
        std::thread::yield_now();
    }
}

/// A host granting `hostile-rust` what the test policy does, with `limits`
/// (TOML inline-table keys) and fuel metering if `fuel`.
pub fn host_with_limits(limits: &str, fuel: bool) -> Host {
    let text = format!(
        "[plugins.hostile-rust]\nsha256 = [\"{}\"]\nlog = true\nstdio = true\nfiles = [{{ host = {:?}, guest = \"/data\" }}]\nenv = [\"POLYPLUG_TEST_GRANTED\"]\nsockets = [\"tcp:127.0.0.1:9\"]\nkv = {{ quota = \"16 KiB\" }}\nhttp = [\"http://127.0.0.1:*\"]\nlimits = {{ {limits} }}\n",
        digest("hostile-rust"),
        data_dir().display().to_string()
    );
    Host::builder().policy(polyplug_policy::Policy::from_toml(&text, "policy").unwrap()).fuel_metering(fuel).build().unwrap()
}

/// A real HTTP server on loopback answering every request with `hello`.
pub fn http_server() -> std::net::SocketAddr {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello");
        }
    });
    addr
}


/// A server on loopback that accepts connections and never answers.
pub fn silent_server() -> std::net::SocketAddr {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    addr
}

/// A remote plugin's service, started as a child process, killed when dropped.
pub struct Service {
    child: std::process::Child,
    /// Its base URL, from the line it prints once listening.
    pub url: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program args…` with `POLYPLUG_LISTEN=127.0.0.1:0` (and `envs`)
/// and waits (at most 60 s) for the line the protocol's servers print:
/// `polyplug-remote listening on <url>`.
pub fn start_service(program: &Path, args: &[&Path], envs: &[(&str, &str)]) -> Service {
    use std::io::BufRead as _;
    let mut command = std::process::Command::new(program);
    command.args(args).env("POLYPLUG_LISTEN", "127.0.0.1:0").stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::inherit());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let url = lines.by_ref().map_while(Result::ok).find_map(|line| line.strip_prefix("polyplug-remote listening on ").map(str::to_string));
        let _ = send.send(url);
        // Keep draining what it prints, so that it never blocks on a full pipe.
        for _ in lines {}
    });
    match receive.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(Some(url)) => Service { child, url },
        outcome => {
            let _ = child.kill();
            panic!("{} {args:?} did not print `polyplug-remote listening on <url>` within 60 s ({outcome:?})", program.display())
        }
    }
}

/// The Python of the remote Python SDK's virtual environment, made by `cargo xtask test`.
pub fn remote_python() -> PathBuf {
    let python = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../remote-python-venv/bin/python");
    assert!(python.exists(), "{} is missing: `cargo xtask test` (or `cargo xtask guests`) makes it", python.display());
    python
}
