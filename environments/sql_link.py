"""Linking an instruction's words to the database: which columns hold the values it names.

For every text column, the distinct values (case-folded, at most ``MAX_VALUES`` per column)
are indexed once per database. Every word span of an instruction (up to ``MAX_SPAN``
words) that equals a value is reported with the columns that hold it, e.g.
``paris: city | desk: title``. This is input for the learned
parser (as in value-aware text-to-SQL encoders such as BRIDGE, Lin et al. 2020); it writes no
logical form.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .sql_backends import Backend

MAX_VALUES = 20_000
MAX_SPAN = 4
_WORD = re.compile(r"[a-z0-9]+(?:['.-][a-z0-9]+)*")


class ValueIndex:
    """Case-folded text values of a database, mapped to the columns that hold them."""

    def __init__(self, backend: Backend) -> None:
        columns: dict[str, set[str]] = defaultdict(set)
        spellings: dict[str, set[str]] = defaultdict(set)
        truncated: set[str] = set()
        for table in backend.schema().tables:
            for col in table.columns:
                if col.kind != "text":
                    continue
                sql = (
                    f"SELECT DISTINCT {table.name}.{col.name} FROM {table.name} LIMIT {MAX_VALUES}"
                )
                rows = backend.run(sql).rows
                if len(rows) >= MAX_VALUES:
                    truncated.add(col.name.lower())
                for (value,) in rows:
                    if isinstance(value, str) and value.strip():
                        key = " ".join(_WORD.findall(value.lower()))
                        columns[key].add(col.name.lower())
                        spellings[key].add(value)
        self.columns = {k: sorted(v) for k, v in columns.items() if k}
        self.spellings = {k: sorted(v) for k, v in spellings.items() if k}
        # Text columns whose every distinct value was indexed (none cut at MAX_VALUES).
        self.complete = {
            c.name.lower() for t in backend.schema().tables for c in t.columns if c.kind == "text"
        } - truncated

    def holds(self, column: str, value: str) -> bool | None:
        """Whether a text column of that name holds ``value`` (case and punctuation aside);
        None when the index cannot tell (not a text column, or one too large to index)."""
        if column.lower() not in self.complete:
            return None
        key = " ".join(_WORD.findall(value.lower()))
        return column.lower() in self.columns.get(key, ())

    def _spans(self, instruction: str) -> list[str]:
        words = _WORD.findall(instruction.lower())
        return [
            " ".join(words[i : i + n])
            for i in range(len(words))
            for n in range(min(MAX_SPAN, len(words) - i), 0, -1)
        ]

    def values_named(self, instruction: str) -> list[str]:
        """The database values (as stored) that some word span of ``instruction`` equals.

        Example: "cities in new york" over a database holding "New York" gives
        ``["New York"]``. Empty when the instruction names no stored value.
        """
        found: list[str] = []
        for span in self._spans(instruction):
            found.extend(self.spellings.get(span, ()))
        return list(dict.fromkeys(found))

    def mentions(self, instruction: str) -> list[tuple[int, int, str]]:
        """Spans of ``instruction`` (character offsets) that equal a stored value, with the
        value as stored (the first spelling when several differ only in case)."""
        lowered = instruction.lower()
        words = [(m.start(), m.end()) for m in _WORD.finditer(lowered)]
        out = []
        for i in range(len(words)):
            for n in range(min(MAX_SPAN, len(words) - i), 0, -1):
                start, end = words[i][0], words[i + n - 1][1]
                key = " ".join(lowered[a:b] for a, b in words[i : i + n])
                spellings = self.spellings.get(key)
                if spellings:
                    out.append((start, end, spellings[0]))
        return out

    def link(self, instruction: str) -> str:
        """The linked spans of ``instruction`` as text (empty when none match)."""
        found: list[str] = []
        for span in self._spans(instruction):
            cols = self.columns.get(span)
            if cols:
                found.append(f"{span}: {', '.join(cols)}")
        return " | ".join(found)
