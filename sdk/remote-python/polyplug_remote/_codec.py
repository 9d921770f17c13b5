"""The JSON mapping of WIT values (`docs/json-mapping.md`) as codecs.

A generated world module builds one `Codec` per WIT type once, at import,
from the constructors here (`record(...)`, `list_(...)`, ...). A codec's
`decode` turns a JSON value (as `orjson` parsed it) into the typed Python
value, refusing anything that does not fit; its `encode` turns a typed
Python value into a JSON value for `orjson` to write. Both raise
`ValueMismatch`, which names the path to the bad part.

The codecs are closures over everything they need, so that a call does no
reflection: no type inspection, no attribute name lookups built per call.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import operator
import re
import struct
from typing import Any, Callable, Optional, Sequence

from ._types import Err, Ok, Some

__all__ = ["ValueMismatch", "Codec"]

# The largest integer magnitude a JSON number carries exactly everywhere.
_EXACT_JSON_INT = 1 << 53
_F32 = struct.Struct("<f")
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*\Z")
_FLOAT_NAMES = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_INF = float("inf")


class ValueMismatch(Exception):
    """A value that does not fit its WIT type: where, what the type wanted, what was found."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(expected, found)
        self.expected = expected
        self.found = found
        # Path segments from the innermost outwards: `str` a field, `int` an index.
        self.segments: list[Any] = []

    def at(self, segment: Any) -> "ValueMismatch":
        self.segments.append(segment)
        return self

    def path(self, root: str = "$") -> str:
        out = [root]
        for segment in reversed(self.segments):
            out.append(f"[{segment}]" if type(segment) is int else f".{segment}")
        return "".join(out)

    def message(self, root: str = "$") -> str:
        return f"at {self.path(root)}: expected {self.expected}, found {self.found}"

    def __str__(self) -> str:
        return self.message()


def _shorten(text: str) -> str:
    return text if len(text) <= 80 else text[:80] + "…"


def describe_json(value: Any) -> str:
    """A JSON value as error messages show it (as polyplug-value does)."""
    t = type(value)
    if value is None:
        return "null"
    if t is bool:
        text = "boolean true" if value else "boolean false"
    elif t is int or t is float:
        text = f"number {value!r}"
    elif t is str:
        text = "string " + json.dumps(value, ensure_ascii=False)
    elif t is list:
        text = f"an array of {len(value)} items"
    elif t is dict:
        text = f"an object with keys [{', '.join(sorted(value))}]"
    else:
        text = f"{t.__name__} {value!r}"
    return _shorten(text)


def describe_python(value: Any) -> str:
    """A Python value an author returned, as error messages show it."""
    if value is None:
        return "None"
    return _shorten(f"{type(value).__name__} {value!r}")


class Codec:
    """One WIT type's JSON mapping: `decode(json) -> value`, `encode(value) -> json`."""

    __slots__ = ("wit", "decode", "encode", "plain", "is_option")

    def __init__(
        self,
        wit: str,
        decode: Callable[[Any], Any],
        encode: Callable[[Any], Any],
        plain: Optional[type] = None,
        is_option: bool = False,
    ) -> None:
        #: The type as WIT spells it, e.g. `list<string>` or `record point`.
        self.wit = wit
        self.decode = decode
        self.encode = encode
        # The JSON type that decodes and encodes to itself (`str` for `string`), if any.
        self.plain = plain
        # Whether the type is an `option` (a missing record field is `none`; an
        # option of it uses the explicit `{"some": …}` form).
        self.is_option = is_option

    def __repr__(self) -> str:
        return f"Codec({self.wit})"


def _refuse(expected: str) -> Callable[[Any], ValueMismatch]:
    return lambda value: ValueMismatch(expected, describe_python(value))


# ---------------------------------------------------------------------------
# Scalars


def _integer(wit: str, lo: int, hi: int) -> Codec:
    wide = hi > (1 << 32)
    expected = f"{wit} (a whole number from {lo} to {hi}{', as a number or a string' if wide else ''})"

    def decode(value: Any) -> int:
        t = type(value)
        if t is int:
            if lo <= value <= hi:
                return value
        elif t is str and _INTEGER_TEXT.match(value):
            try:
                number = int(value)
            except ValueError:  # more digits than Python converts
                number = hi + 1
            if lo <= number <= hi:
                return number
        raise ValueMismatch(expected, describe_json(value))

    refuse = _refuse(expected)

    def check(value: Any) -> int:
        if type(value) is not int:
            if isinstance(value, int) and not isinstance(value, bool):
                value = int(value)
            else:
                raise refuse(value)
        if lo <= value <= hi:
            return value
        raise refuse(value)

    if wide:

        def encode(value: Any) -> Any:
            value = check(value)
            return value if -_EXACT_JSON_INT <= value <= _EXACT_JSON_INT else str(value)

    else:
        encode = check
    return Codec(wit, decode, encode)


U8 = _integer("u8", 0, 0xFF)
U16 = _integer("u16", 0, 0xFFFF)
U32 = _integer("u32", 0, 0xFFFF_FFFF)
U64 = _integer("u64", 0, 0xFFFF_FFFF_FFFF_FFFF)
S8 = _integer("s8", -0x80, 0x7F)
S16 = _integer("s16", -0x8000, 0x7FFF)
S32 = _integer("s32", -0x8000_0000, 0x7FFF_FFFF)
S64 = _integer("s64", -0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF)


def _bool_decode(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise ValueMismatch("bool (true or false)", describe_json(value))


def _bool_encode(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise ValueMismatch("bool (True or False)", describe_python(value))


BOOL = Codec("bool", _bool_decode, _bool_encode, bool)


def _float_in(wit: str) -> Callable[[Any], float]:
    expected = f'{wit} (a number, or "NaN", "Infinity", "-Infinity")'

    def decode(value: Any) -> float:
        t = type(value)
        if t is float:
            return value
        if t is int:
            return float(value)
        if t is str:
            special = _FLOAT_NAMES.get(value)
            if special is not None:
                return special
        raise ValueMismatch(expected, describe_json(value))

    return decode


def _float_out(value: float) -> Any:
    if value - value == 0.0:  # finite
        return value
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _as_float(wit: str) -> Callable[[Any], float]:
    refuse = _refuse(f"{wit} (a float)")

    def to_float(value: Any) -> float:
        t = type(value)
        if t is float:
            return value
        if (t is int or isinstance(value, (int, float))) and t is not bool:
            try:
                return float(value)
            except OverflowError:
                return _INF if value > 0 else -_INF
        raise refuse(value)

    return to_float


_f64_in = _float_in("f64")
_f64_float = _as_float("f64")


def _f64_encode(value: Any) -> Any:
    return _float_out(value if type(value) is float else _f64_float(value))


F64 = Codec("f64", _f64_in, _f64_encode)

_f32_in = _float_in("f32")
_f32_float = _as_float("f32")
_pack, _unpack = _F32.pack, _F32.unpack


def _f32_decode(value: Any) -> float:
    wide = _f32_in(value)
    try:
        return _unpack(_pack(wide))[0]
    except OverflowError:
        raise ValueMismatch("f32 (a number within ±3.4e38)", describe_json(value)) from None


def _f32_encode(value: Any) -> Any:
    wide = _f32_float(value)
    try:
        narrow = _unpack(_pack(wide))[0]
    except OverflowError:  # rounds to an infinity, as an f32 operation would
        narrow = _INF if wide > 0 else -_INF
    return _float_out(narrow)


F32 = Codec("f32", _f32_decode, _f32_encode)


def _char_decode(value: Any) -> str:
    if type(value) is str and len(value) == 1 and not ("\ud800" <= value <= "\udfff"):
        return value
    raise ValueMismatch("char (a string of exactly one character)", describe_json(value))


def _char_encode(value: Any) -> str:
    if type(value) is str and len(value) == 1 and not ("\ud800" <= value <= "\udfff"):
        return value
    raise ValueMismatch("char (a str of exactly one Unicode scalar value)", describe_python(value))


CHAR = Codec("char", _char_decode, _char_encode)


def _string_decode(value: Any) -> str:
    # orjson refuses lone surrogates while parsing, so every `str` is valid Unicode.
    if type(value) is str:
        return value
    raise ValueMismatch("string", describe_json(value))


def _string_encode(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str(value)
    raise ValueMismatch("string (a str)", describe_python(value))


STRING = Codec("string", _string_decode, _string_encode, str)


# ---------------------------------------------------------------------------
# list<u8>

_BYTES_EXPECTED = "list<u8> (a base64 string, or an array of numbers 0 to 255)"


def _bytes_decode(value: Any) -> bytes:
    t = type(value)
    if t is str:
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as e:
            raise ValueMismatch(_BYTES_EXPECTED, f"a string that is not base64 ({e})") from None
        # Canonical base64 only: the unused bits of the last group must be zero.
        tail = len(value) % 4 == 0 and value[-4:]
        if tail and tail[-1] == "=" and base64.b64encode(base64.b64decode(tail)).decode("ascii") != tail:
            raise ValueMismatch(_BYTES_EXPECTED, "a string that is not base64 (its last group has bits set past the data)")
        return data
    if t is list:
        return bytes(_u8_items(value))
    raise ValueMismatch(_BYTES_EXPECTED, describe_json(value))


def _u8_items(items: list) -> list:
    for item in items:
        if type(item) is not int or not 0 <= item <= 255:
            raise _locate(items, U8.decode)
    return items


def _bytes_encode(value: Any) -> str:
    t = type(value)
    if t is bytes or t is bytearray or t is memoryview:
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (list, tuple)):
        encode = U8.encode
        for i, item in enumerate(value):
            try:
                encode(item)
            except ValueMismatch as e:
                raise e.at(i)
        return base64.b64encode(bytes(value)).decode("ascii")
    raise ValueMismatch("list<u8> (bytes)", describe_python(value))


BYTES = Codec("list<u8>", _bytes_decode, _bytes_encode)


# ---------------------------------------------------------------------------
# Compound types


def _locate(items: Sequence[Any], each: Callable[[Any], Any]) -> ValueMismatch:
    """The error of the first item `each` refuses, at its index (the slow path
    of a list whose comprehension failed)."""
    for i, item in enumerate(items):
        try:
            each(item)
        except ValueMismatch as e:
            return e.at(i)
    return ValueMismatch("a value that converts the same way twice", "one that did not")


def list_(inner: Codec) -> Codec:
    """`list<T>` as `list[T]`."""
    wit = f"list<{inner.wit}>"
    expected = f"{wit} (an array)"
    item_in, item_out, plain = inner.decode, inner.encode, inner.plain

    def decode(value: Any) -> list:
        if type(value) is not list:
            raise ValueMismatch(expected, describe_json(value))
        if plain is not None:
            for item in value:
                if type(item) is not plain:
                    break
            else:
                return value
        try:
            return [item_in(item) for item in value]
        except ValueMismatch:
            raise _locate(value, item_in) from None

    refuse = _refuse(f"{wit} (a list)")

    def encode(value: Any) -> list:
        t = type(value)
        if t is not list and t is not tuple:
            raise refuse(value)
        try:
            return [item_out(item) for item in value]
        except ValueMismatch:
            raise _locate(value, item_out) from None

    return Codec(wit, decode, encode)


def tuple_(items: Sequence[Codec]) -> Codec:
    """`tuple<A, B, …>` as `tuple[A, B, …]`."""
    wit = f"tuple<{', '.join(c.wit for c in items)}>"
    n = len(items)
    expected = f"{wit} (an array)"
    expected_len = f"{wit} (an array of {n} items)"
    ins = tuple(c.decode for c in items)
    outs = tuple(c.encode for c in items)

    def decode(value: Any) -> tuple:
        if type(value) is not list:
            raise ValueMismatch(expected, describe_json(value))
        if len(value) != n:
            raise ValueMismatch(expected_len, describe_json(value))
        i = 0
        try:
            out = []
            for i, each in enumerate(ins):
                out.append(each(value[i]))
            return tuple(out)
        except ValueMismatch as e:
            raise e.at(i)

    refuse = _refuse(f"{wit} (a tuple of {n} items)")

    def encode(value: Any) -> list:
        t = type(value)
        if (t is not tuple and t is not list) or len(value) != n:
            raise refuse(value)
        i = 0
        try:
            out = []
            for i, each in enumerate(outs):
                out.append(each(value[i]))
            return out
        except ValueMismatch as e:
            raise e.at(i)

    return Codec(wit, decode, encode)


def record(wit: str, cls: type, fields: Sequence[tuple[str, str, Codec]]) -> Codec:
    """A record as the dataclass `cls`; `fields` are (WIT name, attribute, codec)
    in declaration order, which is the order of `cls`'s constructor."""
    expected = f"{wit} (an object with fields [{', '.join(f[0] for f in fields)}])"
    plan = tuple((name, codec.decode, codec.is_option, codec.wit) for name, _, codec in fields)
    names = tuple(f[0] for f in fields)
    outs = tuple(codec.encode for _, _, codec in fields)
    getter = operator.attrgetter(*(f[1] for f in fields)) if fields else (lambda value: ())
    single = len(fields) == 1
    missing = object()

    def decode(value: Any) -> Any:
        if type(value) is not dict:
            raise ValueMismatch(expected, describe_json(value))
        args = []
        present = 0
        get = value.get
        for name, each, optional, field_wit in plan:
            item = get(name, missing)
            if item is missing:
                if optional:
                    args.append(None)
                    continue
                raise ValueMismatch(f"field `{name}` of type {field_wit}", "no such key")
            present += 1
            try:
                args.append(each(item))
            except ValueMismatch as e:
                raise e.at(name)
        if present != len(value):
            unknown = next(k for k in value if k not in names)
            raise ValueMismatch(expected, f"an unknown field `{unknown}`")
        return cls(*args)

    refuse = _refuse(f"{wit} ({cls.__name__})")

    def encode(value: Any) -> dict:
        if type(value) is not cls and not isinstance(value, cls):
            raise refuse(value)
        values = getter(value)
        if single:
            values = (values,)
        out = {}
        for name, each, item in zip(names, outs, values):
            try:
                out[name] = each(item)
            except ValueMismatch as e:
                raise e.at(name)
        return out

    return Codec(wit, decode, encode)


def _tagged(expected: str, value: Any) -> tuple[str, Any]:
    """The tag and `val` (or `missing`) of `{"tag": …, "val": …}`."""
    if type(value) is not dict:
        raise ValueMismatch(expected, describe_json(value))
    tag = value.get("tag")
    if type(tag) is not str:
        raise ValueMismatch(expected, describe_json(value))
    if len(value) > 1:
        for key in value:
            if key != "tag" and key != "val":
                raise ValueMismatch(expected, f"an unexpected key `{key}`")
    return tag, value.get("val", _MISSING)


_MISSING = object()


def _payload_in(case: str, codec: Optional[Codec], val: Any) -> Any:
    if codec is not None:
        if val is _MISSING:
            raise ValueMismatch(f"a `val` of type {codec.wit} for case `{case}`", "no `val`")
        try:
            return codec.decode(val)
        except ValueMismatch as e:
            raise e.at("val")
    if val is _MISSING or val is None:
        return None
    raise ValueMismatch(f"no `val`: case `{case}` carries no payload", describe_json(val)).at("val")


def variant(wit: str, cases: Sequence[tuple[str, type, Optional[Codec]]]) -> Codec:
    """A variant as one class per case (payload in `.value`); `cases` are
    (WIT name, class, payload codec or None)."""
    expected = f"{wit} ({{\"tag\": one of [{', '.join(c[0] for c in cases)}], \"val\": …}})"
    by_tag = {name: (cls, codec) for name, cls, codec in cases}
    by_type = {cls: (name, None if codec is None else codec.encode) for name, cls, codec in cases}
    classes = tuple(cls for _, cls, _ in cases)

    def decode(value: Any) -> Any:
        if type(value) is str:
            case = by_tag.get(value)
            if case is not None and case[1] is None:
                return case[0]()
            raise ValueMismatch(expected, describe_json(value))
        tag, val = _tagged(expected, value)
        case = by_tag.get(tag)
        if case is None:
            raise ValueMismatch(expected, describe_json(value))
        cls, codec = case
        if codec is None:
            _payload_in(tag, None, val)
            return cls()
        return cls(_payload_in(tag, codec, val))

    refuse = _refuse(f"{wit} (one of {', '.join(c.__name__ for c in classes)})")

    def encode(value: Any) -> dict:
        case = by_type.get(type(value))
        if case is None:
            case = next((by_type[c] for c in classes if isinstance(value, c)), None)
            if case is None:
                raise refuse(value)
        tag, each = case
        if each is None:
            return {"tag": tag}
        try:
            return {"tag": tag, "val": each(value.value)}
        except ValueMismatch as e:
            raise e.at("val")

    return Codec(wit, decode, encode)


def enum_(wit: str, cls: type[enum.Enum]) -> Codec:
    """An enum as the `enum.Enum` `cls`, whose values are the WIT case names."""
    members = {m.value: m for m in cls}
    expected = f"{wit} (one of the strings [{', '.join(members)}])"
    names = {m: m.value for m in cls}

    def decode(value: Any) -> Any:
        if type(value) is str:
            member = members.get(value)
            if member is not None:
                return member
        raise ValueMismatch(expected, describe_json(value))

    refuse = _refuse(f"{wit} ({cls.__name__}, or one of the strings [{', '.join(members)}])")

    def encode(value: Any) -> str:
        name = names.get(value) if type(value) is cls else None
        if name is None:
            if type(value) is str and value in members:
                return value
            raise refuse(value)
        return name

    return Codec(wit, decode, encode)


def flags(wit: str, cls: type[enum.Flag], wit_names: Sequence[str]) -> Codec:
    """Flags as the `enum.Flag` `cls`, whose members are the WIT flags
    `wit_names` in declaration order, with bit `1 << i`."""
    order = tuple((name, 1 << i) for i, name in enumerate(wit_names))
    bits = dict(order)
    expected = f"{wit} (an array of names from [{', '.join(wit_names)}])"

    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise ValueMismatch(expected, describe_json(value))
        set_bits = 0
        for i, item in enumerate(value):
            bit = bits.get(item) if type(item) is str else None
            if bit is None:
                raise ValueMismatch(expected, describe_json(item)).at(i)
            set_bits |= bit
        return cls(set_bits)

    refuse = _refuse(f"{wit} ({cls.__name__})")

    def encode(value: Any) -> list:
        if type(value) is not cls:
            raise refuse(value)
        set_bits = value._value_
        return [name for name, bit in order if set_bits & bit]

    return Codec(wit, decode, encode)


def option(inner: Codec) -> Codec:
    """`option<T>` as `Optional[T]`; when `T` is itself an option, `some` is `Some(x)`."""
    wit = f"option<{inner.wit}>"
    item_in, item_out = inner.decode, inner.encode
    if not inner.is_option:

        def decode(value: Any) -> Any:
            return None if value is None else item_in(value)

        def encode(value: Any) -> Any:
            return None if value is None else item_out(value)

        return Codec(wit, decode, encode, is_option=True)

    expected = f'{wit} (null, or {{"some": …}} because the inner type is an option too)'

    def decode_nested(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is dict and len(value) == 1 and "some" in value:
            try:
                return Some(item_in(value["some"]))
            except ValueMismatch as e:
                raise e.at("some")
        raise ValueMismatch(expected, describe_json(value))

    refuse = _refuse(f"{wit} (None or Some(…))")

    def encode_nested(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, Some):
            raise refuse(value)
        try:
            return {"some": item_out(value.value)}
        except ValueMismatch as e:
            raise e.at("some")

    return Codec(wit, decode_nested, encode_nested, is_option=True)


def result(ok: Optional[Codec], err: Optional[Codec]) -> Codec:
    """`result<T, E>` as `Ok(value)` or `Err(value)` (`Ok()`/`Err()` for a side without payload)."""
    if ok is None and err is None:
        wit = "result"
    elif err is None:
        wit = f"result<{ok.wit}>"
    elif ok is None:
        wit = f"result<_, {err.wit}>"
    else:
        wit = f"result<{ok.wit}, {err.wit}>"
    expected = f'{wit} ({{"tag": "ok" or "err", "val": …}})'

    def decode(value: Any) -> Any:
        tag, val = _tagged(expected, value)
        if tag == "ok":
            return Ok(_payload_in(tag, ok, val))
        if tag == "err":
            return Err(_payload_in(tag, err, val))
        raise ValueMismatch(expected, describe_json(value))

    def side(tag: str, codec: Optional[Codec]) -> Callable[[Any], dict]:
        if codec is None:

            def without(value: Any) -> dict:
                if value is not None:
                    raise ValueMismatch(f"no payload in {tag.capitalize()}() of {wit}", describe_python(value)).at("val")
                return {"tag": tag}

            return without
        each = codec.encode

        def with_payload(value: Any) -> dict:
            try:
                return {"tag": tag, "val": each(value)}
            except ValueMismatch as e:
                raise e.at("val")

        return with_payload

    ok_out, err_out = side("ok", ok), side("err", err)
    refuse = _refuse(f"{wit} (Ok(…) or Err(…))")

    def encode(value: Any) -> dict:
        t = type(value)
        if t is Ok:
            return ok_out(value.value)
        if t is Err:
            return err_out(value.value)
        if isinstance(value, Ok):
            return ok_out(value.value)
        if isinstance(value, Err):
            return err_out(value.value)
        raise refuse(value)

    return Codec(wit, decode, encode)

