"""`{{name}}`: a remote transform plugin that upper-cases message payloads,
tags each message with a header, and drops empty messages.

    .venv/bin/python plugin.py    # listens on $POLYPLUG_LISTEN, else 127.0.0.1:8080
"""

import logging

from polyplug_remote import Ok, Result
from polyplug_remote.worlds.transform import Message, Transform

log = logging.getLogger("{{name}}")


class Upper(Transform):
    name = "{{name}}"
    version = "0.1.0"
    description = "Upper-cases message payloads and drops empty messages"

    def transform(self, input: Message) -> Result[Message | None, str]:
        if input.payload == "":
            log.debug("dropped an empty message")
            return Ok(None)
        input.payload = input.payload.upper()
        input.headers.append(("x-transformed-by", "{{name}}"))
        return Ok(input)


if __name__ == "__main__":
    Upper().run()
