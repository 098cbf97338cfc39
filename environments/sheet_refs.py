"""Cell addresses in A1 notation: column letters, rows, the sheet's limits.

An address is a ``(row, column)`` pair of 1-based integers. The limits are Excel's
(1,048,576 rows, columns A to XFD); an address beyond them is a reference outside the sheet.
"""

from __future__ import annotations

import re

from parseinstr.errors import ExecutionError

Addr = tuple[int, int]

MAX_ROWS = 1_048_576
MAX_COLS = 16_384  # XFD

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([1-9][0-9]*)$")


def col_index(letters: str) -> int:
    """1-based index of column ``letters`` (``"A"`` -> 1, ``"AA"`` -> 27)."""
    n = 0
    for ch in letters.lstrip("$"):
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letters(index: int) -> str:
    """Column letters of a 1-based index (27 -> ``"AA"``)."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def format_addr(addr: Addr) -> str:
    """``(10, 3)`` -> ``"C10"``."""
    return f"{col_letters(addr[1])}{addr[0]}"


def parse_addr(text: str) -> Addr:
    """``"C10"`` (or ``"$C$10"``) -> ``(10, 3)``.

    Raises:
        ValueError: ``text`` is not an A1 address.
    """
    m = _CELL.match(text.strip())
    if not m:
        raise ValueError(f"not a cell address: {text!r} (expected e.g. 'C10')")
    return int(m.group(2)), col_index(m.group(1))


def in_sheet(row: int, col: int) -> bool:
    """Whether the address lies within the sheet's limits."""
    return 1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS


def check_in_sheet(row: int, col: int, what: str = "reference") -> None:
    """Raise :class:`ExecutionError` naming the address when it lies outside the sheet."""
    if not in_sheet(row, col):
        name = f"{col_letters(col) if col >= 1 else '?'}{row}"
        raise ExecutionError(
            f"{what} {name} is outside the sheet (columns A to XFD, rows 1 to {MAX_ROWS:,})"
        )
