//! Write polyplug plugins in Rust.
//!
//! Pick your world's module, implement its traits on a plain type, and
//! export it with that module's `export!` macro. Build with
//! `cargo build --release --target wasm32-wasip2`; the `.wasm` that comes out
//! is the plugin component.
//!
//! ```ignore
//! use polyplug_sdk::transform::{self, Message, Plugin, PluginInfo, Transformer};
//!
//! struct Upper;
//!
//! impl Plugin for Upper {
//!     fn describe() -> PluginInfo {
//!         PluginInfo { name: "upper".into(), version: "0.1.0".into(), description: "Upper-cases payloads".into() }
//!     }
//!     fn init(_config: Vec<(String, String)>) -> Result<(), String> {
//!         Ok(())
//!     }
//! }
//!
//! impl Transformer for Upper {
//!     fn transform(input: Message) -> Result<Option<Message>, String> {
//!         Ok(Some(Message { payload: input.payload.to_uppercase(), ..input }))
//!     }
//! }
//!
//! transform::export!(Upper);
//! ```
//!
//! Every world module also holds the host interfaces: `log::log(level, message)`
//! writes into the host's logs under the plugin's name, `config::get(key)`
//! reads the operator's configuration, `kv::get/set/delete/keys` use the
//! plugin's key-value store, `secrets::get(name)` reads a secret the host
//! holds (the tenant's own, when the call runs for one). Each needs its
//! capability in `polyplug.toml` (`log = true`, `config = true`,
//! `kv = { quota = "64 KiB" }`, `secrets = ["crm-token"]`) and the operator's
//! grant.
//!
//! The bindings inside are generated from polyplug's `wit/` by
//! `cargo xtask bindgen` (`src/generated/`, never edited by hand).

// The generated export macros name this crate by its absolute path, which
// must resolve inside the crate too.
extern crate self as polyplug_sdk;

#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;
}

/// The `transform` world: convert and filter messages.
pub mod transform {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/transform.rs");
    }

    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::exports::polyplug::plugin::transformer::{Guest as Transformer, Message};
    pub use bindings::polyplug::plugin::types::{ConfigEntry, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] and [`Transformer`] as the plugin.
    pub use bindings::export;
}

/// The `auth` world: authenticate requests.
pub mod auth {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/auth.rs");
    }

    pub use bindings::exports::polyplug::plugin::authenticator::{
        AuthDecision, BasicCredentials, Credentials, Denial, Guest as Authenticator, Principal, RequestContext,
    };
    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::polyplug::plugin::types::{ConfigEntry, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] and [`Authenticator`] as the plugin.
    pub use bindings::export;
}

/// The `conformance` world: every WIT type, for proving SDKs equal.
pub mod conformance {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/conformance.rs");
    }

    pub use bindings::exports::polyplug::plugin::all_types::*;
    pub use bindings::exports::polyplug::plugin::all_types::Guest as AllTypes;
    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::polyplug::plugin::types::{ConfigEntry, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`], [`AllTypes`] and `GuestCounter` as the plugin.
    pub use bindings::export;
}

/// The `transform` world, version 0.2 (`polyplug:plugin/transform@0.2.0`):
/// convert the message envelope a pipeline step gets (tenant, payload
/// bytes, headers, the steps it went through).
pub mod transform_0_2 {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/transform-0.2.rs");
    }

    pub use bindings::exports::polyplug::plugin0_1_0::plugin::Guest as Plugin;
    pub use bindings::exports::polyplug::plugin0_2_0::converter::Guest as Converter;
    pub use bindings::polyplug::plugin0_1_0::types::{ConfigEntry, PluginInfo};
    pub use bindings::polyplug::plugin0_1_0::{config, kv, log, secrets};
    pub use bindings::polyplug::plugin0_2_0::envelopes::{Context, Envelope, Step};
    /// Exports a type implementing [`Plugin`] and [`Converter`] as the plugin.
    pub use bindings::export;
}

/// The `filter` world (`polyplug:plugin/filter@0.2.0`): decide whether a
/// message envelope goes on.
pub mod filter_0_2 {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/filter-0.2.rs");
    }

    pub use bindings::exports::polyplug::plugin0_1_0::plugin::Guest as Plugin;
    pub use bindings::exports::polyplug::plugin0_2_0::message_filter::{Decision, Guest as MessageFilter};
    pub use bindings::polyplug::plugin0_1_0::types::{ConfigEntry, PluginInfo};
    pub use bindings::polyplug::plugin0_1_0::{config, kv, log, secrets};
    pub use bindings::polyplug::plugin0_2_0::envelopes::{Context, Envelope, Step};
    /// Exports a type implementing [`Plugin`] and [`MessageFilter`] as the plugin.
    pub use bindings::export;
}

/// The `auth` world, version 0.2 (`polyplug:plugin/auth@0.2.0`): decide
/// about the whole request, with a richer identity; abstain from what is not
/// this plugin's to decide.
pub mod auth_0_2 {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/auth-0.2.rs");
    }

    pub use bindings::exports::polyplug::plugin0_1_0::plugin::Guest as Plugin;
    pub use bindings::exports::polyplug::plugin0_2_0::authenticator::{Allowed, AuthResult, Guest as Authenticator, Refused};
    pub use bindings::polyplug::plugin0_1_0::types::{Caller, ConfigEntry, HttpRequest, Identity, Json, PluginInfo};
    pub use bindings::polyplug::plugin0_1_0::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] and [`Authenticator`] as the plugin.
    pub use bindings::export;
}

/// The `template` world: functions for `{{name arg…}}` in mock responses.
pub mod template {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/template.rs");
    }

    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::exports::polyplug::plugin::template_functions::{Guest as TemplateFunctions, Parameter, TemplateFunction, ValueKind};
    pub use bindings::polyplug::plugin::types::{ConfigEntry, Json, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] and [`TemplateFunctions`] as the plugin.
    pub use bindings::export;
}

/// The `response` world: answer API requests.
pub mod response {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/response.rs");
    }

    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::exports::polyplug::plugin::responder::Guest as Responder;
    pub use bindings::polyplug::plugin::types::{Caller, ConfigEntry, HttpRequest, HttpResponse, Identity, Json, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] and [`Responder`] as the plugin.
    pub use bindings::export;
}

/// The `response-modifier` world: change answers before they are sent.
pub mod response_modifier {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/response-modifier.rs");
    }

    pub use bindings::exports::polyplug::plugin::modifier::Guest as Modifier;
    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::polyplug::plugin::types::{Caller, ConfigEntry, HttpRequest, HttpResponse, Identity, Json, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] and [`Modifier`] as the plugin.
    pub use bindings::export;
}

/// The `datasource` world: rows for responses, from files, databases or services.
pub mod datasource {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/datasource.rs");
    }

    pub use bindings::exports::polyplug::plugin::data_source::{Column, Connection, Guest as DataSource, Rows, Table};
    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::polyplug::plugin::types::{ConfigEntry, Json, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] and [`DataSource`] as the plugin.
    pub use bindings::export;
}

/// The `base` world: a plugin that only describes itself (useful for tests
/// and as a template for worlds of your own).
pub mod base {
    #[doc(hidden)]
    #[allow(missing_docs, unused, clippy::all)]
    pub mod bindings {
        include!("generated/base.rs");
    }

    pub use bindings::exports::polyplug::plugin::plugin::Guest as Plugin;
    pub use bindings::polyplug::plugin::types::{ConfigEntry, PluginInfo};
    pub use bindings::polyplug::plugin::{config, kv, log, secrets};
    /// Exports a type implementing [`Plugin`] as the plugin.
    pub use bindings::export;
}
