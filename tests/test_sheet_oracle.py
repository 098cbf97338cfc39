"""Differential test: random formulas evaluated by the sheet engine and by the ``formulas``
package (an independent Excel implementation, used here only as a test oracle).

The random formulas stay clear of that package's known gaps: text criteria use lower-case
values and patterns (its wildcard and ``<>`` criteria are case-sensitive, Excel's are not),
no formula returns an array (no spilling there), ``&`` joins text only (number formatting),
and ROUND is only compared where its argument is not a binary half-way decimal.
"""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest

from parseinstr.environments.sheet_model import Formula, Sheet
from parseinstr.environments.sheet_refs import col_index
from parseinstr.environments.sheet_values import ErrorValue

formulas = pytest.importorskip("formulas")

ROWS = 8
A = [3, -2.5, 7, 0, 12.25, 5, -8, 1.5]
B = [10, 4, -3, 2.75, 9, 0.5, 6, 11]
C = ["pear", "apple", "fig", "apple", "kiwi", "plum", "pear", "fig"]
D = [1, 3, 5, 7, 9, 11, 13, 15]  # sorted, for approximate MATCH
COLUMNS = {"A": A, "B": B, "C": C, "D": D}
WORDS = sorted(set(C))


class Gen:
    """Random formulas of the sheet language's common subset with Excel."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def range_(self, col: str, min_len: int = 2) -> tuple[str, int, int]:
        top = self.r.randint(1, ROWS - min_len + 1)
        bottom = self.r.randint(top + min_len - 1, ROWS)
        return f"{col}{top}:{col}{bottom}", top, bottom

    def number(self) -> str:
        return self.r.choice(["0", "1", "2", "3", "4.5", "10", "0.25", "7", "100"])

    def num(self, depth: int) -> str:
        r = self.r
        options = ["lit", "cell", "agg", "countif"]
        if depth > 0:
            options += ["bin", "bin", "fn", "sumif", "if", "lookup", "ifs"]
        choice = r.choice(options)
        if choice == "lit":
            return self.number()
        if choice == "cell":
            return f"{r.choice('ABD')}{r.randint(1, ROWS)}"
        if choice == "agg":
            fn = r.choice(["SUM", "AVERAGE", "MIN", "MAX", "MEDIAN", "COUNT", "COUNTA"])
            return f"{fn}({self.range_(r.choice('ABD'))[0]})"
        if choice == "countif":
            if r.random() < 0.5:
                op = r.choice(["", ">", "<", ">=", "<=", "<>"])
                return f'COUNTIF({self.range_(r.choice("AB"))[0]},"{op}{self.number()}")'
            return f"COUNTIF({self.range_('C')[0]},{self.text_criterion()})"
        if choice == "bin":
            op = r.choice(["+", "-", "*", "/"])
            return f"({self.num(depth - 1)}{op}{self.num(depth - 1)})"
        if choice == "fn":
            fn = r.choice(["ABS", "ROUND", "MOD", "LARGE", "SMALL", "LEN", "SUMPRODUCT", "NEG"])
            if fn == "ABS":
                return f"ABS({self.num(depth - 1)})"
            if fn == "ROUND":
                return f"ROUND({self.num(depth - 1)},{r.randint(-1, 2)})"
            if fn == "MOD":
                return f"MOD({self.num(depth - 1)},{r.choice(['2', '3', '-4', '2.5'])})"
            if fn in ("LARGE", "SMALL"):
                return f"{fn}({self.range_(r.choice('ABD'), 3)[0]},{r.randint(1, 3)})"
            if fn == "LEN":
                return f"LEN({self.text(depth - 1)})"
            if fn == "NEG":
                return f"-{self.num(depth - 1)}"
            _, top, bottom = self.range_("A")
            return f"SUMPRODUCT(A{top}:A{bottom},B{top}:B{bottom})"
        if choice == "sumif":
            fn = r.choice(["SUMIF", "AVERAGEIF"])
            _, top, bottom = self.range_("C")
            col = r.choice("AB")
            return f"{fn}(C{top}:C{bottom},{self.text_criterion()},{col}{top}:{col}{bottom})"
        if choice == "ifs":
            fn = r.choice(["SUMIFS", "COUNTIFS", "AVERAGEIFS", "MINIFS", "MAXIFS"])
            _, top, bottom = self.range_("C")
            crit = f'A{top}:A{bottom},">{self.number()}"'
            words = f"C{top}:C{bottom},{self.text_criterion()}"
            if fn == "COUNTIFS":
                return f"COUNTIFS({words},{crit})"
            return f"{fn}(B{top}:B{bottom},{words},{crit})"
        if choice == "if":
            return f"IF({self.cond(depth - 1)},{self.num(depth - 1)},{self.num(depth - 1)})"
        word = f'"{r.choice(WORDS)}"'
        if r.random() < 0.3:
            return f"MATCH({r.choice(['0', '4', '8', '10', '16'])},D1:D8)"
        if r.random() < 0.5:
            return f"MATCH({word},C1:C8,0)"
        if r.random() < 0.5:
            return f"VLOOKUP({word},C1:D8,2,FALSE)"
        return f"INDEX({self.range_(r.choice('AB'))[0]},{r.randint(1, 3)})"

    def text_criterion(self) -> str:
        word = self.r.choice(WORDS)
        return self.r.choice([f'"{word}"', f'"<>{word}"', f'"{word[0]}*"', f'"?{word[1:]}"'])

    def text(self, depth: int) -> str:
        r = self.r
        options = ["lit", "cell"] + (["fn", "join", "if"] if depth > 0 else [])
        choice = r.choice(options)
        if choice == "lit":
            return f'"{r.choice(WORDS + ["Mixed Case", "x"])}"'
        if choice == "cell":
            return f"C{r.randint(1, ROWS)}"
        if choice == "fn":
            fn = r.choice(["UPPER", "LOWER", "LEFT", "RIGHT", "MID", "TRIM"])
            inner = self.text(depth - 1)
            if fn in ("LEFT", "RIGHT"):
                return f"{fn}({inner},{r.randint(0, 4)})"
            if fn == "MID":
                return f"MID({inner},{r.randint(1, 3)},{r.randint(0, 3)})"
            return f"{fn}({inner})"
        if choice == "join":
            return f"({self.text(depth - 1)}&{self.text(depth - 1)})"
        return f"IF({self.cond(depth - 1)},{self.text(depth - 1)},{self.text(depth - 1)})"

    def cond(self, depth: int) -> str:
        r = self.r
        choice = r.choice(["num", "num", "text"] + (["logic"] if depth > 0 else []))
        op = r.choice(["=", "<>", "<", ">", "<=", ">="])
        if choice == "num":
            return f"{self.num(max(depth - 1, 0))}{op}{self.num(max(depth - 1, 0))}"
        if choice == "text":
            return f"{self.text(max(depth - 1, 0))}{op}{self.text(max(depth - 1, 0))}"
        fn = r.choice(["AND", "OR", "NOT"])
        if fn == "NOT":
            return f"NOT({self.cond(depth - 1)})"
        return f"{fn}({self.cond(depth - 1)},{self.cond(depth - 1)})"


def _input(name: str) -> object:
    """The value ``formulas`` expects for an input named like ``A1:A8`` or ``B3``."""
    cells = re.findall(r"([A-Z]+)(\d+)", name)
    if len(cells) == 1:
        col, row = cells[0]
        return COLUMNS[col][int(row) - 1]
    (c1, r1), (c2, r2) = cells
    block = [
        [COLUMNS[chr(64 + c)][r - 1] for c in range(col_index(c1), col_index(c2) + 1)]
        for r in range(int(r1), int(r2) + 1)
    ]
    return np.array(block, dtype=object)


def _theirs(formula: str) -> object:
    fn = formulas.Parser().ast("=" + formula)[1].compile()
    value = fn(*(_input(name) for name in fn.inputs))
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else None
    if isinstance(value, np.generic):
        value = value.item()
    if type(value).__name__ == "XlError":
        return str(value)
    return value


def _ours(sheet: Sheet, formula: str) -> object:
    sheet.write({(1, 26): Formula.from_text("=" + formula)})
    value = sheet.value((1, 26))
    return value.code if isinstance(value, ErrorValue) else value


def _agree(ours: object, theirs: object) -> bool:
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours == theirs and isinstance(ours, bool) and isinstance(theirs, bool)
    if isinstance(ours, float) and isinstance(theirs, int | float):
        return math.isclose(ours, float(theirs), rel_tol=1e-9, abs_tol=1e-9)
    return ours == theirs


def _halfway_round(formula: str) -> bool:
    return "ROUND(" in formula


def test_random_formulas_agree_with_the_formulas_package() -> None:
    rng = random.Random(20240211)
    gen = Gen(rng)
    sheet = Sheet(
        {(r + 1, col_index(c)): v for c, values in COLUMNS.items() for r, v in enumerate(values)}
    )
    sheet.write({(r + 1, col_index(c)): float(v) for c in "ABD" for r, v in enumerate(COLUMNS[c])})
    disagreements, compared, seen = [], 0, set()
    while compared < 250:
        formula = (
            gen.num(3) if rng.random() < 0.7 else gen.text(3) if rng.random() < 0.5 else gen.cond(2)
        )
        if formula in seen:
            continue
        seen.add(formula)
        ours, theirs = _ours(sheet, formula), _theirs(formula)
        compared += 1
        if not _agree(ours, theirs):
            disagreements.append((formula, ours, theirs))
    assert not disagreements, "\n".join(
        f"{f}: ours {o!r}, formulas {t!r}" for f, o, t in disagreements[:20]
    )
