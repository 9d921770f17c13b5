"""The conformance world implemented with the Python SDK (sdk/python): every
WIT type, with the behaviour wit/conformance.wit documents for each function
(the same as tests/conformance/rust, which the host tests hold both to)."""

import gc
import math
import struct
from typing import Optional

import polyplug
from polyplug import config, kv, log, secrets
from polyplug.conformance import (
    Color,
    Conformance,
    Counter,
    Everything,
    Failure,
    Permissions,
    Point,
    Shape,
    Shape_Circle,
    Shape_Empty,
    Shape_Polygon,
    Shape_Rectangle,
    Some,
)


def wrap(value: int, bits: int, signed: bool) -> int:
    """`value` wrapped to an integer of `bits` bits, as Rust's wrapping arithmetic does."""
    value &= (1 << bits) - 1
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def f32(x: float) -> float:
    """`x` rounded to the nearest f32 (overflowing to infinity), as f32 arithmetic does."""
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


#: The counters made and not yet dropped by the host.
live = 0


class PythonCounter(Counter):
    def __init__(self, start: int) -> None:
        global live
        live += 1
        self.current = start

    def __del__(self) -> None:
        # componentize-py lets go of a counter when the host drops it.
        global live
        live -= 1

    def increment(self, by: int) -> int:
        self.current = wrap(self.current + by, 64, True)
        return self.current

    def value(self) -> int:
        return self.current

    def fork(self) -> "PythonCounter":
        return PythonCounter(self.current)


class ConformancePython(Conformance):
    name = "conformance-python"
    version = "0.1.0"
    description = "Every WIT type, in Python"

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
        return f32(x * 2.0)

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
            case Shape_Circle(r):
                return math.pi * r * r
            case Shape_Rectangle((w, h)):
                return w * h
            case Shape_Polygon(points):
                n = len(points)
                twice = sum(points[i].x * points[(i + 1) % n].y - points[(i + 1) % n].x * points[i].y for i in range(n))
                return abs(twice) / 2.0
            case Shape_Empty():
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

    def parse_number(self, s: str) -> int:
        if s == "":
            raise polyplug.PluginError(Failure.EMPTY_INPUT)
        if len(s.encode("utf-8")) > 10 or not (s.isascii() and s.isdigit()):
            raise polyplug.PluginError(Failure.TOO_LONG)
        n = int(s)
        # Anything else that is not a u32 counts as too long: the WIT has no third case.
        if n > 0xFFFF_FFFF:
            raise polyplug.PluginError(Failure.TOO_LONG)
        return n

    def rotate_tuple(self, t: tuple[int, str, float]) -> tuple[float, int, str]:
        return (t[2], t[0], t[1])

    def echo_everything(self, e: Everything) -> Everything:
        return e

    def sum_counters(self, a: Counter, b: Counter) -> int:
        return wrap(a.value() + b.value(), 64, True)

    def live_counters(self) -> int:
        gc.collect()  # a dropped counter may still be in a reference cycle
        return live

    def host_round_trip(self, key: str, message: str) -> Optional[str]:
        log.info(message)
        value = config.get(key)
        if value is None:
            return None
        try:
            kv.set(key, value.encode("utf-8"))
        except kv.QuotaError:
            return None
        stored = kv.get(key)
        return None if stored is None else stored.decode("utf-8", errors="replace")

    def read_secret(self, name: str) -> str:
        try:
            return f"value:{secrets.get(name)}"
        except secrets.SecretError as e:
            return f"error:{e.kind}:{e}"


polyplug.export(ConformancePython())
