"""Fictitious instances (``Environment.fictitious``) and forms compared by meaning
(``parseinstr.worlds``), with the report that counts spurious remembered forms."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from benchmarks.spurious import Remembered, classify, main, verdict
from parseinstr.environments.grid import GridEnvironment
from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_model import Formula
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.worlds import fictitious_worlds, form_literals, meaning_classes, same_meaning

CELLS = {
    "A1": "Project", "B1": "Due", "C1": "Budget", "D1": "Done", "E1": "Half",
    "A2": "Falcon", "B2": "2024-11-04", "C2": 700, "D2": True, "E2": "=C2/2",
    "A3": "Ember", "B3": "2024-06-02", "C3": 412, "D3": False, "E3": "=C3/2",
    "A4": "Granite", "B4": "2024-06-24", "C4": 650, "D4": True, "E4": "=C4/2",
    "A5": "Apollo", "B5": "2025-01-16", "C5": 300, "D5": False, "E5": "=C5/2",
}  # fmt: skip


@pytest.fixture
def sheet() -> SheetEnvironment:
    return SheetEnvironment.from_cells(CELLS)


def test_form_literals_strip_nothing_and_keep_order():
    forms = ['ask COUNTIFS([C], ">=412", [C], "<=696")', "ask SUM(C2:C5) > 40", "ask 412"]
    assert form_literals(forms) == [">=412", "<=696", "40", "412"]


def test_fictitious_sheet_keeps_headers_shape_formulas_and_kinds(sheet):
    world = sheet.fictitious(random.Random(0), [">=412"])
    content = world.sheet.content
    assert set(content) == set(sheet.sheet.content)
    for col in range(1, 6):
        assert content[(1, col)] == sheet.sheet.content[(1, col)]
    assert all(isinstance(content[(r, 5)], Formula) for r in range(2, 6))
    assert all(isinstance(content[(r, 4)], bool) for r in range(2, 6))
    budgets = [content[(r, 3)] for r in range(2, 6)]
    assert all(isinstance(b, float) and b.is_integer() for b in budgets)
    assert len(set(budgets)) == 4  # a column of different values stays one
    names = [content[(r, 1)] for r in range(2, 6)]
    assert len(set(names)) == 4
    assert sheet.value("C2") == 700  # the original is untouched


def test_fictitious_sheets_differ_from_the_original(sheet):
    worlds = fictitious_worlds(sheet, [], n=8, seed=1)
    originals = [sheet.value(f"C{r}") for r in range(2, 6)]
    assert any([w.value(f"C{r}") for r in range(2, 6)] != originals for w in worlds)


def test_a_coincidence_is_told_from_an_equivalent_form(sheet):
    before, equal = 'ask COUNTIF([Due], "<2024-06-24")', 'ask COUNTIF([Due], "2024-06-24")'
    # On this sheet one date is before 2024-06-24 and one is on it: the two agree here.
    assert sheet.execute(before).to_json() == sheet.execute(equal).to_json()
    assert same_meaning(sheet, before, equal) is False
    assert same_meaning(sheet, "ask SUM([Budget])", "ask SUM(C2:C5)") is True
    inclusive = 'ask COUNTIFS([Budget], ">=412", [Budget], "<=696")'
    exclusive = 'ask COUNTIFS([Budget], ">=412", [Budget], "<696")'
    assert same_meaning(sheet, inclusive, exclusive) is False


def test_meaning_classes_group_forms(sheet):
    forms = ["ask SUM([Budget])", "ask SUM(C2:C5)", "ask MAX([Budget])", "ask no_such("]
    classes = meaning_classes(sheet, forms)
    assert classes == [
        ["ask SUM([Budget])", "ask SUM(C2:C5)"],
        ["ask MAX([Budget])"],
        ["ask no_such("],
    ]


def test_an_environment_without_fictitious_instances_says_so():
    grid = GridEnvironment.from_options()
    assert grid.fictitious(random.Random(0)) is None
    assert same_meaning(grid, "walk", "walk twice") is None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fictitious_database_is_in_memory_and_tells_coincidences(geo_db):
    digest = _digest(geo_db)
    with SqlEnvironment(geo_db) as env:
        count = "SELECT COUNT( STATEalias0.STATE_NAME ) FROM STATE AS STATEalias0 ;"
        filtered = (
            "SELECT COUNT( STATEalias0.STATE_NAME ) FROM STATE AS STATEalias0 "
            "WHERE STATEalias0.POPULATION > 30 ;"
        )
        assert env.execute(count).rows == env.execute(filtered).rows
        assert same_meaning(env, count, filtered) is False
        capital = 'SELECT STATEalias0.STATE_NAME FROM STATE AS STATEalias0 WHERE STATEalias0.CAPITAL = "austin" ;'
        city = 'SELECT CITYalias0.STATE_NAME FROM CITY AS CITYalias0 WHERE CITYalias0.CITY_NAME = "austin" ;'
        assert same_meaning(env, capital, city) is False
        # DISTINCT where every fact is listed once: the same rows in every world
        plain = 'SELECT BORDER_INFOalias0.BORDER FROM BORDER_INFO AS BORDER_INFOalias0 WHERE BORDER_INFOalias0.STATE_NAME = "ohio" ;'
        distinct = 'SELECT DISTINCT BORDER_INFOalias0.BORDER FROM BORDER_INFO AS BORDER_INFOalias0 WHERE BORDER_INFOalias0.STATE_NAME = "ohio" ;'
        assert same_meaning(env, plain, distinct) is True
        world = env.fictitious(random.Random(0), ["30"])
        assert world is not None and world.schema == env.schema
        original = env.execute(
            "SELECT SUM( STATEalias0.POPULATION ) FROM STATE AS STATEalias0 ;"
        ).rows
        assert (
            env.execute("SELECT SUM( STATEalias0.POPULATION ) FROM STATE AS STATEalias0 ;").rows
            == original
        )
    assert _digest(geo_db) == digest


def test_verdicts_and_classify(sheet):
    items = [
        Remembered("1", "total budget", "ask SUM([Budget])", "ask SUM([Budget])", sheet, ("sum",)),
        Remembered("2", "total budget", "ask SUM(C2:C5)", "ask SUM([Budget])", sheet, ("sum",)),
        Remembered(
            "3",
            "how many are due before 2024-06-24",
            'ask COUNTIF([Due], "2024-06-24")',
            'ask COUNTIF([Due], "<2024-06-24")',
            sheet,
            ("count",),
        ),
    ]
    assert [verdict(it) for it in items] == ["equal", "equivalent", "spurious"]
    report = classify(items)
    assert (report["equal"], report["equivalent"], report["spurious"]) == (1, 1, 1)
    assert report["by_tag"] == {"count": {"spurious": 1}, "sum": {"equal": 1, "equivalent": 1}}
    assert report["sample_spurious"][0]["remembered"] == 'ask COUNTIF([Due], "2024-06-24")'


def test_spurious_report_command_reads_a_memory(tmp_path, monkeypatch):
    rows = [
        {"id": "a", "instruction": "total budget", "sheet": {"cells": CELLS},
         "logical_form": "ask SUM([Budget])", "expected": {"answer": 2062}},
        {"id": "b", "instruction": "how many are due before 2024-06-24",
         "sheet": {"cells": CELLS}, "logical_form": 'ask COUNTIF([Due], "<2024-06-24")',
         "expected": {"answer": 1}},
    ]  # fmt: skip
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    memory = tmp_path / "memory.json"
    memory.write_text(
        json.dumps(
            {
                "a": {"form": "ask SUM(C2:C5)", "source": "beam"},
                "b": {"form": 'ask COUNTIF([Due], "2024-06-24")', "source": "prior"},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr("benchmarks.spurious.RESULTS", tmp_path)
    out = main(["--task", "sheet", "--data", str(data), "--memory", str(memory), "--name", "t"])
    assert (out["equal"], out["equivalent"], out["spurious"]) == (0, 1, 1)
    written = json.loads((tmp_path / "spurious_t.json").read_text())
    assert written["spurious"] == 1
    assert {
        "metric": "spurious share",
        "setting": written["summary"][0]["setting"],
        "value": 0.5,
    } in written["summary"]
    # The search learner's memory file: each example's forms, the one retrained on first.
    searched = tmp_path / "searched.json"
    searched.write_text(
        json.dumps(
            {
                "max_forms": 6,
                "forms": {
                    "a": [{"form": "ask SUM([Budget])"}, {"form": "ask SUM(C2:C5)"}],
                    "b": [{"form": 'ask COUNTIF([Due], "2024-06-24")'}],
                },
            }
        ),
        encoding="utf-8",
    )
    out = main(["--task", "sheet", "--data", str(data), "--memory", str(searched)])
    assert (out["equal"], out["equivalent"], out["spurious"]) == (1, 0, 1)


def test_redrawn_numbers_keep_the_columns_kind_and_let_named_bounds_in():
    from parseinstr.worlds import redraw_numbers

    values = [412.0, 650.0, 700.0, 300.0, 518.0]
    hits = 0
    for seed in range(40):
        drawn = redraw_numbers(values, [687.0], random.Random(seed))
        assert len(drawn) == 5 and len(set(drawn)) == 5  # different values stay different
        assert all(float(x).is_integer() for x in drawn)  # whole numbers stay whole
        hits += 687.0 in drawn
    assert 10 < hits < 40  # the bound sits in the column some of the time, not always
    repeated = redraw_numbers([1.5, 1.5, 2.25], [], random.Random(0), places=2)
    assert all(round(x, 2) == x for x in repeated)
