//! `polyplug`: inspect plugin components and call their functions from the shell.
//!
//! This binary is the edge: it parses arguments, prints for people, and
//! turns every error into a message and a non-zero exit.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use polyplug_host::{Host, Plugin};

/// polyplug: a polyglot plugin framework on the WebAssembly Component Model.
#[derive(Parser)]
#[command(name = "polyplug", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Compile every plugin afresh instead of using the compiled-plugin cache.
    #[arg(long, global = true)]
    no_cache: bool,

    /// Log what the host does (plugin logs included) to stderr; RUST_LOG filters finer.
    #[arg(long, short, global = true)]
    verbose: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Show a plugin's world, description, imports, exports and size.
    Inspect {
        /// The plugin component (`.wasm`).
        component: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Call a plugin function with JSON arguments and print the JSON result.
    ///
    /// Example: polyplug call plugin.wasm transformer/transform '{"payload":"{}","content-type":"application/json","headers":[]}'
    Call {
        /// The plugin component (`.wasm`).
        component: PathBuf,
        /// The function, as `interface/function` (e.g. `transformer/transform`), or a world-level function name.
        function: String,
        /// One JSON value per parameter, in order.
        args: Vec<String>,
        /// Configuration entry for the plugin, `key=value`; repeatable.
        #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
        config: Vec<String>,
        /// The world the plugin must implement (default: detected).
        #[arg(long)]
        world: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = if cli.verbose { "debug" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn host(no_cache: bool) -> Result<Host> {
    let builder = Host::builder();
    let builder = if no_cache { builder.no_cache() } else { builder };
    Ok(builder.build()?)
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Inspect { component, json } => {
            // No configuration is at hand when inspecting: describe without `init`.
            let plugin = host(cli.no_cache)?.loader(&component).defer_init().load()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&inspect_json(&plugin))?);
            } else {
                print_inspect(&plugin);
            }
            Ok(())
        }
        Command::Call { component, function, args, config, world } => {
            let config = config
                .iter()
                .map(|entry| {
                    entry
                        .split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .with_context(|| format!("--config `{entry}` is not `key=value`"))
                })
                .collect::<Result<Vec<_>>>()?;
            let args = args
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    serde_json::from_str(text)
                        .with_context(|| format!("argument {} is not JSON: {text}\nhint: quote JSON strings, e.g. '\"text\"'", i + 1))
                })
                .collect::<Result<Vec<serde_json::Value>>>()?;
            let host = host(cli.no_cache)?;
            let mut loader = host.loader(&component).config(config);
            if let Some(world) = world {
                loader = loader.world(world);
            }
            let plugin = loader.load()?;
            let (interface, name) = function.rsplit_once('/').unwrap_or(("", function.as_str()));
            let result = plugin.call_json(interface, name, &args)?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            Ok(())
        }
    }
}

fn inspect_json(plugin: &Plugin) -> serde_json::Value {
    let info = plugin.info().map(|info| {
        serde_json::json!({"name": info.name, "version": info.version, "description": info.description})
    });
    serde_json::json!({
        "plugin": info,
        "world": plugin.world().name,
        "size": plugin.size(),
        "sha256": plugin.digest(),
        "imports": plugin.imports(),
        "exports": plugin.functions().iter().map(|f| serde_json::json!({"name": f.name, "signature": f.signature})).collect::<Vec<_>>(),
    })
}

fn print_inspect(plugin: &Plugin) {
    match plugin.info() {
        Some(info) => {
            println!("{} {}", info.name, info.version);
            println!("  {}", info.description);
        }
        None => println!("{}", plugin.name()),
    }
    println!();
    println!("world    {}", plugin.world().name);
    println!("size     {} bytes ({:.1} KiB)", plugin.size(), plugin.size() as f64 / 1024.0);
    println!("sha256   {}", plugin.digest());
    println!();
    println!("exports");
    for function in plugin.functions() {
        println!("  {}: {}", function.name, function.signature);
    }
    println!();
    println!("imports");
    for import in plugin.imports() {
        println!("  {import}");
    }
}
