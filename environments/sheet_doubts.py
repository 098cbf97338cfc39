"""Doubts about sheet forms that run: formulas Excel evaluates without complaint that a
person would hardly mean.

Excel sums a column of names to 0, takes the minimum of text as 0, and counts the rows
equal to a value that no row holds as 0. A parser that picks such a formula has almost
always copied the wrong column or the wrong value ("the largest Stock when category is
Kitchen" read as ``MAXIFS([Category], [Category], "Kitchen")``; "column B is Cleo" read as
``COUNTIF(B2:B12, "B")``). The formula stays valid (a user who writes it gets Excel's
answer); execution-guided selection only prefers a candidate without a doubt
(:meth:`parseinstr.environment.Environment.doubt`).

Doubted: a question asking for a constant beside other values (``ask 11, A2:A14``); a
table column compared (``=``, ``<>``) with a text none of its data cells holds (``delete
rows where C2 <> "C"``); an answer, or a cell a command writes, that is an error value
(``#N/A`` from a lookup of a value no row holds, ``#CYCLE!`` from a total written into its
own range, ``#VALUE!`` from ranges of different sizes); rows written backwards (``insert
rows 9:8``); a repetition a person would not write (rows sorted by one column twice, an
arithmetic operator or SUMPRODUCT given the same operand twice: ``D2+D2``,
``SUMPRODUCT(C2:C9, C2:C9)``, the same criterion twice in COUNTIFS); and, on every function
call of the form's formulas with ``[Header]`` resolved to its data rows:

- a range a numeric function reads for its numbers (SUM, AVERAGE, MAX, MIN, MEDIAN,
  SUMPRODUCT, LARGE and SMALL's first argument, the value range of SUMIF(S),
  AVERAGEIF(S), MAXIFS, MINIFS) holds values but no number;
- a literal criterion of COUNTIF(S), SUMIF(S), AVERAGEIF(S), MAXIFS or MINIFS compares
  with a kind of value (number, boolean, text) that no cell of its range holds, asks for
  a text that no cell of its range equals, or excludes (``"<>Globex"``) a text no cell
  holds (each criterion on its own: together they may rightly match none). A number
  threshold or a boolean that matches nothing is not doubted: "how many are below -7" may
  rightly be none;
- arithmetic with TRUE or FALSE as an operand (``FALSE - 10.7`` for -10.7, ``TRUE ^ x``);
- AND or OR reads a range that holds values but no truth value (``AND([Pages])`` is TRUE
  for any column of non-zero numbers), or COUNTBLANK counts the blanks of a range that has
  none (0 whatever was asked): a search finds them matching answers by coincidence;
- a range a function reads starts at the table's first data row and stops before its
  data ends (``SUM(D2:D9)`` where column D runs to row 13): "the total of column D" means
  the whole column, and a range cut short gives the right answer only when the rows left
  out happen not to matter (the largest value sits above them); or one that runs past the
  table's last data row into cells below it (``COUNTIF(A2:A13, "<>Central")`` counting a
  "Total" row under the table; empty cells past the end are harmless). Ranges a command
  writes (``clear B2:B3``, ``fill F2:F6``) are not read by a function and stay undoubted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lark

from .sheet_ast import (
    Area,
    Binary,
    Bool,
    Call,
    Cols,
    Header,
    Node,
    Num,
    Ref,
    literal_value,
    to_text,
    walk,
)
from .sheet_commands import resolve
from .sheet_criteria import matcher, split_criterion
from .sheet_eval import Evaluator
from .sheet_lf import Ask, DeleteWhere, Sort
from .sheet_model import Sheet
from .sheet_table import Table
from .sheet_values import Array, ErrorValue, Value, is_number, number_from_text

#: Functions whose every range argument is read for its numbers.
_NUMERIC_ALL = frozenset({"SUM", "AVERAGE", "MAX", "MIN", "MEDIAN", "SUMPRODUCT"})
#: Functions whose first argument is read for its numbers (the rest are not ranges of it).
_NUMERIC_FIRST = frozenset({"LARGE", "SMALL", "SUMIFS", "AVERAGEIFS", "MAXIFS", "MINIFS"})
#: Functions whose range arguments are read for truth values.
_LOGICAL = frozenset({"AND", "OR"})
#: Functions taking (range, criterion) pairs from the first argument on.
_PAIRS_FROM_FIRST = frozenset({"COUNTIF", "COUNTIFS", "SUMIF", "AVERAGEIF"})
#: Functions taking (range, criterion) pairs after a value range.
_PAIRS_FROM_SECOND = frozenset({"SUMIFS", "AVERAGEIFS", "MAXIFS", "MINIFS"})


def _formulas(command: object) -> list[Node]:
    """The formulas a command evaluates (a question's, a set/fill's, a filter's)."""
    if isinstance(command, Ask):
        return list(command.exprs)
    if isinstance(command, DeleteWhere):
        return [command.condition]
    expr = getattr(command, "expr", None)  # set, fill, add column = ...
    return [expr] if expr is not None else []


def _cells(evaluator: Evaluator, node: Node) -> list[Value] | None:
    """The values of a range argument (None when the argument is not a range)."""
    if not isinstance(node, Area | Cols):
        return None
    result = evaluator.evaluate(node)
    return list(result.flat()) if isinstance(result, Array) else [result]


def _numeric_ranges(call: Call) -> Iterator[Node]:
    if call.name in _NUMERIC_ALL:
        yield from call.args
    elif call.name in _NUMERIC_FIRST and call.args:
        yield call.args[0]
    elif call.name in ("SUMIF", "AVERAGEIF") and call.args:
        yield call.args[2] if len(call.args) == 3 else call.args[0]


def _criteria(call: Call) -> Iterator[tuple[Node, Node]]:
    start = 0 if call.name in _PAIRS_FROM_FIRST else 1 if call.name in _PAIRS_FROM_SECOND else None
    if start is None:
        return
    args = call.args[start:]
    if call.name in ("SUMIF", "AVERAGEIF"):
        args = args[:2]
    for i in range(0, len(args) - 1, 2):
        yield args[i], args[i + 1]


def _doubt_of_call(evaluator: Evaluator, call: Call) -> str | None:
    for node in _numeric_ranges(call):
        values = _cells(evaluator, node)
        if values is None:
            continue
        filled = [v for v in values if v is not None and v != "" and not isinstance(v, ErrorValue)]
        if filled and not any(is_number(v) for v in filled):
            return f"{call.name} reads numbers from {to_text(node)}, which holds none"
    if call.name in _LOGICAL:
        for node in call.args:
            values = _cells(evaluator, node)
            filled = [v for v in values or () if v is not None and v != ""]
            if filled and not any(isinstance(v, bool) for v in filled):
                return f"{call.name} reads truth values from {to_text(node)}, which holds none"
    if call.name == "COUNTBLANK" and call.args:
        values = _cells(evaluator, call.args[0])
        if values and all(v is not None and v != "" for v in values):
            return f"COUNTBLANK counts blanks in {to_text(call.args[0])}, which has none"
    for range_node, criterion in _criteria(call):
        literal, value = literal_value(criterion)
        values = _cells(evaluator, range_node)
        if not literal or values is None:
            continue
        kind, equality = _criterion_kind(value)
        if kind is None:
            continue
        if not any(_kind(v) == kind for v in values):
            return (
                f"{call.name}: {to_text(criterion)} compares with {kind}s, and "
                f"{to_text(range_node)} holds none"
            )
        if kind == "text" and equality and not any(map(matcher(value), values)):
            return f"{call.name}: {to_text(criterion)} matches no cell of {to_text(range_node)}"
        excluded = value[2:] if isinstance(value, str) and value.startswith("<>") else None
        if kind == "text" and excluded is not None and not any(map(matcher(excluded), values)):
            return f"{call.name}: {to_text(criterion)} excludes no cell of {to_text(range_node)}"
    return None


def _off_table_range(sheet: Sheet, table: Table, call: Call) -> str | None:
    """A range argument of ``call`` that starts at the first data row of table columns and
    either ends before the table's last data row while one of its columns holds data below
    (``MAX(D2:D9)`` of a column that runs to D13), or runs past the table's last data row
    into cells that are not table data (``COUNTIF(A2:A13, ...)`` reaching a "Total" row)."""
    rows = table.data_rows
    last = rows[-1]
    for node in call.args:
        if not isinstance(node, Area):
            continue
        top, bottom = sorted((node.first.row, node.last.row))
        left, right = sorted((node.first.col, node.last.col))
        if top != rows.start or bottom == last or right > table.width:
            continue
        short = bottom < last
        low, high = (bottom + 1, last) if short else (last + 1, bottom)
        # The sheet's filled cells, not every row the range names (``D2:D1048576``).
        filled = sorted(
            r
            for (r, c), v in sheet.values.items()
            if low <= r <= high and left <= c <= right and v not in (None, "")
        )
        if not filled:
            continue
        if short:
            return (
                f"{call.name} reads {to_text(node)}, which stops at row {bottom} while "
                f"the table's data runs to row {last}"
            )
        return (
            f"{call.name} reads {to_text(node)}, which runs past the table's last data row "
            f"({last}) into row {filled[0]}"
        )
    return None


def _kind(value: Value) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str) and value != "":
        return "text"
    return None


def _criterion_kind(criterion: Value) -> tuple[str | None, bool]:
    """What a criterion compares with (number, boolean, text; None: empty cells or an
    empty text) and whether it asks for equality (no operator, or ``=``)."""
    if isinstance(criterion, bool) or is_number(criterion):
        return _kind(criterion), True
    if not isinstance(criterion, str):
        return None, False
    op, operand = split_criterion(criterion)
    if operand == "":
        return None, False
    if number_from_text(operand) is not None:
        return "number", op in ("", "=")
    if operand.upper() in ("TRUE", "FALSE"):
        return "boolean", op in ("", "=")
    return "text", op in ("", "=")


def backwards(tree: lark.Tree) -> str | None:
    """``insert rows 9:8``: a row span written last row first (the command reads it as
    8:9, but a person counts forwards)."""
    for node in tree.iter_subtrees():
        if node.data in ("insert_rows", "delete_rows"):
            first, last = (int(t) for t in node.children[:2])
            if first > last:
                return f"rows {first}:{last} are written backwards"
    return None


def _error_values(denotation: Any) -> str | None:
    """The first error value the denotation holds (an answer, or a written cell)."""
    if denotation is None:
        return None
    answer = getattr(denotation, "answer", None)
    for value in answer or ():
        if isinstance(value, ErrorValue):
            return f"the answer is {value}"
    for addr, value in getattr(denotation, "cells", {}).items():
        if isinstance(value, ErrorValue):
            return f"it writes {value} into {addr}"
    return None


def doubt(sheet: Sheet, command: object, denotation: Any = None) -> str | None:
    """Why ``command``, which ran on ``sheet`` (as it still is) and gave ``denotation``, is
    probably not what was meant, or None. Read-only: nothing on the sheet changes."""
    reason = _error_values(denotation)
    if reason is not None:
        return reason
    reason = _repetition(command)
    if reason is not None:
        return reason
    table = Table.of(sheet)
    evaluator = sheet.evaluator()
    if isinstance(command, Ask) and len(command.exprs) > 1:
        for expr in command.exprs:
            if not any(isinstance(n, Ref | Area | Cols | Header) for n in walk(expr)):
                return f"it asks for {to_text(expr)}, which reads nothing of the sheet"
    for formula in _formulas(command):
        for node in walk(resolve(formula, table, None)):
            if isinstance(node, Call):
                reason = _doubt_of_call(evaluator, node) or _off_table_range(sheet, table, node)
            elif isinstance(node, Binary) and node.op in ("=", "<>"):
                reason = _doubt_of_comparison(evaluator, table, node)
            elif isinstance(node, Binary) and node.op == "-":
                reason = _date_as_subtraction(node)
            else:
                reason = None
            if reason is not None:
                return reason
    return None


def _date_as_subtraction(node: Binary) -> str | None:
    """``set A11 = 2024-01-07``: a date written without quotes is a subtraction (2016);
    a date is written in quotes."""
    left, day = node.left, node.right
    if not (isinstance(left, Binary) and left.op == "-" and isinstance(day, Num)):
        return None
    year, month = left.left, left.right
    if not (isinstance(year, Num) and isinstance(month, Num)):
        return None
    parts = (year.value, month.value, day.value)
    if not all(float(v).is_integer() for v in parts):
        return None
    y, m, d = (int(v) for v in parts)
    if 1900 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y}-{m:02d}-{d:02d} is a subtraction here; a date is written in quotes"
    return None


def _repetition(command: object) -> str | None:
    """One column sorted twice; ``x op x`` for an arithmetic operator; SUMPRODUCT of a range
    with itself; one (range, criterion) pair given twice. Squares are rare in instructions
    (a person asks for "E times D", the parser may copy one side twice)."""
    if isinstance(command, Sort):
        columns = [key.column for key in command.keys]
        for column in columns:
            if columns.count(column) > 1:
                return "it sorts by one column twice"
    for formula in _formulas(command):
        for node in walk(formula):
            if (
                isinstance(node, Binary)
                and node.op in ("+", "-", "*", "/")
                and node.left == node.right
            ):
                return f"it computes {to_text(node)}, one operand twice"
            if (
                isinstance(node, Binary)
                and node.op in ("+", "-", "*", "/", "^")
                and (isinstance(node.left, Bool) or isinstance(node.right, Bool))
            ):
                return f"it computes {to_text(node)}, arithmetic on TRUE or FALSE"
            if (
                isinstance(node, Call)
                and node.name == "SUMPRODUCT"
                and len(set(node.args)) < len(node.args)
            ):
                return f"{to_text(node)} multiplies a range by itself"
            if isinstance(node, Call):
                pairs = list(_criteria(node))
                if len(set(pairs)) < len(pairs):
                    return f"{to_text(node)} gives one criterion twice"
    return None


def _doubt_of_comparison(evaluator: Evaluator, table: Table, node: Binary) -> str | None:
    """``[Region] = "Weast"`` or ``C2 <> "C"`` (a row's cell in a filter): a comparison of a
    table column with a text that no data cell of that column holds."""
    for side, other in ((node.left, node.right), (node.right, node.left)):
        literal, value = literal_value(other)
        if not literal or not isinstance(value, str) or value == "":
            continue
        rows = table.data_rows
        if isinstance(side, Ref) and side.row in rows:
            side = Area(Ref(rows[0], side.col), Ref(rows[-1], side.col))
        values = _cells(evaluator, side)
        if values is None:
            continue
        if not any(isinstance(v, str) and v.lower() == value.lower() for v in values):
            return f"no cell of {to_text(side)} holds {to_text(other)}"
    return None
