"""Conditional aggregates and lookups: COUNTIF(S), SUMIF(S), AVERAGEIF(S), MINIFS, MAXIFS,
INDEX, MATCH, VLOOKUP, UNIQUE, FILTER.

Criteria are read by :mod:`sheet_criteria`. Ranges given together to an ``...IFS`` function
must have one shape (else ``#VALUE!``), as in Excel. MATCH and VLOOKUP with approximate
matching assume sorted data, as Excel does; they scan in order and stop at the first value
past the one looked up.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from .sheet_criteria import matcher, text_matches
from .sheet_functions import function
from .sheet_values import (
    CALC,
    DIV0,
    NA,
    REF,
    VALUE,
    Array,
    ErrorValue,
    ExcelError,
    Value,
    compare,
    is_number,
    to_bool,
    to_number,
)


def _matching(pairs: list[tuple[Array, Value]]) -> list[bool]:
    """For each cell position, whether every (range, criterion) pair matches there."""
    shape = pairs[0][0].shape
    if any(rng.shape != shape for rng, _ in pairs):
        raise ExcelError(VALUE)
    hits = [True] * (shape[0] * shape[1])
    for rng, criterion in pairs:
        match = matcher(criterion)
        for k, v in enumerate(rng.flat()):
            hits[k] = hits[k] and not isinstance(v, ErrorValue) and match(v)
    return hits


def _pairs(args: tuple) -> list[tuple[Array, Value]]:
    return [(args[i], args[i + 1]) for i in range(0, len(args), 2)]


def _selected(target: Array, hits: list[bool]) -> Iterator[float]:
    """Numbers of ``target`` where ``hits`` holds; an error there is the result."""
    for v, hit in zip(target.flat(), hits, strict=True):
        if hit:
            if isinstance(v, ErrorValue):
                raise ExcelError(v)
            if is_number(v):
                yield float(v)  # type: ignore[arg-type]


def _aligned(rng: Array, target: Array | None) -> Array:
    """SUMIF's sum range, read from its top-left corner with the shape of the range."""
    if target is None:
        return rng
    h, w = rng.shape
    return Array(
        tuple(
            tuple(
                target.rows[i][j] if i < target.height and j < target.width else None
                for j in range(w)
            )
            for i in range(h)
        )
    )


@function("COUNTIF", "array", "scalar")
def countif(rng: Array, criterion: Value) -> float:
    return float(sum(_matching([(rng, criterion)])))


@function("COUNTIFS", "array", "scalar", repeat=("array", "scalar"))
def countifs(*args: Array | Value) -> float:
    return float(sum(_matching(_pairs(args))))


@function("SUMIF", "array", "scalar", "array", min_args=2)
def sumif(rng: Array, criterion: Value, sum_range: Array | None = None) -> float:
    return math.fsum(_selected(_aligned(rng, sum_range), _matching([(rng, criterion)])))


@function("SUMIFS", "array", "array", "scalar", repeat=("array", "scalar"))
def sumifs(target: Array, *args: Array | Value) -> float:
    pairs = _pairs(args)
    if target.shape != pairs[0][0].shape:
        raise ExcelError(VALUE)
    return math.fsum(_selected(target, _matching(pairs)))


def _mean(xs: list[float]) -> float:
    if not xs:
        raise ExcelError(DIV0)
    return math.fsum(xs) / len(xs)


@function("AVERAGEIF", "array", "scalar", "array", min_args=2)
def averageif(rng: Array, criterion: Value, avg_range: Array | None = None) -> float:
    return _mean(list(_selected(_aligned(rng, avg_range), _matching([(rng, criterion)]))))


@function("AVERAGEIFS", "array", "array", "scalar", repeat=("array", "scalar"))
def averageifs(target: Array, *args: Array | Value) -> float:
    pairs = _pairs(args)
    if target.shape != pairs[0][0].shape:
        raise ExcelError(VALUE)
    return _mean(list(_selected(target, _matching(pairs))))


@function("MINIFS", "array", "array", "scalar", repeat=("array", "scalar"), xlsx_prefix="_xlfn.")
def minifs(target: Array, *args: Array | Value) -> float:
    pairs = _pairs(args)
    if target.shape != pairs[0][0].shape:
        raise ExcelError(VALUE)
    return min(_selected(target, _matching(pairs)), default=0.0)


@function("MAXIFS", "array", "array", "scalar", repeat=("array", "scalar"), xlsx_prefix="_xlfn.")
def maxifs(target: Array, *args: Array | Value) -> float:
    pairs = _pairs(args)
    if target.shape != pairs[0][0].shape:
        raise ExcelError(VALUE)
    return max(_selected(target, _matching(pairs)), default=0.0)


def _index_arg(x: Value) -> int:
    i = int(to_number(x))
    if i < 0:
        raise ExcelError(VALUE)
    return i


@function("INDEX", "array", "scalar", "scalar", min_args=2)
def index(rng: Array, row: Value, col: Value = None) -> Value | Array:
    i = _index_arg(row)
    if col is None:
        if rng.height == 1:  # INDEX(A1:E1, 3): one row, the number counts columns
            i, j = 1, i
        elif rng.width == 1:
            j = 1
        else:
            j = 0
    else:
        j = _index_arg(col)
    if i > rng.height or j > rng.width:
        raise ExcelError(REF)
    if i == 0 and j == 0:
        return rng
    if i == 0:
        return Array(tuple((r[j - 1],) for r in rng.rows))
    if j == 0:
        return Array((rng.rows[i - 1],))
    return rng.rows[i - 1][j - 1]


def _kind(v: Value) -> int:
    return 0 if is_number(v) else 1 if isinstance(v, str) else 2 if isinstance(v, bool) else 3


def _position(x: Value, values: list[Value], match_type: int) -> int:
    """0-based position of ``x`` in ``values`` as MATCH finds it (raises #N/A)."""
    if isinstance(x, ErrorValue):
        raise ExcelError(x)
    if match_type == 0:
        for i, v in enumerate(values):
            if isinstance(x, str):
                if isinstance(v, str) and text_matches(v, x):
                    return i
            elif _kind(v) == _kind(x) and v == x:
                return i
        raise ExcelError(NA)
    best = None
    for i, v in enumerate(values):
        if _kind(v) != _kind(x):
            continue
        order = compare(v, x) * (1 if match_type > 0 else -1)
        if order > 0:
            break
        best = i
    if best is None:
        raise ExcelError(NA)
    return best


@function("MATCH", "scalar", "array", "scalar", min_args=2)
def match(x: Value, rng: Array, match_type: Value = 1.0) -> float:
    if rng.height != 1 and rng.width != 1:
        raise ExcelError(NA)
    kind = to_number(match_type)
    return float(_position(x, list(rng.flat()), 0 if kind == 0 else (1 if kind > 0 else -1)) + 1)


@function("VLOOKUP", "scalar", "array", "scalar", "scalar", min_args=3)
def vlookup(x: Value, table: Array, col: Value, approximate: Value = True) -> Value:
    j = int(to_number(col))
    if j < 1:
        raise ExcelError(VALUE)
    if j > table.width:
        raise ExcelError(REF)
    first = [row[0] for row in table.rows]
    i = _position(x, first, 1 if to_bool(approximate) else 0)
    return table.rows[i][j - 1]


def _unique_key(v: Value) -> tuple[int, object]:
    # UNIQUE ignores the case of text, as Excel does.
    return _kind(v), v.lower() if isinstance(v, str) else v


@function("UNIQUE", "array", xlsx_prefix="_xlfn.")
def unique(rng: Array) -> Array:
    seen: dict[tuple, tuple[Value, ...]] = {}
    for row in rng.rows:
        seen.setdefault(tuple(_unique_key(v) for v in row), row)
    return Array(tuple(seen.values()))


_MISSING = ErrorValue("missing")


@function("FILTER", "array", "array", "scalar", min_args=2, xlsx_prefix="_xlfn._xlws.")
def filter_(rng: Array, include: Array, if_empty: Value = _MISSING) -> Value | Array:
    def keep(v: Value) -> bool:
        return False if v is None else to_bool(v)

    if include.width == 1 and include.height == rng.height:
        rows = [r for r, (v,) in zip(rng.rows, include.rows, strict=True) if keep(v)]
        result = Array(tuple(rows))
    elif include.height == 1 and include.width == rng.width:
        cols = [j for j, v in enumerate(include.rows[0]) if keep(v)]
        result = Array(tuple(tuple(r[j] for j in cols) for r in rng.rows)) if cols else Array(())
    else:
        raise ExcelError(VALUE)
    if result.height and result.width:
        return result
    if if_empty is _MISSING:
        raise ExcelError(CALC)
    return if_empty
