"""Sheet forms glossed with what their addresses hold, for the reconstruction reranker.

A sheet form names cells by address (``set D4 = 332``) where a person names them by what
they hold ("Pages for Frankenstein"). The gloss writes each reference outside string
literals with its column header and row key, a range with how much of its column it spans,
and a row span with its count, so that p(instruction | form) can tell ``D4`` from ``D6``:

    set D4 = 332  ->  set D4 (Pages of Frankenstein) = 332
"""

from __future__ import annotations

import re

from .sheet_model import Sheet
from .sheet_refs import col_index
from .sheet_table import Table
from .sheet_values import is_number, number_text, to_text

_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_REF = re.compile(
    r"(?<![\w\[$])\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?(?![\w\]])"
)
_ROWS = re.compile(r"\brows? ([0-9]{1,7}):([0-9]{1,7})\b")
_ROW = re.compile(r"\brow ([0-9]{1,7})\b(?!:)")


def _shown(sheet: Sheet, row: int, col: int) -> str:
    value = sheet.value((row, col))
    if value is None:
        return "empty"
    return number_text(value) if is_number(value) else to_text(value)


def _header(table: Table, col: int) -> str:
    names = [n for n, c in table.columns.items() if c == col]
    return names[0] if names else "an unnamed column"


def _cell(sheet: Sheet, table: Table, row: int, col: int) -> str:
    if row == 1:
        return f"header {_header(table, col)}"
    if row > table.last_row:
        return f"{_header(table, col)} below the table"
    return f"{_header(table, col)} of {_shown(sheet, row, 1)}"


def _area(table: Table, r1: int, c1: int, r2: int, c2: int) -> str:
    cols = _header(table, c1) if c1 == c2 else f"{_header(table, c1)} to {_header(table, c2)}"
    rows = table.data_rows
    if (r1, r2) == (rows.start, rows.stop - 1):
        span = "all rows"
    elif r1 >= rows.start and r2 < rows.stop:
        span = f"{r2 - r1 + 1} of {len(rows)} rows"
    else:
        span = f"rows {r1} to {r2}, the table's {rows.start} to {rows.stop - 1}"
    return f"{cols}, {span}"


def _gloss_plain(text: str, sheet: Sheet, table: Table) -> str:
    def ref(m: re.Match[str]) -> str:
        c1, r1 = col_index(m.group(1)), int(m.group(2))
        if m.group(3) is None:
            return f"{m.group(0)} ({_cell(sheet, table, r1, c1)})"
        c2, r2 = col_index(m.group(3)), int(m.group(4))
        return f"{m.group(0)} ({_area(table, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))})"

    def rows(m: re.Match[str]) -> str:
        n = abs(int(m.group(2)) - int(m.group(1))) + 1
        return f"{m.group(0)} ({n} row{'s' if n != 1 else ''})"

    def row(m: re.Match[str]) -> str:
        r = int(m.group(1))
        held = _shown(sheet, r, 1) if 2 <= r <= table.last_row else "outside the table"
        return f"{m.group(0)} ({held})"

    return _ROW.sub(row, _ROWS.sub(rows, _REF.sub(ref, text)))


def gloss(form: str, sheet: Sheet, table: Table) -> str:
    """``form`` with every reference outside string literals glossed (see the module)."""
    out, last = [], 0
    for m in _QUOTED.finditer(form):
        out += [_gloss_plain(form[last : m.start()], sheet, table), m.group(0)]
        last = m.end()
    out.append(_gloss_plain(form[last:], sheet, table))
    return "".join(out)
