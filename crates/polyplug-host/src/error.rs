//! Errors of the host facade: each names the plugin, what failed, and what to do.

use std::path::PathBuf;

/// A failure to load or call a plugin.
///
/// Every variant names the plugin; the message says what was refused or what
/// failed, and where there is something to do about it, what.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plugin file could not be read.
    #[error("cannot read plugin file `{}`: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: std::io::Error,
    },

    /// The bytes are not a component wasmtime can compile.
    #[error(
        "plugin `{plugin}` is not a valid WebAssembly component: {reason}\n\
         hint: build it as a component, not as a core module (Rust: `cargo build --target wasm32-wasip2`; \
         Python: `componentize-py`; a core module of another toolchain: `wasm-tools component new` with the WASI adapter)"
    )]
    Compile {
        /// The plugin (its file name until it has described itself).
        plugin: String,
        /// What wasmtime reported.
        reason: String,
    },

    /// The plugins given as its dependencies do not match what it declares
    /// or imports.
    #[error("plugin `{plugin}` cannot be linked to its dependencies: {reason}")]
    Dependency {
        /// The plugin.
        plugin: String,
        /// What does not match, and what to do.
        reason: String,
    },

    /// The host requires verified signatures and this plugin has none that verifies.
    #[error("plugin `{plugin}` is refused: {reason}")]
    Unverified {
        /// The plugin.
        plugin: String,
        /// Why its signature does not vouch for it, and what to do.
        reason: String,
    },

    /// The component lacks exports the requested world requires.
    #[error(
        "plugin `{plugin}` does not implement world `{world}`: {}\n\
         hint: build the plugin against `{world}` (as the host's WIT defines it: polyplug's own worlds are in its `wit/`), or load it as the world it does implement",
        missing.join("; ")
    )]
    WorldMismatch {
        /// The plugin.
        plugin: String,
        /// The world it was expected to implement.
        world: String,
        /// One entry per missing export, e.g. "missing export `polyplug:plugin/transformer@0.1.0`".
        missing: Vec<String>,
    },

    /// The component implements none of the worlds the host knows.
    #[error(
        "plugin `{plugin}` implements none of the known worlds ({known}); it exports [{exports}]\n\
         hint: build it against one of those worlds, or give the host the WIT it was built from"
    )]
    UnknownWorld {
        /// The plugin.
        plugin: String,
        /// The worlds the host knows, comma separated.
        known: String,
        /// What the component does export, comma separated.
        exports: String,
    },

    /// The component needs imports the host does not provide, or its exports
    /// have types other than the world's.
    #[error("plugin `{plugin}` cannot be linked: {reason}")]
    Link {
        /// The plugin.
        plugin: String,
        /// What is missing or mismatched.
        reason: String,
    },

    /// An import the plugin may not have, or a grant that cannot be set up
    /// (e.g. a granted directory that does not exist).
    #[error(transparent)]
    Refused(#[from] polyplug_linker::LinkError),

    /// A configuration value refers to a secret (`${SECRET:name}`) the host
    /// cannot give.
    #[error("plugin `{plugin}`: the configuration value of `{key}` {reason}")]
    Config {
        /// The plugin.
        plugin: String,
        /// The configuration key.
        key: String,
        /// What is wrong and what to do (never the value).
        reason: String,
    },

    /// A call for a tenant that has used its fuel budget for this second.
    #[error(
        "tenant `{tenant}` has used its fuel budget for this second ({fuel_per_second} fuel per second, all plugins together), so plugin `{plugin}`, `{function}` was not called; \
         raise `fuel-per-second` under `[tenants.{tenant}]` in the policy, or send this tenant's work more slowly"
    )]
    TenantBudget {
        /// The tenant.
        tenant: String,
        /// The plugin that was not called.
        plugin: String,
        /// Its function.
        function: String,
        /// The tenant's budget.
        fuel_per_second: u64,
    },

    /// The plugin's `init` refused its configuration.
    #[error("plugin `{plugin}` refused its configuration: {message}\nhint: fix the plugin's config entries and load it again")]
    Init {
        /// The plugin.
        plugin: String,
        /// The plugin's own explanation.
        message: String,
    },

    /// The plugin's code trapped (a panic, `unreachable`, an out-of-bounds
    /// access…). Its instance was discarded; the next call gets a fresh one.
    /// Failures that are not traps of its code are [`Error::Call`].
    #[error("plugin `{plugin}` failed in `{function}`: {reason}")]
    Trap {
        /// The plugin.
        plugin: String,
        /// The function being called.
        function: String,
        /// The trap, with the guest's backtrace when there is one.
        reason: String,
    },

    /// The plugin's Rust code panicked; `message` is the panic's message
    /// (from what it wrote to stderr, kept whatever its `stdio` grant). Its
    /// instance was discarded.
    #[error("plugin `{plugin}` panicked in `{function}`: {message}")]
    Panicked {
        /// The plugin.
        plugin: String,
        /// The function being called.
        function: String,
        /// The panic message, control characters escaped.
        message: String,
    },

    /// A call failed without a trap of the plugin's code: a host function it
    /// called failed, or a value it passed or returned was invalid (bad
    /// UTF-8, a list out of its memory's bounds…). The instance was
    /// discarded; `source` holds the whole chain.
    #[error("plugin `{plugin}` failed in `{function}`: {source}")]
    Call {
        /// The plugin.
        plugin: String,
        /// The function being called.
        function: String,
        /// What failed, with its causes.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The host's instance pool is full: no room for another instance now.
    /// Not the plugin's fault, and not its limit: the host's capacity.
    #[error(
        "no room for another instance of plugin `{plugin}`: {reason}\n\
         hint: the host's instance pool is shared by all plugins; lower plugins' `concurrency`, or give the host a bigger pool"
    )]
    Capacity {
        /// The plugin that could not get an instance.
        plugin: String,
        /// What wasmtime's pool reported.
        reason: String,
    },

    /// The plugin's limits do not fit the host's instance pool, or at its
    /// instance cap it would take so much of the pool that other plugins
    /// could not instantiate.
    #[error("plugin `{plugin}` does not fit this host's instance pool: {reason}")]
    PoolShare {
        /// The plugin.
        plugin: String,
        /// Which part of the pool, how much it would take, and what to lower.
        reason: String,
    },

    /// No such exported function.
    #[error("plugin `{plugin}` has no function `{function}`; it exports: {available}")]
    NoSuchFunction {
        /// The plugin.
        plugin: String,
        /// The function asked for, as `interface/function`.
        function: String,
        /// What it does export, comma separated.
        available: String,
    },

    /// Arguments that do not fit the function's parameters.
    #[error("plugin `{plugin}`, function `{function}`: {problem}")]
    Arguments {
        /// The plugin.
        plugin: String,
        /// The function.
        function: String,
        /// Which argument is wrong and how.
        problem: String,
    },

    /// A dynamic call to a function whose types JSON cannot carry.
    #[error("plugin `{plugin}`, function `{function}`: {reason}")]
    Unsupported {
        /// The plugin.
        plugin: String,
        /// The function.
        function: String,
        /// What is not supported, and the alternative.
        reason: String,
    },

    /// The plugin's embedded manifest does not parse or validate.
    #[error("plugin file `{plugin}` carries an invalid manifest: {problem}\nhint: fix its polyplug.toml and rebuild")]
    Manifest {
        /// The plugin file.
        plugin: String,
        /// What is wrong, with line and column.
        problem: polyplug_manifest::ManifestError,
    },

    /// The plugin requests capabilities its grant does not allow.
    #[error(transparent)]
    Denied(#[from] polyplug_policy::Refusal),

    /// The plugin asks for limits above what the operator allows it.
    #[error(
        "plugin `{plugin}` asks for limits above what it is allowed: {}\n\
         hint: limits belong to the operator; to allow them, add `limits = {{ {} }}` under `[plugins.{plugin}]` in {policy}, or rebuild the plugin asking for less",
        over.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        over.iter().map(|o| format!("{} = {}", o.key, o.requested)).collect::<Vec<_>>().join(", ")
    )]
    LimitsRefused {
        /// The plugin.
        plugin: String,
        /// The policy file, for the hint.
        policy: String,
        /// Each limit asked for above its cap.
        over: Vec<polyplug_limits::OverLimit>,
    },

    /// A limit ended the call (or refused it before it started).
    #[error("plugin `{plugin}`, `{function}`: {limit}")]
    Limit {
        /// The plugin.
        plugin: String,
        /// The function.
        function: String,
        /// Which limit, its value, how to raise it.
        limit: polyplug_limits::LimitError,
    },

    /// A remote plugin's call failed: the service answered a failure, or
    /// could not be reached, or answered something that is not an answer.
    #[error("remote plugin `{plugin}`, `{function}` at {endpoint}: {code}: {message}")]
    Remote {
        /// The plugin.
        plugin: String,
        /// The function, as `interface/function`.
        function: String,
        /// The endpoint that failed last (URL), or `no endpoint` when none was in rotation.
        endpoint: String,
        /// The failure's canonical code.
        code: Code,
        /// What went wrong, for people.
        message: String,
    },

    /// The host itself could not be set up.
    #[error("cannot set up the polyplug host: {0}")]
    Setup(String),
}

/// The canonical failure codes (gRPC's), which the remote protocol carries
/// (`docs/remote-protocol.md`, section 5) and [`Error::code`] gives for any error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // Each is gRPC's code of that name; the protocol's table says when each is sent.
pub enum Code {
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
}

impl Code {
    /// Every code, in gRPC's numbering order.
    pub const ALL: [Code; 16] = [
        Code::Cancelled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];

    /// The code's name as the wire carries it, e.g. `DEADLINE_EXCEEDED`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Cancelled => "CANCELLED",
            Code::Unknown => "UNKNOWN",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Code::NotFound => "NOT_FOUND",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::Aborted => "ABORTED",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::Unimplemented => "UNIMPLEMENTED",
            Code::Internal => "INTERNAL",
            Code::Unavailable => "UNAVAILABLE",
            Code::DataLoss => "DATA_LOSS",
            Code::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// The code named `name` (as [`Code::name`] spells it).
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|code| code.name() == name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Error {
    /// The canonical code of this error: what a remote plugin served by
    /// `serve-remote` answers for it, and how a caller can classify any failure.
    pub fn code(&self) -> Code {
        use polyplug_limits::LimitError;
        match self {
            Error::Remote { code, .. } => *code,
            Error::Arguments { .. } => Code::InvalidArgument,
            Error::NoSuchFunction { .. } | Error::Unsupported { .. } => Code::Unimplemented,
            Error::Limit { limit: LimitError::Timeout { .. }, .. } => Code::DeadlineExceeded,
            Error::Limit { limit: LimitError::Concurrency { .. } | LimitError::Rate { .. }, .. } => Code::ResourceExhausted,
            Error::Capacity { .. } => Code::Unavailable,
            Error::Init { .. } | Error::Config { .. } => Code::FailedPrecondition,
            Error::TenantBudget { .. } => Code::ResourceExhausted,
            Error::Denied(_) | Error::LimitsRefused { .. } => Code::PermissionDenied,
            Error::Limit { .. } | Error::Trap { .. } | Error::Panicked { .. } | Error::Call { .. } => Code::Internal,
            _ => Code::Unknown,
        }
    }
}

/// The result type of the host facade.
pub type Result<T, E = Error> = std::result::Result<T, E>;
