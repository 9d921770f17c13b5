"""The operator's configuration of this plugin, read at any time
(`config = true` under [capabilities] in polyplug.toml; without it these
raise RuntimeError). `Plugin.init` receives the same entries once."""

from __future__ import annotations

try:
    from wit_world.imports import config as _config
except ImportError:  # the manifest does not declare `config`
    _config = None

__all__ = ["get", "entries"]


def _host():
    if _config is None:
        raise RuntimeError("this plugin calls polyplug.config but its polyplug.toml does not declare `config = true` under [capabilities]")
    return _config


def get(key: str) -> str | None:
    """The value configured for `key`, or None."""
    return _host().get(key)


def entries() -> dict[str, str]:
    """Every configured key and value."""
    return dict(_host().entries())
