"""`{{name}}`: a transform plugin that upper-cases message payloads, tags
each message with a header, and drops empty messages."""

import polyplug
from polyplug import log
from polyplug.transform import Message, Transform


class Upper(Transform):
    name = "{{name}}"
    version = "0.1.0"
    description = "Upper-cases message payloads and drops empty messages"

    def transform(self, input: Message) -> Message | None:
        if input.payload == "":
            log.debug("dropped an empty message")
            return None  # None filters the message out
        return Message(
            payload=input.payload.upper(),
            content_type=input.content_type,
            headers=[*input.headers, ("x-transformed-by", self.name)],
        )


polyplug.export(Upper())
