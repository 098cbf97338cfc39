"""Aggregates, arithmetic and logic: SUM ... MEDIAN, COUNT(A/BLANK), SUMPRODUCT, ROUND, ABS,
MOD, LARGE, SMALL, AND, OR, NOT, IF, IFERROR.

Aggregates follow Excel: in a range (an :class:`Array`) only numbers count and text,
booleans and empty cells are skipped; a value typed directly is coerced (TRUE is 1, ``"3"``
is 3, other text is ``#VALUE!``); an error anywhere is the result.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .sheet_functions import function
from .sheet_values import (
    DIV0,
    NUM,
    VALUE,
    Array,
    ErrorValue,
    ExcelError,
    Result,
    Value,
    is_number,
    number_from_text,
    to_bool,
    to_number,
)


def numbers(args: Iterable[Result]) -> list[float]:
    """The numbers an aggregate sees in its arguments (see the module docstring)."""
    out: list[float] = []
    for arg in args:
        if isinstance(arg, Array):
            for v in arg.flat():
                if isinstance(v, ErrorValue):
                    raise ExcelError(v)
                if is_number(v):
                    out.append(float(v))  # type: ignore[arg-type]
        elif arg is not None:
            out.append(to_number(arg))
    return out


@function("SUM", "values", repeat=("values",), min_args=1)
def sum_(*args: Result) -> float:
    return math.fsum(numbers(args))


@function("AVERAGE", "values", repeat=("values",), min_args=1)
def average(*args: Result) -> float:
    xs = numbers(args)
    if not xs:
        raise ExcelError(DIV0)
    return math.fsum(xs) / len(xs)


@function("MIN", "values", repeat=("values",), min_args=1)
def min_(*args: Result) -> float:
    return min(numbers(args), default=0.0)


@function("MAX", "values", repeat=("values",), min_args=1)
def max_(*args: Result) -> float:
    return max(numbers(args), default=0.0)


@function("MEDIAN", "values", repeat=("values",), min_args=1)
def median(*args: Result) -> float:
    xs = numbers(args)
    if not xs:
        raise ExcelError(NUM)
    return float(statistics.median(xs))


def _counts_directly(v: Value) -> bool:
    return (
        is_number(v)
        or isinstance(v, bool)
        or (isinstance(v, str) and number_from_text(v) is not None)
    )


@function("COUNT", "values", repeat=("values",), min_args=1)
def count(*args: Result) -> float:
    n = 0
    for arg in args:
        if isinstance(arg, Array):
            n += sum(1 for v in arg.flat() if is_number(v))
        else:
            n += _counts_directly(arg)
    return float(n)


@function("COUNTA", "values", repeat=("values",), min_args=1)
def counta(*args: Result) -> float:
    n = 0
    for arg in args:
        values = arg.flat() if isinstance(arg, Array) else [arg]
        n += sum(1 for v in values if v is not None)
    return float(n)


@function("COUNTBLANK", "array")
def countblank(rng: Array) -> float:
    return float(sum(1 for v in rng.flat() if v is None or v == ""))


@function("SUMPRODUCT", "array", repeat=("array",), min_args=1)
def sumproduct(*arrays: Array) -> float:
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        raise ExcelError(VALUE)
    total = []
    for cells in zip(*(a.flat() for a in arrays), strict=True):
        product = 1.0
        for v in cells:
            if isinstance(v, ErrorValue):
                raise ExcelError(v)
            product *= float(v) if is_number(v) else 0.0  # type: ignore[arg-type]
        total.append(product)
    return math.fsum(total)


def round_half_away(x: float, digits: int) -> float:
    """Round as Excel: half away from zero, on the number's 15 significant digits
    (so ROUND(2.675, 2) is 2.68 although the double is just below 2.675)."""
    if digits > 15:
        return x
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(f"{x:.15g}")
        if not exact.is_finite() or exact.as_tuple().exponent >= -digits:  # type: ignore[operator]
            return x  # no digit below the rounding position (1E+300 to 2 places)
        return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


@function("ROUND", "scalar", "scalar")
def round_(x: Value, digits: Value) -> float:
    return round_half_away(to_number(x), int(to_number(digits)))


@function("ABS", "scalar")
def abs_(x: Value) -> float:
    return abs(to_number(x))


@function("MOD", "scalar", "scalar")
def mod(x: Value, divisor: Value) -> float:
    d = to_number(divisor)
    if d == 0:
        raise ExcelError(DIV0)
    return to_number(x) % d  # the sign of the divisor, as Excel


def _kth(rng: Array, k: Value, largest: bool) -> float:
    xs = sorted(numbers([rng]), reverse=largest)
    i = math.ceil(to_number(k))
    if i < 1 or i > len(xs):
        raise ExcelError(NUM)
    return xs[i - 1]


@function("LARGE", "array", "scalar")
def large(rng: Array, k: Value) -> float:
    return _kth(rng, k, largest=True)


@function("SMALL", "array", "scalar")
def small(rng: Array, k: Value) -> float:
    return _kth(rng, k, largest=False)


def _logicals(args: Iterable[Result]) -> list[bool]:
    out: list[bool] = []
    for arg in args:
        if isinstance(arg, Array):
            for v in arg.flat():
                if isinstance(v, ErrorValue):
                    raise ExcelError(v)
                if isinstance(v, bool) or is_number(v):
                    out.append(to_bool(v))
        elif arg is not None:
            out.append(to_bool(arg))
    if not out:
        raise ExcelError(VALUE)
    return out


@function("AND", "values", repeat=("values",), min_args=1)
def and_(*args: Result) -> bool:
    return all(_logicals(args))


@function("OR", "values", repeat=("values",), min_args=1)
def or_(*args: Result) -> bool:
    return any(_logicals(args))


@function("NOT", "scalar")
def not_(x: Value) -> bool:
    return not to_bool(x)


@function("IF", "scalar", "scalar", "scalar", min_args=2, errors_ok=True)
def if_(condition: Value, then: Value, otherwise: Value = False) -> Value:
    # errors_ok: an error in the branch not taken must not be the result.
    return then if to_bool(condition) else otherwise


@function("IFERROR", "scalar", "scalar", errors_ok=True)
def iferror(value: Value, fallback: Value) -> Value:
    return fallback if isinstance(value, ErrorValue) else value
