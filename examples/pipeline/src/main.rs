//! `cargo run -p pipeline -- examples/pipeline/pipeline.yaml`: runs the
//! configured integrations until Ctrl-C.

use anyhow::{Context, Result};

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "pipeline=info,warn".into()))
        .init();
    let path = std::env::args().nth(1).context("usage: pipeline <pipeline.yaml>")?;
    let config = pipeline::Config::load(std::path::Path::new(&path))?;
    let pipeline = pipeline::Pipeline::start(config).await?;
    if let Some(address) = pipeline.http_address() {
        println!("pipeline: HTTP sources on http://{address}");
    }
    for member in pipeline.plugins().members() {
        match (&member.plugin, &member.last_error) {
            (Some(plugin), _) => println!("  plugin {:<12} {} ({})", member.key, plugin.name(), plugin.world().name),
            (None, Some(reason)) => println!("  plugin {:<12} NOT SERVING: {reason}", member.key),
            (None, None) => println!("  plugin {:<12} loading", member.key),
        }
    }
    tokio::signal::ctrl_c().await?;
    pipeline.stop().await;
    Ok(())
}
