"""The ``sheet`` task: instructions on small spreadsheets, one task per JSON line.

Each line::

    {"id": "...", "instruction": "Put the total number of units in C10",
     "sheet": {"cells": {"A1": "Region", "C2": 120, "D2": "=C2*2", ...}},
     "logical_form": "set C10 = SUM(C2:C9)",            (optional gold)
     "expected": {"cells": {"C10": 725}}                 (or {"answer": 725}, or a list)
     "tags": ["negation"], "template": "sum_col/3"}      (optional)

Cell values are numbers, text, booleans or formulas (text starting with ``=``); in
``expected.cells`` null means the cell is empty, and a formula means the cell must hold that
formula. A task passes when, after the instruction runs, every cell of ``expected.cells``
has its value and every other cell keeps its initial value, or when the answer equals
``expected.answer``. Blank lines are skipped; other fields are kept but not read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from parseinstr.environment import Example, Task
from parseinstr.errors import DataError, ParseError, UsageError
from parseinstr.registry import register_task

from .sheet import SheetDenotation, SheetEnvironment, normalise_formula
from .sheet_io import contents_from_json
from .sheet_refs import parse_addr
from .sheet_values import normalise, same_value


def _field(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataError(f"{where}: field {key!r} must be {names}, got {value!r}")
    return value


def _check_expected(expected: Any, where: str) -> None:
    if expected is None:
        return
    if not isinstance(expected, dict) or not ({"cells", "answer"} & set(expected)):
        raise DataError(f"{where}: 'expected' must be {{'cells': {{...}}}} or {{'answer': ...}}")
    if "cells" in expected:
        cells = _field(expected, "cells", dict, where + ".expected")
        contents_from_json(
            {k: v for k, v in cells.items() if v is not None}, where + ".expected.cells"
        )
    else:
        values = (
            expected["answer"] if isinstance(expected["answer"], list) else [expected["answer"]]
        )
        for v in values:
            try:
                normalise(v)
            except TypeError:
                raise DataError(f"{where}.expected.answer: {v!r} is not a cell value") from None


def parse_line(line: str, where: str) -> Example:
    """One JSON line as an :class:`Example` (``instance`` holds the sheet's cells).

    Raises:
        DataError: the line is not JSON or not in the format (``where`` names file and line).
    """
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected a JSON object")
    ident = _field(obj, "id", (str, int), where)
    instruction = _field(obj, "instruction", str, where)
    sheet = _field(obj, "sheet", dict, where)
    cells = _field(sheet, "cells", dict, where + ".sheet")
    contents_from_json(cells, where + ".sheet.cells")  # validate now, build later
    form = obj.get("logical_form")
    if form is not None and not isinstance(form, str):
        raise DataError(f"{where}: 'logical_form' must be text")
    _check_expected(obj.get("expected"), where)
    tags = obj.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise DataError(f"{where}: 'tags' must be a list of text")
    return Example(
        id=str(ident),
        instruction=instruction,
        logical_form=form,
        expected=obj.get("expected"),
        tags=tuple(tags),
        instance={"cells": cells},
        instance_key=str(ident),
    )


def load_sheet_tasks(path: str | Path) -> list[Example]:
    """All examples of a sheet JSONL file.

    Raises:
        DataError: the file is missing, not UTF-8 or has a malformed line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"--data {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"--data {path}: not UTF-8 text ({exc.reason})") from None
    examples = [
        parse_line(line, f"{path}:{i}")
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    seen: set[str] = set()
    for ex in examples:
        if ex.id in seen:
            raise DataError(f"--data {path}: id {ex.id!r} appears twice")
        seen.add(ex.id)
    return examples


def expected_denotation(example: Example) -> SheetDenotation | None:
    """The denotation ``example.expected`` describes, relative to the initial sheet."""
    expected = example.expected
    if not expected:
        return None
    if "answer" in expected:
        values = (
            expected["answer"] if isinstance(expected["answer"], list) else [expected["answer"]]
        )
        return SheetDenotation(answer=tuple(normalise(v) for v in values))
    initial = SheetEnvironment.from_cells(example.instance["cells"], where=example.id)
    cells: dict[str, Any] = {}
    required: dict[str, str] = {}
    for key, raw in expected["cells"].items():
        addr = parse_addr(key)
        if isinstance(raw, str) and raw.startswith("="):
            try:
                text = normalise_formula(raw)
            except ParseError as exc:
                raise DataError(f"{example.id}: expected formula for {key}: {exc}") from None
            if initial.formula(key) != text:
                required[key] = text
            continue
        value = normalise(raw)
        if not same_value(value, initial.sheet.value(addr)):
            cells[key] = value
    return SheetDenotation(cells=cells, required_formulas=required)


@register_task
class SheetTask(Task):
    """Spreadsheet instructions in the JSONL format above; each line has its own sheet.

    Args:
        data: the JSONL file.
    """

    name: ClassVar[str] = "sheet"
    environment: ClassVar[str] = "sheet"
    option_names: ClassVar[tuple[str, ...]] = ("data",)

    def __init__(self, data: str | Path | None = None) -> None:
        if data is None:
            raise UsageError("the sheet task needs --data FILE (JSON lines)")
        self.data = Path(data)
        self._examples = load_sheet_tasks(self.data)
        self._current: tuple[str, SheetEnvironment] | None = None

    @classmethod
    def generate(cls, n: int, seed: int) -> list[dict[str, Any]]:
        """``n`` generated tasks with gold forms, reproducible by ``seed`` (``sheet_gen``)."""
        from .sheet_gen import generate_tasks

        return generate_tasks(n, seed)

    def examples(self) -> list[Example]:
        return list(self._examples)

    def environment_for(self, example: Example) -> SheetEnvironment:
        """A fresh environment on the example's sheet (commands change it, so none is shared
        between examples; the last one is kept for repeated calls)."""
        if self._current is None or self._current[0] != example.instance_key:
            env = SheetEnvironment.from_cells(example.instance["cells"], where=example.id)
            self._current = (example.instance_key, env)
        return self._current[1]

    def expected_denotation(
        self, example: Example, env: SheetEnvironment
    ) -> SheetDenotation | None:  # type: ignore[override]
        return expected_denotation(example)

    def close(self) -> None:
        self._current = None
