//! Test plugin for failure isolation. `transform` with payload `panic` panics,
//! with `trap` executes `unreachable`; any other payload comes back with a
//! `calls` header counting the calls this instance has served, which shows
//! whether the host reused an instance.

use std::cell::Cell;

use polyplug_sdk::transform::{self, Message, Plugin, PluginInfo, Transformer};

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

struct Panicky;

impl Plugin for Panicky {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "panicky-rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Panics or traps on request".into(),
        }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl Transformer for Panicky {
    fn transform(input: Message) -> Result<Option<Message>, String> {
        let calls = CALLS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        match input.payload.as_str() {
            "panic" => panic!("asked to panic"),
            "trap" => core::arch::wasm32::unreachable(),
            _ => Ok(Some(Message { headers: vec![("calls".into(), calls.to_string())], ..input })),
        }
    }
}

transform::export!(Panicky);
