"""The spreadsheet environment: instructions carried out on one sheet.

Logical forms (``grammars/sheet.lark``) are commands that change the sheet or questions
about it, over an Excel-style formula language::

    ask SUM([Units])                          -> 725
    ask INDEX([Rep], MATCH(MAX([Units]), [Units], 0))
    ask COUNTIF([Region], "<>West"), COUNTIF([Date], "2024-02*")
    set C10 = SUM(C2:C9)                      a constant or a formula into cells
    fill F2:F9 = D2*E2                        a formula copied down, relative refs moved
    add column "Revenue" = [Units]*[Price]    a new last column, one formula per row
    sort by [Units] desc, [Rep] asc           the table's data rows
    delete rows where [Region] = "West"       rows whose condition (per row) is TRUE
    replace "West" with "W" in [Region]       whole-cell constants, text in any case
    insert row 5 / insert rows 5:7 / insert column C / insert columns C:D
    delete row 5 / delete rows 5:7 / delete column [Notes] / delete columns C:D
    clear B2:B4 / clear [Notes] / clear D:D
    undo

``[Header]`` names a column by its header in row 1 (see ``sheet_table``): its data rows as
a range, or, where a formula needs one value and there is a row (set, fill, add column,
delete rows where), the cell of that row; headers are resolved before a formula is stored,
so cells hold plain Excel formulas (``add column "Revenue" = [Units]*[Price]`` stores
``=$C2*$D2`` in each row). A constant (number, text, TRUE/FALSE) is stored as a value,
anything else as a formula; ``""`` clears. The grammar is specialised to the sheet's headers.

Every command is a transaction: if it fails, the sheet is exactly as before; :meth:`undo`
(or the form ``undo``) restores the state before the last command. Cycles give ``#CYCLE!``
and Excel's error values propagate as values (``sheet_model``, ``sheet_eval``).

Denotations (:class:`SheetDenotation`): a question gives its answer (a list of values in
order, arrays flattened by rows); a command gives the cells whose value changed, with their
new values (``null`` = now empty). :func:`same_denotation` compares numbers within 1e-6
relative (plus 1e-9 absolute for results that should be zero), text and booleans exactly,
an error value with its code, a one-element answer with the value alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import lark
from rich.table import Table as RichTable

from parseinstr.environment import Demo, Environment
from parseinstr.errors import ExecutionError, ParseError, ParseInstrError
from parseinstr.grammar import Grammar, quote_literal
from parseinstr.registry import register_environment

from .sheet_ast import Area, Cols, Header, Ref, parse_formula
from .sheet_ast import to_text as formula_text
from .sheet_commands import answer, run_command
from .sheet_doubts import backwards
from .sheet_doubts import doubt as sheet_doubt
from .sheet_explain import explain_command
from .sheet_functions import load_all
from .sheet_gloss import gloss
from .sheet_io import check_suffix, contents_from_json, load_sheet, save_sheet
from .sheet_lexemes import COLUMN_LETTER, sheet_search_lexemes
from .sheet_lf import Ask, Command, Undo, build
from .sheet_model import Formula, Sheet, Snapshot
from .sheet_refs import col_letters, format_addr, parse_addr
from .sheet_table import Table
from .sheet_values import ExcelError, Value, is_number, number_text, same_value, to_json_value
from .sheet_worlds import fictitious_sheet

UNDO_DEPTH = 50


def _shown(value: Value) -> str:
    """A value as a person reads it (numbers in Excel's general format)."""
    if value is None:
        return ""
    return number_text(value) if is_number(value) else str(to_json_value(value))  # type: ignore[arg-type]


def _json_answer(values: tuple[Value, ...]) -> Any:
    shown = [to_json_value(v) for v in values]
    return shown[0] if len(shown) == 1 else shown


@dataclass(frozen=True)
class SheetDenotation:
    """What a sheet logical form yields: an answer, or the changed cells.

    ``formulas`` holds the formula text of changed cells that now hold a formula; an
    expected denotation may instead require formulas (``required_formulas``), which are
    then compared as text (normalised) rather than by value.
    """

    answer: tuple[Value, ...] | None = None
    cells: Mapping[str, Value] = field(default_factory=dict)
    formulas: Mapping[str, str] = field(default_factory=dict)
    required_formulas: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        if self.answer is not None:
            return {"answer": _json_answer(self.answer)}
        out: dict[str, Any] = {"cells": {k: to_json_value(v) for k, v in self.cells.items()}}
        if self.formulas:
            out["formulas"] = dict(self.formulas)
        if self.required_formulas:
            out["required_formulas"] = dict(self.required_formulas)
        return out

    def is_empty(self) -> bool:
        if self.answer is not None:
            return all(v is None for v in self.answer)
        return not self.cells and not self.required_formulas

    def __rich__(self) -> RichTable:
        if self.answer is not None:
            table = RichTable("answer", title="answer")
            for v in self.answer:
                table.add_row(_shown(v))
            return table
        table = RichTable("cell", "value", "formula", title=f"{len(self.cells)} cells changed")
        for addr, v in self.cells.items():
            table.add_row(addr, _shown(v), self.formulas.get(addr, ""))
        return table


def same_denotation(a: SheetDenotation, b: SheetDenotation) -> bool:
    """Whether two sheet denotations agree (rules in the module docstring)."""
    if (a.answer is None) != (b.answer is None):
        return False
    if a.answer is not None and b.answer is not None:
        return len(a.answer) == len(b.answer) and all(
            same_value(x, y) for x, y in zip(a.answer, b.answer, strict=True)
        )
    by_formula = {**a.required_formulas, **b.required_formulas}
    for addr, text in by_formula.items():
        other = b if addr in a.required_formulas else a
        if other.formulas.get(addr, other.required_formulas.get(addr)) != text:
            return False
    keys_a = set(a.cells) - set(by_formula)
    keys_b = set(b.cells) - set(by_formula)
    return keys_a == keys_b and all(same_value(a.cells[k], b.cells[k]) for k in keys_a)


def normalise_formula(text: str) -> str:
    """A formula's canonical text (``=sum( A1 )`` style differences removed).

    Raises:
        ParseError: the text is not in the formula language.
    """
    return "=" + formula_text(parse_formula(text))


# A value held in at most this many cells is linked with its cells (a key names its row).
_LINKED_CELLS = 2
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


def _name_the_function(exc: ParseError) -> ParseError:
    """``exc`` reworded when it stops at a call of a function the grammar does not have."""
    if exc.line is None or exc.column is None:
        return exc
    line = exc.text.splitlines()[exc.line - 1] if exc.text else ""
    m = _CALL.match(line, exc.column - 1)
    if m is None:
        return exc
    name = m.group(1)
    known = sorted(load_all())
    hint = (
        f"function names are written in capitals: {name.upper()}"
        if name.upper() in known
        else f"unknown function {name!r}; the functions are {', '.join(known)}"
    )
    return ParseError(
        f"not a valid sheet logical form: {hint}", exc.text, exc.line, exc.column, exc.expected
    )


@functools.cache
def _base_grammar() -> Grammar:
    return Grammar.load("sheet")


@functools.lru_cache(maxsize=1 << 15)
def _parse_base(form: str) -> tuple[lark.Tree | None, ParseError | None, tuple[lark.Token, ...]]:
    """``form`` parsed by the base grammar: (tree, None, its HEADER tokens) or (None, the
    error, ()). Cached: the search learner parses each form it executes three times (to run
    it, to doubt it, to see whether it reads the sheet), and many forms on many sheets; the
    trees are only read."""
    try:
        tree = _base_grammar().parse(form)
    except ParseError as exc:
        return None, exc, ()
    headers = tuple(tree.scan_values(lambda t: isinstance(t, lark.Token) and t.type == "HEADER"))
    return tree, None, headers


@functools.lru_cache(maxsize=1 << 15)
def _build_form(form: str) -> Command:
    """The (frozen) command of a form that parses."""
    tree, error, _ = _parse_base(form)
    if error is not None:
        raise error.with_traceback(None)
    assert tree is not None
    return build(tree)


@functools.lru_cache(maxsize=64)
def _specialised(base: Grammar, headers: tuple[str, ...]) -> Grammar:
    if not headers:
        # No header can be named: drop the header alternatives altogether.
        return base.with_rules(
            {"atom": "plain_atom", "area": "plain_area", "column": "plain_column"}
        )
    return base.with_rules({"HEADER": " | ".join(quote_literal(f"[{h}]") for h in headers)})


# The grammar's expression rules (``grammars/sheet.lark``): each is a formula on its own.
_EXPRESSION_RULES = frozenset(
    [
        "expr",
        "comparison",
        "concat",
        "additive",
        "multiplicative",
        "power",
        "unary",
        "atom",
        "plain_atom",
        "call",
    ]
)


def _reads_sheet(node: Any) -> bool:
    """Whether a formula node refers to a cell, a range, columns or a header anywhere."""
    if isinstance(node, Ref | Area | Cols | Header):
        return True
    if dataclasses.is_dataclass(node):
        return any(_reads_sheet(getattr(node, f.name)) for f in dataclasses.fields(node))
    if isinstance(node, tuple | list):
        return any(_reads_sheet(x) for x in node)
    return False


@register_environment
class SheetEnvironment(Environment):
    """One worksheet that commands change and questions read.

    Args:
        sheet: a .xlsx or .csv file to load (default: an empty sheet).
        save: where :meth:`export` writes the sheet (.xlsx or .csv).

    Example:
        >>> env = SheetEnvironment.from_cells({"A1": "Units", "A2": 3, "A3": 4})
        >>> env.execute("ask SUM([Units])").to_json()
        {'answer': 7}
        >>> env.execute('add column "Double" = [Units]*2').to_json()["cells"]
        {'B1': 'Double', 'B2': 6, 'B3': 8}
    """

    name: ClassVar[str] = "sheet"
    option_names: ClassVar[tuple[str, ...]] = ("sheet", "save")
    bundled_model: ClassVar[str | None] = "models/sheet"
    bundled_model_command: ClassVar[str | None] = (
        "parseinstr generate sheet --n 9000 --seed 0 --out sheet-train.jsonl && "
        "parseinstr train sheet --data sheet-train.jsonl --out environments/models/sheet "
        "--max-minutes 40 --half --copy-slots --precision bf16"
    )

    @classmethod
    def demo(cls) -> Demo:
        """Questions and commands on the bundled sales workbook (changed in memory only)."""
        return Demo(
            "Questions and commands on a sales workbook",
            {"sheet": Path(__file__).resolve().parent / "data/sheet/sales.xlsx"},
            [
                "What is the total number of units?",
                "How many rows have Region equal to West?",
                "Add a column Total that multiplies Units by Price",
                "Which Rep has the highest Units?",
                "Sort the table by Units from largest to smallest",
            ],
        )

    def __init__(self, sheet: str | Path | None = None, save: str | Path | None = None) -> None:
        self.save = Path(save) if save is not None else None
        if self.save is not None:
            check_suffix(self.save, "--save")  # fail before anything runs
        self.source = Path(sheet) if sheet is not None else None
        self.sheet = load_sheet(self.source) if self.source is not None else Sheet()
        self._undo: list[Snapshot] = []
        self._table: tuple[Sheet, int, Table] | None = None
        # Open ``isolated`` blocks, innermost last: each holds the state to return to, taken
        # when the first change inside it is about to happen (questions change nothing).
        self._frames: list[list[tuple[Snapshot, list[Snapshot]]]] = []

    @classmethod
    def from_cells(cls, cells: Mapping[str, object], where: str = "cells") -> SheetEnvironment:
        """An environment over a task-format cell map (``{"A1": "Region", "D2": "=C2*2"}``).

        Raises:
            DataError: an address or value is malformed.
        """
        env = cls()
        env.sheet = Sheet(contents_from_json(cells, where))
        return env

    # ------------------------------------------------------------ the interface

    def table(self) -> Table:
        """The sheet's table (header row and data rows), cached until the sheet changes."""
        cached = self._table
        if cached is None or cached[0] is not self.sheet or cached[1] != self.sheet.version:
            self._table = cached = (self.sheet, self.sheet.version, Table.of(self.sheet))
        return cached[2]

    @classmethod
    def base_grammar(cls) -> Grammar:
        """``grammars/sheet.lark``, loaded once."""
        return _base_grammar()

    def grammar(self) -> Grammar:
        """The sheet grammar with ``HEADER`` replaced by this sheet's headers (for decoders)."""
        return _specialised(self.base_grammar(), tuple(sorted(self.table().headers)))

    def decoding_grammar(self) -> Grammar:
        """The base grammar, narrowed per sheet through :meth:`literal_lexemes` (one
        compilation serves every sheet)."""
        return self.base_grammar()

    def literal_lexemes(self, instruction: str) -> dict[str, list[str]]:
        """``HEADER`` may only be one of this sheet's bracketed headers."""
        # A header with a bracket or a line break cannot be written as a HEADER lexeme.
        headers = [h for h in sorted(self.table().headers) if not set(h) & set("[]\r\n")]
        return {"HEADER": [f"[{h}]" for h in headers]}

    def parse(self, form: str) -> lark.Tree:
        """Parse ``form`` as the specialised grammar would, without compiling it per sheet.

        The specialised grammar differs from the base one only in ``HEADER``, whose
        alternatives are this sheet's bracketed headers; so parsing with the base grammar and
        then refusing any other header token accepts exactly the same forms (a test checks
        this), at the cost of one parser for all sheets instead of one per header set.

        Raises:
            ParseError: the form is not in the specialised grammar.
        """
        tree, error, header_tokens = _parse_base(form)
        if error is not None:
            raise _name_the_function(error.with_traceback(None)) from None
        assert tree is not None
        known = set(self.table().headers)
        for token in header_tokens:
            if token[1:-1] not in known:
                raise ParseError(
                    f"not a valid sheet logical form: {token} is not a header of this sheet",
                    form,
                    token.line,
                    token.column,
                    [quote_literal(f"[{h}]") for h in sorted(known)]
                    or ["(no headers: row 1 is empty)"],
                )
        return tree

    def command(self, form: str) -> Command:
        """Parse ``form`` (see :meth:`parse`) into a command (built once per form: commands
        are immutable, and a search runs the same forms on many sheets)."""
        self.parse(form)  # this sheet's headers
        return _build_form(form)

    def execute(self, form: str) -> SheetDenotation:
        """Run a logical form: answer a question, or change the sheet as one transaction.

        Raises:
            ParseError: the form is not in the (specialised) grammar.
            ExecutionError: the command failed; the sheet is unchanged.
            TimeLimitError: (an ExecutionError) the command would do more work than one
                command may (``sheet_model.WORK_LIMIT``); the sheet is unchanged.
        """
        command = self.command(form)
        if isinstance(command, Ask):
            return SheetDenotation(answer=tuple(answer(self.sheet, command)))
        if isinstance(command, Undo):
            return self.undo()
        before = self.sheet.snapshot()
        self._about_to_change(before)
        try:
            with self.sheet.work_limit():
                run_command(self.sheet, command)
        except BaseException:
            self.sheet.restore(before)
            raise
        self._undo = [*self._undo[-(UNDO_DEPTH - 1) :], before]
        return self._changes(before)

    def undo(self) -> SheetDenotation:
        """Restore the sheet as it was before the last command; returns the cells it changes.

        Raises:
            ExecutionError: there is nothing to undo.
        """
        if not self._undo:
            raise ExecutionError("nothing to undo: no command has changed this sheet")
        before = self.sheet.snapshot()
        self._about_to_change(before)
        self.sheet.restore(self._undo.pop())
        return self._changes(before)

    def _about_to_change(self, now: Snapshot) -> None:
        """Remember the present state (``now``, and the undo history) in every open
        ``isolated`` block that has not changed anything yet."""
        for frame in self._frames:
            if not frame:
                frame.append((now, list(self._undo)))

    @contextlib.contextmanager
    def isolated(self) -> Iterator[SheetEnvironment]:
        """Roll back everything executed inside the block (sheet and undo history), e.g. to
        compare candidate forms on the same sheet.

        Example:
            >>> env = SheetEnvironment.from_cells({"A1": 1})
            >>> with env.isolated():
            ...     _ = env.execute("set A1 = 2")
            >>> env.value("A1")
            1.0
        """
        # The state is copied only when a command is about to change it: questions, most
        # of what a search tries, run without copying the sheet twice.
        frame: list[tuple[Snapshot, list[Snapshot]]] = []
        self._frames.append(frame)
        try:
            yield self
        finally:
            self._frames = [f for f in self._frames if f is not frame]
            if frame:
                snap, history = frame[0]
                self.sheet.restore(snap)
                self._undo = history

    def _changes(self, before: Snapshot) -> SheetDenotation:
        after = self.sheet
        cells: dict[str, Value] = {}
        formulas: dict[str, str] = {}
        for addr in sorted(
            set(before.values) | set(after.values) | set(before.content) | set(after.content)
        ):
            old, new = before.values.get(addr), after.values.get(addr)
            if not same_value(old, new):
                cells[format_addr(addr)] = new
            content = after.content.get(addr)
            if isinstance(content, Formula) and content != before.content.get(addr):
                formulas[format_addr(addr)] = content.text
        return SheetDenotation(cells=cells, formulas=formulas)

    def same_denotation(self, a: SheetDenotation, b: SheetDenotation) -> bool:  # type: ignore[override]
        return same_denotation(a, b)

    def describe(self) -> str:
        """The header row and a few rows as text: ``A Region | B Units ...`` then rows."""
        rows, cols = self.sheet.used()
        if not rows:
            return "empty sheet"
        table = self.table()
        width = max(table.width, 1)
        head = " | ".join(f"{col_letters(c)} {self._shown((1, c))}" for c in range(1, width + 1))
        lines = [f"sheet A1:{col_letters(cols)}{rows}; table rows 2-{table.last_row}", head]
        for r in range(2, min(table.last_row, 4) + 1):
            lines.append(f"{r}: " + " | ".join(self._shown((r, c)) for c in range(1, width + 1)))
        return "\n".join(lines)

    def doubt(self, form: str, denotation: SheetDenotation) -> str | None:  # type: ignore[override]
        """An answer or a written cell that is an error value, rows written backwards, a
        numeric function over a range without numbers, a criterion no cell of its range
        matches (:mod:`.sheet_doubts`): Excel allows them, a person rarely means them."""
        try:
            tree = self.parse(form)
            return backwards(tree) or sheet_doubt(self.sheet, _build_form(form), denotation)
        except (ParseInstrError, ExcelError):
            return None

    def fictitious(  # type: ignore[override]
        self, rng: random.Random, literals: Sequence[str] = ()
    ) -> SheetEnvironment:
        """This sheet's table with other data (:func:`sheet_worlds.fictitious_sheet`)."""
        env = SheetEnvironment()
        env.sheet = fictitious_sheet(self.sheet, rng, literals)
        return env

    def is_trivial(self, form: str, denotation: Any) -> bool:
        """Whether ``form`` is a question that reads nothing of the sheet (``ask LEN("x")``,
        ``ask TRUE + TRUE``): its answer says nothing about this sheet, so a search that
        finds it matching an expected answer has found a coincidence."""
        try:
            command = self.command(form)
        except ParseError:
            return False
        return isinstance(command, Ask) and not any(_reads_sheet(e) for e in command.exprs)

    def link(self, instruction: str) -> str:
        """What the sheet knows about the instruction's words: for each column the
        instruction names (by header or as ``column D``) its data range, and for each value
        of the sheet it names the columns that hold it, and its cells when there are at most
        two: ``Amount: C2:C9; column D: Payee D2:D9; Airline: in Payee; Horizon: in Payee
        D7``. The description shows three rows; these are the facts a form needs (which
        column a value lives in, which row a key names, where a lettered range ends)."""
        table = self.table()
        last = max(table.last_row, 2)
        facts: list[str] = []
        by_col = {c: h for h, c in table.columns.items()}
        mentions = sorted(self.mention_values(instruction))
        seen: set[str] = set()
        for _, _, name in mentions:
            if name in seen:
                continue
            seen.add(name)
            if name in table.columns:
                letter = col_letters(table.columns[name])
                facts.append(f"{name}: {letter}2:{letter}{last}")
                continue
            cells = [
                (r, c)
                for c in range(1, table.width + 1)
                for r in range(2, last + 1)
                if isinstance(v := self.sheet.value((r, c)), str) and v == name
            ]
            holders = list(dict.fromkeys(by_col.get(c, col_letters(c)) for _, c in cells))
            if not holders:
                continue
            fact = f"{name}: in " + ", ".join(holders)
            if len(cells) <= _LINKED_CELLS:
                # A key names its row: a command on it needs the cell (``set D7 = ...``).
                fact += " " + " ".join(f"{col_letters(c)}{r}" for r, c in cells)
            facts.append(fact)
        for letter in dict.fromkeys(COLUMN_LETTER.findall(instruction)):
            try:
                _, col = parse_addr(f"{letter}1")
            except ValueError:
                continue
            header = by_col.get(col)
            named = f" {header}" if header else ""
            facts.append(f"column {letter}:{named} {letter}2:{letter}{last}")
        return "; ".join(facts)

    def part_program(self, nonterminal: str, form: str) -> str | None:
        """A formula (any expression rule of the grammar) runs as the question ``ask``."""
        return f"ask {form}" if str(nonterminal) in _EXPRESSION_RULES else None

    def search_lexemes(self, instruction: str) -> dict[str, list[str]]:
        """Lexemes for a search over forms of ``instruction`` (see ``sheet_lexemes``): the
        sheet's headers, its values and numbers the instruction names, criteria from them."""
        headers = self.literal_lexemes(instruction)["HEADER"]
        header_names = {h.lower() for h in self.table().headers}
        named = sorted(
            {s for _, _, s in self.mention_values(instruction) if s.lower() not in header_names}
        )
        return sheet_search_lexemes(instruction, headers, named)

    def mention_values(self, instruction: str) -> list[tuple[int, int, str]]:
        """Headers and text cells of the sheet that the instruction names (case-insensitive,
        whole words), spelled as the sheet spells them."""
        names = set(self.table().headers)
        for value in self.sheet.values.values():
            if isinstance(value, str) and 0 < len(value) <= 40 and "\n" not in value:
                names.add(value)
        lowered = instruction.lower()
        out = []
        for name in names:
            key = name.strip().lower()
            if not key:
                continue
            for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", lowered):
                out.append((m.start(), m.end(), name))
        return out

    def _shown(self, addr: tuple[int, int]) -> str:
        return _shown(self.sheet.value(addr))

    def reconstruction_text(self, form: str) -> str:
        """The form with each reference glossed by what it holds (``sheet_gloss``)."""
        return gloss(form, self.sheet, self.table())

    def form_sampler(
        self, seed: int, max_depth: int = 30, max_size: int = 200, instruction: str | None = None
    ) -> Any:
        """Well-typed random forms over this sheet (``sheet_synth``): a range and a criterion
        for ``COUNTIF``, a number column for ``SUM``, the sheet's own values as constants,
        mostly those ``instruction`` names when one is given."""
        from .sheet_synth import SheetFormSampler

        return SheetFormSampler(self, seed, instruction)

    def explain(self, form: str) -> str:
        """The form in plain English, e.g. ``add a column Revenue equal to Units times Price``."""
        return explain_command(self.command(form))

    def export(self, denotation: SheetDenotation) -> list[str]:  # type: ignore[override]
        """Save the sheet to ``save`` (atomically) when one was given."""
        if self.save is None:
            return []
        return [str(save_sheet(self.sheet, self.save))]

    # ------------------------------------------------------------ helpers

    def value(self, address: str) -> Value:
        """The value of a cell by address (``"C10"``)."""
        return self.sheet.value(parse_addr(address))

    def formula(self, address: str) -> str | None:
        """The formula text of a cell, or None when it holds a constant or nothing."""
        content = self.sheet.content.get(parse_addr(address))
        return content.text if isinstance(content, Formula) else None
