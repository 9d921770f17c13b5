"""The value types the generated world modules use for WIT's `result` and
nested `option`: `Ok`, `Err` and `Some`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, Union

T = TypeVar("T")
E = TypeVar("E")

__all__ = ["Ok", "Err", "Some", "Result"]


@dataclass(slots=True)
class Ok(Generic[T]):
    """The `ok` side of a WIT `result<T, E>`: `Ok(value)`, or `Ok()` when the
    `ok` side carries no payload (`result<_, E>`)."""

    value: T = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Ok()" if self.value is None else f"Ok({self.value!r})"


@dataclass(slots=True)
class Err(Generic[E]):
    """The `err` side of a WIT `result<T, E>`: a normal answer (HTTP 200,
    `{"tag": "err", "val": …}`), not a failure. `Err()` when the `err` side
    carries no payload (`result<T>`)."""

    value: E = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Err()" if self.value is None else f"Err({self.value!r})"


@dataclass(slots=True)
class Some(Generic[T]):
    """`some(x)` of an option whose payload is itself an option
    (`option<option<u32>>` is `Optional[Some[Optional[int]]]`): `None` is
    `none`, `Some(None)` is `some(none)`, `Some(3)` is `some(some(3))`. A plain
    `option<T>` is just `Optional[T]`, with no `Some`."""

    value: T

    def __repr__(self) -> str:
        return f"Some({self.value!r})"


#: A WIT `result<T, E>`: `Ok[T]` or `Err[E]`.
Result = Union[Ok[T], Err[E]]
