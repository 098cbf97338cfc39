"""Spreadsheet values: numbers, text, booleans, empty cells, error values and arrays.

A value is ``float | str | bool | None | ErrorValue``; ``None`` is an empty cell. Numbers are
floats everywhere, as in Excel (the JSON views print integral floats as integers). Dates are
ISO-8601 text (CONVENTIONS), so they sort and compare as text.

Coercions follow Excel: in arithmetic, TRUE is 1, an empty cell 0 and text that reads as a
number that number (other text is ``#VALUE!``); in text contexts numbers take Excel's general
format (15 significant digits). Comparison orders numbers before text before booleans, and
compares text case-insensitively. Functions signal an error value by raising
:class:`ExcelError`, which the dispatcher turns back into the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class ErrorValue:
    """An Excel error value such as ``#DIV/0!``; it propagates through formulas as a value."""

    code: str

    def __str__(self) -> str:
        return self.code


DIV0 = ErrorValue("#DIV/0!")
NA = ErrorValue("#N/A")
NAME = ErrorValue("#NAME?")
NULL = ErrorValue("#NULL!")
NUM = ErrorValue("#NUM!")
REF = ErrorValue("#REF!")
VALUE = ErrorValue("#VALUE!")
CALC = ErrorValue("#CALC!")
#: Not an Excel code: Excel warns about a circular reference and shows 0; we make the cells
#: of a cycle an error value instead, like LibreOffice's Err:522, so nothing is silently 0.
CYCLE = ErrorValue("#CYCLE!")

ERRORS: dict[str, ErrorValue] = {
    e.code: e for e in (DIV0, NA, NAME, NULL, NUM, REF, VALUE, CALC, CYCLE)
}

Value = Union[float, str, bool, None, ErrorValue]  # noqa: UP007 - a runtime alias


class ExcelError(Exception):
    """Raised inside function implementations to return an error value."""

    def __init__(self, error: ErrorValue) -> None:
        super().__init__(error.code)
        self.error = error


@dataclass(frozen=True)
class Array:
    """A rectangular block of values (a range's values or a computed array), row-major."""

    rows: tuple[tuple[Value, ...], ...]

    @classmethod
    def of(cls, rows: list[list[Value]] | list[tuple[Value, ...]]) -> Array:
        return cls(tuple(tuple(r) for r in rows))

    @classmethod
    def column(cls, values: list[Value]) -> Array:
        return cls(tuple((v,) for v in values))

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    def flat(self) -> Iterator[Value]:
        for row in self.rows:
            yield from row

    def at(self, i: int, j: int) -> Value:
        return self.rows[i][j]

    def map(self, fn: Callable[[Value], Value]) -> Array:
        return Array(tuple(tuple(fn(v) for v in row) for row in self.rows))


Result = Union[Value, Array]  # noqa: UP007 - what evaluating an expression gives


def is_number(value: object) -> bool:
    """A number value (booleans are not numbers, as in Excel)."""
    return isinstance(value, float | int) and not isinstance(value, bool)


def number_from_text(text: str) -> float | None:
    """The number a text reads as (Excel's coercion of ``"3"`` or ``" 1e3 "``), else None."""
    stripped = text.strip()
    if not stripped or stripped.lower().lstrip("+-") in {"inf", "infinity", "nan"}:
        return None
    try:
        return float(stripped)
    except ValueError:
        return None


def to_number(value: Value) -> float:
    """The number for arithmetic; raises :class:`ExcelError` for errors and non-numeric text."""
    if isinstance(value, ErrorValue):
        raise ExcelError(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value is None:
        return 0.0
    if isinstance(value, str):
        number = number_from_text(value)
        if number is None:
            raise ExcelError(VALUE)
        return number
    return float(value)


def to_bool(value: Value) -> bool:
    """The truth value (non-zero numbers are TRUE; text other than TRUE/FALSE is #VALUE!)."""
    if isinstance(value, ErrorValue):
        raise ExcelError(value)
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        upper = value.strip().upper()
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
        raise ExcelError(VALUE)
    return value != 0


def number_text(x: float) -> str:
    """A number in Excel's general format: integers plainly, else 15 significant digits."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.15g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    return text


def to_text(value: Value) -> str:
    """The text of a value as ``&`` and the text functions see it."""
    if isinstance(value, ErrorValue):
        raise ExcelError(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return number_text(float(value))


def checked(x: float) -> float:
    """``x`` if finite, else #NUM! (Excel has no infinities or NaN)."""
    if math.isnan(x) or math.isinf(x):
        raise ExcelError(NUM)
    return x


# Excel orders mixed types: numbers < text < booleans (error values never compare).
_TYPE_RANK = {float: 0, int: 0, str: 1, bool: 2}


def _blank_like(other: Value) -> Value:
    """What an empty cell counts as when compared with ``other``."""
    if isinstance(other, bool):
        return False
    if isinstance(other, str):
        return ""
    return 0.0


def compare(a: Value, b: Value) -> int:
    """-1, 0 or 1 as Excel's comparison operators order ``a`` and ``b``.

    Raises:
        ExcelError: either side is an error value.
    """
    for side in (a, b):
        if isinstance(side, ErrorValue):
            raise ExcelError(side)
    if a is None and b is None:
        return 0
    if a is None:
        a = _blank_like(b)
    if b is None:
        b = _blank_like(a)
    ra, rb = _TYPE_RANK[type(a)], _TYPE_RANK[type(b)]
    if ra != rb:
        return -1 if ra < rb else 1
    if isinstance(a, str):
        x, y = a.lower(), str(b).lower()
        return (x > y) - (x < y)
    return (a > b) - (a < b)  # type: ignore[operator]


def normalise(value: object) -> Value:
    """A Python scalar as a sheet value (int -> float); raises TypeError for other types."""
    if value is None or isinstance(value, bool | str | ErrorValue):
        return value  # type: ignore[return-value]
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"not a cell value: {value!r}")


def to_json_value(value: Value) -> object:
    """A value for JSON: integral floats as int, error values as their code."""
    if isinstance(value, ErrorValue):
        return value.code
    if isinstance(value, float) and value == int(value) and abs(value) < 2**53:
        return int(value)
    return value


def same_value(a: object, b: object, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> bool:
    """Denotation equality of two values: numbers within ``rel_tol`` relative (and a tiny
    ``abs_tol`` for results that should be zero), text and booleans exactly, an error value
    equal to itself or to its code as text, empty equal to empty."""
    if isinstance(a, ErrorValue):
        a = a.code
    if isinstance(b, ErrorValue):
        b = b.code
    if is_number(a) and is_number(b):
        return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=abs_tol)  # type: ignore[arg-type]
    return type(a) is type(b) and a == b


def _element(operand: Result, i: int, j: int) -> Value:
    """Element ``(i, j)`` of an operand broadcast to a larger shape, as Excel pads arrays:
    a scalar or 1x1 array everywhere, a single row down, a single column across, ``#N/A``
    outside a larger array's own shape."""
    if not isinstance(operand, Array):
        return operand
    h, w = operand.shape
    if h == 1 and w == 1:
        return operand.rows[0][0]
    i = 0 if h == 1 else i
    j = 0 if w == 1 else j
    return operand.rows[i][j] if i < h and j < w else NA


def elementwise(fn: Callable[..., Value], *operands: Result) -> Result:
    """``fn`` applied to scalars, or element by element when an operand is an array."""
    arrays = [o for o in operands if isinstance(o, Array)]
    if not arrays:
        return fn(*operands)
    h = max(a.height for a in arrays)
    w = max(a.width for a in arrays)
    return Array(
        tuple(tuple(fn(*(_element(o, i, j) for o in operands)) for j in range(w)) for i in range(h))
    )
