"""Text functions: LEN, UPPER, LOWER, TRIM, LEFT, RIGHT, MID, CONCAT.

Arguments are read as text the way ``&`` reads them (numbers in Excel's general format,
booleans as TRUE/FALSE, an empty cell as empty text).
"""

from __future__ import annotations

import re

from .sheet_functions import function
from .sheet_values import VALUE, Array, ErrorValue, ExcelError, Result, Value, to_number, to_text


def _count(n: Value) -> int:
    k = int(to_number(n))
    if k < 0:
        raise ExcelError(VALUE)
    return k


@function("LEN", "scalar")
def len_(text: Value) -> float:
    return float(len(to_text(text)))


@function("UPPER", "scalar")
def upper(text: Value) -> str:
    return to_text(text).upper()


@function("LOWER", "scalar")
def lower(text: Value) -> str:
    return to_text(text).lower()


@function("TRIM", "scalar")
def trim(text: Value) -> str:
    # Excel's TRIM removes spaces only (not tabs) and keeps single inner spaces.
    return re.sub(" +", " ", to_text(text).strip(" "))


@function("LEFT", "scalar", "scalar", min_args=1)
def left(text: Value, n: Value = 1.0) -> str:
    return to_text(text)[: _count(n)]


@function("RIGHT", "scalar", "scalar", min_args=1)
def right(text: Value, n: Value = 1.0) -> str:
    k = _count(n)
    return to_text(text)[-k:] if k else ""


@function("MID", "scalar", "scalar", "scalar")
def mid(text: Value, start: Value, n: Value) -> str:
    s = int(to_number(start))
    if s < 1:
        raise ExcelError(VALUE)
    return to_text(text)[s - 1 : s - 1 + _count(n)]


@function("CONCAT", "values", repeat=("values",), min_args=1, xlsx_prefix="_xlfn.")
def concat(*args: Result) -> str:
    parts: list[str] = []
    for arg in args:
        for v in arg.flat() if isinstance(arg, Array) else [arg]:
            if isinstance(v, ErrorValue):
                raise ExcelError(v)
            parts.append(to_text(v))
    return "".join(parts)
