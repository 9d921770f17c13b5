"""Write to the host's log, as the plugin (`log = true` under
[capabilities] in polyplug.toml; without it these raise RuntimeError)."""

try:
    from wit_world.imports import log as _log
except ImportError:  # the manifest does not declare `log`: the world was built without it
    _log = None

__all__ = ["trace", "debug", "info", "warn", "error"]


def _write(level_name: str, message: str) -> None:
    if _log is None:
        raise RuntimeError("this plugin calls polyplug.log but its polyplug.toml does not declare `log = true` under [capabilities]")
    _log.log(getattr(_log.Level, level_name), message)


def trace(message: str) -> None:
    """Log `message` at level trace."""
    _write("TRACE", message)


def debug(message: str) -> None:
    """Log `message` at level debug."""
    _write("DEBUG", message)


def info(message: str) -> None:
    """Log `message` at level info."""
    _write("INFO", message)


def warn(message: str) -> None:
    """Log `message` at level warn."""
    _write("WARN", message)


def error(message: str) -> None:
    """Log `message` at level error."""
    _write("ERROR", message)
