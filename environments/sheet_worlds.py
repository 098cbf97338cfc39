"""Fictitious sheets: the same table with other data, to tell apart forms that agree by chance.

Two forms that give the same result on one sheet may mean different things: a count of
dates *equal to* 2024-06-24 and of dates *before* it agree when one date is before it and
none is on it; "below 687" and "at most 687" agree while no value is 687. On a sheet with
the same headers, shape and kinds of values but other data they part. Such sheets are
Pasupat and Liang's "fictitious worlds" (2016), used there to group logical forms by
meaning.

Each data column is redrawn from its own values plus the literals the compared forms name
(so a bound like 687 does land in the column now and then): a column whose values are all
different stays so (names, keys and ranked numbers keep one row each, so a lookup stays a
lookup), numbers keep being whole where they were, booleans flip at random. Headers,
formulas and the cells outside the table stay as they are.
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Sequence

from parseinstr.worlds import redraw_numbers

from .sheet_model import Formula, Sheet
from .sheet_table import Table
from .sheet_values import is_number, number_from_text

# A literal's comparison prefix (`">=602"`, `"<>Airline"`) is not part of its value.
_OPERATOR = re.compile(r"^(?:<>|<=|>=|<|>|=)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _literal_values(literals: Sequence[str]) -> tuple[list[float], list[str]]:
    """(numbers, texts) that ``literals`` stand for, comparison operators stripped."""
    numbers: list[float] = []
    texts: list[str] = []
    for literal in literals:
        value = _OPERATOR.sub("", literal).strip()
        if not value or "*" in value or "?" in value:
            continue
        number = number_from_text(value)
        if number is not None:
            numbers.append(number)
        else:
            texts.append(value)
    return numbers, texts


def _is_date(text: str) -> bool:
    """Whether ``text`` is an ISO date (``2024-06-24``)."""
    if not _DATE.match(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _draw_dates(values: list[str], extra: list[str], rng: random.Random) -> list[str]:
    """As many ISO dates as ``values``, drawn over their span and the literal dates."""
    days = [float(datetime.date.fromisoformat(v).toordinal()) for v in values]
    extra_days = [float(datetime.date.fromisoformat(t).toordinal()) for t in extra if _is_date(t)]
    drawn = redraw_numbers(days, extra_days, rng)
    return [datetime.date.fromordinal(int(d)).isoformat() for d in drawn]


def _draw_texts(values: list[str], extra: list[str], rng: random.Random) -> list[str]:
    """As many texts as ``values``: dates drawn over their span; else a permutation of them
    with a literal or two let in where every value is different, else drawn from them and
    the literals."""
    if all(_is_date(v) for v in values):
        return _draw_dates(values, extra, rng)
    if len(set(values)) == len(values):
        out = list(values)
        rng.shuffle(out)
        fresh = [t for t in dict.fromkeys(extra) if t not in out]
        for text in fresh[: max(1, len(out) // 3)]:
            if rng.random() < 0.5:
                out[rng.randrange(len(out))] = text
        return out
    pool = list(values) + list(extra)
    return [rng.choice(pool) for _ in values]


def fictitious_sheet(sheet: Sheet, rng: random.Random, literals: Sequence[str] = ()) -> Sheet:
    """A sheet with ``sheet``'s headers, shape and formulas and other data in its table.

    ``literals``: texts the forms to be compared name (quoted strings, numbers); they join
    the values each column is redrawn from.
    """
    table = Table.of(sheet)
    numbers, texts = _literal_values(literals)
    content = dict(sheet.content)
    for col in range(1, table.width + 1):
        cells = [
            (row, content[(row, col)])
            for row in table.data_rows
            if (row, col) in content and not isinstance(content[(row, col)], Formula)
        ]
        values = [v for _, v in cells]
        if not values:
            continue
        if all(isinstance(v, bool) for v in values):
            drawn: list[object] = [rng.random() < 0.5 for _ in values]
        elif all(is_number(v) for v in values):
            drawn = list(redraw_numbers([float(v) for v in values], numbers, rng, places=2))
        elif all(isinstance(v, str) for v in values):
            drawn = list(_draw_texts([str(v) for v in values], texts, rng))
        else:
            drawn = list(values)
            rng.shuffle(drawn)
        for (row, _), value in zip(cells, drawn, strict=True):
            content[(row, col)] = value  # type: ignore[assignment]
    return Sheet(content)
