"""Formula syntax trees: building them from parse trees, printing them, moving their references.

A formula is a tree of small frozen nodes (numbers, text, cell references, ranges, operators,
calls). The same tree serves the logical forms (where ``[Header]`` names a column) and the
formulas stored in cells (where it never appears: the environment resolves headers to ranges
or cells before storing). References hold absolute coordinates plus Excel's ``$`` flags, so a
structural change (rows inserted or deleted) rewrites coordinates, while copying a formula
(fill, sort) moves only the relative parts, as Excel does.

Stored formulas are parsed with :func:`cell_grammar`: the sheet grammar with any function name
allowed (an unknown one evaluates to ``#NAME?``) and start rule ``formula``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Union

import lark

from parseinstr.grammar import Grammar

from .sheet_refs import MAX_COLS, MAX_ROWS, Addr, col_letters, in_sheet
from .sheet_values import ERRORS, REF, ErrorValue, Value


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    text: str


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class Err:
    error: ErrorValue


@dataclass(frozen=True)
class Ref:
    """One cell; ``row_abs``/``col_abs`` are the ``$`` anchors."""

    row: int
    col: int
    row_abs: bool = False
    col_abs: bool = False


@dataclass(frozen=True)
class Area:
    """A rectangle ``first:last`` (corners as written)."""

    first: Ref
    last: Ref


@dataclass(frozen=True)
class Cols:
    """Whole columns ``first:last`` (``C:C``, ``$B:$D``)."""

    first: int
    last: int
    first_abs: bool = False
    last_abs: bool = False


@dataclass(frozen=True)
class Header:
    """``[Name]``: a column of the table named by its header (logical forms only)."""

    name: str


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Union[Num, Str, Bool, Err, Ref, Area, Cols, Header, Unary, Binary, Call]  # noqa: UP007

# Binary operators by parse-tree rule name, and their precedence (higher binds tighter).
BINARY_RULES = {
    "eq": "=",
    "ne": "<>",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "join": "&",
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "pow": "^",
}
PRECEDENCE = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "&": 2, "+": 3, "-": 3}
PRECEDENCE |= {"*": 4, "/": 4, "^": 5}
UNARY_PRECEDENCE = 6
ATOM_PRECEDENCE = 7
COMPARISONS = frozenset(op for op, p in PRECEDENCE.items() if p == 1)


# ---------------------------------------------------------------- building


def _ref(text: str) -> Ref:
    i = 1 if text.startswith("$") else 0
    j = i
    while j < len(text) and text[j].isalpha():
        j += 1
    letters, rest = text[i:j], text[j:]
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return Ref(int(rest.lstrip("$")), col, rest.startswith("$"), i == 1)


def make_area(a: Ref, b: Ref) -> Area:
    """The area between two corners, normalised to top-left ``first`` (as Excel shows it)."""
    top, bottom = (a, b) if a.row <= b.row else (b, a)
    left, right = (a, b) if a.col <= b.col else (b, a)
    first = Ref(top.row, left.col, top.row_abs, left.col_abs)
    last = Ref(bottom.row, right.col, bottom.row_abs, right.col_abs)
    return Area(first, last)


def _cols(text: str) -> Cols:
    a, b = text.split(":")
    first, last = sorted((_ref(a + "1"), _ref(b + "1")), key=lambda r: r.col)
    return Cols(first.col, last.col, first.col_abs, last.col_abs)


def string_value(token: str) -> str:
    """The text of an Excel string literal (quotes removed, doubled quotes undone)."""
    return token[1:-1].replace('""', '"')


class FormulaBuilder(lark.Transformer):
    """Parse tree -> formula nodes; method names are the grammar's rule names."""

    def number(self, c: list) -> Num:
        return Num(float(c[0]))

    def negative(self, c: list) -> Num:
        return Num(-float(c[0]))

    def string(self, c: list) -> Str:
        return Str(string_value(c[0]))

    def true(self, _c: list) -> Bool:
        return Bool(True)

    def false(self, _c: list) -> Bool:
        return Bool(False)

    def error(self, c: list) -> Err:
        return Err(ERRORS[str(c[0])])

    def cell(self, c: list) -> Ref:
        return _ref(str(c[0]))

    def range(self, c: list) -> Area:
        return make_area(_ref(str(c[0])), _ref(str(c[1])))

    def columns(self, c: list) -> Cols:
        return _cols(str(c[0]))

    def header(self, c: list) -> str:
        return str(c[0])[1:-1]

    def header_ref(self, c: list) -> Header:
        return Header(c[0])

    def atom(self, c: list) -> Node:  # the pass-through left by specialising without headers
        return c[0]

    def neg(self, c: list) -> Unary:
        return Unary("-", c[0])

    def pos(self, c: list) -> Unary:
        return Unary("+", c[0])

    def call(self, c: list) -> Call:
        return Call(c[0], tuple(c[1:]))

    def generic_call(self, c: list) -> Call:
        return Call(str(c[0])[:-1], tuple(c[1:]))

    def formula(self, c: list) -> Node:
        return c[0]

    def __default__(self, data: str, children: list, meta: object) -> object:
        if data in BINARY_RULES:
            return Binary(BINARY_RULES[data], children[0], children[1])
        if data.startswith("fn_"):
            return str(children[0])[:-1]  # "SUM(" -> "SUM"
        return super().__default__(data, children, meta)


@functools.lru_cache(maxsize=1)
def cell_grammar() -> Grammar:
    """The grammar of formulas stored in cells: any function name, start rule ``formula``."""
    base = Grammar.load("sheet")
    # FN_OPEN has a priority so "LOG10(" is a function, not the cell LOG10: this grammar is
    # internal (never given to a decoder), so it may use one.
    text = base.with_rules(
        {
            "call": 'FN_OPEN (expr ("," expr)*)? ")" -> generic_call',
            "formula": "expr",
            "FN_OPEN.2": r"/[A-Z][A-Z0-9._]*\(/",
        }
    ).text
    return Grammar("sheet formula", text, start="formula")


def parse_formula(text: str) -> Node:
    """Parse a stored formula (with or without its leading ``=``).

    Raises:
        ParseError: the text is not in the formula language.
    """
    body = text[1:] if text.startswith("=") else text
    return FormulaBuilder().transform(cell_grammar().parse(body))


# ---------------------------------------------------------------- printing


def number_literal(x: float) -> str:
    """A number as the grammar's NUMBER (shortest round-trip form, no sign)."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _ref_text(r: Ref) -> str:
    return f"{'$' if r.col_abs else ''}{col_letters(r.col)}{'$' if r.row_abs else ''}{r.row}"


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return PRECEDENCE[node.op]
    if isinstance(node, Unary) or (isinstance(node, Num) and node.value < 0):
        return UNARY_PRECEDENCE
    return ATOM_PRECEDENCE


def to_text(node: Node, spaced: bool = False) -> str:
    """Print a formula without its ``=``: compact as stored in a cell, or ``spaced`` as in
    logical forms (spaces around comparisons and ``&``, after commas)."""
    return _PRINTERS[type(node)](node, spaced)


def _print_binary(node: Binary, spaced: bool) -> str:
    p = PRECEDENCE[node.op]
    left = to_text(node.left, spaced)
    right = to_text(node.right, spaced)
    if _precedence(node.left) < p:
        left = f"({left})"
    if _precedence(node.right) <= p:
        right = f"({right})"
    sep = " " if spaced and p <= 2 else ""
    return f"{left}{sep}{node.op}{sep}{right}"


def _print_unary(node: Unary, spaced: bool) -> str:
    inner = to_text(node.operand, spaced)
    return (
        f"{node.op}({inner})" if _precedence(node.operand) < UNARY_PRECEDENCE else node.op + inner
    )


def _print_num(node: Num, _spaced: bool) -> str:
    return ("-" if node.value < 0 else "") + number_literal(abs(node.value))


def _print_cols(node: Cols, _spaced: bool) -> str:
    a = f"{'$' if node.first_abs else ''}{col_letters(node.first)}"
    b = f"{'$' if node.last_abs else ''}{col_letters(node.last)}"
    return f"{a}:{b}"


_PRINTERS: dict[type, Callable[..., str]] = {
    Num: _print_num,
    Str: lambda n, _s: '"' + n.text.replace('"', '""') + '"',
    Bool: lambda n, _s: "TRUE" if n.value else "FALSE",
    Err: lambda n, _s: n.error.code,
    Ref: lambda n, _s: _ref_text(n),
    Area: lambda n, _s: f"{_ref_text(n.first)}:{_ref_text(n.last)}",
    Cols: _print_cols,
    Header: lambda n, _s: f"[{n.name}]",
    Unary: _print_unary,
    Binary: _print_binary,
    Call: lambda n, s: (
        f"{n.name}(" + (", " if s else ",").join(to_text(a, s) for a in n.args) + ")"
    ),
}


def literal_value(node: Node) -> tuple[bool, Value]:
    """``(True, value)`` when ``node`` is a constant (number, text, boolean, -number)."""
    if isinstance(node, Num):
        return True, node.value
    if isinstance(node, Str):
        return True, node.text
    if isinstance(node, Bool):
        return True, node.value
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Num):
        return True, -node.operand.value
    return False, None


# ---------------------------------------------------------------- references


def children(node: Node) -> tuple[Node, ...]:
    """The sub-formulas of ``node``."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def rebuild(node: Node, kids: list[Node]) -> Node:
    """``node`` with its sub-formulas replaced by ``kids``."""
    if isinstance(node, Unary):
        return replace(node, operand=kids[0])
    if isinstance(node, Binary):
        return replace(node, left=kids[0], right=kids[1])
    if isinstance(node, Call):
        return replace(node, args=tuple(kids))
    return node


def map_leaves(node: Node, fn: Callable[[Node], Node]) -> Node:
    """Apply ``fn`` to every leaf (references, constants), keeping the structure."""
    kids = children(node)
    if not kids and not isinstance(node, Call):
        return fn(node)
    return rebuild(node, [map_leaves(k, fn) for k in kids])


def walk(node: Node):
    """Every node of the formula, parents first."""
    yield node
    for k in children(node):
        yield from walk(k)


def area_bounds(node: Area) -> tuple[int, int, int, int]:
    """``(top, left, bottom, right)`` of a (normalised) area."""
    return node.first.row, node.first.col, node.last.row, node.last.col


def references(node: Node) -> tuple[list[Addr], list[tuple[int, int, int, int]]]:
    """The cells and the rectangles (top, left, bottom, right) a formula reads."""
    cells: list[Addr] = []
    areas: list[tuple[int, int, int, int]] = []
    for n in walk(node):
        if isinstance(n, Ref):
            cells.append((n.row, n.col))
        elif isinstance(n, Area):
            areas.append(area_bounds(n))
        elif isinstance(n, Cols):
            areas.append((1, min(n.first, n.last), MAX_ROWS, max(n.first, n.last)))
    return cells, areas


# ---------------------------------------------------------------- moving references

_REF_ERROR = Err(REF)


def shift(node: Node, dr: int, dc: int) -> Node:
    """The formula copied ``dr`` rows down and ``dc`` columns right: relative references
    move, anchored ones stay; one pushed off the sheet becomes ``#REF!``."""

    def move_ref(r: Ref) -> Ref | None:
        row = r.row if r.row_abs else r.row + dr
        col = r.col if r.col_abs else r.col + dc
        return replace(r, row=row, col=col) if in_sheet(row, col) else None

    def leaf(n: Node) -> Node:
        if isinstance(n, Ref):
            return move_ref(n) or _REF_ERROR
        if isinstance(n, Area):
            a, b = move_ref(n.first), move_ref(n.last)
            return make_area(a, b) if a and b else _REF_ERROR
        if isinstance(n, Cols):
            first = n.first if n.first_abs else n.first + dc
            last = n.last if n.last_abs else n.last + dc
            ok = 1 <= first <= MAX_COLS and 1 <= last <= MAX_COLS
            return replace(n, first=first, last=last) if ok else _REF_ERROR
        return n

    return map_leaves(node, leaf)


def _insert_index(i: int, at: int, count: int) -> int:
    return i + count if i >= at else i


def _delete_interval(lo: int, hi: int, at: int, count: int) -> tuple[int, int] | None:
    """``[lo, hi]`` after deleting ``count`` lines from ``at``; None if all were deleted."""
    end = at + count - 1
    if at <= lo and hi <= end:
        return None
    new_lo = lo if lo < at else (at if lo <= end else lo - count)
    new_hi = hi if hi < at else (at - 1 if hi <= end else hi - count)
    return new_lo, new_hi


def restructure(node: Node, axis: str, at: int, count: int) -> Node:
    """The formula after ``count`` rows (``axis="row"``) or columns (``"col"``) are inserted
    (``count > 0``) or deleted (``count < 0``) at index ``at``, as Excel rewrites references:
    ranges grow or shrink, a reference to a deleted cell becomes ``#REF!``."""

    def interval(lo: int, hi: int) -> tuple[int, int] | None:
        if count > 0:
            return _insert_index(lo, at, count), _insert_index(hi, at, count)
        return _delete_interval(lo, hi, at, -count)

    def move_ref(r: Ref) -> Ref | None:
        i = r.row if axis == "row" else r.col
        moved = interval(i, i)
        if moved is None:
            return None
        return replace(r, row=moved[0]) if axis == "row" else replace(r, col=moved[0])

    def leaf(n: Node) -> Node:
        if isinstance(n, Ref):
            return move_ref(n) or _REF_ERROR
        if isinstance(n, Area):  # areas are normalised: first is top-left
            lo, hi = (n.first.row, n.last.row) if axis == "row" else (n.first.col, n.last.col)
            moved = interval(lo, hi)
            if moved is None:
                return _REF_ERROR
            key = "row" if axis == "row" else "col"
            return Area(replace(n.first, **{key: moved[0]}), replace(n.last, **{key: moved[1]}))
        if isinstance(n, Cols) and axis == "col":
            moved = interval(min(n.first, n.last), max(n.first, n.last))
            if moved is None:
                return _REF_ERROR
            return replace(n, first=moved[0], last=moved[1])
        return n

    return map_leaves(node, leaf)


def has_header(node: Node) -> bool:
    """Whether the formula names a column by its header."""
    return any(isinstance(n, Header) for n in walk(node))
