//! A plugin of a host application's own world: `greeter`, from
//! `examples/greeter-host/wit/`. It imports the host's `names` interface
//! (granted as the host capability `names`) and exports `greeting`.
//!
//! Plugins of polyplug's built-in worlds use `polyplug-sdk`; a host's own
//! world is bound with wit-bindgen directly, as here.

wit_bindgen::generate!({
    path: "../greeter-host/wit",
    world: "greeter",
});

use exports::acme::greeter::greeting::{Greeting, Guest};

struct Greeter;

impl Guest for Greeter {
    fn greet(name: String, loud: bool) -> Result<Greeting, String> {
        if name.trim().is_empty() {
            return Err("whom should I greet? the name is empty".into());
        }
        let known = acme::greeter::names::nickname(&name).unwrap_or(name);
        let text = format!("Hello, {known}!");
        Ok(Greeting { text: if loud { text.to_uppercase() } else { text }, loud })
    }
}

export!(Greeter);
