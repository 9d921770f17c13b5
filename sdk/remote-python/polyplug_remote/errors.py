"""Failures, as `docs/remote-protocol.md` section 5 names them."""

from __future__ import annotations

__all__ = ["STATUS", "PluginError", "ArgumentError"]

#: Every failure code and the HTTP status it is sent with.
STATUS: dict[str, int] = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INTERNAL": 500,
    "DATA_LOSS": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


class PluginError(Exception):
    """A failure of a call: the function did not run, did not finish, or the
    request was bad. Raise it from a function to answer with `code` (one of
    [`STATUS`]'s keys, e.g. `"UNAVAILABLE"`) and `message`:

        raise PluginError("UNAVAILABLE", "the token introspection endpoint is down")

    Not for a WIT `result`'s `err`: that is a normal answer, returned as `Err(value)`.
    Any other exception a function raises is answered as `INTERNAL` with its text.
    """

    def __init__(self, code: str, message: str) -> None:
        if code not in STATUS:
            raise ValueError(f"`{code}` is not a failure code; use one of: {', '.join(STATUS)}")
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status the failure is sent with."""
        return STATUS[self.code]

    def __repr__(self) -> str:
        return f"PluginError({self.code!r}, {self.message!r})"


class ArgumentError(PluginError):
    """An argument that does not fit its parameter's WIT type (`INVALID_ARGUMENT`,
    HTTP 400); the message names where, e.g. `at $.args[0].payload: expected
    string, found number 3`. The SDK raises it while decoding a call; a
    function may raise it too."""

    def __init__(self, message: str) -> None:
        super().__init__("INVALID_ARGUMENT", message)
