//! Network reach is exactly the grant: a granted HTTP host name that resolves
//! to a loopback or private address is refused (and audited) unless the
//! operator names that range in `private-ranges`; an IP literal granted as
//! such still reaches its address; a plugin granted sockets cannot look
//! names up.

mod common;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use polyplug_host::{Host, Plugin};
use polyplug_policy::Policy;
use serde_json::{Value as Json, json};

/// `transform(payload)` on `plugin`, as JSON.
fn command(plugin: &Plugin, payload: &str) -> Json {
    plugin.call_json("transformer", "transform", &[json!({"payload": payload, "content-type": "text/plain", "headers": []})]).unwrap()
}

/// The payload of an `ok(some(message))` answer.
fn answered(json: Json) -> String {
    assert_eq!(json["tag"], "ok", "{json}");
    json["val"]["payload"].as_str().unwrap().to_string()
}

/// The message of an `err(..)` answer.
fn refused(json: Json) -> String {
    assert_eq!(json["tag"], "err", "{json}");
    json["val"].as_str().unwrap().to_string()
}

/// A real HTTP server answering every request with `hello`, on 127.0.0.1
/// and, where the machine has it, on `[::1]` at the same port (`localhost`
/// may resolve to either). It keeps the request heads it received.
struct Server {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
}

impl Server {
    fn start() -> Server {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = v4.local_addr().unwrap().port();
        let v6 = std::net::TcpListener::bind(("::1", port)).ok();
        let server = Server { port, heads: Arc::default(), connections: Arc::default() };
        for listener in std::iter::once(v4).chain(v6) {
            let (heads, connections) = (server.heads.clone(), server.connections.clone());
            std::thread::spawn(move || serve(listener, &heads, &connections));
        }
        server
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve(listener: std::net::TcpListener, heads: &Mutex<Vec<String>>, connections: &AtomicUsize) {
    use std::io::{BufRead, BufReader, Write};
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        connections.fetch_add(1, Ordering::SeqCst);
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let (mut head, mut line) = (String::new(), String::new());
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            head.push_str(&line);
            line.clear();
        }
        heads.lock().unwrap().push(head);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello");
    }
}

/// What `localhost` resolves to on this machine, as the host will see it.
fn localhost(port: u16) -> Vec<SocketAddr> {
    ("localhost", port).to_socket_addrs().unwrap().collect()
}

/// `hostile-rust` whose manifest requests HTTP to `http://localhost:*` in
/// place of `http://127.0.0.1:*` (everything else as it is); written once
/// per test binary, since tests run in parallel.
fn hostile_requesting_localhost() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(write_hostile_requesting_localhost).clone()
}

fn write_hostile_requesting_localhost() -> PathBuf {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/hostile-rust/polyplug.toml")).unwrap();
    let line = "http = [\"http://127.0.0.1:*\"]";
    assert_eq!(manifest.matches(line).count(), 1, "{manifest}");
    let manifest = manifest.replace(line, "http = [\"http://localhost:*\"]");
    let bytes = std::fs::read(common::guest("hostile-rust")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("network");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hostile-localhost.wasm");
    std::fs::write(&path, polyplug_manifest::embed(&bytes, &manifest).unwrap()).unwrap();
    path
}

/// A host whose policy grants `component` what `hostile-rust` requests,
/// HTTP to `http`, and `extra` lines, bound to the component's digest.
fn host_granting(component: &Path, http: &str, extra: &str) -> Host {
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(component).unwrap()));
    let text = format!(
        "[plugins.hostile-rust]\nsha256 = [\"{digest}\"]\nlog = true\nstdio = true\nfiles = [{{ host = {:?}, guest = \"/data\" }}]\nenv = [\"POLYPLUG_TEST_GRANTED\"]\nsockets = [\"tcp:127.0.0.1:9\"]\nkv = {{ quota = \"16 KiB\" }}\nhttp = [\"{http}\"]\n{extra}\n",
        common::data_dir().display().to_string()
    );
    Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(Policy::from_toml(&text, "policy.toml").unwrap())
        .audit(common::audit().clone())
        .build()
        .unwrap()
}

#[test]
fn a_granted_name_resolving_to_loopback_is_refused_and_audited() {
    let server = Server::start();
    let component = hostile_requesting_localhost();
    let resolved = localhost(server.port);
    let url = format!("http://localhost:{}/", server.port);
    // No `private-ranges`, then ranges that do not hold loopback.
    for extra in ["", "private-ranges = [\"10.0.0.0/8\", \"fd00::/8\"]"] {
        let plugin = host_granting(&component, "http://localhost:*", extra).load_file(&component).unwrap();
        assert_eq!(refused(command(&plugin, &format!("fetch:{url}"))), "request failed: ErrorCode::HttpRequestDenied", "with {extra:?}");
    }
    assert_eq!(server.connections(), 0, "no connection may reach the server");
    let events: Vec<_> = common::audit().of("http").into_iter().filter(|e| e.target == url).collect();
    assert_eq!(events.len(), 2, "{events:?}");
    let found: Vec<String> = resolved.iter().map(|addr| format!("{} (loopback)", addr.ip())).collect();
    let line: Vec<String> = resolved.iter().map(|addr| format!("\"{}/{}\"", addr.ip(), if addr.is_ipv4() { 32 } else { 128 })).collect();
    assert_eq!(
        events[0].reason,
        format!(
            "`localhost` resolves to {}: not a public address, and not in the grant's `private-ranges`; to allow it, add `private-ranges = [{}]` under `[plugins.hostile-rust]` in the policy",
            found.join(", "),
            line.join(", ")
        )
    );
    assert_eq!(events[0].plugin, "hostile-rust");
    assert_eq!(events[1], events[0]);
}

#[test]
fn a_granted_name_reaches_the_private_ranges_the_operator_names() {
    let server = Server::start();
    let component = hostile_requesting_localhost();
    let mut ranges = vec!["\"127.0.0.0/8\""];
    if localhost(server.port).iter().any(SocketAddr::is_ipv6) {
        ranges.push("\"::1/128\"");
    }
    let extra = format!("private-ranges = [{}]", ranges.join(", "));
    let plugin = host_granting(&component, "http://localhost:*", &extra).load_file(&component).unwrap();
    let url = format!("http://localhost:{}/greeting", server.port);
    assert_eq!(answered(command(&plugin, &format!("fetch:{url}"))), "200 hello");
    // It went to the address that was checked, still addressed by its name.
    let heads = server.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].starts_with("GET /greeting HTTP/1.1\r\n"), "{heads:?}");
    assert!(heads[0].to_ascii_lowercase().contains(&format!("\r\nhost: localhost:{}\r\n", server.port)), "{heads:?}");
    let events: Vec<_> = common::audit().of("http").into_iter().filter(|e| e.target == url).collect();
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn an_ip_literal_grant_names_its_address_and_still_reaches_it() {
    let server = Server::start();
    let component = common::guest("hostile-rust");
    let plugin = host_granting(&component, "http://127.0.0.1:*", "").load_file(&component).unwrap();
    assert_eq!(answered(command(&plugin, &format!("fetch:http://127.0.0.1:{}/", server.port))), "200 hello");
    assert_eq!(server.connections(), 1);
    // The name is not what was granted: refused by origin, as before.
    let url = format!("http://localhost:{}/", server.port);
    assert_eq!(refused(command(&plugin, &format!("fetch:{url}"))), "request failed: ErrorCode::HttpRequestDenied");
    let events: Vec<_> = common::audit().of("http").into_iter().filter(|e| e.target == url).collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].reason.starts_with(&format!("origin `http://localhost:{}` is not in the grant", server.port)), "{events:?}");
}

#[test]
fn a_plugin_granted_sockets_cannot_look_names_up() {
    let component = common::guest("hostile-rust");
    // Granted `sockets = ["tcp:127.0.0.1:9"]`: addresses, never names.
    let plugin = host_granting(&component, "http://127.0.0.1:*", "").load_file(&component).unwrap();
    let message = refused(command(&plugin, "resolve:localhost"));
    assert!(message.starts_with("cannot resolve localhost: "), "{message}");
}
