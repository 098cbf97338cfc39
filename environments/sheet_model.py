"""The workbook model: cell contents, computed values and the dependency graph between them.

A cell holds a constant (number, text, boolean, error value) or a :class:`Formula`, which
stays a formula. Values are computed and cached. The dependency graph (networkx) has an edge
from every cell a formula reads to the formula's cell; a formula reading a range gets edges
from the range's non-empty cells, and a cell that appears later inside a watched range gets
its edge when it appears. After an edit only the changed cells and their descendants are
recalculated, in topological order of the graph's strongly connected components; the cells
of a cycle get the error value ``#CYCLE!`` (no exception), and their dependants see it.

Structural changes (rows or columns inserted or deleted) rewrite every formula's references
as Excel does (``sheet_ast.restructure``) and rebuild the graph. :meth:`Sheet.snapshot` and
:meth:`Sheet.restore` make commands transactions and give undo.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Union

import networkx as nx

from parseinstr.errors import ExecutionError, ParseError, TimeLimitError

from .sheet_ast import Node, parse_formula, references, restructure, to_text
from .sheet_eval import Evaluator
from .sheet_refs import MAX_COLS, MAX_ROWS, Addr, check_in_sheet, col_letters
from .sheet_values import CYCLE, NAME, ErrorValue, Value

# Above this many cells a range is linked by scanning the sheet's cells instead of the range's.
_SCAN_LIMIT = 4096
#: The work one command may do (dependency links made, cells scanned for them, cells read
#: by the formulas it recalculates) before it is stopped. A single command such as
#: ``fill A1:H20000 = SUM(A:H)`` would otherwise take billions of steps and all memory.
WORK_LIMIT = 2_000_000


@dataclass(frozen=True)
class Formula:
    """A formula: its text (with ``=``) and tree; ``node`` is None when the text is outside
    the formula language (kept as written, its value is ``#NAME?``)."""

    text: str
    node: Node | None

    @classmethod
    def from_text(cls, text: str) -> Formula:
        try:
            node = parse_formula(text)
        except ParseError:
            return cls(text if text.startswith("=") else "=" + text, None)
        return cls.from_node(node)

    @classmethod
    def from_node(cls, node: Node) -> Formula:
        return cls("=" + to_text(node), node)


Content = Union[float, str, bool, ErrorValue, Formula]  # noqa: UP007


@dataclass(frozen=True)
class Snapshot:
    """A copy of a sheet's state, for transactions and undo."""

    content: dict[Addr, Content]
    values: dict[Addr, Value]
    graph: nx.DiGraph
    areas: dict[Addr, list[tuple[int, int, int, int]]]


class Sheet:
    """One worksheet: contents, values and dependencies.

    Example:
        >>> s = Sheet({(1, 1): 2.0, (1, 2): Formula.from_text("=A1*3")})
        >>> s.value((1, 2))
        6.0
        >>> s.write({(1, 1): 5.0}); s.value((1, 2))
        15.0
    """

    def __init__(self, contents: Mapping[Addr, Content] | None = None) -> None:
        self.content: dict[Addr, Content] = {}
        self.values: dict[Addr, Value] = {}
        self.graph: nx.DiGraph = nx.DiGraph()
        self.areas: dict[Addr, list[tuple[int, int, int, int]]] = {}
        #: Formula cells evaluated by the last recalculation, in order.
        self.recalculated: list[Addr] = []
        self._work_left: int | None = None
        self._work_limit = 0
        #: (version, Table) cached by ``sheet_table.Table.of``.
        self._table_view: tuple[int, Any] | None = None
        #: Bumped by every change of contents, so views of the sheet can be cached.
        self.version = 0
        for addr, content in (contents or {}).items():
            check_in_sheet(*addr, what="cell")
            self.content[addr] = content
        self._rebuild()

    # ------------------------------------------------------------ reading

    def value(self, addr: Addr) -> Value:
        """The computed value at ``addr`` (None when empty)."""
        return self.values.get(addr)

    def used(self) -> tuple[int, int]:
        """``(max_row, max_col)`` over the non-empty cells (0, 0 for an empty sheet)."""
        if not self.content:
            return 0, 0
        return max(r for r, _ in self.content), max(c for _, c in self.content)

    def evaluator(self) -> Evaluator:
        """An evaluator over the current values."""
        return Evaluator(self.values, self.used())

    # ------------------------------------------------------------ writing

    def write(self, updates: Mapping[Addr, Content | None]) -> None:
        """Set (or, with None, clear) cells and recalculate what depends on them.

        Raises:
            TimeLimitError: inside :meth:`work_limit`, the write would do more work than
                allowed (the sheet is then half-written: callers restore a snapshot).
        """
        for addr in updates:
            check_in_sheet(*addr, what="cell")
        self.version += 1
        new: list[Addr] = []
        formulas: list[tuple[Addr, Node]] = []
        for addr, content in updates.items():
            existed = addr in self.content
            if isinstance(self.content.get(addr), Formula):
                self._unlink(addr)
            if content is None:
                self.content.pop(addr, None)
                continue
            self.content[addr] = content
            self.graph.add_node(addr)
            if not existed:
                new.append(addr)
            if isinstance(content, Formula) and content.node is not None:
                formulas.append((addr, content.node))
        # New cells against the ranges watched before this write; the new formulas' ranges
        # are then linked against every cell, new ones included.
        self._watch_new(new)
        for addr, node in formulas:
            self._link(addr, node)
        self._recalculate(updates)
        self.version += 1  # again: a view cached during the recalculation is stale

    @contextlib.contextmanager
    def work_limit(self, units: int = WORK_LIMIT) -> Iterator[None]:
        """Stop writes inside the block with :class:`TimeLimitError` once they have done
        ``units`` of work (links, scans, cells read): a command's cost is bounded."""
        saved = self._work_left, self._work_limit
        self._work_left, self._work_limit = units, units
        try:
            yield
        finally:
            self._work_left, self._work_limit = saved

    def _spend(self, units: int) -> None:
        if self._work_left is None:
            return
        self._work_left -= units
        if self._work_left < 0:
            raise TimeLimitError(
                f"the command is too large: it would link or read more than "
                f"{self._work_limit:,} cells (a formula over whole columns copied down a long "
                "range?); write it over fewer cells"
            )

    def restructure(self, axis: str, at: int, count: int) -> None:
        """Insert (``count > 0``) or delete (``count < 0``) rows (``axis="row"``) or
        columns (``"col"``) at ``at``, shifting cells and rewriting references.

        Raises:
            ExecutionError: inserting would push non-empty cells off the sheet.
        """
        limit = MAX_ROWS if axis == "row" else MAX_COLS
        moved: dict[Addr, Content] = {}
        for (r, c), content in self.content.items():
            pos = r if axis == "row" else c
            if count < 0 and at <= pos < at - count:
                continue
            new = pos + count if pos >= (at if count > 0 else at - count) else pos
            if new > limit:
                name = "row" if axis == "row" else "column"
                where = str(new - count) if axis == "row" else col_letters(new - count)
                raise ExecutionError(
                    f"cannot insert: it would push non-empty {name} {where} off the sheet"
                )
            if isinstance(content, Formula) and content.node is not None:
                content = Formula.from_node(restructure(content.node, axis, at, count))
            moved[(new, c) if axis == "row" else (r, new)] = content
        self.content = moved
        self.version += 1
        self._rebuild()
        self.version += 1  # again: a view cached while rebuilding is stale

    # ------------------------------------------------------------ transactions

    def snapshot(self) -> Snapshot:
        """A copy of the current state."""
        return Snapshot(dict(self.content), dict(self.values), self.graph.copy(), dict(self.areas))

    def restore(self, snap: Snapshot) -> None:
        """Return to a snapshot's state (the snapshot stays usable)."""
        self.content = dict(snap.content)
        self.version += 1
        self.values = dict(snap.values)
        self.graph = snap.graph.copy()
        self.areas = dict(snap.areas)

    # ------------------------------------------------------------ dependencies

    def _link(self, addr: Addr, node: Node) -> None:
        cells, areas = references(node)
        sizes = [(bottom - top + 1) * (right - left + 1) for top, left, bottom, right in areas]
        # A range larger than this is linked by scanning the sheet's cells instead.
        walk_limit = min(_SCAN_LIMIT, len(self.content))
        self._spend(len(cells) + sum(n if n <= walk_limit else len(self.content) for n in sizes))
        self.graph.add_edges_from((c, addr) for c in cells)
        if not areas:
            return
        self.areas[addr] = areas
        for (top, left, bottom, right), size in zip(areas, sizes, strict=True):
            if size <= walk_limit:
                inside: Iterable[Addr] = (
                    (r, c)
                    for r in range(top, bottom + 1)
                    for c in range(left, right + 1)
                    if (r, c) in self.content
                )
            else:
                inside = [
                    (r, c) for r, c in self.content if top <= r <= bottom and left <= c <= right
                ]
            self.graph.add_edges_from((a, addr) for a in inside)

    def _unlink(self, addr: Addr) -> None:
        self.graph.remove_edges_from(list(self.graph.in_edges(addr)))
        self.areas.pop(addr, None)

    def _watch_new(self, cells: list[Addr]) -> None:
        if not cells or not self.areas:
            return
        self._spend(len(cells) * len(self.areas))
        for r, c in cells:
            for formula, areas in self.areas.items():
                if any(t <= r <= b and lft <= c <= rgt for t, lft, b, rgt in areas):
                    self.graph.add_edge((r, c), formula)

    def _rebuild(self) -> None:
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.content)
        self.areas = {}
        self.values = {}
        for addr, content in self.content.items():
            if isinstance(content, Formula) and content.node is not None:
                self._link(addr, content.node)
        self._recalculate(self.content)

    def _affected(self, changed: Iterable[Addr]) -> set[Addr]:
        seen = set(changed)
        stack = [a for a in seen if a in self.graph]
        while stack:
            for succ in self.graph.successors(stack.pop()):
                if succ not in seen:
                    seen.add(succ)
                    stack.append(succ)
        return seen

    def _recalculate(self, changed: Iterable[Addr]) -> None:
        affected = self._affected(changed)
        self.graph.add_nodes_from(affected)
        sub = self.graph.subgraph(affected)
        condensed = nx.condensation(sub)
        evaluator = self.evaluator()
        self.recalculated = []
        for component in nx.topological_sort(condensed):
            members = sorted(condensed.nodes[component]["members"])
            cyclic = len(members) > 1 or sub.has_edge(members[0], members[0])
            for addr in members:
                value = self._compute(addr, evaluator, cyclic)
                if value is None:
                    self.values.pop(addr, None)
                else:
                    self.values[addr] = value

    def _compute(self, addr: Addr, evaluator: Evaluator, cyclic: bool) -> Value:
        content = self.content.get(addr)
        if not isinstance(content, Formula):
            return content
        self.recalculated.append(addr)
        if cyclic:
            return CYCLE
        if content.node is None:
            return NAME
        if self._work_left is not None:
            self._spend(1 + evaluator.cells_read(content.node))
        return evaluator.cell_value(content.node)
