"""Shared machinery of the sheet task generator: the kind registry and the phrasing context.

A *kind* is one sort of instruction (``sum_col``, ``delete_where_cmp``...): a function that,
given a :class:`Ctx` (random source, the sheet's :class:`~sheet_gen_tables.Grid`), returns one
task or None when the sheet does not suit it. Kinds pick one of their phrasing templates
with :meth:`Ctx.pick`, which records the template id (``kind/index``) so a later split can
hold phrasings out. Columns are named by header or, in some tasks, by letter (then the gold
form uses explicit ranges); numbers are written in digits or words.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .sheet_gen_tables import NUMERIC_ROLES, Grid, Value, spec_column, words
from .sheet_lf import literal_text

KindFn = Callable[["Ctx"], dict[str, Any] | None]
KINDS: dict[str, tuple[KindFn, tuple[str, ...]]] = {}


def kind(name: str, *tags: str) -> Callable[[KindFn], KindFn]:
    """Register a task kind with the tags every task of it carries."""

    def register(fn: KindFn) -> KindFn:
        KINDS[name] = (fn, tags)
        return fn

    return register


_ONES = words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TENS = words("_ _ twenty thirty forty fifty sixty seventy eighty ninety")


def number_words(n: int) -> str:
    """An integer from 0 to 999,999 in English words (``125`` -> ``one hundred twenty-five``)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}

POLITE = ("", "", "", "Please ", "Could you ", "Can you please ", "I'd like you to ", "Kindly ")
# Politeness prefixes go only before imperatives that start with one of these verbs.
IMPERATIVES = frozenset(
    words(
        "add arrange blank calculate change clear compute count create delete drop empty enter "
        "erase fill find get give insert keep leave list look make multiply name order put read "
        "remove rename reorder replace round set show sort sum tell total update use write"
    )
)


def is_num(v: Value) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def same(a: Value, b: Value) -> bool:
    """Exact equality of two cell values, booleans apart from numbers."""
    if is_num(a) and is_num(b):
        return float(a) == float(b)  # type: ignore[arg-type]
    return type(a) is type(b) and a == b


def excel_text(value: str) -> str:
    """A text as an Excel string literal (``"a""b"``)."""
    return literal_text(value)


def fmt_number(x: float) -> str:
    """A number as it appears in a logical form."""
    return str(int(x)) if float(x) == int(x) else repr(float(x))


@dataclass
class Ctx:
    """What a kind needs to write one task: randomness, the sheet, and phrasing helpers."""

    rng: random.Random
    grid: Grid
    kind: str
    letters: bool = False
    tags: set[str] = field(default_factory=set)
    template: str = ""

    # ------------------------------------------------------------ choosing

    def pick(self, templates: Sequence[str], variant: str = "") -> str:
        """One template, its id (``kind/variant index``) recorded."""
        i = self.rng.randrange(len(templates))
        self.template = f"{self.kind}/{variant}{i}"
        return templates[i]

    def headers(self, *roles: str) -> list[str]:
        """The grid's columns with one of these roles, in sheet order."""
        return [h for h in self.grid.data_headers if self.grid.roles[h] in roles]

    def numeric(self) -> list[str]:
        return self.headers(*NUMERIC_ROLES)

    def one(self, items: Sequence[Any]) -> Any:
        return self.rng.choice(list(items))

    # ------------------------------------------------------------ naming columns

    def col(self, header: str) -> str:
        """How the instruction names a column."""
        if self.letters:
            self.tags.add("by_letter")
            return f"column {self.grid.letter(header)}"
        return self.one([header, header, header.lower(), f"the {header} column"])

    def rng_ref(self, header: str) -> str:
        """How the logical form names a column's data: ``[Units]`` or ``D2:D9``."""
        if self.letters:
            letter = self.grid.letter(header)
            return f"{letter}2:{letter}{self.grid.last_row}"
        return f"[{header}]"

    def row_ref(self, header: str) -> str:
        """A column's cell in the first data row, for row-wise formulas: ``[Units]`` or ``D2``."""
        return f"{self.grid.letter(header)}2" if self.letters else f"[{header}]"

    def column_ref(self, header: str) -> str:
        """A column in sort/insert/delete: ``[Units]`` or ``D``."""
        return self.grid.letter(header) if self.letters else f"[{header}]"

    def table_range(self) -> str:
        """The whole table's data rows as a range, for VLOOKUP."""
        return f"A2:{self.grid.letter(self.grid.data_headers[-1])}{self.grid.last_row}"

    def entities(self) -> str:
        return self.one([self.grid.spec.entities, self.grid.spec.entities, "rows", "entries"])

    def entity(self) -> str:
        return self.one([self.grid.spec.entity, self.grid.spec.entity, "row", "entry"])

    def bool_words(self, header: str) -> tuple[str, str]:
        spec = spec_column(self.grid.spec, header)
        return spec.words if spec else ("true", "false")

    # ------------------------------------------------------------ numbers and politeness

    def number(self, x: float) -> str:
        """A number in the instruction: words now and then for whole numbers."""
        if float(x) == int(x) and 0 <= x < 1000 and self.rng.random() < 0.3:
            self.tags.add("number_words")
            return number_words(int(x))
        return fmt_number(x)

    def polite(self, text: str) -> str:
        """An imperative with a politeness prefix now and then (questions stay as they are)."""
        if text.split(" ", 1)[0].lower() not in IMPERATIVES:
            return text
        prefix = self.one(POLITE)
        if not prefix:
            return text
        self.tags.add("polite")
        body = text[0].lower() + text[1:]
        if prefix.startswith(("Could", "Can")):
            body = body.rstrip(".") + "?"
        return prefix + body

    # ------------------------------------------------------------ results

    def answer(self, instruction: str, form: str, value: Value | list[Value]) -> dict[str, Any]:
        """A question task."""
        self.tags.add("question")
        return self._task(instruction, form, {"answer": value})

    def change(self, instruction: str, form: str, after: Grid) -> dict[str, Any]:
        """A command task: expected cells are those whose value differs after the change."""
        self.tags.add("command")
        before, now = self.grid.values(), after.values()
        cells = {
            k: now.get(k)
            for k in sorted(set(before) | set(now), key=_addr_key)
            if not same(before.get(k), now.get(k))
        }
        return self._task(instruction, form, {"cells": cells})

    def _task(self, instruction: str, form: str, expected: dict[str, Any]) -> dict[str, Any]:
        return {
            "instruction": self.polite(tidy(instruction)),
            "sheet": {"cells": self.grid.cells()},
            "logical_form": form,
            "expected": expected,
            "tags": sorted(self.tags),
            "template": self.template,
            "kind": self.kind,
            "topic": self.grid.spec.topic,
        }


# "the X column" reads badly after a determiner, a possessive or a superlative adjective
# (a contraction such as "What's" is no possessive).
_AWKWARD_COLUMN = re.compile(
    r"(\b(?:the|whose|most|least|largest|smallest|highest|lowest|biggest|top|unique|different"
    r"|its|typical|mean|median|maximum|minimum)|\bthe (?:total|average|sum)"
    r"|\b(?!(?:what|that|where|who|it|there|here|how|he|she)'s)[A-Za-z]+'s) "
    r"the ((?:(?!the\b)[A-Za-z][\w]*)(?: (?!the\b)[A-Za-z0-9][\w]*)*?) column\b",
    re.IGNORECASE,
)


def tidy(text: str) -> str:
    """Mend wordings that a template and a column's name make together: ``Vera's the Age
    column`` becomes ``Vera's Age``, ``whose the Date column`` becomes ``whose Date``."""
    return _AWKWARD_COLUMN.sub(r"\1 \2", text)


def _addr_key(addr: str) -> tuple[int, str]:
    letters = addr.rstrip("0123456789")
    return int(addr[len(letters) :]), letters.rjust(3)
