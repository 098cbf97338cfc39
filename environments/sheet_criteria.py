"""Criteria of COUNTIF, SUMIF, AVERAGEIF(S), MINIFS, MAXIFS, as Excel reads them.

A criterion is a value or a text such as ``"<>West"``, ``">3"``, ``"<=2024-03-01"`` or
``"2024-02*"``: an optional operator (``= <> < <= > >=``) and an operand.

- An operand that reads as a number compares numerically with number cells (``=`` also
  matches text that reads as that number); ``<>`` matches every cell not equal to it.
- ``TRUE``/``FALSE`` match booleans.
- Other text matches text cells, case-insensitively; with ``=`` or no operator, ``*`` stands
  for any characters, ``?`` for one, and ``~`` escapes them. ``<``/``>`` compare text with
  text. An empty operand: ``""`` matches empty cells (and empty text), ``"="`` only empty
  cells, ``"<>"`` every non-empty cell.

Error values in the range never match. See
https://support.microsoft.com/office/countif-function-e0de10c6-f885-4e71-abb4-1f464816df34
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable

from .sheet_values import ErrorValue, ExcelError, Value, is_number, number_from_text

Matcher = Callable[[Value], bool]

_OPERATORS = ("<=", ">=", "<>", "<", ">", "=")
_ORDER: dict[str, Callable[[object, object], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@functools.lru_cache(maxsize=256)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression of an Excel wildcard pattern (``*``, ``?``, ``~`` escapes)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def text_matches(text: str, pattern: str) -> bool:
    """Whether ``text`` matches the wildcard ``pattern`` (whole text, any case)."""
    return wildcard_regex(pattern).fullmatch(text) is not None


def split_criterion(criterion: str) -> tuple[str, str]:
    """A text criterion's operator ("" when none) and operand: ``"<=9"`` -> ``("<=", "9")``."""
    for op in _OPERATORS:
        if criterion.startswith(op):
            return op, criterion[len(op) :]
    return "", criterion


def _numeric(op: str, target: float) -> Matcher:
    if op in ("", "="):

        def equal(v: Value) -> bool:
            if is_number(v):
                return v == target
            return isinstance(v, str) and number_from_text(v) == target

        return equal
    if op == "<>":
        return lambda v: not (is_number(v) and v == target) and not isinstance(v, ErrorValue)
    cmp = _ORDER[op]
    return lambda v: is_number(v) and cmp(v, target)


def _boolean(op: str, target: bool) -> Matcher:
    if op == "<>":
        return lambda v: not (isinstance(v, bool) and v == target) and not isinstance(v, ErrorValue)
    if op in ("", "="):
        return lambda v: isinstance(v, bool) and v == target
    cmp = _ORDER[op]
    return lambda v: isinstance(v, bool) and cmp(v, target)


def _textual(op: str, operand: str) -> Matcher:
    if operand == "":
        if op == "<>":
            return lambda v: v is not None
        if op == "=":
            return lambda v: v is None
        return lambda v: v is None or v == ""
    if op in ("", "="):
        return lambda v: isinstance(v, str) and text_matches(v, operand)
    if op == "<>":
        return lambda v: (
            not isinstance(v, ErrorValue) and not (isinstance(v, str) and text_matches(v, operand))
        )
    cmp, low = _ORDER[op], operand.lower()
    return lambda v: isinstance(v, str) and cmp(v.lower(), low)


def matcher(criterion: Value) -> Matcher:
    """A predicate on cell values for ``criterion``.

    Raises:
        ExcelError: the criterion itself is an error value.

    Example:
        >>> m = matcher("<>West")
        >>> m("East"), m("west"), m(None)
        (True, False, True)
    """
    if isinstance(criterion, ErrorValue):
        raise ExcelError(criterion)
    if isinstance(criterion, bool):
        return _boolean("=", criterion)
    if criterion is None:
        return _numeric("=", 0.0)
    if is_number(criterion):
        return _numeric("=", float(criterion))
    op, operand = split_criterion(str(criterion))
    number = number_from_text(operand)
    if number is not None:
        return _numeric(op, number)
    if operand.upper() in ("TRUE", "FALSE"):
        return _boolean(op, operand.upper() == "TRUE")
    return _textual(op, operand)
