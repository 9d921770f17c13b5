//! A hostile plugin for the host's security tests. The payload of
//! `transform` is a command; each tries something a sandbox must stop:
//!
//! | payload | what it does |
//! |---|---|
//! | `loop` | spins forever |
//! | `sleep:<ms>` | sleeps (a host call: `wasi:clocks` subscribe, then `pollable.block`) |
//! | `spin:<n>` | spins `n` iterations, then answers |
//! | `alloc` | allocates 1 MiB blocks until memory runs out |
//! | `recurse` | recurses without bound |
//! | `huge:<bytes>` | answers with a string of that many bytes |
//! | `trap` / `panic` | executes `unreachable` / panics |
//! | `read:<path>` | reads a file and answers with its length |
//! | `env:<name>` | answers with an environment variable, or `unset` |
//! | `connect:<addr>` | opens a TCP connection |
//! | `resolve:<name>` | looks the name up (`wasi:sockets` name lookup); answers the addresses |
//! | `random` | reads 16 secure random bytes |
//! | `now` | answers `wall=<s> monotonic=<ns> elapsed=<ns>`: the wall clock in seconds since the epoch, the monotonic clock, and how far it moved across a 2 ms sleep |
//! | `print:<text>` | writes the text to stdout |
//! | `kv-fill:<n>` | stores `n` values of 1 KiB in the key-value store |
//! | `fetch:http(s)://<authority>/<path>` | an HTTP(S) GET through `wasi:http`; answers status and body |
//! | anything else | answers `ok` |

use std::hint::black_box;
use std::io::Write;

use polyplug_sdk::transform::{self, Message, Plugin, PluginInfo, Transformer, kv};

struct Hostile;

impl Plugin for Hostile {
    fn describe() -> PluginInfo {
        PluginInfo { name: "hostile-rust".into(), version: "0.1.0".into(), description: "Misbehaves on command".into() }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

// Unbounded on purpose: the host must stop it.
#[allow(unconditional_recursion)]
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    // The work after the call keeps it from becoming a loop.
    black_box(recurse(black_box(depth + 1))) + depth
}

fn answer(input: Message, payload: String) -> Result<Option<Message>, String> {
    Ok(Some(Message { payload, ..input }))
}

impl Transformer for Hostile {
    fn transform(input: Message) -> Result<Option<Message>, String> {
        let command = input.payload.clone();
        let (verb, arg) = command.split_once(':').unwrap_or((command.as_str(), ""));
        match verb {
            "loop" => loop {
                black_box(());
            },
            "sleep" => {
                let ms: u64 = arg.parse().map_err(|_| "sleep:<milliseconds>")?;
                std::thread::sleep(std::time::Duration::from_millis(ms));
                answer(input, "slept".into())
            }
            "echo" => {
                // `echo:<milliseconds>:<text>`: answers `text` after a sleep.
                let (ms, text) = arg.split_once(':').ok_or("echo:<milliseconds>:<text>")?;
                let ms: u64 = ms.parse().map_err(|_| "echo:<milliseconds>:<text>")?;
                std::thread::sleep(std::time::Duration::from_millis(ms));
                answer(input, text.to_string())
            }
            "spin" => {
                let n: u64 = arg.parse().map_err(|_| "spin:<iterations>")?;
                let mut x = 0u64;
                for i in 0..n {
                    x = black_box(x.wrapping_add(i));
                }
                answer(input, x.to_string())
            }
            "alloc" => {
                let mut blocks = Vec::new();
                loop {
                    blocks.push(black_box(vec![1u8; 1 << 20]));
                }
            }
            "recurse" => answer(input, recurse(0).to_string()),
            "huge" => {
                let bytes: usize = arg.parse().map_err(|_| "huge:<bytes>")?;
                answer(input, "x".repeat(bytes))
            }
            "trap" => core::arch::wasm32::unreachable(),
            "panic" => panic!("asked to panic"),
            "read" => match std::fs::read(arg) {
                Ok(data) => answer(input, format!("read {} bytes", data.len())),
                Err(e) => Err(format!("cannot read {arg}: {e}")),
            },
            "env" => answer(input, std::env::var(arg).unwrap_or_else(|_| "unset".into())),
            "connect" => match std::net::TcpStream::connect(arg) {
                Ok(_) => answer(input, "connected".into()),
                Err(e) => Err(format!("cannot connect to {arg}: {e}")),
            },
            "resolve" => match std::net::ToSocketAddrs::to_socket_addrs(&(arg, 80)) {
                Ok(addrs) => answer(input, addrs.map(|addr| addr.ip().to_string()).collect::<Vec<_>>().join(" ")),
                Err(e) => Err(format!("cannot resolve {arg}: {e}")),
            },
            "random" => answer(input, format!("{:?}", wasi::random::random::get_random_bytes(16))),
            "now" => {
                let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
                let before = wasi::clocks::monotonic_clock::now();
                std::thread::sleep(std::time::Duration::from_millis(2));
                let after = wasi::clocks::monotonic_clock::now();
                answer(input, format!("wall={} monotonic={before} elapsed={}", wall.as_secs(), after.saturating_sub(before)))
            }
            "fetch" => fetch(arg).and_then(|body| answer(input, body)),
            "print" => {
                let _ = writeln!(std::io::stdout(), "{arg}");
                answer(input, "printed".into())
            }
            "kv-fill" => {
                let n: usize = arg.parse().map_err(|_| "kv-fill:<n>")?;
                for i in 0..n {
                    if let Err(e) = kv::set(&format!("key-{i}"), &[7u8; 1024]) {
                        return Err(format!("stored {i} values, then: {e:?}"));
                    }
                }
                answer(input, format!("stored {n} values; keys now {}", kv::keys().len()))
            }
            _ => answer(input, "ok".into()),
        }
    }
}

/// `GET url` through `wasi:http/outgoing-handler`: `"<status> <body>"`.
fn fetch(url: &str) -> Result<String, String> {
    use wasi::http::outgoing_handler;
    use wasi::http::types::{Fields, OutgoingRequest, Scheme};
    let (scheme, rest) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
        (Some(rest), _) => (Scheme::Http, rest),
        (_, Some(rest)) => (Scheme::Https, rest),
        _ => return Err("fetch:http(s)://<authority>/<path>".into()),
    };
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let request = OutgoingRequest::new(Fields::new());
    request.set_scheme(Some(&scheme)).map_err(|()| "bad scheme")?;
    request.set_authority(Some(authority)).map_err(|()| "bad authority")?;
    request.set_path_with_query(Some(&path)).map_err(|()| "bad path")?;
    let pending = outgoing_handler::handle(request, None).map_err(|e| format!("request refused: {e:?}"))?;
    pending.subscribe().block();
    let response = pending
        .get()
        .ok_or("no response")?
        .map_err(|()| "response taken twice")?
        .map_err(|e| format!("request failed: {e:?}"))?;
    let status = response.status();
    let body = response.consume().map_err(|()| "no body")?;
    let stream = body.stream().map_err(|()| "no body stream")?;
    let mut bytes = Vec::new();
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        bytes.extend(chunk);
    }
    Ok(format!("{status} {}", String::from_utf8_lossy(&bytes)))
}

transform::export!(Hostile);
