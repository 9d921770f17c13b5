"""The operator's configuration of a remote plugin: `POLYPLUG_CONFIG`."""

import json
import os

__all__ = ["config_from_env"]


def config_from_env(variable: str = "POLYPLUG_CONFIG") -> dict[str, str]:
    """The operator's configuration: the keys and values a local plugin's
    `init` gets, read from the environment variable `variable` (default
    `POLYPLUG_CONFIG`), a JSON object of strings such as
    `{"api-key": "s3cr3t"}`. Sorted by key; empty when the variable is unset
    or blank.

    Strict, as the Node SDK's `configFromEnv()`: text that is not JSON, JSON
    that is not an object, or a value that is not a string raises
    `ValueError`, naming the variable (and the key), so that a misconfigured
    plugin fails when it starts, not at its first call.
    """
    text = os.environ.get(variable)
    if text is None or text.strip() == "":
        return {}
    try:
        value = json.loads(text)
    except ValueError as e:
        raise ValueError(f'{variable} is not JSON ({e}): give an object of strings, e.g. {{"key": "value"}}') from None
    if not isinstance(value, dict):
        raise ValueError(f'{variable} must be a JSON object of strings, e.g. {{"key": "value"}}')
    for key, item in value.items():
        if not isinstance(item, str):
            raise ValueError(f"{variable}: the value of `{key}` must be a string, not {json.dumps(item)}")
    return dict(sorted(value.items()))
