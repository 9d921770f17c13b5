//! `cargo run -p mock-server -- examples/mock-server/mock.yaml`: serves the
//! configured routes until Ctrl-C.

use anyhow::{Context, Result};

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "mock_server=info,warn".into()))
        .init();
    let path = std::env::args().nth(1).context("usage: mock-server <mock.yaml>")?;
    let config = mock_server::Config::load(std::path::Path::new(&path))?;
    let server = mock_server::MockServer::start(config).await?;
    println!("mock-server listening on http://{}", server.address());
    for member in server.plugins().members() {
        match (&member.plugin, &member.last_error) {
            (Some(plugin), _) => println!("  plugin {:<12} {} ({})", member.key, plugin.name(), plugin.world().name),
            (None, Some(reason)) => println!("  plugin {:<12} NOT SERVING: {reason}", member.key),
            (None, None) => println!("  plugin {:<12} loading", member.key),
        }
    }
    tokio::signal::ctrl_c().await?;
    server.stop().await;
    Ok(())
}
