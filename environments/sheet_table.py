"""The table of a sheet: the header row and the data rows that ``[Header]`` refers to.

The table starts at A1. Its columns are the non-empty header cells of row 1 from column A up
to the first empty one; its data rows run from row 2 down to the last row before the first
row that is empty in every table column (so a totals row separated by a blank row is not
data). A header names its column when it is text without brackets; with duplicate headers
the first one wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from parseinstr.errors import ExecutionError

from .sheet_ast import Area, Ref
from .sheet_model import Sheet
from .sheet_refs import col_letters
from .sheet_values import ErrorValue, to_text


@dataclass(frozen=True)
class Table:
    """Header names, width and last data row of a sheet's table."""

    columns: dict[str, int]
    width: int
    last_row: int

    @classmethod
    def of(cls, sheet: Sheet) -> Table:
        """The sheet's table, computed once per version of the sheet (commands and
        questions ask for it several times; a search runs thousands on one sheet)."""
        cached = sheet._table_view
        if cached is not None and cached[0] == sheet.version:
            return cached[1]
        table = cls._compute(sheet)
        sheet._table_view = (sheet.version, table)
        return table

    @classmethod
    def _compute(cls, sheet: Sheet) -> Table:
        width = 0
        names: dict[str, int] = {}
        while (header := sheet.value((1, width + 1))) is not None:
            width += 1
            if not isinstance(header, ErrorValue):
                name = to_text(header)
                if name.strip() and "[" not in name and "]" not in name and "\n" not in name:
                    names.setdefault(name, width)
        last = 1
        while width and any((last + 1, c) in sheet.content for c in range(1, width + 1)):
            last += 1
        return cls(names, width, last)

    @property
    def headers(self) -> tuple[str, ...]:
        """Names of the columns that have one, in column order."""
        return tuple(sorted(self.columns, key=self.columns.__getitem__))

    @property
    def data_rows(self) -> range:
        """The data rows (row 2 only when the table has none, so ranges stay valid)."""
        return range(2, max(self.last_row, 2) + 1)

    def column(self, name: str) -> int:
        """The column index of header ``name``.

        Raises:
            ExecutionError: no column has that header.
        """
        try:
            return self.columns[name]
        except KeyError:
            known = ", ".join(self.headers) or "none: row 1 is empty"
            raise ExecutionError(f"no column is headed {name!r} (headers: {known})") from None

    def data_area(self, name: str, anchored: bool = False) -> Area:
        """The data rows of column ``name`` as a range (``$``-anchored if asked)."""
        col, rows = self.column(name), self.data_rows
        return Area(
            Ref(rows.start, col, anchored, anchored), Ref(rows.stop - 1, col, anchored, anchored)
        )

    def describe_column(self, col: int) -> str:
        """``"C (Units)"`` for messages."""
        names = [n for n, c in self.columns.items() if c == col]
        return f"{col_letters(col)} ({names[0]})" if names else col_letters(col)
