"""Carrying out sheet commands: each command type has one handler in a table.

Headers are resolved here, before anything is stored (:func:`resolve`): ``[Units]`` is the
column's data range, except where a formula needs one value and there is a row (set, fill,
add column, delete rows where), where it is that row's cell. Which positions need one value
comes from the function table's parameter kinds, as in Excel's implicit intersection. Fill
anchors the resolved columns (``$C2``, ``$C$2:$C$9``) so copying keeps them.

Handlers change the sheet through :class:`~environments.sheet_model.Sheet` only; the
environment wraps each in a transaction (all or nothing) and records the undo state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from parseinstr.errors import ExecutionError

from .sheet_ast import (
    Area,
    Call,
    Cols,
    Header,
    Node,
    Ref,
    area_bounds,
    children,
    literal_value,
    rebuild,
    shift,
    walk,
)
from .sheet_eval import Evaluator
from .sheet_functions import FUNCTIONS
from .sheet_lf import (
    AddColumn,
    Ask,
    Clear,
    Column,
    DeleteColumns,
    DeleteRows,
    DeleteWhere,
    Fill,
    HeaderColumn,
    InsertColumns,
    InsertRows,
    LetterColumn,
    Replace,
    SetCells,
    Sort,
    Target,
    expr_text,
    target_text,
)
from .sheet_model import Content, Formula, Sheet
from .sheet_refs import MAX_ROWS, Addr, check_in_sheet
from .sheet_table import Table
from .sheet_values import Array, ErrorValue, ExcelError, Value, is_number, to_bool

# A command may write at most this many cells (a whole-column fill is cut to the data rows).
MAX_TARGET_CELLS = 100_000


# ---------------------------------------------------------------- headers


def resolve(node: Node, table: Table, row: int | None, anchored: bool = False) -> Node:
    """``node`` with every ``[Header]`` replaced by a range or, in a one-value position when
    ``row`` is given, by that row's cell."""

    def visit(n: Node, one_value: bool) -> Node:
        if isinstance(n, Header):
            if one_value and row is not None:
                return Ref(row, table.column(n.name), False, anchored)
            return table.data_area(n.name, anchored)
        if isinstance(n, Call):
            fn = FUNCTIONS.get(n.name)
            kinds = [fn.signature.kind(i) if fn else "scalar" for i in range(len(n.args))]
            args = [
                visit(a, one_value and k == "scalar") for a, k in zip(n.args, kinds, strict=True)
            ]
            return rebuild(n, args)
        return rebuild(n, [visit(k, one_value) for k in children(n)])

    return visit(node, True)


def check_references(node: Node) -> None:
    """Raise :class:`ExecutionError` for a reference outside the sheet."""
    for n in walk(node):
        if isinstance(n, Ref):
            check_in_sheet(n.row, n.col)
        elif isinstance(n, Area):
            check_in_sheet(n.first.row, n.first.col)
            check_in_sheet(n.last.row, n.last.col)
        elif isinstance(n, Cols):
            check_in_sheet(1, n.last)


# ---------------------------------------------------------------- targets


def _rectangle(target: Target, table: Table, whole_columns: bool) -> tuple[int, int, int, int]:
    if isinstance(target, Ref):
        check_in_sheet(target.row, target.col)
        return target.row, target.col, target.row, target.col
    if isinstance(target, Area):
        check_references(target)
        return area_bounds(target)
    if isinstance(target, Cols):
        check_in_sheet(1, target.last)
        if whole_columns:
            return 1, target.first, MAX_ROWS, target.last
        rows = table.data_rows
        return rows.start, target.first, rows.stop - 1, target.last
    col, rows = table.column(target.name), table.data_rows
    return rows.start, col, rows.stop - 1, col


def target_cells(target: Target, table: Table) -> list[Addr]:
    """Every cell a set or fill writes, row by row (whole columns: the data rows)."""
    top, left, bottom, right = _rectangle(target, table, whole_columns=False)
    n = (bottom - top + 1) * (right - left + 1)
    if n > MAX_TARGET_CELLS:
        raise ExecutionError(
            f"{target_text(target)} has {n:,} cells; at most {MAX_TARGET_CELLS:,} are written "
            "by one command"
        )
    return [(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]


def occupied_cells(sheet: Sheet, target: Target | None, table: Table) -> list[Addr]:
    """The non-empty cells of a target (whole columns: every row), or of the whole sheet."""
    if target is None:
        return sorted(sheet.content)
    top, left, bottom, right = _rectangle(target, table, whole_columns=True)
    return sorted(a for a in sheet.content if top <= a[0] <= bottom and left <= a[1] <= right)


def _column_span(column: Column | Cols, table: Table) -> tuple[int, int]:
    if isinstance(column, HeaderColumn):
        c = table.column(column.name)
        return c, c
    if isinstance(column, LetterColumn):
        check_in_sheet(1, column.col)
        return column.col, column.col
    check_in_sheet(1, column.last)
    return column.first, column.last


# ---------------------------------------------------------------- contents


def _constant(value: Value) -> Content | None:
    return None if value == "" else value  # type: ignore[return-value]


def _formula(node: Node) -> Formula:
    check_references(node)
    return Formula.from_node(node)


def _set(sheet: Sheet, cmd: SetCells, table: Table) -> None:
    is_constant, value = literal_value(cmd.expr)
    updates: dict[Addr, Content | None] = {}
    for r, c in target_cells(cmd.target, table):
        updates[(r, c)] = _constant(value) if is_constant else _formula(resolve(cmd.expr, table, r))
    sheet.write(updates)


def _fill_updates(cells: list[Addr], expr: Node, table: Table) -> dict[Addr, Content | None]:
    is_constant, value = literal_value(expr)
    if is_constant:
        return {a: _constant(value) for a in cells}
    r0, c0 = cells[0]
    first = resolve(expr, table, r0, anchored=True)
    check_references(first)
    return {(r, c): Formula.from_node(shift(first, r - r0, c - c0)) for r, c in cells}


def _fill(sheet: Sheet, cmd: Fill, table: Table) -> None:
    sheet.write(_fill_updates(target_cells(cmd.target, table), cmd.expr, table))


def _add_column(sheet: Sheet, cmd: AddColumn, table: Table) -> None:
    if cmd.name in table.columns:
        raise ExecutionError(f"there is already a column headed {cmd.name!r}")
    if not cmd.name.strip():
        raise ExecutionError("a new column needs a non-empty header")
    col = table.width + 1
    check_in_sheet(1, col, "new column")
    widened = Table({**table.columns, cmd.name: col}, col, table.last_row)
    updates: dict[Addr, Content | None] = {(1, col): cmd.name}
    if cmd.expr is not None and table.last_row >= 2:
        cells = [(r, col) for r in range(2, table.last_row + 1)]
        updates |= _fill_updates(cells, cmd.expr, widened)
    sheet.write(updates)


def _sort_key(value: Value) -> tuple[int, object]:
    # Excel's ascending order: numbers, text (any case), FALSE, TRUE, errors; blanks go last
    # in either direction, so they are kept apart (see _sort).
    if is_number(value):
        return 0, value
    if isinstance(value, str):
        return 1, value.lower()
    if isinstance(value, bool):
        return 2, value
    return 3, value.code if isinstance(value, ErrorValue) else ""


def _sort(sheet: Sheet, cmd: Sort, table: Table) -> None:
    rows = list(table.data_rows) if table.last_row >= 2 else []
    order = list(rows)
    # Stable sorts from the last key to the first give the multi-key order.
    for key in reversed(cmd.keys):
        col = _column_span(key.column, table)[0]
        blank = [r for r in order if sheet.value((r, col)) is None]
        filled = [r for r in order if sheet.value((r, col)) is not None]
        filled.sort(key=lambda r, c=col: _sort_key(sheet.value((r, c))), reverse=key.descending)
        order = filled + blank
    width = max(table.width, max((_column_span(k.column, table)[0] for k in cmd.keys), default=0))
    updates: dict[Addr, Content | None] = {}
    for new_row, old_row in zip(rows, order, strict=True):
        if new_row == old_row:
            continue
        for c in range(1, width + 1):
            content = sheet.content.get((old_row, c))
            if isinstance(content, Formula) and content.node is not None:
                content = Formula.from_node(shift(content.node, new_row - old_row, 0))
            updates[(new_row, c)] = content
    sheet.write(updates)


def _row_truth(evaluator: Evaluator, condition: Node, first: Node, row: int) -> bool:
    """The ``condition`` (``first``: resolved for the first data row; it moves down the
    rows as a filled formula does) read in ``row``."""
    node = shift(first, row - 2, 0)
    value = evaluator.evaluate(node)
    if isinstance(value, Array):
        if value.shape != (1, 1):
            raise ExecutionError(
                f"the condition {expr_text(condition)} gives {value.height}x{value.width} values "
                f"in row {row}; it must give one per row"
            )
        value = value.rows[0][0]
    if isinstance(value, ErrorValue):
        raise ExecutionError(f"the condition {expr_text(condition)} gives {value} in row {row}")
    try:
        return to_bool(value)
    except ExcelError:
        raise ExecutionError(
            f"the condition {expr_text(condition)} gives text {value!r} in row {row}, "
            "not TRUE or FALSE"
        ) from None


def _runs(rows: list[int]) -> Iterator[tuple[int, int]]:
    """Maximal runs of consecutive rows as (first, count), bottom run first."""
    runs: list[tuple[int, int]] = []
    for r in sorted(rows):
        if runs and runs[-1][0] + runs[-1][1] == r:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((r, 1))
    return reversed(runs)


def _delete_where(sheet: Sheet, cmd: DeleteWhere, table: Table) -> None:
    first = resolve(cmd.condition, table, 2, anchored=True)
    check_references(first)
    rows = range(2, table.last_row + 1)
    evaluator = sheet.evaluator()
    doomed = [r for r in rows if _row_truth(evaluator, cmd.condition, first, r)]
    for top, count in _runs(doomed):
        sheet.restructure("row", top, -count)


def _same_constant(content: Content, value: Value) -> bool:
    if isinstance(content, bool) or isinstance(value, bool):
        return isinstance(content, bool) and isinstance(value, bool) and content == value
    if is_number(content) and is_number(value):
        return content == value
    if isinstance(content, str) and isinstance(value, str):
        return content.lower() == value.lower()
    return False


def _replace(sheet: Sheet, cmd: Replace, table: Table) -> None:
    new = _constant(cmd.new)
    hits = [
        a
        for a in occupied_cells(sheet, cmd.target, table)
        if not isinstance(sheet.content[a], Formula) and _same_constant(sheet.content[a], cmd.old)
    ]
    sheet.write(dict.fromkeys(hits, new))


def _check_rows(first: int, last: int) -> None:
    check_in_sheet(first, 1, "row")
    check_in_sheet(last, 1, "row")


def _insert_rows(sheet: Sheet, cmd: InsertRows, _table: Table) -> None:
    _check_rows(cmd.first, cmd.last)
    sheet.restructure("row", cmd.first, cmd.last - cmd.first + 1)


def _delete_rows(sheet: Sheet, cmd: DeleteRows, _table: Table) -> None:
    _check_rows(cmd.first, cmd.last)
    sheet.restructure("row", cmd.first, -(cmd.last - cmd.first + 1))


def _insert_columns(sheet: Sheet, cmd: InsertColumns, table: Table) -> None:
    first, last = _column_span(cmd.target, table)
    sheet.restructure("col", first, last - first + 1)


def _delete_columns(sheet: Sheet, cmd: DeleteColumns, table: Table) -> None:
    first, last = _column_span(cmd.target, table)
    sheet.restructure("col", first, -(last - first + 1))


def _clear(sheet: Sheet, cmd: Clear, table: Table) -> None:
    sheet.write(dict.fromkeys(occupied_cells(sheet, cmd.target, table)))


HANDLERS: dict[type, Callable[[Sheet, object, Table], None]] = {
    SetCells: _set,
    Fill: _fill,
    AddColumn: _add_column,
    Sort: _sort,
    DeleteWhere: _delete_where,
    Replace: _replace,
    InsertRows: _insert_rows,
    DeleteRows: _delete_rows,
    InsertColumns: _insert_columns,
    DeleteColumns: _delete_columns,
    Clear: _clear,
}


def run_command(sheet: Sheet, command: object) -> None:
    """Carry out a command that changes the sheet (not a transaction by itself)."""
    HANDLERS[type(command)](sheet, command, Table.of(sheet))


def answer(sheet: Sheet, question: Ask) -> list[Value]:
    """The values of a question's formulas, arrays flattened row by row."""
    table = Table.of(sheet)
    evaluator = sheet.evaluator()
    out: list[Value] = []
    for expr in question.exprs:
        node = resolve(expr, table, None)
        check_references(node)
        result = evaluator.evaluate(node)
        out.extend(result.flat() if isinstance(result, Array) else [result])
    return out
