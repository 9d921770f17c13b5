//! The peer benchmarks' plugin logic as an Extism plugin: the same two
//! functions as `tests/peers/guest-polyplug`, in Extism's ABI.

use extism_pdk::{FnResult, plugin_fn};

/// Does nothing.
#[plugin_fn]
pub fn noop() -> FnResult<()> {
    Ok(())
}

/// The number of vowels in the input text, as a number.
#[plugin_fn]
pub fn count_vowels(text: String) -> FnResult<u32> {
    Ok(text.bytes().filter(|b| matches!(b.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u')).count() as u32)
}
