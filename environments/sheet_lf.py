"""Logical forms of the sheet environment as typed commands: building and printing.

A parse tree of ``grammars/sheet.lark`` becomes one command object (:class:`Ask`,
:class:`SetCells`, :class:`Fill`, ...); :func:`to_form` prints a command back in canonical
spelling (spaces around comparisons and ``&``, ``", "`` between arguments, the sort order
always written), so ``to_form(build(parse(f))) == f`` for canonical forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

import lark

from .sheet_ast import (
    Area,
    Cols,
    FormulaBuilder,
    Node,
    Num,
    Ref,
    Str,
    literal_value,
    string_value,
)
from .sheet_ast import to_text as formula_text
from .sheet_refs import col_index, col_letters
from .sheet_values import Value, is_number

# ---------------------------------------------------------------- targets


@dataclass(frozen=True)
class HeaderTarget:
    """``[Name]`` as a target: the column's data rows."""

    name: str


@dataclass(frozen=True)
class LetterColumn:
    """A column named by its letters (``insert column C``)."""

    col: int


@dataclass(frozen=True)
class HeaderColumn:
    """A column named by its header (``sort by [Units]``)."""

    name: str


Target = Union[Ref, Area, Cols, HeaderTarget]  # noqa: UP007
Column = Union[LetterColumn, HeaderColumn]  # noqa: UP007


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Ask:
    """A question: the values of one or more formulas, in order."""

    exprs: tuple[Node, ...]


@dataclass(frozen=True)
class SetCells:
    """Put a constant or a formula into every cell of a target (headers read that row)."""

    target: Target
    expr: Node


@dataclass(frozen=True)
class Fill:
    """Fill a target with a formula written for its first cell, relative references moved."""

    target: Target
    expr: Node


@dataclass(frozen=True)
class AddColumn:
    """A new column after the table's last, with a header and optionally a formula per row."""

    name: str
    expr: Node | None


@dataclass(frozen=True)
class SortKey:
    column: Column
    descending: bool


@dataclass(frozen=True)
class Sort:
    """Sort the table's data rows by one or more columns."""

    keys: tuple[SortKey, ...]


@dataclass(frozen=True)
class DeleteWhere:
    """Delete the table rows where a condition (read per row) is TRUE."""

    condition: Node


@dataclass(frozen=True)
class Replace:
    """Replace constant cells equal to ``old`` (text: any case) by ``new`` ("" clears)."""

    old: Value
    new: Value
    target: Target | None


@dataclass(frozen=True)
class InsertRows:
    first: int
    last: int


@dataclass(frozen=True)
class DeleteRows:
    first: int
    last: int


@dataclass(frozen=True)
class InsertColumns:
    target: Column | Cols


@dataclass(frozen=True)
class DeleteColumns:
    target: Column | Cols


@dataclass(frozen=True)
class Clear:
    target: Target


@dataclass(frozen=True)
class Undo:
    """Undo the last command."""


Command = Union[  # noqa: UP007
    Ask,
    SetCells,
    Fill,
    AddColumn,
    Sort,
    DeleteWhere,
    Replace,
    InsertRows,
    DeleteRows,
    InsertColumns,
    DeleteColumns,
    Clear,
    Undo,
]


def _literal(node: Node) -> Value:
    return literal_value(node)[1]


class LogicalFormBuilder(FormulaBuilder):
    """Parse tree of a logical form -> command; method names are the grammar's rule names."""

    def start(self, c: list) -> Command:
        return c[0]

    def question(self, c: list) -> Ask:
        return Ask(tuple(c))

    def set_cells(self, c: list) -> SetCells:
        return SetCells(c[0], c[1])

    def fill(self, c: list) -> Fill:
        return Fill(c[0], c[1])

    def add_column(self, c: list) -> AddColumn:
        return AddColumn(string_value(c[0]), c[1] if len(c) > 1 else None)

    def sort(self, c: list) -> Sort:
        return Sort(tuple(c))

    def sort_key(self, c: list) -> SortKey:
        return SortKey(c[0], len(c) > 1 and str(c[1]) == "desc")

    def delete_where(self, c: list) -> DeleteWhere:
        return DeleteWhere(c[0])

    def replace(self, c: list) -> Replace:
        return Replace(_literal(c[0]), _literal(c[1]), c[2] if len(c) > 2 else None)

    def insert_row(self, c: list) -> InsertRows:
        return InsertRows(int(c[0]), int(c[0]))

    def insert_rows(self, c: list) -> InsertRows:
        first, last = sorted((int(c[0]), int(c[1])))
        return InsertRows(first, last)

    def insert_column(self, c: list) -> InsertColumns:
        return InsertColumns(c[0])

    def insert_columns(self, c: list) -> InsertColumns:
        return InsertColumns(self.columns(c))

    def delete_row(self, c: list) -> DeleteRows:
        return DeleteRows(int(c[0]), int(c[0]))

    def delete_rows(self, c: list) -> DeleteRows:
        first, last = sorted((int(c[0]), int(c[1])))
        return DeleteRows(first, last)

    def delete_column(self, c: list) -> DeleteColumns:
        return DeleteColumns(c[0])

    def delete_columns(self, c: list) -> DeleteColumns:
        return DeleteColumns(self.columns(c))

    def clear(self, c: list) -> Clear:
        return Clear(c[0])

    def undo(self, _c: list) -> Undo:
        return Undo()

    def cell_area(self, c: list) -> Ref:
        return self.cell(c)

    def range_area(self, c: list) -> Area:
        return self.range(c)

    def cols_area(self, c: list) -> Cols:
        return self.columns(c)

    def header_area(self, c: list) -> HeaderTarget:
        return HeaderTarget(c[0])

    def letter_column(self, c: list) -> LetterColumn:
        return LetterColumn(col_index(str(c[0])))

    def header_column(self, c: list) -> HeaderColumn:
        return HeaderColumn(c[0])

    def area(self, c: list) -> Target:  # pass-through left by specialising without headers
        return c[0]

    def column(self, c: list) -> Column:
        return c[0]


def build(tree: lark.Tree) -> Command:
    """The command of a parsed logical form."""
    return LogicalFormBuilder().transform(tree)


# ---------------------------------------------------------------- printing


def expr_text(node: Node) -> str:
    """A formula as written in logical forms."""
    return formula_text(node, spaced=True)


def literal_text(value: Value) -> str:
    """A constant as written in logical forms."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if is_number(value):
        return expr_text(Num(float(value)))  # type: ignore[arg-type]
    return expr_text(Str(str(value)))


def target_text(target: Target) -> str:
    """A target as written in logical forms."""
    if isinstance(target, HeaderTarget):
        return f"[{target.name}]"
    return expr_text(target)


def column_text(column: Column | Cols) -> str:
    """A column as written in logical forms."""
    if isinstance(column, HeaderColumn):
        return f"[{column.name}]"
    if isinstance(column, LetterColumn):
        return col_letters(column.col)
    return expr_text(column)


def _rows(word: str, first: int, last: int) -> str:
    return f"{word} row {first}" if first == last else f"{word} rows {first}:{last}"


def _columns(word: str, target: Column | Cols) -> str:
    plural = "columns" if isinstance(target, Cols) else "column"
    return f"{word} {plural} {column_text(target)}"


def _replace(c: Replace) -> str:
    where = f" in {target_text(c.target)}" if c.target is not None else ""
    return f"replace {literal_text(c.old)} with {literal_text(c.new)}{where}"


_FORMS: dict[type, Callable[..., str]] = {
    Ask: lambda c: "ask " + ", ".join(expr_text(e) for e in c.exprs),
    SetCells: lambda c: f"set {target_text(c.target)} = {expr_text(c.expr)}",
    Fill: lambda c: f"fill {target_text(c.target)} = {expr_text(c.expr)}",
    AddColumn: lambda c: (
        f"add column {literal_text(c.name)}"
        + (f" = {expr_text(c.expr)}" if c.expr is not None else "")
    ),
    Sort: lambda c: (
        "sort by "
        + ", ".join(f"{column_text(k.column)} {'desc' if k.descending else 'asc'}" for k in c.keys)
    ),
    DeleteWhere: lambda c: f"delete rows where {expr_text(c.condition)}",
    Replace: _replace,
    InsertRows: lambda c: _rows("insert", c.first, c.last),
    DeleteRows: lambda c: _rows("delete", c.first, c.last),
    InsertColumns: lambda c: _columns("insert", c.target),
    DeleteColumns: lambda c: _columns("delete", c.target),
    Clear: lambda c: f"clear {target_text(c.target)}",
    Undo: lambda c: "undo",
}


def to_form(command: Command) -> str:
    """The canonical logical form of a command."""
    return _FORMS[type(command)](command)
