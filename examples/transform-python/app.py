"""Example `transform` plugin: reshapes JSON messages as its configuration
says, exactly as examples/transform-rust does (the host tests hold the two,
and examples/transform-ts, to the same answers).

Configuration (all keys optional; field paths use dots for nesting):

| key           | example                        | effect                                              |
|---------------|--------------------------------|-----------------------------------------------------|
| `rename`      | `cust.name=customer,amt=amount` | move each field to its new path                     |
| `map.<field>` | `map.status` = `A=active`      | replace the field's value by its mapping            |
| `drop`        | `internal,debug.trace`         | remove these fields                                 |
| `require`     | `customer`                     | filter out messages lacking this field after renaming |

Messages that are not JSON objects are refused with a reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import polyplug
from polyplug import log
from polyplug.transform import Message, Transform

_MISSING = object()


def pairs(key: str, value: str) -> list[tuple[str, str]]:
    """`a=b,c=d` as pairs; an entry without `=` is an error naming the key."""
    out = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        source, sep, target = entry.partition("=")
        if not sep:
            raise polyplug.PluginError(f"config `{key}`: entry `{entry}` is not `from=to`")
        out.append((source.strip(), target.strip()))
    return out


def take(obj: dict[str, Any], path: str) -> Any:
    """Removes and returns the value at a dotted `path` (`_MISSING` if there is none)."""
    head, _, rest = path.partition(".")
    if not rest:
        return obj.pop(head, _MISSING)
    child = obj.get(head)
    return take(child, rest) if isinstance(child, dict) else _MISSING


def put(obj: dict[str, Any], path: str, value: Any) -> None:
    """Puts `value` at a dotted `path`, creating objects on the way."""
    head, _, rest = path.partition(".")
    if not rest:
        obj[head] = value
        return
    child = obj.get(head)
    if not isinstance(child, dict):
        child = obj[head] = {}
    put(child, rest, value)


def parent_of(obj: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    """The object holding the field at a dotted `path`, and the field's name."""
    head, _, rest = path.partition(".")
    if not rest:
        return (obj, head) if head in obj else None
    child = obj.get(head)
    return parent_of(child, rest) if isinstance(child, dict) else None


def as_text(value: Any) -> str:
    """A value as the mapping compares it: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


@dataclass
class Rules:
    renames: list[tuple[str, str]] = field(default_factory=list)
    maps: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    require: str | None = None

    @staticmethod
    def parse(config: dict[str, str]) -> Rules:
        rules = Rules()
        for key, value in config.items():
            if key == "rename":
                rules.renames = pairs(key, value)
            elif key == "drop":
                rules.drops = [d.strip() for d in value.split(",") if d.strip()]
            elif key == "require":
                rules.require = value.strip()
            elif key.startswith("map.") and len(key) > 4:
                rules.maps.append((key[4:], dict(pairs(key, value))))
            else:
                raise polyplug.PluginError(f"unknown config key `{key}`; known keys: rename, drop, require, map.<field>")
        return rules

    def apply(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The rules applied; `None` when the message is filtered out."""
        for source, target in self.renames:
            value = take(obj, source)
            if value is not _MISSING:
                put(obj, target, value)
        for path, mapping in self.maps:
            found = parent_of(obj, path)
            if found is not None:
                holder, name = found
                mapped = mapping.get(as_text(holder[name]))
                if mapped is not None:
                    holder[name] = mapped
        for path in self.drops:
            take(obj, path)
        if self.require is not None and parent_of(obj, self.require) is None:
            return None
        return obj


class JsonReshaper(Transform):
    name = "transform-python"
    version = "0.1.0"
    description = "Renames, maps, drops and filters fields of JSON messages"

    rules = Rules()

    def init(self, config: dict[str, str]) -> None:
        self.rules = Rules.parse(config)
        log.debug(f"{len(self.rules.renames)} renames, {len(self.rules.maps)} value maps, {len(self.rules.drops)} drops")

    def transform(self, input: Message) -> Message | None:
        try:
            obj = json.loads(input.payload)
        except ValueError as e:
            raise polyplug.PluginError(f"payload is not JSON: {e}") from None
        if not isinstance(obj, dict):
            raise polyplug.PluginError(f"payload is JSON but not an object (found {kind(obj)})")
        obj = self.rules.apply(obj)
        if obj is None:
            return None
        return Message(
            payload=json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
            content_type="application/json",
            headers=[*input.headers, ("x-transformed-by", self.name)],
        )


polyplug.export(JsonReshaper())
