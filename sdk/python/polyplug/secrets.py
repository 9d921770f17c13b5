"""The secrets the operator's policy lets this plugin read (an API token, a
password), by name: the host holds the values and, in a call for a tenant,
gives that tenant's. It needs the names under [capabilities] in
polyplug.toml (`secrets = ["crm-token"]`); without them `get` raises
RuntimeError. Never log a value: the host keeps them out of its own logs."""

from __future__ import annotations

try:
    from wit_world.imports import secrets as _secrets
except ImportError:  # the manifest does not declare `secrets`
    _secrets = None

__all__ = ["SecretError", "NotGranted", "NotFound", "Unavailable", "get"]


class SecretError(Exception):
    """Why the host did not give a secret; the message is the host's, and says what to do."""

    #: The WIT case: `not-granted`, `not-found` or `unavailable`.
    kind: str = ""


class NotGranted(SecretError):
    """The plugin's grant does not name the secret (the host audits the read)."""

    kind = "not-granted"


class NotFound(SecretError):
    """The secret is granted, but the host has no value for it (for this call's tenant)."""

    kind = "not-found"


class Unavailable(SecretError):
    """The host's secret store could not be read."""

    kind = "unavailable"


def _host():
    if _secrets is None:
        raise RuntimeError('this plugin calls polyplug.secrets but its polyplug.toml does not declare `secrets = ["<name>"]` under [capabilities]')
    return _secrets


def get(name: str) -> str:
    """The value of the secret `name`; raises NotGranted, NotFound or
    Unavailable (each a SecretError) when the host does not give it."""
    from componentize_py_types import Err

    host = _host()
    try:
        return host.get(name)
    except Err as e:
        error = e.value
        if isinstance(error, host.SecretError_NotGranted):
            raise NotGranted(error.value) from None
        if isinstance(error, host.SecretError_NotFound):
            raise NotFound(error.value) from None
        raise Unavailable(error.value) from None
