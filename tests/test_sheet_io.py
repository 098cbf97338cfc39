""".xlsx and .csv files: round trips, ISO dates, bad files, atomic saving."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from parseinstr.environments import sheet_io
from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_io import load_sheet, save_sheet
from parseinstr.environments.sheet_model import Formula
from parseinstr.environments.sheet_values import ErrorValue
from parseinstr.errors import DataError, UsageError

REPO = Path(__file__).parent.parent
SALES = REPO / "environments" / "data" / "sheet" / "sales.csv"

CELLS = {
    "A1": "Name", "B1": "Units", "C1": "Price", "D1": "When", "E1": "Ok", "F1": "Total",
    "A2": "Ann", "B2": 3, "C2": 2.5, "D2": "2024-02-11", "E2": True, "F2": "=B2*C2",
    "A3": "Bo", "B3": 4, "C3": 0.1, "D3": "2024-03-01", "E3": False, "F3": "=B3*C3",
    "G1": '=CONCAT(A2:A3, "!")', "G2": "=COUNTA(UNIQUE(A2:A3))", "G3": "=1/0",
    "H1": "#N/A", "H2": '=IF(B2>3,"big","small")', "H3": "=SUM(B:B)",
}  # fmt: skip


def _snapshot(env: SheetEnvironment) -> tuple[dict, dict]:
    return dict(env.sheet.content), dict(env.sheet.values)


def test_xlsx_round_trip_keeps_values_and_formulas(tmp_path: Path) -> None:
    env = SheetEnvironment.from_cells(CELLS)
    path = save_sheet(env.sheet, tmp_path / "book.xlsx")
    back = SheetEnvironment(sheet=path)
    assert _snapshot(back) == _snapshot(env)
    assert back.formula("F2") == "=B2*C2"
    assert back.value("G1") == "AnnBo!" and back.value("G3") == ErrorValue("#DIV/0!")
    assert back.value("H1") == ErrorValue("#N/A")
    raw = openpyxl.load_workbook(path).active
    # Functions newer than Excel 2007 carry their prefix in the file, as Excel needs.
    assert raw["G1"].value == '=_xlfn.CONCAT(A2:A3,"!")'
    assert raw["G2"].value == "=COUNTA(_xlfn.UNIQUE(A2:A3))"
    assert raw["D2"].value == "2024-02-11"


def test_xlsx_date_cells_read_as_iso_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"] = "Due"
    ws["A2"] = dt.date(2024, 2, 11)
    ws["A3"] = dt.datetime(2024, 2, 11, 13, 30)
    ws["B2"] = "=A2"
    path = tmp_path / "dates.xlsx"
    book.save(path)
    env = SheetEnvironment(sheet=path)
    assert env.value("A2") == "2024-02-11"
    assert env.value("A3") == "2024-02-11T13:30:00"
    assert env.execute('ask COUNTIF(A2:A3, "2024-02*")').answer == (2.0,)


def test_xlsx_formula_outside_the_language_is_kept_and_shows_name_error(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "=Sheet2!A1+1"
    path = tmp_path / "other.xlsx"
    book.save(path)
    env = SheetEnvironment(sheet=path)
    assert env.value("A1") == ErrorValue("#NAME?")
    save_sheet(env.sheet, tmp_path / "again.xlsx")
    assert openpyxl.load_workbook(tmp_path / "again.xlsx").active["A1"].value == "=Sheet2!A1+1"


def test_csv_round_trip_keeps_values(tmp_path: Path) -> None:
    env = SheetEnvironment(sheet=SALES)
    assert env.value("D2") == 12 and env.value("G2") is True and env.value("F2") == "2024-01-15"
    env.execute('add column "Revenue" = [Units]*[Price]')
    path = save_sheet(env.sheet, tmp_path / "out.csv")
    back = SheetEnvironment(sheet=path)
    assert back.sheet.values == env.sheet.values
    assert back.formula("H2") is None  # CSV keeps values, as Excel saves it
    assert path.read_text().splitlines()[1] == "West,Alice,Laptop,12,899.5,2024-01-15,TRUE,10794"


def test_csv_formulas_are_read_as_formulas(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,b\n2,=A2*3\n")
    env = SheetEnvironment(sheet=path)
    assert env.value("B2") == 6 and env.formula("B2") == "=A2*3"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("text.xlsx", b"Region,Units\nWest,3\n"),
        ("empty.xlsx", b""),
        ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 40),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"),
        ("nul.csv", b"a,b\n1,\x002\n"),
    ],
)
def test_malformed_files_are_a_data_error(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError, match=name):
        load_sheet(path)


def test_a_zip_that_is_not_a_workbook_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<document/>")
    with pytest.raises(DataError, match="not a readable .xlsx workbook"):
        load_sheet(path)


def test_unusable_paths_are_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_sheet(tmp_path / "missing.csv")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UsageError, match=r"\.xlsx or \.csv"):
        load_sheet(tmp_path / "notes.txt")
    with pytest.raises(UsageError, match="--save"):
        SheetEnvironment(save=tmp_path / "out.ods")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_saving_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    env = SheetEnvironment.from_cells(CELLS)
    target = tmp_path / f"book{suffix}"
    save_sheet(env.sheet, target)
    original = target.read_bytes()

    def half_then_crash(sheet, tmp: Path) -> None:
        tmp.write_bytes(original[: len(original) // 2])
        raise OSError("disk full")

    monkeypatch.setitem(sheet_io._WRITERS, suffix, half_then_crash)
    env.execute("set B2 = 100")
    with pytest.raises(OSError, match="disk full"):
        save_sheet(env.sheet, target)
    assert target.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_text_that_looks_like_a_formula_stays_text_in_xlsx(tmp_path: Path) -> None:
    env = SheetEnvironment()
    env.sheet.write({(1, 1): "=not a formula", (1, 2): Formula.from_text("=1+1")})
    # A constant whose text starts with "=" (only possible through the model) stays text.
    path = save_sheet(env.sheet, tmp_path / "t.xlsx")
    raw = openpyxl.load_workbook(path).active
    assert raw["A1"].data_type == "s" and raw["B1"].data_type == "f"
