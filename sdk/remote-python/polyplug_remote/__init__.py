"""polyplug remote plugins in Python: serve a WIT world over HTTP/JSON, as
`docs/remote-protocol.md` specifies, with FastAPI.

Subclass the base class of your world from `polyplug_remote.worlds.<world>`
(generated from WIT), implement its methods with the typed values of that
module, and call `run()`:

    from polyplug_remote import Ok
    from polyplug_remote.worlds.transform import Message, Transform

    class Upper(Transform):
        name = "upper"
        version = "1.0.0"
        description = "Upper-cases payloads"

        def transform(self, input: Message):
            input.payload = input.payload.upper()
            return Ok(input)

    Upper().run()

The operator configures a remote plugin through its environment:
`config_from_env()` reads `POLYPLUG_CONFIG`, a JSON object of strings (the
keys and values a local plugin's `init` gets).
"""

from ._codec import ValueMismatch
from ._config import config_from_env
from ._server import PROTOCOL, Call, Function, Plugin, World, current_call, parse_listen, time_left
from ._types import Err, Ok, Result, Some
from .errors import STATUS, ArgumentError, PluginError

__version__ = "0.1.0"

__all__ = [
    "PROTOCOL",
    "STATUS",
    "ArgumentError",
    "Call",
    "Err",
    "Function",
    "Ok",
    "Plugin",
    "PluginError",
    "Result",
    "Some",
    "ValueMismatch",
    "World",
    "config_from_env",
    "current_call",
    "parse_listen",
    "time_left",
]
