"""The README's results table: every number from a benchmark command, on the commit it names.

Each row's command must be a ``python -m benchmarks...`` command naming its results files
(``benchmarks/results/NAME.json``); each file must exist, record a benchmark command run on a
clean tree (a commit, not ``+dirty``), and that commit and the day it ran must be in the row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEADER = "| What | Number | Command | Machine, date |"
RESULT_FILE = re.compile(r"`benchmarks/results/([\w\-]+\.json)`")


def results_rows(readme: str) -> list[dict[str, str]]:
    """The rows of the README's results table as cells, ``same`` resolved to the row above."""
    lines = readme.splitlines()
    start = lines.index(HEADER) + 2
    rows: list[dict[str, str]] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        assert len(cells) == 4, line
        row = dict(zip(("what", "number", "command", "machine"), cells, strict=True))
        for key in ("command", "machine"):
            if row[key] == "same":
                row[key] = rows[-1][key]
        rows.append(row)
    return rows


def problems(row: dict[str, str], results: Path) -> list[str]:
    """What is wrong with one row's provenance (empty when nothing is)."""
    found: list[str] = []
    if "python -m benchmarks" not in row["command"]:
        found.append("the command is not a benchmark command")
    names = RESULT_FILE.findall(row["command"])
    if not names:
        found.append("no results file named")
    for name in names:
        path = results / name
        if not path.exists():
            found.append(f"{name} does not exist")
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if not str(data.get("command", "")).startswith("python -m benchmarks"):
            found.append(f"{name} was not written by a benchmark command")
        commit = str(data.get("commit", "")).split()[0] if data.get("commit") else ""
        if not commit or "+dirty" in commit:
            found.append(f"{name} records no clean commit ({data.get('commit')!r})")
        elif commit not in row["machine"]:
            found.append(f"{name} records commit {commit}, the row does not name it")
        day = str(data.get("date", ""))[:10]
        if day not in row["machine"]:
            found.append(f"{name} ran on {day}, the row does not say so")
    return found


def test_every_readme_result_comes_from_a_benchmark_on_the_commit_it_names():
    rows = results_rows((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(rows) >= 10
    wrong = {
        row["what"][:60]: found
        for row in rows
        if (found := problems(row, REPO / "benchmarks" / "results"))
    }
    assert not wrong, wrong


@pytest.fixture
def results(tmp_path: Path) -> Path:
    (tmp_path / "good.json").write_text(
        json.dumps(
            {
                "command": "python -m benchmarks.bench_x",
                "commit": "abc1234",
                "date": "2026-12-06 10:00 UTC",
            }
        )
    )
    (tmp_path / "dirty.json").write_text(
        json.dumps(
            {
                "command": "python -m benchmarks.bench_x",
                "commit": "abc1234+dirty",
                "date": "2026-12-06 10:00 UTC",
            }
        )
    )
    (tmp_path / "cli.json").write_text(
        json.dumps(
            {"command": "parseinstr evaluate sheet", "commit": "abc1234", "date": "2026-12-06"}
        )
    )
    return tmp_path


def _row(command: str, machine: str = "2-core CPU, 2026-12-06, commit abc1234") -> dict:
    return {"what": "w", "number": "1", "command": command, "machine": machine}


def test_a_good_row_passes(results: Path):
    row = _row("`python -m benchmarks.bench_x` (`benchmarks/results/good.json`)")
    assert problems(row, results) == []


@pytest.mark.parametrize(
    ("command", "machine", "expected"),
    [
        ("`parseinstr evaluate sheet`", None, "not a benchmark command"),
        ("`python -m benchmarks.bench_x`", None, "no results file named"),
        ("`python -m benchmarks.x` (`benchmarks/results/gone.json`)", None, "does not exist"),
        ("`python -m benchmarks.x` (`benchmarks/results/dirty.json`)", None, "no clean commit"),
        ("`python -m benchmarks.x` (`benchmarks/results/cli.json`)", None, "not written by"),
        (
            "`python -m benchmarks.x` (`benchmarks/results/good.json`)",
            "2-core CPU, 2026-12-06, commit 1111111",
            "does not name it",
        ),
        (
            "`python -m benchmarks.x` (`benchmarks/results/good.json`)",
            "2-core CPU, 2026-12-05, commit abc1234",
            "ran on 2026-12-06",
        ),
    ],
)
def test_each_kind_of_bad_row_is_caught(
    results: Path, command: str, machine: str | None, expected: str
):
    row = _row(command) if machine is None else _row(command, machine)
    assert any(expected in p for p in problems(row, results)), problems(row, results)


def test_same_cells_take_the_row_above():
    readme = "\n".join(
        [
            HEADER,
            "|---|---|---|---|",
            "| a | 1 | `python -m benchmarks.x` | CPU, 2026-12-06, commit abc1234 |",
            "| b | 2 \\| 3 | same | same |",
            "",
            "| after | the | table | x |",
        ]
    )
    rows = results_rows(readme)
    assert [r["what"] for r in rows] == ["a", "b"]
    assert rows[1]["command"] == "`python -m benchmarks.x`"
    assert rows[1]["machine"] == "CPU, 2026-12-06, commit abc1234"
    assert rows[1]["number"] == "2 \\| 3"
