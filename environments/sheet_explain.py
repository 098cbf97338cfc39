"""Plain-English renderings of sheet logical forms, deterministic, for a person to check.

``add column "Revenue" = [Units]*[Price]`` reads "add a column Revenue equal to Units times
Price"; ``ask COUNTIF([Region], "<>West")`` reads "what is the number of Region values that
are not West". Each command type and each function has one entry in a table.
"""

from __future__ import annotations

from collections.abc import Callable

from .sheet_ast import (
    PRECEDENCE,
    UNARY_PRECEDENCE,
    Area,
    Binary,
    Bool,
    Call,
    Cols,
    Err,
    Header,
    Node,
    Num,
    Ref,
    Str,
    Unary,
    number_literal,
)
from .sheet_ast import to_text as formula_text
from .sheet_lf import (
    AddColumn,
    Ask,
    Clear,
    Command,
    DeleteColumns,
    DeleteRows,
    DeleteWhere,
    Fill,
    HeaderColumn,
    HeaderTarget,
    InsertColumns,
    InsertRows,
    LetterColumn,
    Replace,
    SetCells,
    Sort,
    Undo,
    literal_text,
)
from .sheet_refs import col_letters
from .sheet_values import is_number

_OPERATORS = {
    "+": "plus",
    "-": "minus",
    "*": "times",
    "/": "divided by",
    "^": "to the power of",
    "&": "followed by",
    "=": "equals",
    "<>": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is greater than",
    ">=": "is at least",
}
_CRITERIA = {
    "<>": "are not",
    "<=": "are at most",
    ">=": "are at least",
    "<": "are less than",
    ">": "are greater than",
    "=": "are",
}


def _list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def criterion(node: Node) -> str:
    """A criterion as a predicate: ``"<>West"`` -> ``are not West``."""
    if isinstance(node, Str):
        text = node.text
        for op, words in _CRITERIA.items():
            if text.startswith(op):
                return f"{words} {text[len(op) :] or 'empty'}"
        if any(ch in text for ch in "*?"):
            return f"match the pattern {text}"
        return f"are {text}" if text else "are empty"
    return f"equal {expr(node)}"


def _where(args: tuple[Node, ...]) -> str:
    """``range1, crit1, range2, crit2`` as ``Region values are West and ...``."""
    parts = [f"{expr(args[i])} {criterion(args[i + 1])}" for i in range(0, len(args), 2)]
    return " and ".join(parts)


def _ordinal(node: Node) -> str:
    if isinstance(node, Num) and node.value == int(node.value):
        n = int(node.value)
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    return f"number {expr(node)}"


_FUNCTIONS: dict[str, Callable[[tuple[Node, ...], list[str]], str]] = {
    "SUM": lambda a, t: f"the sum of {_list(t)}",
    "AVERAGE": lambda a, t: f"the average of {_list(t)}",
    "MIN": lambda a, t: f"the smallest value of {_list(t)}",
    "MAX": lambda a, t: f"the largest value of {_list(t)}",
    "MEDIAN": lambda a, t: f"the median of {_list(t)}",
    "COUNT": lambda a, t: f"the number of numbers in {_list(t)}",
    "COUNTA": lambda a, t: f"the number of non-empty values in {_list(t)}",
    "COUNTBLANK": lambda a, t: f"the number of empty cells in {t[0]}",
    "COUNTIF": lambda a, t: f"the number of {t[0]} values that {criterion(a[1])}",
    "COUNTIFS": lambda a, t: f"the number of rows where {_where(a)}",
    "SUMIF": lambda a, t: (
        f"the sum of {t[2] if len(t) > 2 else t[0]} where {t[0]} values {criterion(a[1])}"
    ),
    "SUMIFS": lambda a, t: f"the sum of {t[0]} where {_where(a[1:])}",
    "AVERAGEIF": lambda a, t: (
        f"the average of {t[2] if len(t) > 2 else t[0]} where {t[0]} values {criterion(a[1])}"
    ),
    "AVERAGEIFS": lambda a, t: f"the average of {t[0]} where {_where(a[1:])}",
    "MINIFS": lambda a, t: f"the smallest {t[0]} where {_where(a[1:])}",
    "MAXIFS": lambda a, t: f"the largest {t[0]} where {_where(a[1:])}",
    "SUMPRODUCT": lambda a, t: (
        f"the sum of {' times '.join(t)}" + (" (row by row)" if len(t) > 1 else "")
    ),
    "IF": lambda a, t: f"if {t[0]} then {t[1]}, otherwise {t[2] if len(t) > 2 else 'FALSE'}",
    "IFERROR": lambda a, t: f"{t[0]}, or {t[1]} if that is an error",
    "AND": lambda a, t: f"({_list(t)} are all true)" if len(t) > 1 else f"all of {t[0]} are true",
    "OR": lambda a, t: f"(any of {_list(t)} is true)",
    "NOT": lambda a, t: f"not ({t[0]})",
    "ROUND": lambda a, t: f"{t[0]} rounded to {t[1]} decimal places",
    "ABS": lambda a, t: f"the absolute value of {t[0]}",
    "MOD": lambda a, t: f"the remainder of {t[0]} divided by {t[1]}",
    "LARGE": lambda a, t: f"the {_ordinal(a[1])} largest value of {t[0]}",
    "SMALL": lambda a, t: f"the {_ordinal(a[1])} smallest value of {t[0]}",
    "INDEX": lambda a, t: (
        f"the value of {t[0]} at position {t[1]}" + (f", column {t[2]}" if len(t) > 2 else "")
    ),
    "MATCH": lambda a, t: (
        f"the position of {t[0]} in {t[1]}"
        + (" (exact match)" if len(a) > 2 and isinstance(a[2], Num) and a[2].value == 0 else "")
    ),
    "VLOOKUP": lambda a, t: (
        f"column {t[2]} of {t[1]} on the row whose first value is {t[0]}"
        + (
            " (exact match)"
            if len(a) > 3 and isinstance(a[3], Bool | Num) and not a[3].value
            else ""
        )
    ),
    "UNIQUE": lambda a, t: f"the distinct values of {t[0]}",
    "FILTER": lambda a, t: (
        f"the values of {t[0]} where {t[1]}" + (f" (else {t[2]})" if len(t) > 2 else "")
    ),
    "LEN": lambda a, t: f"the length of {t[0]}",
    "UPPER": lambda a, t: f"{t[0]} in upper case",
    "LOWER": lambda a, t: f"{t[0]} in lower case",
    "TRIM": lambda a, t: f"{t[0]} without extra spaces",
    "LEFT": lambda a, t: f"the first {t[1] if len(t) > 1 else '1'} characters of {t[0]}",
    "RIGHT": lambda a, t: f"the last {t[1] if len(t) > 1 else '1'} characters of {t[0]}",
    "MID": lambda a, t: f"{t[2]} characters of {t[0]} from position {t[1]}",
    "CONCAT": lambda a, t: f"{_list(t)} joined together",
}


def _binary(node: Binary) -> str:
    p = PRECEDENCE[node.op]
    left, right = expr(node.left), expr(node.right)
    if isinstance(node.left, Binary) and PRECEDENCE[node.left.op] < p:
        left = f"({left})"
    if isinstance(node.right, Binary) and PRECEDENCE[node.right.op] <= p:
        right = f"({right})"
    return f"{left} {_OPERATORS[node.op]} {right}"


def _unary(node: Unary) -> str:
    inner = expr(node.operand)
    if isinstance(node.operand, Binary) and PRECEDENCE[node.operand.op] < UNARY_PRECEDENCE:
        inner = f"({inner})"
    return f"minus {inner}" if node.op == "-" else inner


def _call(node: Call) -> str:
    render = _FUNCTIONS.get(node.name)
    texts = [expr(a) for a in node.args]
    return render(node.args, texts) if render else f"{node.name}({', '.join(texts)})"


def _cols(node: Cols) -> str:
    if node.first == node.last:
        return f"column {col_letters(node.first)}"
    return f"columns {col_letters(node.first)} to {col_letters(node.last)}"


_EXPRESSIONS: dict[type, Callable[..., str]] = {
    Num: lambda n: ("minus " if n.value < 0 else "") + number_literal(abs(n.value)),
    Str: lambda n: f'"{n.text}"',
    Bool: lambda n: "TRUE" if n.value else "FALSE",
    Err: lambda n: n.error.code,
    Ref: lambda n: formula_text(n).replace("$", ""),
    Area: lambda n: formula_text(n).replace("$", ""),
    Cols: _cols,
    Header: lambda n: n.name,
    Unary: _unary,
    Binary: _binary,
    Call: _call,
}


def expr(node: Node) -> str:
    """A formula in words."""
    return _EXPRESSIONS[type(node)](node)


def _target(target: object) -> str:
    if isinstance(target, HeaderTarget):
        return f"the {target.name} column"
    if isinstance(target, Ref):
        return f"cell {expr(target)}"
    if isinstance(target, Area):
        return f"cells {expr(target)}"
    return expr(target)  # type: ignore[arg-type]


def _column(column: object) -> str:
    if isinstance(column, HeaderColumn):
        return f"the {column.name} column"
    if isinstance(column, LetterColumn):
        return f"column {col_letters(column.col)}"
    return expr(column)  # type: ignore[arg-type]


def _value(value: object) -> str:
    if value == "":
        return "nothing (clearing the cell)"
    return literal_text(value) if not is_number(value) else number_literal(float(value))  # type: ignore[arg-type]


def _rows(verb: str, c: InsertRows | DeleteRows) -> str:
    blank = " blank" if verb == "insert" else ""
    if c.first == c.last:
        return f"{verb} a{blank} row at row {c.first}" if blank else f"{verb} row {c.first}"
    return f"{verb} {c.last - c.first + 1}{blank} rows at rows {c.first} to {c.last}"


def _sort(c: Sort) -> str:
    keys = [
        f"{_column(k.column)} in {'descending' if k.descending else 'ascending'} order"
        for k in c.keys
    ]
    return "sort the table's rows by " + ", then by ".join(keys)


_COMMANDS: dict[type, Callable[..., str]] = {
    Ask: lambda c: "what is " + " and ".join(expr(e) for e in c.exprs),
    SetCells: lambda c: f"set {_target(c.target)} to {expr(c.expr)}",
    Fill: lambda c: (
        f"fill {_target(c.target)} with {expr(c.expr)}, moving relative references with each cell"
    ),
    AddColumn: lambda c: (
        f"add a column {c.name} equal to {expr(c.expr)}"
        if c.expr is not None
        else f"add an empty column {c.name}"
    ),
    Sort: _sort,
    DeleteWhere: lambda c: f"delete the rows where {expr(c.condition)}",
    Replace: lambda c: (
        f"replace {_value(c.old)} with {_value(c.new)} in "
        + (_target(c.target) if c.target is not None else "the whole sheet")
    ),
    InsertRows: lambda c: _rows("insert", c),
    DeleteRows: lambda c: _rows("delete", c),
    InsertColumns: lambda c: (
        f"insert blank columns at {_column(c.target)}"
        if isinstance(c.target, Cols)
        else f"insert a blank column at {_column(c.target)}"
    ),
    DeleteColumns: lambda c: f"delete {_column(c.target)}",
    Clear: lambda c: f"clear {_target(c.target)}",
    Undo: lambda c: "undo the last command",
}


def explain_command(command: Command) -> str:
    """A command in plain English."""
    return _COMMANDS[type(command)](command)
