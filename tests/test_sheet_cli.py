"""``parseinstr execute sheet``, ``generate sheet`` and ``check sheet`` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from parseinstr.cli import main

REPO = Path(__file__).parent.parent
DATA = REPO / "environments" / "data" / "sheet"


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def sales(tmp_path: Path) -> Path:
    path = tmp_path / "sales.csv"
    shutil.copy(DATA / "sales.csv", path)
    return path


def test_execute_question_prints_the_answer(capsys, sales: Path) -> None:
    code, out, err = run(capsys, "execute", "sheet", "ask SUM([Units])", "--sheet", sales)
    assert code == 0, err
    assert "247" in out


def test_execute_json(capsys, sales: Path) -> None:
    form = 'ask COUNTIF([Region], "<>West"), MAX([Price])'
    code, out, err = run(capsys, "execute", "sheet", form, "--sheet", sales, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["denotation"] == {"answer": [5, 949]}
    assert result["environment"] == "sheet" and result["outputs"] == []


def test_execute_command_and_save(capsys, sales: Path, tmp_path: Path) -> None:
    out_path = tmp_path / "out.xlsx"
    form = 'add column "Revenue" = [Units]*[Price]'
    code, out, err = run(
        capsys, "execute", "sheet", form, "--sheet", sales, "--save", out_path, "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["denotation"]["cells"]["H1"] == "Revenue"
    assert result["denotation"]["cells"]["H2"] == 10794
    assert result["outputs"] == [str(out_path)]
    code, out, err = run(capsys, "execute", "sheet", "ask SUM([Revenue])", "--sheet", out_path)
    assert code == 0 and "39398.45" in out


def test_execute_without_a_sheet_uses_an_empty_one(capsys, tmp_path: Path) -> None:
    out_path = tmp_path / "new.csv"
    code, out, err = run(capsys, "execute", "sheet", 'set A1 = "hi"', "--save", out_path)
    assert code == 0, err
    assert "wrote" in out and out_path.read_bytes() == b"hi\r\n"


@pytest.mark.parametrize(
    ("form", "message", "exit_code"),
    [
        ("ask FOO([Units])", "not a valid sheet logical form", 1),  # unknown function
        ("ask SUM([Nope])", "[Nope] is not a header", 1),
        ("set A1 = XFE1", "outside the sheet", 1),  # reference outside the sheet
        ("delete rows where [Units]/([Units]-12) > 1", "#DIV/0!", 1),
        ('add column "Units"', "already a column", 1),
    ],
)
def test_execute_errors_leave_files_unchanged(
    capsys, sales: Path, tmp_path: Path, form: str, message: str, exit_code: int
) -> None:
    saved = tmp_path / "saved.csv"
    saved.write_text("previous\n")
    before = sales.read_bytes()
    code, out, err = run(capsys, "execute", "sheet", form, "--sheet", sales, "--save", saved)
    assert code == exit_code
    assert err.count("\n") == 1 and err.startswith("error:") and message in err
    assert sales.read_bytes() == before and saved.read_text() == "previous\n"


@pytest.mark.parametrize(
    ("name", "content", "message", "exit_code"),
    [
        ("broken.xlsx", b"not a zip file at all", "not a readable .xlsx workbook", 1),
        ("notes.txt", b"just some notes", "use a .xlsx or .csv file", 2),
        ("binary.csv", b"\xff\xfe\x00\x01garbage", "not a UTF-8 text CSV", 1),
    ],
)
def test_bad_sheet_files_give_one_line(
    capsys, tmp_path: Path, name: str, content: bytes, message: str, exit_code: int
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, "execute", "sheet", "ask 1", "--sheet", path)
    assert code == exit_code
    assert err.count("\n") == 1 and message in err
    assert path.read_bytes() == content


def test_missing_sheet_and_bad_save_suffix(capsys, tmp_path: Path, sales: Path) -> None:
    code, _, err = run(capsys, "execute", "sheet", "ask 1", "--sheet", tmp_path / "none.csv")
    assert code == 2 and "no such file" in err
    code, _, err = run(
        capsys, "execute", "sheet", "set A1 = 1", "--sheet", sales, "--save", tmp_path / "o.ods"
    )
    assert code == 2 and "--save" in err and not (tmp_path / "o.ods").exists()


def test_options_of_other_environments_are_refused(capsys, sales: Path) -> None:
    code, _, err = run(capsys, "execute", "sheet", "ask 1", "--sheet", sales, "--db", sales)
    assert code == 2 and "--db does not apply" in err


def test_generate_then_check(capsys, tmp_path: Path) -> None:
    data, report = tmp_path / "tasks.jsonl", tmp_path / "report.json"
    code, out, err = run(capsys, "generate", "sheet", "--n", 60, "--seed", 3, "--out", data)
    assert code == 0, err
    assert len(data.read_text().splitlines()) == 60
    code, out, err = run(capsys, "check", "sheet", "--data", data, "--json", report)
    assert code == 0, err
    result = json.loads(report.read_text())
    assert result["accept"] == result["execute"] == result["match"] == 1.0
    assert result["counts"]["gold"] == 60 and not result["failures"]


def test_check_bundled_hand_written_examples(capsys, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    code, out, err = run(
        capsys, "check", "sheet", "--data", DATA / "examples.jsonl", "--json", report
    )
    assert code == 0, err
    assert json.loads(report.read_text())["match"] == 1.0
