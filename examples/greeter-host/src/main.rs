//! `greeter-host <plugin.wasm> <policy.toml> [address]`: serves greetings
//! from a greeter plugin over HTTP (default address `127.0.0.1:8080`).
//!
//! ```text
//! curl '127.0.0.1:8080/greet/Robert?loud=true'
//! {"text":"HELLO, BOB!","loud":true}
//! ```

use std::path::PathBuf;

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: greeter-host <plugin.wasm> <policy.toml> [address]";
    let plugin = PathBuf::from(args.next().context(usage)?);
    let policy = polyplug::Policy::load(&PathBuf::from(args.next().context(usage)?))?;
    let address = args.next().unwrap_or_else(|| "127.0.0.1:8080".into());
    let nicknames = greeter_host::Nicknames([("Robert".to_string(), "Bob".to_string())].into());
    let host = greeter_host::host(policy, nicknames)?;
    let greeter = greeter_host::greeter(&host, &plugin)?;
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, greeter_host::app(greeter)).await?;
    Ok(())
}
