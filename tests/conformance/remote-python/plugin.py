"""The conformance world as a remote plugin, with the remote Python SDK
(sdk/remote-python): every WIT type, with the behaviour
`wit/conformance.wit` documents for each function, as
tests/conformance/rust/src/lib.rs has it.

A remote serves neither resources (`counter`, `sum-counters`) nor the host
interfaces `host-round-trip` and `read-secret` call; `live-counters` is
served and is always 0, since no counter ever lives here.

    python plugin.py            # listens on $POLYPLUG_LISTEN, else 127.0.0.1:8080
"""

import math
from typing import Optional

from polyplug_remote import Err, Ok, PluginError, Result, Some
from polyplug_remote.worlds.conformance import (
    Color,
    WORLD,
    Conformance,
    Everything,
    Failure,
    Permissions,
    Point,
    Shape,
    ShapeCircle,
    ShapeEmpty,
    ShapePolygon,
    ShapeRectangle,
)


def wrap(value: int, bits: int, signed: bool) -> int:
    """`value` wrapped to an integer of `bits` bits, as Rust's wrapping arithmetic does."""
    value &= (1 << bits) - 1
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


class ConformanceRemotePython(Conformance):
    name = "conformance-remote-python"
    version = "0.1.0"
    description = "Every WIT type, as a remote plugin in Python"
    # Every served function is pure, so any may run twice for one call.
    idempotent = [f.path for f in WORLD.functions if f.name not in ("host-round-trip", "read-secret")]

    def inc_u8(self, x: int) -> int:
        return wrap(x + 1, 8, False)

    def inc_u16(self, x: int) -> int:
        return wrap(x + 1, 16, False)

    def inc_u32(self, x: int) -> int:
        return wrap(x + 1, 32, False)

    def inc_u64(self, x: int) -> int:
        return wrap(x + 1, 64, False)

    def neg_s8(self, x: int) -> int:
        return wrap(-x, 8, True)

    def neg_s16(self, x: int) -> int:
        return wrap(-x, 16, True)

    def neg_s32(self, x: int) -> int:
        return wrap(-x, 32, True)

    def neg_s64(self, x: int) -> int:
        return wrap(-x, 64, True)

    def double_f32(self, x: float) -> float:
        # The SDK rounds the answer to f32 (overflowing to infinity), as `x * 2.0` in f32 does.
        return x * 2.0

    def double_f64(self, x: float) -> float:
        return x * 2.0

    def next_char(self, c: str) -> str:
        n = ord(c) + 1
        return c if 0xD800 <= n <= 0xDFFF or n > 0x10FFFF else chr(n)

    def not_bool(self, b: bool) -> bool:
        return not b

    def reverse_string(self, s: str) -> str:
        # A Python `str` is a sequence of code points: reversing it reverses scalar values.
        return s[::-1]

    def reverse_bytes(self, b: bytes) -> bytes:
        return b[::-1]

    def sum_list(self, xs: list[int]) -> int:
        return wrap(sum(xs), 64, True)

    def upper_all(self, xs: list[str]) -> list[str]:
        ascii_upper = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return [s.translate(ascii_upper) for s in xs]

    def move_point(self, p: Point, dx: int, dy: int) -> Point:
        return Point(x=wrap(p.x + dx, 32, True), y=wrap(p.y + dy, 32, True), label=f"{p.label} moved")

    def area(self, s: Shape) -> float:
        match s:
            case ShapeCircle(r):
                return math.pi * r * r
            case ShapeRectangle((w, h)):
                return w * h
            case ShapePolygon(points):
                n = len(points)
                twice = sum(points[i].x * points[(i + 1) % n].y - points[(i + 1) % n].x * points[i].y for i in range(n))
                return abs(twice) / 2.0
            case ShapeEmpty():
                return 0.0
        raise TypeError(f"not a shape: {s!r}")

    def next_color(self, c: Color) -> Color:
        return {Color.RED: Color.GREEN, Color.GREEN: Color.BLUE, Color.BLUE: Color.RED}[c]

    def toggle_permissions(self, p: Permissions) -> Permissions:
        return ~p

    def option_len(self, s: Optional[str]) -> Optional[int]:
        return None if s is None else len(s.encode("utf-8"))

    def nested_option(self, x: Optional[Some[Optional[int]]]) -> Optional[Some[Optional[int]]]:
        if x is None or x.value is None:
            return x
        return Some(wrap(x.value * 2, 32, False))

    def parse_number(self, s: str) -> Result[int, Failure]:
        if s == "":
            return Err(Failure.EMPTY_INPUT)
        if len(s.encode("utf-8")) > 10 or not (s.isascii() and s.isdigit()):
            return Err(Failure.TOO_LONG)
        n = int(s)
        # Anything else that is not a u32 counts as too long: the WIT has no third case.
        return Ok(n) if n <= 0xFFFF_FFFF else Err(Failure.TOO_LONG)

    def rotate_tuple(self, t: tuple[int, str, float]) -> tuple[float, int, str]:
        return (t[2], t[0], t[1])

    def echo_everything(self, e: Everything) -> Everything:
        return e

    def live_counters(self) -> int:
        return 0

    def host_round_trip(self, key: str, message: str) -> Optional[str]:
        raise PluginError(
            "UNIMPLEMENTED",
            "`all-types/host-round-trip` calls the host interfaces log, config and kv, which a remote plugin does not have",
        )

    def read_secret(self, name: str) -> str:
        raise PluginError(
            "UNIMPLEMENTED",
            "`all-types/read-secret` calls the host interface secrets, which a remote plugin does not have: it holds its own secrets",
        )


if __name__ == "__main__":
    ConformanceRemotePython().run()
