//! The peer benchmarks' plugin logic as a component: `tests/peers/wit/peer.wit`.

wit_bindgen::generate!({ path: "../wit", world: "peer" });

struct Peer;

impl exports::bench::peer::ops::Guest for Peer {
    fn noop() {}

    fn count_vowels(text: String) -> u32 {
        text.bytes().filter(|b| matches!(b.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u')).count() as u32
    }
}

export!(Peer);
