//! A `filter@0.2` plugin for the pipeline tests: drops a message whose
//! `x-test` header is `true` (saying so), cannot decide about an empty
//! payload (`err`), traps on the payload `trap` (a plugin bug, for the
//! tests that no message is lost to one), and passes everything else.

use polyplug_sdk::filter_0_2::{self, Context, Decision, Envelope, MessageFilter, Plugin, PluginInfo};

struct DropTests;

impl Plugin for DropTests {
    fn describe() -> PluginInfo {
        PluginInfo { name: "filter-rust".into(), version: "0.1.0".into(), description: "Drops test messages".into() }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl MessageFilter for DropTests {
    fn filter(message: Envelope, context: Context) -> Result<Decision, String> {
        if message.payload == b"trap" {
            core::arch::wasm32::unreachable();
        }
        if message.payload.is_empty() {
            return Err(format!("message `{}` has no payload to judge", message.id));
        }
        let test = message.headers.iter().any(|(name, value)| name.eq_ignore_ascii_case("x-test") && value == "true");
        Ok(if test { Decision::Drop(format!("test messages stop at step `{}`", context.step)) } else { Decision::Pass })
    }
}

filter_0_2::export!(DropTests);
