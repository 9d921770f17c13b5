//! The greeter host end to end: a real axum server on loopback calling the
//! real `greeter-rust` component through the generated facade, the host's
//! own interface reaching only plugins granted it, and each way of getting
//! the grant wrong refused with what to do.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use greeter_host::Nicknames;
use polyplug::{Error, Policy};

fn plugin() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../greeter-rust/plugin.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask test` (or `cargo xtask guests` first)", path.display());
    path
}

fn digest(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// A policy giving `grant` to the greeter built from this repository.
fn policy(grant: &str) -> Policy {
    policy_for(&plugin(), grant)
}

fn nicknames() -> Nicknames {
    Nicknames([("Robert".to_string(), "Bob".to_string())].into())
}

/// `GET path` on `addr`: status and body.
fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_string();
    (status, body)
}

#[test]
fn the_server_greets_through_the_facade_using_the_hosts_own_interface() {
    let host = greeter_host::host(policy("host = [\"names\"]"), nicknames()).unwrap();
    let greeter = greeter_host::greeter(&host, &plugin()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, greeter_host::app(greeter)).await });
    // Robert is known to the host by his nickname: the plugin asked the host's `names` interface.
    assert_eq!(get(addr, "/greet/Robert?loud=true"), (200, r#"{"text":"HELLO, BOB!","loud":true}"#.to_string()));
    assert_eq!(get(addr, "/greet/Alice"), (200, r#"{"text":"Hello, Alice!","loud":false}"#.to_string()));
    // The plugin's own `err` is the caller's mistake.
    assert_eq!(get(addr, "/greet/%20"), (400, "whom should I greet? the name is empty".to_string()));
}

#[test]
fn the_blocking_facade_gives_the_same_greetings() {
    let host = greeter_host::host(policy("host = [\"names\"]"), nicknames()).unwrap();
    let greeter = greeter_host::greeter(&host, &plugin()).unwrap().blocking();
    let greeting = greeter.greet("Robert", false).unwrap().unwrap();
    assert_eq!((greeting.text.as_str(), greeting.loud), ("Hello, Bob!", false));
}

#[test]
fn without_the_grant_the_plugin_is_refused_with_the_line_to_add() {
    let host = greeter_host::host(policy(""), nicknames()).unwrap();
    let error = greeter_host::greeter(&host, &plugin()).err().expect("refused");
    let shown = error.to_string();
    assert!(matches!(error, Error::Denied(_)), "{error:?}");
    assert!(shown.contains("the host interface `names`") && shown.contains("host = [\"names\"]"), "{shown}");
}

#[test]
fn a_plugin_importing_the_hosts_interface_without_declaring_it_is_refused_before_it_runs() {
    // The same component, its manifest saying nothing of `names`.
    let bytes = std::fs::read(plugin()).unwrap();
    let manifest = "[plugin]\nname = \"greeter-rust\"\nversion = \"0.1.0\"\nworld = \"acme:greeter/greeter@0.1.0\"\n";
    let dir = tempfile::tempdir().unwrap();
    let undeclared = dir.path().join("undeclared.wasm");
    std::fs::write(&undeclared, polyplug_manifest::embed(&bytes, manifest).unwrap()).unwrap();
    let host = greeter_host::host(policy_for(&undeclared, "host = [\"names\"]"), nicknames()).unwrap();
    let error = greeter_host::greeter(&host, &undeclared).err().expect("refused").to_string();
    assert_eq!(
        error,
        "plugin `greeter-rust` imports `acme:greeter/names@0.1.0` but does not declare the host capability `names`; \
         add `host = [\"names\"]` to `[capabilities]` in its polyplug.toml (and grant it), or rebuild without it"
    );
}

/// A policy giving `grant` to `greeter-rust` as the component at `component`.
fn policy_for(component: &Path, grant: &str) -> Policy {
    Policy::from_toml(&format!("[plugins.greeter-rust]\nsha256 = [\"{}\"]\n{grant}\n", digest(component)), "policy.toml").unwrap()
}

#[test]
fn a_host_that_does_not_provide_the_interface_refuses_the_plugin_whatever_the_grant() {
    // An operator grants `names`, but this host (the built-in one, with the
    // greeter WIT) implements no such interface.
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit");
    let host = polyplug::Host::builder()
        .catalog(polyplug::Catalog::from_dir(&wit).unwrap())
        .policy(policy("host = [\"names\"]"))
        .build()
        .unwrap();
    let error = host.load_file(plugin()).err().expect("refused").to_string();
    assert!(
        error.starts_with("plugin `greeter-rust` imports `acme:greeter/names@0.1.0` which nothing in this host provides"),
        "{error}"
    );
}
