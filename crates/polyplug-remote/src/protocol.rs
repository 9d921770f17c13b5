//! The wire of `docs/remote-protocol.md`: the JSON bodies, the headers, and
//! the failure codes' HTTP statuses. Shared by the client and the server so
//! that both read the same table.

use polyplug_host::Code;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The protocol version this crate speaks (`describe`'s `protocol`).
pub const PROTOCOL: u32 = 1;

/// Milliseconds the caller will still wait for this call.
pub const TIMEOUT_HEADER: &str = "polyplug-timeout";
/// `1` for a call's first attempt, then `2`, `3`… for retries.
pub const ATTEMPT_HEADER: &str = "polyplug-attempt";
/// One value per logical call, the same on every attempt.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// W3C Trace Context.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// `GET /v1/describe`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Describe {
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// Who the plugin is.
    pub plugin: Identity,
    /// The full name of the world it implements, e.g. `polyplug:plugin/auth@0.1.0`.
    pub world: String,
    /// A WIT document defining `world` (what `polyplug wit <world>` prints).
    pub wit: String,
    /// `sha256:` and the hex SHA-256 of `wit`.
    pub digest: String,
    /// Functions (`interface/function`) that may safely run twice for one call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub idempotent: Vec<String>,
}

/// A remote plugin's name, version and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Kebab-case name.
    pub name: String,
    /// Semver version.
    pub version: String,
    /// One line.
    #[serde(default)]
    pub description: String,
}

/// A call's request body.
#[derive(Debug, Serialize, Deserialize)]
pub struct CallBody {
    /// The arguments, in parameter order, in the JSON mapping.
    pub args: Vec<Json>,
}

/// A call's answer when the function ran.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    /// The result in the JSON mapping (`null` for a function without one).
    pub result: Json,
}

/// The body of every failure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// A canonical code name, e.g. `UNAVAILABLE`.
    pub code: String,
    /// For people.
    pub message: String,
}

/// `GET /v1/health`'s answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Health {
    /// `SERVING` or `NOT_SERVING`.
    pub status: String,
}

/// The HTTP status a failure with `code` is sent with (the protocol's table).
pub fn http_status(code: Code) -> u16 {
    match code {
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
        Code::Unauthenticated => 401,
        Code::PermissionDenied => 403,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted => 409,
        Code::ResourceExhausted => 429,
        Code::Cancelled => 499,
        Code::Unknown | Code::Internal | Code::DataLoss => 500,
        Code::Unimplemented => 501,
        Code::Unavailable => 503,
        Code::DeadlineExceeded => 504,
    }
}

/// The code of a failure answered with `status` and no recognisable code in its body.
pub fn code_for_status(status: u16) -> Code {
    match status {
        400 => Code::InvalidArgument,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::NotFound,
        409 => Code::Aborted,
        429 => Code::ResourceExhausted,
        499 => Code::Cancelled,
        501 => Code::Unimplemented,
        504 => Code::DeadlineExceeded,
        500..=599 => Code::Unavailable,
        _ => Code::InvalidArgument,
    }
}

/// The interface as a URL names it: its short name (`authenticator` for
/// `polyplug:plugin/authenticator@0.1.0`), or `_` for a function the world
/// exports directly.
pub fn wire_interface(interface: &str) -> &str {
    if interface.is_empty() {
        return "_";
    }
    let tail = interface.rsplit_once('/').map_or(interface, |(_, tail)| tail);
    tail.split('@').next().unwrap_or(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_that_maps_back_to_a_code_a_retry_policy_reads_alike() {
        for code in Code::ALL {
            let back = code_for_status(http_status(code));
            // Statuses shared by several codes map to one of them; the retryable ones are exact.
            if matches!(code, Code::Unavailable | Code::DeadlineExceeded | Code::Unauthenticated | Code::Unimplemented) {
                assert_eq!(back, code);
            }
        }
        assert_eq!(code_for_status(502), Code::Unavailable);
    }

    #[test]
    fn interfaces_are_named_by_their_short_names() {
        assert_eq!(wire_interface("polyplug:plugin/authenticator@0.1.0"), "authenticator");
        assert_eq!(wire_interface("authenticator"), "authenticator");
        assert_eq!(wire_interface(""), "_");
    }
}
