"""Random, well-typed sheet logical forms: the sheet's prior for synthetic training data.

``parseinstr.synthesis`` turns sampled forms into (English, form) pairs with the sheet's
renderer (``sheet_explain``). A context-free derivation of ``grammars/sheet.lark`` rarely
gives a form a person would write (the grammar lets ``COUNTIF`` take any two formulas), so
the sheet draws its forms itself, from what Excel's functions take: a range, then a
criterion; a number column for ``SUM``; a row formula for a new column. Columns, values and
numbers come from the sheet it samples for, so every form names what exists.

The sampler knows Excel, not any task: it draws functions, commands and operators
uniformly within their type, with constants drawn from the sheet. The synthesis loop parses,
executes and filters every form (empty, trivial, doubted, repeated denotations) before it
is kept.

Given an instruction (a search for forms that give an expected result), the sampler is
*anchored*: its constants come mostly from the instruction's lexicon (``sheet_lexemes``:
the numbers, cells, quoted names and sheet values it writes, the columns it names), so a
sampled form that gives the expected result is less often a coincidence. Which function,
command or operator is drawn stays uniform: the anchors choose literals, not structure.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from parseinstr.synthesis import Sample

from .sheet_lexemes import CELL_MENTION, COLUMN_LETTER, numbers_in
from .sheet_refs import col_letters, parse_addr

if TYPE_CHECKING:  # pragma: no cover
    from .sheet import SheetEnvironment

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Names a new column may get: generic words, and words made of syllables so the parser
# learns to copy a quoted name rather than to remember a list.
_NEW_NAMES = (
    "Total", "Label", "Check", "Flag", "Notes", "Score", "Result", "Status", "Bonus", "Tax",
    "Ratio", "Diff", "Code", "Level", "Group", "Key", "Value", "Share", "Comment", "Band",
    "Grade", "Rank", "Margin", "Net", "Tag", "Extra", "Sum", "Count", "Kind", "Mark",
)  # fmt: skip
_SYLLABLES = ("ka", "lo", "mi", "ran", "te", "vo", "su", "del", "pa", "ri", "no", "zen")
_QUOTED = re.compile(r"\"([^\"]{1,40})\"")
_NAME = re.compile(r"\b[A-Z][a-z]+\b")
#: How often an anchored sampler takes a literal from the instruction when it has one.
ANCHOR_SHARE = 0.8


def _text(value: str) -> str:
    """An Excel string literal."""
    return '"' + value.replace('"', '""') + '"'


def _number(value: float) -> str:
    """A non-negative number as the grammar writes it (no exponent, no sign)."""
    if float(value).is_integer():
        return str(int(abs(value)))
    return f"{abs(value):.6f}".rstrip("0").rstrip(".")


def _signed(value: float) -> str:
    return ("-" if value < 0 else "") + _number(value)


@dataclass
class Anchors:
    """The literals an instruction offers a sampler: columns it names (by header or
    letter; ``letters`` those named by letter), sheet values it names by column index,
    numbers, cells and quoted names."""

    columns: set[int] = field(default_factory=set)
    letters: set[int] = field(default_factory=set)
    values: dict[int, list[Any]] = field(default_factory=dict)
    numbers: list[float] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)


def anchors_for(env: SheetEnvironment, instruction: str) -> Anchors:
    """What ``instruction`` names on ``env``'s sheet (case-insensitive, whole words)."""
    table = env.table()
    last = max(table.last_row, 2)
    out = Anchors(numbers=numbers_in(instruction))
    named = {name.lower() for _, _, name in env.mention_values(instruction)}
    for header, index in table.columns.items():
        if header.lower() in named:
            out.columns.add(index)
        for r in range(2, last + 1):
            v = env.sheet.value((r, index))
            if isinstance(v, str) and v.lower() in named:
                if v not in out.values.get(index, []):
                    out.values.setdefault(index, []).append(v)
                if r not in out.rows:
                    out.rows.append(r)
    for letter in COLUMN_LETTER.findall(instruction):
        try:
            index = parse_addr(f"{letter}1")[1]
        except ValueError:
            continue
        out.columns.add(index)
        out.letters.add(index)
    out.columns |= set(out.values)
    out.cells = list(dict.fromkeys(a + b for a, b in CELL_MENTION.findall(instruction)))
    # Quoted text, then capitalised words the sheet does not hold (a new column's name),
    # leaving out the first, which is most often the sentence's own capital.
    known = named | {h.lower() for h in table.columns}
    words = [w for w in _NAME.findall(instruction)[1:] if w.lower() not in known]
    out.names = list(dict.fromkeys([*_QUOTED.findall(instruction), *words]))
    out.phrases = _phrases(instruction)
    return out


def _phrases(instruction: str, longest: int = 3) -> list[str]:
    """Runs of one to ``longest`` words of ``instruction`` as written, without the quotes,
    commas and sentence stops around them: the text a replacement value may be written as
    ("Support (old)", "New Training", "7A." in "swap 7A for 7A..")."""
    tokens = instruction.split()
    out: list[str] = []
    for i in range(len(tokens)):
        for j in range(i + 1, min(i + longest, len(tokens)) + 1):
            text = " ".join(tokens[i:j]).strip("\"'`")
            text = re.sub(r"[,;:?!]+$", "", text)
            text = text[:-1] if text.endswith(".") else text
            text = text.strip("\"'`")
            if text and text not in out:
                out.append(text)
    return out


@dataclass
class Column:
    """A column of the table: its header, letter, type and the values of its data rows."""

    header: str
    index: int
    kind: str  # "num", "text", "bool", "date" or "mixed"
    values: list[Any] = field(default_factory=list)

    @property
    def letter(self) -> str:
        return col_letters(self.index)


class SheetFormSampler:
    """Draws well-typed forms over one sheet (``Environment.form_sampler`` of the sheet).

    Args:
        env: the sheet environment (read only).
        seed: random seed; the same sheet and seed give the same forms.
        instruction: when given, constants come mostly from what it names (anchored).
    """

    def __init__(
        self, env: SheetEnvironment, seed: int = 0, instruction: str | None = None
    ) -> None:
        self.rng = random.Random(seed)
        self.anchors = anchors_for(env, instruction) if instruction else Anchors()
        table = env.table()
        self.last = max(table.last_row, 2)
        self.width = table.width
        self.columns: list[Column] = []
        for header, index in sorted(table.columns.items(), key=lambda kv: kv[1]):
            values = [env.sheet.value((r, index)) for r in range(2, self.last + 1)]
            values = [v for v in values if v is not None and v != ""]
            self.columns.append(Column(header, index, _kind(values), values))
        by_index = {c.index: c for c in self.columns}
        # Cells the instruction names in a column of the table, and the columns it names.
        self._named_cells = [
            (a, by_index[parse_addr(a)[1]])
            for a in self.anchors.cells
            if parse_addr(a)[1] in by_index
        ]
        self._named_columns = [c for c in self.columns if c.index in self.anchors.columns]

    # ------------------------------------------------------------ public

    def sample(self, tries: int = 20) -> Sample | None:
        """One form (not yet checked by the grammar or run), or None when the sheet has no
        table to speak of."""
        if not self.columns:
            return None
        for _ in range(tries):
            form = self._form()
            if form:
                return Sample(form)
        return None

    # ------------------------------------------------------------ pieces

    def _of(self, *kinds: str) -> list[Column]:
        return [c for c in self.columns if c.kind in kinds]

    def _anchored(self) -> bool:
        return self.rng.random() < ANCHOR_SHARE

    def _pick(self, *kinds: str) -> Column | None:
        cols = self._of(*kinds) if kinds else self.columns
        named = [c for c in cols if c.index in self.anchors.columns]
        if named and self._anchored():
            return self.rng.choice(named)
        return self.rng.choice(cols) if cols else None

    def _by_letter(self, col: Column) -> bool:
        """Whether to write ``col`` by its letter: mostly when the instruction names it
        so ("column D"), sometimes otherwise."""
        if col.index in self.anchors.letters:
            return self._anchored()
        return self.rng.random() >= 0.7

    def _range(self, col: Column) -> str:
        """A column's data as a range: by letters where the instruction names it by
        letter, else by header mostly."""
        if self._by_letter(col):
            return f"{col.letter}2:{col.letter}{self.last}"
        return f"[{col.header}]"

    def _key(self, col: Column) -> str:
        """A column as a sort key or a column to insert or delete: ``D`` or ``[Header]``."""
        return col.letter if self._by_letter(col) else f"[{col.header}]"

    def _in_row(self, col: Column) -> str:
        """A column's cell in a row formula: ``D2`` where the instruction names column D
        by letter, else ``[Header]``."""
        if col.index in self.anchors.letters and self._anchored():
            return f"{col.letter}2"
        return f"[{col.header}]"

    def _value(self, col: Column) -> Any:
        named = self.anchors.values.get(col.index)
        if named and self._anchored():
            return self.rng.choice(named)
        if col.kind == "num" and self.anchors.numbers and self._anchored():
            return self.rng.choice(self.anchors.numbers)
        return self.rng.choice(col.values) if col.values else 0

    def _literal(self, value: Any) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float):
            return _signed(value)
        return _text(str(value))

    def _num_constant(self, col: Column | None = None) -> float:
        """A number near the column's values (one of them, or a round one in their span)."""
        if self.anchors.numbers and self._anchored():
            return self.rng.choice(self.anchors.numbers)
        nums = [v for v in (col.values if col else []) if isinstance(v, int | float)]
        if nums and self.rng.random() < 0.6:
            return self.rng.choice(nums)
        if nums:
            lo, hi = min(nums), max(nums)
            return round(self.rng.uniform(lo, hi), 0 if float(hi - lo) > 20 else 1)
        return self.rng.choice((1, 2, 3, 5, 10, 100))

    def _criterion(self, col: Column) -> str:
        """An Excel criterion a cell of ``col`` may meet."""
        rng = self.rng
        v = self._value(col)
        if col.kind == "bool":
            return self._literal(v)
        if col.kind == "num":
            op = rng.choice(("", ">", "<", ">=", "<=", "<>"))
            n = _signed(self._num_constant(col))
            return n if not op and rng.random() < 0.5 else _text(op + n)
        if col.kind == "date":
            how = rng.choice(("=", "<", ">", "month"))
            if how == "month":
                return _text(str(v)[:7] + "*")
            return _text(("" if how == "=" else how) + str(v))
        text = str(v)
        how = rng.choice(("eq", "eq", "ne", "prefix", "contains"))
        if how == "ne":
            return _text("<>" + text)
        if how == "prefix" and text:
            return _text(text[0] + "*")
        if how == "contains" and len(text) > 2:
            start = rng.randrange(len(text) - 1)
            return _text("*" + text[start : start + 2] + "*")
        return _text(text)

    def _bounds(self, col: Column) -> tuple[str, str] | None:
        """Two criteria on one column, as Excel says "between" and "neither": a lower and
        an upper bound on a number column (the instruction's two numbers when it writes
        them, in order), or two values a text column is not."""
        rng = self.rng
        if col.kind == "num":
            nums = self.anchors.numbers
            if len(nums) >= 2 and self._anchored():
                lo, hi = sorted(rng.sample(nums, 2))
            else:
                lo, hi = sorted((self._num_constant(col), self._num_constant(col)))
            low = rng.choice((">=", ">"))
            high = rng.choice(("<=", "<"))
            return _text(low + _signed(lo)), _text(high + _signed(hi))
        if col.kind == "text":
            values = self.anchors.values.get(col.index) or col.values
            values = list(dict.fromkeys(str(v) for v in values))
            if len(values) < 2:
                return None
            a, b = rng.sample(values, 2)
            return _text("<>" + a), _text("<>" + b)
        return None

    def _condition(self, row: bool = False) -> str | None:
        """A condition on one row (delete rows where, FILTER; with ``row``, an IF of a row
        formula, which may name a column by its cell in the row: ``F2 < 28``)."""
        rng = self.rng
        col = self._pick()
        if col is None:
            return None
        ref = self._in_row(col) if row else f"[{col.header}]"
        if col.kind == "bool":
            return rng.choice((ref, f"{ref} = TRUE", f"{ref} = FALSE", f"NOT({ref})"))
        if col.kind == "num":
            op = rng.choice(("=", "<>", "<", ">", "<=", ">="))
            cond = f"{ref} {op} {_signed(self._num_constant(col))}"
        elif col.kind == "date":
            cond = f"{ref} {rng.choice(('<', '>', '='))} {_text(str(self._value(col)))}"
        else:
            op = rng.choice(("=", "=", "<>"))
            cond = f"{ref} {op} {_text(str(self._value(col)))}"
        if rng.random() < 0.15:
            other = self._condition(row)
            if other:
                return f"{rng.choice(('AND', 'OR'))}({cond}, {other})"
        return cond

    def _num_row(self, depth: int = 0) -> str | None:
        """A numeric formula of one row (a new column, a fill)."""
        rng = self.rng
        nums = self._of("num")
        if not nums:
            return None
        a = self._pick("num") or rng.choice(nums)
        choice = rng.randrange(6 if depth == 0 else 3)
        if choice == 0:
            b = rng.choice(nums)
            return f"{self._in_row(a)}{rng.choice('+-*/')}{self._in_row(b)}"
        if choice == 1:
            factor = _number(self._factor())
            return f"{self._in_row(a)}{rng.choice('+-*/')}{factor}"
        if choice == 2:
            return self._in_row(a)
        if choice == 3:
            inner = self._num_row(depth + 1)
            return f"ROUND({inner}, {self._digits()})" if inner else None
        if choice == 4:
            return f"ABS({self._in_row(a)})"
        inner = self._num_row(depth + 1)
        if inner is None:
            return None
        return f"({inner}){rng.choice('+-*/')}{_number(rng.choice((2, 10, 100)))}"

    def _row_formula(self) -> str | None:
        """Any formula of one row: numeric, text, a test, a choice."""
        rng = self.rng
        kind = rng.choice(("num", "num", "text", "if", "test"))
        if kind == "num":
            return self._num_row()
        if kind == "text":
            col = self._pick("text", "date", "mixed")
            if col is None:
                return None
            ref = self._in_row(col)
            how = rng.randrange(6)
            if how == 0:
                fn = rng.choice(("UPPER", "LOWER", "TRIM", "LEN"))
                return f"{fn}({ref})"
            if how == 1:
                return f"{rng.choice(('LEFT', 'RIGHT'))}({ref}, {rng.randint(1, 4)})"
            if how == 2:
                return f"MID({ref}, {rng.randint(1, 3)}, {rng.randint(1, 4)})"
            other = self._pick()
            sep = rng.choice((" ", "-", " / ", ", ", ": "))
            quoted = [n for n in self.anchors.names if not any(ch.isalnum() for ch in n)]
            if quoted and self._anchored():
                sep = rng.choice(quoted)  # a separator the instruction quotes
            if other is None:
                return None
            return f"{ref} & {_text(sep)} & {self._in_row(other)}"
        if kind == "if":
            cond = self._condition()
            if cond is None:
                return None
            yes, no = rng.choice((("Y", "N"), ("Yes", "No"), ("High", "Low"), ("OK", "Check")))
            if len(self.anchors.names) >= 2 and self._anchored():
                yes, no = rng.sample(self.anchors.names, 2)
                if rng.random() < 0.7:  # said in order more often than not
                    names = self.anchors.names
                    yes, no = sorted((yes, no), key=names.index)
            return f"IF({cond}, {_text(yes)}, {_text(no)})"
        return self._condition()

    def _aggregate(self) -> str | None:
        """A value computed over the table (a question, a cell to set)."""
        rng = self.rng
        how = rng.randrange(15)
        num = self._pick("num")
        any_col = self._pick()
        assert any_col is not None
        if how <= 2 and num:
            fn = rng.choice(("SUM", "AVERAGE", "MAX", "MIN", "MEDIAN", "COUNT"))
            return f"{fn}({self._range(num)})"
        if how == 3:
            fn = rng.choice(("COUNTA", "COUNTBLANK", "UNIQUE"))
            inner = f"{fn}({self._range(any_col)})"
            return f"COUNTA({inner})" if fn == "UNIQUE" and rng.random() < 0.5 else inner
        if how in (4, 5):
            return f"COUNTIF({self._range(any_col)}, {self._criterion(any_col)})"
        if how == 6:
            # Two criteria on one range is how Excel says "between" and "neither".
            other = any_col if rng.random() < 0.5 else self._pick()
            assert other is not None
            if other is any_col and rng.random() < 0.5:
                pair = self._bounds(any_col)
                if pair:
                    ref = self._range(any_col)
                    return f"COUNTIFS({ref}, {pair[0]}, {ref}, {pair[1]})"
            return (
                f"COUNTIFS({self._range(any_col)}, {self._criterion(any_col)}, "
                f"{self._range(other)}, {self._criterion(other)})"
            )
        if how == 7 and num:
            fn = rng.choice(("SUMIF", "AVERAGEIF"))
            return f"{fn}({self._range(any_col)}, {self._criterion(any_col)}, {self._range(num)})"
        if how == 8 and num:
            fn = rng.choice(("SUMIFS", "AVERAGEIFS", "MAXIFS", "MINIFS"))
            out = f"{fn}({self._range(num)}, {self._range(any_col)}, {self._criterion(any_col)}"
            if rng.random() < 0.5:
                other = self._pick()
                assert other is not None
                out += f", {self._range(other)}, {self._criterion(other)}"
            return out + ")"
        if how == 9 and num:
            fn = rng.choice(("LARGE", "SMALL"))
            return f"{fn}({self._range(num)}, {rng.randint(1, 3)})"
        if how == 10:
            key = self._pick("text") or any_col
            target = self._pick()
            assert target is not None
            if rng.random() < 0.5 and num:
                best = rng.choice(("MAX", "MIN"))
                return (
                    f"INDEX({self._range(key)}, MATCH({best}({self._range(num)}), "
                    f"{self._range(num)}, 0))"
                )
            value = self._literal(self._value(key))
            if rng.random() < 0.5 and key.index == 1:
                table = f"A2:{col_letters(self.width)}{self.last}"
                return f"VLOOKUP({value}, {table}, {target.index}, FALSE)"
            return f"INDEX({self._range(target)}, MATCH({value}, {self._range(key)}, 0))"
        if how == 11 and num:
            cond = self._condition()
            return f"FILTER({self._range(any_col)}, {cond})" if cond else None
        if how == 12 and num:
            a, b = self._range(num), self._range(rng.choice(self._of("num")))
            if rng.random() < 0.5:
                return f"SUMPRODUCT({a}, {b})"
            fa, fb = rng.choice((("MAX", "MIN"), ("SUM", "SUM"), ("AVERAGE", "AVERAGE")))
            return f"{fa}({a})-{fb}({b})"
        if how == 13:
            crit = f"COUNTIF({self._range(any_col)}, {self._criterion(any_col)})"
            total = f"COUNTA({self._range(any_col)})"
            out = f"{crit}/{total}"
            return f"ROUND({out}, 2)" if rng.random() < 0.3 else out
        if num:
            return f"ROUND(AVERAGE({self._range(num)}), {rng.randint(0, 2)})"
        return None

    def _digits(self) -> int:
        """Decimal places for ROUND: a small number the instruction writes ("one decimal
        place"), else 0 to 2."""
        small = [int(n) for n in self.anchors.numbers if n in (0, 1, 2, 3)]
        if small and self._anchored():
            return self.rng.choice(small + [0])
        return self.rng.randrange(3)

    def _row(self) -> int:
        """A data row: one the instruction writes when it writes one."""
        rows = [int(n) for n in self.anchors.numbers if float(n).is_integer()]
        rows = [n for n in rows if 2 <= n <= self.last]
        if rows and self._anchored():
            return self.rng.choice(rows)
        return self.rng.randint(2, self.last)

    def _factor(self) -> float:
        """A factor for a row formula: a percentage or number the instruction writes, or a
        common one."""
        if self.anchors.numbers and self._anchored():
            n = self.rng.choice(self.anchors.numbers)
            return n / 100 if self.rng.random() < 0.5 else n
        return self.rng.choice((2, 3, 10, 100, 0.1, 0.05, 1.5))

    def _cell(self) -> tuple[str, Column]:
        if self._named_cells and self._anchored():
            return self.rng.choice(self._named_cells)
        if self.anchors.rows and self._anchored():
            # A row the instruction names by a value in it, in a column it names.
            col = self._pick() or self.rng.choice(self.columns)
            return f"{col.letter}{self.rng.choice(self.anchors.rows)}", col
        col = self._pick() or self.rng.choice(self.columns)
        return f"{col.letter}{self.rng.randint(2, self.last)}", col

    def _form(self) -> str | None:
        rng = self.rng
        what = rng.choices(
            ("ask", "ask_cell", "ask_two", "set", "fill", "add", "add_empty", "sort",
             "delete_where", "replace", "rows", "columns", "clear"),
            weights=(10, 1, 1, 2, 1, 4, 1, 2, 2, 2, 2, 2, 1),
        )[0]  # fmt: skip
        if what == "ask":
            agg = self._aggregate()
            return f"ask {agg}" if agg else None
        if what == "ask_cell":
            return f"ask {self._cell()[0]}"
        if what == "ask_two":
            num = self._pick("num")
            if num is None:
                return None
            a, b = rng.sample(("MAX", "MIN", "SUM", "AVERAGE"), 2)
            ref = self._range(num)
            return f"ask {a}({ref}), {b}({ref})"
        if what == "set":
            cell, col = self._cell()
            if rng.random() < 0.5:
                return f"set {cell} = {self._literal(self._value(col))}"
            agg = self._aggregate()
            target = f"{col_letters(rng.randint(1, self.width + 1))}{self.last + rng.randint(1, 3)}"
            if self.anchors.cells and self._anchored():
                target = rng.choice(self.anchors.cells)
            return f"set {target} = {agg}" if agg else None
        if what == "fill":
            nums = self._of("num")
            if not nums:
                return None
            a = self._pick("num") or rng.choice(nums)
            b = self._pick("num") or rng.choice(nums)
            letter, first, last = col_letters(self.width + 1), 2, self.last
            if self._anchored():
                # The column and rows the instruction writes ("Column F (rows 2 to 11)",
                # "G2:G8", "in H2 ... through row 12").
                named = {parse_addr(c)[1] for c in self.anchors.cells}
                named |= self.anchors.letters - {a.index, b.index}
                if named:
                    letter = col_letters(rng.choice(sorted(named)))
                rows = sorted({int(n) for n in self.anchors.numbers if float(n).is_integer()})
                rows += [parse_addr(c)[0] for c in self.anchors.cells]
                rows = [r for r in rows if 2 <= r <= 4 * self.last]
                if rows:
                    last = rng.choice(rows)
                    first = min(2, last)
            op = rng.choice("+-*/")
            return f"fill {letter}{first}:{letter}{last} = {a.letter}{first}{op}{b.letter}{first}"
        if what in ("add", "add_empty"):
            name = self._new_name()
            if what == "add_empty":
                return f"add column {_text(name)}"
            formula = self._row_formula()
            return f"add column {_text(name)} = {formula}" if formula else None
        if what == "sort":
            keys = rng.sample(self.columns, min(len(self.columns), rng.choice((1, 1, 2))))
            named = self._named_columns
            if named and self._anchored():
                keys = rng.sample(named, min(len(named), rng.choice((1, 2))))
            return "sort by " + ", ".join(
                f"{self._key(c)} {rng.choice(('asc', 'desc'))}" for c in keys
            )
        if what == "delete_where":
            cond = self._condition()
            return f"delete rows where {cond}" if cond else None
        if what == "replace":
            col = self._pick() or rng.choice(self.columns)
            old = self._value(col)
            new = self._new_name() if isinstance(old, str) else self._num_constant(col)
            if isinstance(old, str) and self._anchored():
                # A new value written around the old one ("Support (old)" for "Support").
                near = [p for p in self.anchors.phrases if p != old and old in p]
                new = rng.choice(near) if near else new
            where = f" in {self._range(col)}" if rng.random() < 0.5 else ""
            return f"replace {self._literal(old)} with {self._literal(new)}{where}"
        if what == "rows":
            verb = rng.choice(("insert", "delete"))
            a = self._row()
            if rng.random() < 0.6:
                return f"{verb} row {a}"
            return f"{verb} rows {a}:{min(a + rng.randint(1, 2), self.last)}"
        if what == "columns":
            col = rng.choice(self.columns)
            verb = rng.choice(("insert", "delete"))
            ref = self._key(col)
            return f"{verb} column {ref}"
        col = rng.choice(self.columns)
        if rng.random() < 0.6:
            return f"clear {self._range(self._pick() or col)}"
        col = self._pick() or col
        a = self._row()
        return f"clear {col.letter}{a}:{col.letter}{min(a + rng.randint(1, 2), self.last)}"

    def _new_name(self) -> str:
        rng = self.rng
        names = [n for n in self.anchors.names if any(ch.isalnum() for ch in n)]
        if names and self._anchored():
            return rng.choice(names)
        if rng.random() < 0.6:
            return rng.choice(_NEW_NAMES)
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        return word.capitalize()


def _kind(values: list[Any]) -> str:
    if not values:
        return "mixed"
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "num"
    if all(isinstance(v, str) and _DATE.match(v) for v in values):
        return "date"
    if all(isinstance(v, str) for v in values):
        return "text"
    return "mixed"
