"""The plugin's key-value store: private to the plugin, shared by all its
instances, kept in the host's memory while the plugin stays loaded, and
holding at most the quota its grant allows (bytes of keys plus values).
It needs `kv = { quota = "64 KiB" }` (any quota) under [capabilities] in
polyplug.toml; without it these raise RuntimeError."""

from __future__ import annotations

try:
    from wit_world.imports import kv as _kv
except ImportError:  # the manifest does not declare `kv`
    _kv = None

__all__ = ["QuotaError", "get", "set", "delete", "keys"]


class QuotaError(Exception):
    """A write that would take the store past its quota."""

    def __init__(self, quota: int, used: int, needed: int) -> None:
        super().__init__(f"kv: the write needs {needed} bytes, over the store's quota of {quota} ({used} in use)")
        self.quota = quota
        self.used = used
        self.needed = needed


def _host():
    if _kv is None:
        raise RuntimeError('this plugin calls polyplug.kv but its polyplug.toml does not declare `kv = { quota = "..." }` under [capabilities]')
    return _kv


def get(key: str) -> bytes | None:
    """The value stored under `key`, or None."""
    return _host().get(key)


def set(key: str, value: bytes) -> None:  # noqa: A001 - the store's own verb
    """Store `value` under `key`, replacing what was there; raises QuotaError
    when the write would take the store past its quota."""
    from componentize_py_types import Err

    try:
        _host().set(key, value)
    except Err as e:
        use = e.value.value
        raise QuotaError(use.quota, use.used, use.needed) from None


def delete(key: str) -> bool:
    """Remove `key`; whether it was there."""
    return _host().delete(key)


def keys() -> list[str]:
    """Every key, sorted."""
    return _host().keys()
