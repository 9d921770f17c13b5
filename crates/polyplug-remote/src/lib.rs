//! The polyplug remote bridge, both ways (`docs/remote-protocol.md`):
//!
//! - [`RemoteClient`]: a service implementing a WIT world over HTTP, as a
//!   plugin behind the same [`polyplug_host::Backend`] as a local
//!   component, so the same generated facade and `call_json` reach it. It
//!   checks the service's world when it registers it, and gives every call a
//!   deadline, retries only what is safe, and breaks, balances and
//!   health-checks its endpoints ([`RemoteConfig`]).
//! - [`RemoteServer`]: any loaded component served as a remote plugin, under
//!   its policy and limits (`polyplug serve-remote`).
//! - [`Plugins`]: a host's plugin configuration, where each plugin is a
//!   local file or a remote service: the operator chooses, the call site
//!   does not change.
//!
//! This crate knows the wire; it knows no world (worlds come from a
//! `polyplug_wit::Catalog`) and nothing of the CLI.

mod breaker;
mod client;
mod config;
mod grpc;
mod plugins;
pub mod protocol;
mod server;
mod tls;
mod world;

pub use client::{RemoteClient, RemoteError};
pub use config::{BreakerConfig, HealthConfig, RemoteConfig, RetryConfig, TlsConfig};
pub use plugins::{PluginEntry, Plugins, Reconnecting};
pub use server::{RemoteServer, ServeOptions, ServerTls};
pub use world::{RemoteWorld, ServedFunction};
