"""Reading and writing sheets: .xlsx (openpyxl) and .csv; JSON cell maps of the task format.

- .xlsx: the active worksheet. Formulas stay formulas (functions newer than Excel 2007 get
  their ``_xlfn.`` prefix on writing and lose it on reading); a date or time cell is read as
  ISO-8601 text (CONVENTIONS) and written back as that text; error cells are error values.
  A formula outside the formula language is kept as written and shows ``#NAME?``.
- .csv: UTF-8. A field is a number when it reads as one, TRUE/FALSE a boolean, ``=...`` a
  formula, ``#N/A`` and friends an error value, empty an empty cell, anything else text.
  Saving writes values, as Excel does; keep formulas with .xlsx.

Saving is atomic (:func:`parseinstr.io.write_atomic`): a crash leaves the old file intact.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from parseinstr.errors import DataError, UsageError
from parseinstr.io import write_atomic

from .sheet_ast import Call, Node, children, rebuild
from .sheet_ast import to_text as formula_text
from .sheet_functions import FUNCTIONS
from .sheet_model import Content, Formula, Sheet
from .sheet_refs import Addr, format_addr, in_sheet, parse_addr
from .sheet_values import (
    ERRORS,
    ErrorValue,
    Value,
    is_number,
    normalise,
    number_from_text,
    to_json_value,
    to_text,
)

SUFFIXES = (".xlsx", ".csv")
_PREFIX = re.compile(r"_xlfn\.(?:_xlws\.)?")


def check_suffix(path: Path, option: str) -> str:
    """The file's suffix if it is one we read and write, else a :class:`UsageError`."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"{option} {path}: use a .xlsx or .csv file (got {suffix or 'none'!r})")
    return suffix


def content_of(value: object) -> Content | None:
    """A cell's content from a JSON or file value: ``"=..."`` is a formula, error codes are
    error values, integers become numbers.

    Raises:
        TypeError: not a number, text, boolean or null.
    """
    if isinstance(value, str):
        if value.startswith("=") and len(value) > 1:
            return Formula.from_text(_PREFIX.sub("", value))
        return ERRORS.get(value, value) if value else None
    return normalise(value)  # type: ignore[return-value]


def contents_from_json(cells: Mapping[str, object], where: str) -> dict[Addr, Content]:
    """The task format's ``{"A1": value}`` map as contents.

    Raises:
        DataError: an address or value is malformed (``where`` names the place).
    """
    out: dict[Addr, Content] = {}
    for key, value in cells.items():
        try:
            addr = parse_addr(key)
        except ValueError as exc:
            raise DataError(f"{where}: {exc}") from None
        if not in_sheet(*addr):
            raise DataError(f"{where}: cell {key} is outside the sheet")
        try:
            content = content_of(value)
        except TypeError:
            raise DataError(f"{where}.{key}: {value!r} is not a number, text or boolean") from None
        if content is not None:
            out[addr] = content
    return out


# ---------------------------------------------------------------- reading


def _xlsx_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    text = getattr(value, "text", None)  # ArrayFormula
    return text if isinstance(text, str) else value


def _read_xlsx(path: Path) -> dict[Addr, Content]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key, value) on bad files
        reason = str(exc).strip() or type(exc).__name__
        raise DataError(f"{path}: not a readable .xlsx workbook ({reason})") from None
    sheet = book.active
    if not hasattr(sheet, "iter_rows"):
        raise DataError(f"{path}: the workbook has no worksheet to read")
    out: dict[Addr, Content] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            try:
                content = content_of(_xlsx_value(cell.value))
            except TypeError:
                content = str(cell.value)
            if content is not None:
                out[(cell.row, cell.column)] = content
    return out


def _csv_field(text: str) -> Content | None:
    if text == "":
        return None
    if text.startswith("=") and len(text) > 1:
        return Formula.from_text(text)
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    if text in ERRORS:
        return ERRORS[text]
    number = number_from_text(text)
    return number if number is not None and text == text.strip() else text


def _read_csv(path: Path) -> dict[Addr, Content]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not a UTF-8 text CSV file ({exc.reason} at byte {exc.start})"
        ) from None
    if "\x00" in text:
        raise DataError(f"{path}: not a text CSV file (it contains NUL bytes)")
    out: dict[Addr, Content] = {}
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            for c, field in enumerate(row, start=1):
                content = _csv_field(field)
                if content is not None:
                    if not in_sheet(r, c):
                        raise DataError(f"{path}: row {r}, column {c} is outside the sheet")
                    out[(r, c)] = content
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV ({exc})") from None
    return out


_READERS: dict[str, Callable[[Path], dict[Addr, Content]]] = {
    ".xlsx": _read_xlsx,
    ".csv": _read_csv,
}


def load_sheet(path: str | Path) -> Sheet:
    """Read a sheet from ``path`` (.xlsx or .csv).

    Raises:
        UsageError: the file is missing or has another suffix.
        DataError: the file is not a readable workbook or CSV.
    """
    path = Path(path)
    suffix = check_suffix(path, "--sheet")
    if not path.is_file():
        raise UsageError(f"--sheet {path}: no such file")
    return Sheet(_READERS[suffix](path))


# ---------------------------------------------------------------- writing


def _prefixed(node: Node) -> Node:
    """``node`` with post-2007 functions named as .xlsx files store them (``_xlfn.UNIQUE``)."""
    node = rebuild(node, [_prefixed(k) for k in children(node)])
    if isinstance(node, Call):
        fn = FUNCTIONS.get(node.name)
        if fn is not None and fn.xlsx_prefix:
            return replace(node, name=fn.xlsx_prefix + node.name)
    return node


def _xlsx_formula(formula: Formula) -> str:
    return formula.text if formula.node is None else "=" + formula_text(_prefixed(formula.node))


def _write_xlsx(sheet: Sheet, target: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    for (r, c), content in sheet.content.items():
        cell = ws.cell(row=r, column=c)
        if isinstance(content, Formula):
            cell.value = _xlsx_formula(content)
        elif isinstance(content, ErrorValue):
            cell.value = content.code
        else:
            cell.value = content
            if isinstance(content, str) and content.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
    book.save(target)


def _csv_text(value: Value) -> str:
    if is_number(value):
        x = float(value)  # type: ignore[arg-type]
        return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)
    return (
        "" if value is None else to_text(value) if not isinstance(value, ErrorValue) else value.code
    )


def _write_csv(sheet: Sheet, target: Path) -> None:
    rows, cols = sheet.used()
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for r in range(1, rows + 1):
            writer.writerow([_csv_text(sheet.value((r, c))) for c in range(1, cols + 1)])


_WRITERS: dict[str, Callable[[Sheet, Path], None]] = {".xlsx": _write_xlsx, ".csv": _write_csv}


def save_sheet(sheet: Sheet, path: str | Path) -> Path:
    """Write ``sheet`` to ``path`` (.xlsx or .csv) atomically.

    Raises:
        UsageError: another suffix.
    """
    path = Path(path)
    suffix = check_suffix(path, "--save")
    return write_atomic(path, lambda tmp: _WRITERS[suffix](sheet, tmp))


def cell_json(sheet: Sheet) -> dict[str, object]:
    """The sheet's contents in the task format (formulas as text)."""
    out: dict[str, object] = {}
    for addr in sorted(sheet.content):
        content = sheet.content[addr]
        out[format_addr(addr)] = (
            content.text if isinstance(content, Formula) else to_json_value(content)
        )
    return out
