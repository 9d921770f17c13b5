"""A Python `transform` plugin with no manifest, so no grants at all.

componentize-py components import `wasi:sockets` and `wasi:filesystem`
whatever the code does; the host links them and denies their reach. The
payload is a command:

- `socket:<host>:<port>`: open a TCP connection (must fail);
- `read:<path>`: read a file (must fail);
- anything else: answer it upper-cased.
"""

import socket

import polyplug
from polyplug.transform import Message, Transform


class NoGrants(Transform):
    name = "python-no-grants"
    version = "0.1.0"
    description = "A Python plugin granted nothing"

    def transform(self, input: Message):
        verb, _, arg = input.payload.partition(":")
        if verb == "socket":
            host, _, port = arg.rpartition(":")
            try:
                # A raw connect to an IP: `create_connection` would first
                # resolve the name, which needs the `idna` codec componentize-py leaves out.
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.connect((host, int(port)))
                sock.close()
            except Exception as e:  # noqa: BLE001 - every failure is the answer
                raise polyplug.PluginError(f"cannot connect: {type(e).__name__}: {e}")
            return Message(payload="connected", content_type=input.content_type, headers=input.headers)
        if verb == "read":
            try:
                with open(arg, "rb") as f:
                    data = f.read()
            except Exception as e:  # noqa: BLE001
                raise polyplug.PluginError(f"cannot read: {type(e).__name__}: {e}")
            return Message(payload=f"read {len(data)} bytes", content_type=input.content_type, headers=input.headers)
        return Message(payload=input.payload.upper(), content_type=input.content_type, headers=input.headers)


polyplug.export(NoGrants())
