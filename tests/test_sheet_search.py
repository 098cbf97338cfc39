"""Learning sheets from denotations: the sheet's search lexemes, coincidental forms, and the
cold-start enumeration finding forms for instructions longer than the word curriculum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_lexemes import numbers_in, sheet_search_lexemes
from parseinstr.environments.sheet_table import Table
from parseinstr.errors import ParseError
from parseinstr.learning import LearnConfig, Learner, examples_for_learning
from parseinstr.registry import get_task

CELLS = {
    "A1": "Region",
    "A2": "West",
    "A3": "East",
    "A4": "West",
    "A5": "North",
    "B1": "Units",
    "B2": 12,
    "B3": 40,
    "B4": 7,
    "B5": 25,
}


def test_numbers_in_digits_and_words() -> None:
    text = "from 148 to two hundred sixty-nine, then 1,250.5, one thousand two hundred and five"
    assert numbers_in(text) == [148.0, 269.0, 1250.5, 1205.0]
    assert numbers_in("below -3") == [-3.0]
    assert numbers_in("no numbers here") == []


def test_search_lexemes_spell_the_sheets_literals() -> None:
    lex = sheet_search_lexemes(
        'Count rows where Region is West and Units above forty in column D, then set "B4"',
        ["[Region]", "[Units]"],
        ["West"],
    )
    assert lex["HEADER"] == ["[Region]", "[Units]"]
    assert lex["NUMBER"] == ["40"]
    for s in ('"West"', '"<>West"', '">40"', '"<=40"', '"B4"'):
        assert s in lex["STRING"], s
    assert lex["LETTERS"] == ["D"] and lex["ORDER"] == ["asc", "desc"]
    env = SheetEnvironment.from_cells(CELLS)
    # The environment names the headers and values it holds, as it spells them.
    lex = env.search_lexemes("how many west rows have units under 20?")
    assert '"West"' in lex["STRING"] and '"<20"' in lex["STRING"]
    assert sorted(lex["HEADER"]) == ["[Region]", "[Units]"]


def test_questions_that_read_nothing_of_the_sheet_are_trivial() -> None:
    env = SheetEnvironment.from_cells(CELLS)
    assert env.is_trivial('ask LEN("<>West")', None)
    assert env.is_trivial("ask TRUE + TRUE", None)
    assert not env.is_trivial("ask SUM([Units])", None)
    assert not env.is_trivial("ask IF(TRUE, 1, COUNT(B2:B5))", None)
    assert not env.is_trivial("set B2 = 5", None)


ROWS = [
    ("q1", "Please tell me the total of the Units column.", 84),
    ("q2", "How many of the rows have West as their Region?", 2),
    ("q3", "Which number does cell B3 hold at the moment?", 40),
]


def _answer_items(tmp_path: Path, rows: list[tuple[str, str, int]]) -> list:
    path = tmp_path / "tasks.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {"id": i, "instruction": text, "sheet": {"cells": CELLS}, "expected": {"answer": a}}
            )
            + "\n"
            for i, text, a in rows
        )
    )
    task = get_task("sheet").from_options(data=path)
    return examples_for_learning(task, task.examples())


def test_enumeration_finds_sheet_forms_from_answers_only(tmp_path: Path) -> None:
    """Sheet instructions are longer than the forms they need: with a size cap the cold
    start enumerates them anyway, with the sheet's own lexemes, and drops coincidences."""
    rows = ROWS
    items = _answer_items(tmp_path, rows)
    config = LearnConfig(
        enum_max_words=40, enum_words_cap=40, enum_max_size=4, enum_seconds_per_input=40, threads=1
    )
    learner = Learner(items, [], config, tmp_path / "out", log=lambda m: None)
    stats = learner.enumerate_round(0, 40, 120.0)
    assert stats["inputs_found"] == 3
    forms = {i: [r.form for r in learner.memory.get(i)] for i, _, _ in rows}
    assert forms["q1"] == ["ask SUM([Units])"]
    assert forms["q3"] == ["ask B3"]  # a cell the instruction names
    # Counts are easy to hit by coincidence; whatever was found runs to the answer and
    # reads the sheet (``ask 1 + 1`` or ``ask LEN("<>")`` never enter the memory).
    env = items[1].env
    assert forms["q2"]
    for form in forms["q2"]:
        assert env.execute(form).answer == (2,) and not env.is_trivial(form, None)


def test_sheet_links_name_ranges_and_the_columns_that_hold_a_value() -> None:
    """The parser's input gets what the three sample rows of the description may not show:
    where a lettered range ends, and which column holds a value the instruction names."""
    cells = {**CELLS, "A6": "South", "A7": "West", "B6": 3, "B7": 9, "C1": "Rep", "C2": "Ana"}
    env = SheetEnvironment.from_cells(cells)
    link = env.link("How many rows aren't South? Sum column B and the units.")
    assert link.split("; ") == ["South: in Region A6", "Units: B2:B7", "column B: Units B2:B7"]
    assert env.link("Insert a row at 3.") == ""
    # A fact for the model, not a form: the same text whatever the instruction asks.
    assert env.link("How many rows are South?") == "South: in Region A6"
    # A key names its row (up to two cells); a value in many rows names only its column.
    assert env.link("Set Ana's units to 3.") == "Ana: in Rep C2; Units: B2:B7"
    assert env.link("Count West.") == "West: in Region"


def test_isolation_copies_the_sheet_only_when_a_command_changes_it(monkeypatch) -> None:
    from parseinstr.environments import sheet_model

    env = SheetEnvironment.from_cells(CELLS)
    copies = []
    original = sheet_model.Sheet.snapshot
    monkeypatch.setattr(
        sheet_model.Sheet, "snapshot", lambda self: copies.append(1) or original(self)
    )
    with env.isolated():
        assert env.execute("ask SUM([Units])").answer == (84,)
    assert not copies  # a question changes nothing: nothing to copy or restore
    with env.isolated():
        env.execute("ask MAX([Units])")
        with env.isolated():
            env.execute("set B2 = 100")
            assert env.value("B2") == 100
        assert env.value("B2") == 12  # the inner block rolled back
        env.execute("set B3 = 1")
        env.execute("set B4 = 2")
    assert (env.value("B3"), env.value("B4")) == (40, 7)  # and the outer one too
    env.execute("set B5 = 3")
    with env.isolated():
        env.execute("undo")
        assert env.value("B5") == 25
    assert env.value("B5") == 3  # undo inside a block is rolled back, history too
    env.execute("undo")
    assert env.value("B5") == 25


def test_table_view_follows_every_change_of_the_sheet() -> None:
    env = SheetEnvironment.from_cells(CELLS)
    assert env.table() is env.table()  # cached while nothing changes
    env.execute('set A1 = "Area"')
    assert env.table().headers == ("Area", "Units")
    with env.isolated():
        env.execute("delete column A")
        assert env.table().headers == ("Units",) and env.table().columns["Units"] == 1
        env.execute("delete rows 2:5")
        assert env.table().last_row == 1
    assert env.table().columns["Area"] == 1 and env.table().last_row == 5
    env.execute("undo")
    assert env.table().headers == ("Region", "Units")


def test_forms_from_any_search_that_read_nothing_are_not_remembered(tmp_path: Path) -> None:
    """Beam, composition and enumeration all remember through one check: a constant answer
    that happens to equal the expected one is a coincidence; evaluation still counts it."""
    from parseinstr.learning import _check

    path = tmp_path / "tasks.jsonl"
    task_line = {
        "id": "q",
        "instruction": "How many rows have West as their Region?",
        "sheet": {"cells": CELLS},
        "expected": {"answer": 2},
    }
    path.write_text(json.dumps(task_line) + "\n")
    task = get_task("sheet").from_options(data=path)
    items = examples_for_learning(task, task.examples())
    learner = Learner(items, [], LearnConfig(threads=1), tmp_path / "out", log=lambda m: None)
    group = learner.groups[next(iter(learner.groups))]
    assert _check(items[0], "ask 1 + 1")  # the answer matches...
    assert learner._verify(group, "ask 1 + 1", "beam", 0) == 0  # ...but is not remembered
    assert learner._verify(group, 'ask COUNTIF([Region], "West")', "beam", 0) == 1
    assert [r.form for r in learner.memory.get("q")] == ['ask COUNTIF([Region], "West")']


def test_forked_enumeration_finds_what_one_process_finds(tmp_path: Path) -> None:
    """``enum_workers`` searches groups in forked processes: the same forms come back, and a
    group searched once is not searched again at the same size limit."""
    items = _answer_items(tmp_path, ROWS)
    found = []
    for workers in (1, 2):
        config = LearnConfig(
            enum_max_words=40,
            enum_words_cap=40,
            enum_max_size=4,
            enum_seconds_per_input=40,
            enum_workers=workers,
            threads=1,
        )
        learner = Learner(items, [], config, tmp_path / f"out{workers}", log=lambda m: None)
        stats = learner.enumerate_round(0, 40, 120.0)
        assert stats["inputs"] == stats["inputs_found"] == 3
        found.append({i: [r.form for r in learner.memory.get(i)] for i, _, _ in ROWS})
        learner.memory = type(learner.memory)()  # forget: only the search record stays
        assert learner.enumerate_round(1, 40, 120.0)["inputs"] == 0
    assert found[0] == found[1]


def test_a_form_is_built_once_and_checked_against_each_sheets_headers() -> None:
    """Parsing and building are cached per form (a search runs one form on many sheets);
    whether its headers exist is still asked of each sheet."""
    env = SheetEnvironment.from_cells(CELLS)
    other = SheetEnvironment.from_cells({**CELLS, "A1": "Area"})
    form = 'ask COUNTIF([Region], "West")'
    assert env.command(form) is env.command(form)
    assert env.execute(form).answer == (2,)
    with pytest.raises(ParseError, match="not a header"):
        other.execute(form)
    with pytest.raises(ParseError):
        other.execute("ask SUM(")
    with pytest.raises(ParseError):
        other.execute("ask SUM(")  # a cached failure fails again
    assert env.execute(form).answer == (2,)


def test_the_table_is_computed_once_per_version_of_the_sheet() -> None:
    sheet = SheetEnvironment.from_cells(CELLS).sheet
    first = Table.of(sheet)
    assert Table.of(sheet) is first
    sheet.write({(1, 1): "Area"})
    assert Table.of(sheet).headers == ("Area", "Units")
    sheet.write({(6, 1): "South"})
    assert Table.of(sheet).last_row == 6


def test_remembered_coincidences_are_forgotten_when_the_doubts_grow(tmp_path: Path) -> None:
    """A memory from before a doubt existed is rechecked: ``AND([Units])`` answering TRUE
    goes, a real form stays."""
    rows = [("q1", "Is every Units value nonzero?", True), ("q2", "Total of the Units?", 84)]
    items = _answer_items(tmp_path, rows)
    learner = Learner(items, [], LearnConfig(threads=1), tmp_path / "out", log=lambda m: None)
    learner.memory.add("q1", "ask AND([Units])", "enumeration", 0)
    learner.memory.add("q2", "ask SUM([Units])", "enumeration", 0)
    assert learner.forget_coincidences() == 1
    assert not learner.memory.covered("q1") and learner.memory.covered("q2")


def test_a_trained_parser_proposes_for_uncovered_tasks_only(tmp_path: Path) -> None:
    """``search_with_parser``: consistent candidates enter the memory, coincidences and
    wrong ones do not, and covered tasks are not asked about."""
    from parseinstr.learning import search_with_parser
    from parseinstr.parser import Candidate

    items = _answer_items(tmp_path, ROWS)
    asked: list[str] = []

    class Proposer:
        def parse_batch(self, instructions, envs, n_best, constrained):
            asked.extend(instructions)
            return [
                [Candidate('ask LEN("ab")', -0.1), Candidate("ask SUM([Units])", -0.5)]
                for _ in instructions
            ]

    learner = Learner(items, [], LearnConfig(threads=1), tmp_path / "out", log=lambda m: None)
    learner.memory.add("q3", "ask B3", "enumeration", 0)
    stats = search_with_parser(Proposer(), items, learner.memory, 2, 1)
    assert stats == {"inputs": 2, "found": 1, "found_by_edits": 0}
    assert [r.form for r in learner.memory.get("q1")] == ["ask SUM([Units])"]
    assert not learner.memory.covered("q2")  # 84 is not its answer; LEN("ab") is trivial
    assert ROWS[2][1] not in asked

    class OneOff(Proposer):
        def parse_batch(self, instructions, envs, n_best, constrained):
            return [[Candidate('ask COUNTIF([Region], "East")', -0.1)] for _ in instructions]

        def score_forms(self, instructions, envs, forms):
            return [0.0] * len(forms)

    stats = search_with_parser(OneOff(), items, learner.memory, 1, 2, edit_candidates=1)
    assert stats == {"inputs": 1, "found": 1, "found_by_edits": 1}
    assert [r.form for r in learner.memory.get("q2")] == ['ask COUNTIF([Region], "West")']
    assert learner.memory.get("q2")[0].source == "edit"


def test_the_sheet_benchmark_continues_a_memorys_search(tmp_path: Path) -> None:
    """``bench_sheet --memory M --search-minutes S``: remembered coincidences are dropped,
    the uncovered tasks are searched, and the grown memory is written apart from M."""
    import argparse

    from benchmarks.bench_sheet import search_more
    from parseinstr.learning import Memory

    rows = [("q0", "Is every Units value nonzero?", True), ROWS[0]]
    items = _answer_items(tmp_path, rows)
    memory = Memory()
    memory.add("q0", "ask AND([Units])", "enumeration", 0)
    memory.save(tmp_path / "memory.json")
    args = argparse.Namespace(
        memory=tmp_path / "memory.json",
        out=tmp_path / "run",
        enum_seconds=60.0,
        per_input=4.0,
        workers=1,
        interleave=False,
        cell_cap=4000,
        beam_inputs=100,
        edits=0,
    )
    task = get_task("sheet").from_options(data=tmp_path / "tasks.jsonl")
    stats, path = search_more(task, args, 1.0)
    assert stats["coincidences_dropped"] == 1 and stats["coverage_before"] == 0.0
    assert stats["inputs"] == 2 and stats["coverage"] >= 0.5
    grown = Memory.load(path)
    assert [r.form for r in grown.get(items[1].id)] == ["ask SUM([Units])"]
    assert Memory.load(tmp_path / "memory.json").covered("q0")  # the given memory is kept
