//! Test plugin for the mock server's fault tests, in the `response` world.
//! A request whose path ends in `/trap` executes `unreachable`, one ending
//! in `/loop` never returns (only its deadline ends it); any other is
//! answered 200 with the plugin's version in an `x-version` header, which
//! shows which version served while it is being replaced.

use polyplug_sdk::response::{self, HttpRequest, HttpResponse, Plugin, PluginInfo, Responder};

struct Faulty;

impl Plugin for Faulty {
    fn describe() -> PluginInfo {
        PluginInfo { name: "faulty-response-rust".into(), version: env!("CARGO_PKG_VERSION").into(), description: "Traps, loops or answers, by path".into() }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl Responder for Faulty {
    fn priority() -> i32 {
        0
    }

    fn can_handle(_request: HttpRequest) -> bool {
        true
    }

    fn generate(request: HttpRequest) -> Result<HttpResponse, String> {
        if request.path.ends_with("/trap") {
            core::arch::wasm32::unreachable();
        }
        if request.path.ends_with("/loop") {
            let mut spins = 0u64;
            loop {
                spins = std::hint::black_box(spins.wrapping_add(1));
            }
        }
        Ok(HttpResponse {
            status: 200,
            headers: vec![("x-version".into(), env!("CARGO_PKG_VERSION").into())],
            body: format!("{{\"path\": \"{}\"}}", request.path).into_bytes(),
            content_type: "application/json".into(),
        })
    }
}

response::export!(Faulty);
