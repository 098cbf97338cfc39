"""Execution-guided selection that prefers the candidate using the instruction's mentions:
``select_by_execution(mentions=...)``, ``evaluate_task(mentions=True)``, the executor's
``prefer_mentions`` and the CLI's ``--prefer-mentions``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from parseinstr.copying import copy_frame
from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_task import SheetTask
from parseinstr.evaluate import evaluate_task
from parseinstr.parser import Candidate, InstructionExecutor, select_by_execution

CELLS = {
    "A1": "Item", "B1": "Units",
    "A2": "pen", "B2": 3, "A3": "ink", "B3": 40, "A4": "pad", "B4": 7, "A5": "cap", "B5": 12,
}  # fmt: skip
TEXT = "How many rows have Units over 5?"
# The parser's favourite ignores the 5; the meant form scores lower.
CANDIDATES = [
    Candidate("ask COUNTA([Item])", -0.1),
    Candidate('ask COUNTIF([Units], ">5")', -0.6),
    Candidate('ask COUNTIF([Units], ">50")', -0.9),
]


def test_selection_prefers_the_candidate_using_most_mentions() -> None:
    env = SheetEnvironment.from_cells(CELLS)
    best, alts, _ = select_by_execution(env, CANDIDATES)
    assert alts[best].form == "ask COUNTA([Item])"
    best, alts, _ = select_by_execution(env, CANDIDATES, mentions=copy_frame(TEXT, env))
    assert alts[best].form == 'ask COUNTIF([Units], ">5")'
    # Ties go to the parser's order; groups still come first (an empty answer loses).
    tie = [Candidate('ask COUNTIF([Units], ">=5")', -0.2), CANDIDATES[1]]
    best, alts, _ = select_by_execution(env, tie, mentions=copy_frame(TEXT, env))
    assert alts[best].form == 'ask COUNTIF([Units], ">=5")'
    empty = [
        Candidate("ask COUNTA([Item])", -0.1),
        Candidate("ask FILTER([Item], [Units] > 5000)", -0.2),
    ]
    best, alts, _ = select_by_execution(env, empty, mentions=copy_frame("Units over 5000?", env))
    assert alts[best].form == "ask COUNTA([Item])"


class FixedParser:
    """A parser stand-in whose n-best is always ``CANDIDATES``."""

    def parse_batch(self, instructions: list[str], envs: Any, *a: Any, **k: Any) -> Any:
        return [list(CANDIDATES) for _ in instructions]

    def parse(self, instruction: str, env: Any, *a: Any, **k: Any) -> list[Candidate]:
        return list(CANDIDATES)


def _task(tmp_path: Path) -> SheetTask:
    env = SheetEnvironment.from_cells(CELLS)
    with env.isolated():
        expected = env.execute('ask COUNTIF([Units], ">5")')
    row = {"id": "t1", "instruction": TEXT, "sheet": {"cells": CELLS},
           "expected": expected.to_json(), "tags": ["count"]}  # fmt: skip
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return SheetTask(path)


def test_evaluation_and_the_executor_may_prefer_mentions(tmp_path: Path) -> None:
    task = _task(tmp_path)
    report = evaluate_task(FixedParser(), task)
    assert report["execution_accuracy"] == 0.0
    # The right form was in the n-best: the selection's headroom is reported.
    assert report["n_best_oracle"] == 1.0 and report["examples"][0]["reachable"]
    assert "n_best_oracle" not in evaluate_task(FixedParser(), task, execution_guided=False)
    assert evaluate_task(FixedParser(), task, mentions=True)["execution_accuracy"] == 1.0
    env = SheetEnvironment.from_cells(CELLS)
    plain = InstructionExecutor(FixedParser(), env).run(TEXT)  # type: ignore[arg-type]
    assert plain.logical_form == "ask COUNTA([Item])"
    env = SheetEnvironment.from_cells(CELLS)
    keen = InstructionExecutor(FixedParser(), env, prefer_mentions=True).run(TEXT)  # type: ignore[arg-type]
    assert keen.logical_form == 'ask COUNTIF([Units], ">5")'


def test_cli_prefer_mentions(tmp_path: Path, monkeypatch, capsys) -> None:
    from parseinstr import cli
    from parseinstr.environments.sheet_io import save_sheet

    monkeypatch.setattr("parseinstr.learning.load_parser", lambda folder: FixedParser())
    task = _task(tmp_path)
    data = tmp_path / "tasks.jsonl"
    reports = {}
    for flag in ([], ["--prefer-mentions"]):
        out = tmp_path / f"r{len(flag)}.json"
        args = ["evaluate", "sheet", "--data", str(data), "--model", "x", "--json", str(out)]
        assert cli.main(args + flag) == 0, capsys.readouterr().err
        reports[bool(flag)] = json.loads(out.read_text())["execution_accuracy"]
    assert reports == {False: 0.0, True: 1.0}
    assert "right form in the 5-best 1.000" in capsys.readouterr().out
    sheet = tmp_path / "s.xlsx"
    save_sheet(task.environment_for(task.examples()[0]).sheet, sheet)
    base = ["run", "sheet", TEXT, "--sheet", str(sheet), "--model", "x", "--json"]
    for flag, form in (
        ([], "ask COUNTA([Item])"),
        (["--prefer-mentions"], 'ask COUNTIF([Units], ">5")'),
    ):
        assert cli.main(base + flag) == 0
        assert json.loads(capsys.readouterr().out)["logical_form"] == form


def test_consistent_form_may_prefer_the_one_using_most_mentions() -> None:
    from parseinstr.self_training import consistent_form

    env = SheetEnvironment.from_cells(CELLS)
    with env.isolated():
        expected = env.execute('ask COUNTIF([Units], ">5")')
    cands = [Candidate('ask COUNTIF([Units], ">4")', -0.1), CANDIDATES[1]]
    assert consistent_form(env, cands, expected) == 'ask COUNTIF([Units], ">4")'
    frame = copy_frame(TEXT, env)
    assert consistent_form(env, cands, expected, mentions=frame) == 'ask COUNTIF([Units], ">5")'
    assert consistent_form(env, cands[:1], expected, mentions=frame) == cands[0].form
    assert consistent_form(env, CANDIDATES[2:], expected, mentions=frame) is None


def test_evaluation_counts_column_letters_and_rates_when_preferring_mentions(
    tmp_path: Path,
) -> None:
    """``--prefer-mentions`` counts with the mention frame: "column B" is written by
    ``B2:B5`` (a letter inside a reference), "50%" by the factor 0.5."""
    env = SheetEnvironment.from_cells(CELLS)
    cands = [Candidate("ask MEDIAN([Units])*1", -0.1), Candidate("ask MEDIAN(B2:B5)", -0.5)]
    best, alts, _ = select_by_execution(
        env, cands, mentions=copy_frame("the median of column B", env)
    )
    assert alts[best].form == "ask MEDIAN([Units])*1"

    class Two(FixedParser):
        def parse(self, *a: Any, **k: Any) -> list[Candidate]:
            return list(cands)

    keen = InstructionExecutor(Two(), env, prefer_mentions=True)  # type: ignore[arg-type]
    assert keen.run("the median of column B").logical_form == "ask MEDIAN(B2:B5)"
    rates = [Candidate("ask SUM([Units])*50", -0.1), Candidate("ask SUM([Units])*0.5", -0.4)]

    class Rates(FixedParser):
        def parse(self, *a: Any, **k: Any) -> list[Candidate]:
            return list(rates)

    rated = InstructionExecutor(Rates(), env, prefer_mentions=True)  # type: ignore[arg-type]
    assert rated.run("50% of the Units total").logical_form == "ask SUM([Units])*0.5"
