"""Learning from denotations: memory, slots, enumeration, the denotation-only path, CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from parseinstr.cli import main
from parseinstr.environments.grid import GridEnvironment
from parseinstr.environments.grid_denotation import GridDenotation
from parseinstr.environments.scan import ScanTask
from parseinstr.errors import UsageError
from parseinstr.learn_search import Enumerator, form_size, join_tokens
from parseinstr.learn_slots import SlotSpec, SlottedEnvironment, finite_lexemes
from parseinstr.learning import (
    LearnConfig,
    Learner,
    Memory,
    SlottedParser,
    examples_for_learning,
    learn_from_denotations,
    load_parser,
    pick_supervision,
    remembered_rows,
)
from parseinstr.parser import Parser

LINES = """\
IN: walk OUT: I_WALK
IN: jump OUT: I_JUMP
IN: run OUT: I_RUN
IN: walk twice OUT: I_WALK I_WALK
IN: jump twice OUT: I_JUMP I_JUMP
IN: run left OUT: I_TURN_LEFT I_RUN
IN: walk left OUT: I_TURN_LEFT I_WALK
IN: jump and walk OUT: I_JUMP I_WALK
IN: walk and run OUT: I_WALK I_RUN
IN: turn left OUT: I_TURN_LEFT
IN: turn right twice OUT: I_TURN_RIGHT I_TURN_RIGHT
IN: run thrice OUT: I_RUN I_RUN I_RUN
"""

TINY = LearnConfig(
    rounds=1,
    max_minutes=1.0,
    d_model=32,
    layers=1,
    heads=2,
    ff=64,
    min_steps_per_round=30,
    epochs_per_round=1,
    final_epochs=1,
    enum_seconds=20,
    threads=1,
    validation_share=0.2,
)


@pytest.fixture()
def scan_file(tmp_path: Path) -> Path:
    path = tmp_path / "few.txt"
    path.write_text(LINES)
    return path


# ---------------------------------------------------------------- memory


def test_memory_prefers_short_forms_and_round_trips(tmp_path: Path) -> None:
    memory = Memory(max_forms=2, size_slack=1)
    assert memory.add("1", "seq(walk, walk)", "beam", 1)
    assert memory.add("1", "twice(walk)", "enumeration", 0)
    assert not memory.add("1", "twice(walk)", "beam", 2)  # already there
    assert [r.form for r in memory.get("1")] == ["twice(walk)", "seq(walk, walk)"]
    # Too long next to the shortest: not kept.
    assert not memory.add("1", "seq(walk, walk(left), turn(right))", "beam", 2)
    assert memory.covered("1") and not memory.covered("2")
    memory.save(tmp_path / "memory.json")
    again = Memory.load(tmp_path / "memory.json")
    assert again.to_json() == memory.to_json() and again.size() == 2


def test_remembered_rows_carry_the_shortest_remembered_form() -> None:
    memory = Memory()
    memory.add("2", "seq(walk, walk)", "beam", 1)
    memory.add("2", "twice(walk)", "enumeration", 0)
    rows = [
        {"id": 1, "instruction": "jump", "logical_form": "jump"},
        {"id": 2, "instruction": "walk twice", "logical_form": "GOLD"},
    ]
    assert remembered_rows(rows, memory) == [
        {"id": 2, "instruction": "walk twice", "logical_form": "twice(walk)"}
    ]


def test_memory_caps_forms_per_example() -> None:
    memory = Memory(max_forms=2, size_slack=5)
    for form in ("seq(walk, walk)", "after(walk, walk)", "twice(walk)"):
        memory.add("1", form, "beam", 0)
    assert [r.form for r in memory.get("1")] == ["twice(walk)", "seq(walk, walk)"]


# ---------------------------------------------------------------- slots and search


def test_slots_come_from_the_grammar() -> None:
    env = GridEnvironment()
    spec = SlotSpec.from_grammar(env.grammar())
    assert dict(spec.terminals)["ACTION"] == ("jump", "look", "run", "walk")
    assert "COUNT" not in dict(spec.terminals)  # infinitely many lexemes
    text, mapping = spec.abstract("jump around left twice and walk left")
    assert text == "ACTION0 around DIR0 twice and ACTION1 DIR0"
    form = "seq(twice(around(left, jump)), walk(left))"
    abstract = spec.to_slots(form, mapping, env.grammar())
    assert abstract == "seq(twice(around(DIR0, ACTION0)), ACTION1(DIR0))"
    assert spec.fill(abstract, mapping) == form
    assert spec.slotted_grammar(env.grammar()).accepts(abstract)
    view = SlottedEnvironment(env, spec)
    assert view.literal_lexemes(text)["ACTION"] == ["ACTION0", "ACTION1"]
    assert view.literal_lexemes(text)["COLOUR"][0] == "blue"  # none in the input: plain words


def test_finite_lexemes() -> None:
    terms = {t.name: t for t in GridEnvironment().grammar().parser().terminals}
    assert finite_lexemes(terms["DIR"].pattern) == ["left", "right"]
    assert finite_lexemes(terms["COUNT"].pattern) is None


def test_enumeration_is_shortest_first_and_deduplicated() -> None:
    env = GridEnvironment()
    enum = Enumerator(
        env.grammar(),
        env.execute,
        allowed={"ACTION": ["jump"], "DIR": [], "COLOUR": [], "PORTABLE": [], "SIDE": []},
    )
    target = GridDenotation(("jump", "jump"))
    hits = [(f, s) for f, s, d in enum.forms(3) if d is not None and env.same_denotation(d, target)]
    assert hits == [("twice(jump)", 2)]  # seq(jump, jump) has the same denotation: pruned
    assert form_size("seq(twice(around(left, jump)), walk)") == 6
    assert join_tokens(["seq", "(", "walk", ",", "jump", ")"]) == "seq(walk, jump)"


def test_interleaved_enumeration_gives_every_expansion_a_share_of_a_capped_cell() -> None:
    from parseinstr.grammar import Grammar

    toy = Grammar(
        "toy",
        'start: pair | single\npair: WORD WORD\nsingle: "x" NUM\n'
        'WORD: "a" | "b" | "c" | "d"\nNUM: "1" | "2"\n%ignore " "\n',
    )

    def sized_two(interleave: bool) -> list[str]:
        enum = Enumerator(toy, None, max_per_cell=4, interleave=interleave)
        return [f for f, size, _ in enum.forms(2) if size == 2]

    assert sized_two(False) == ["a a", "a b", "a c", "a d"]  # pairs fill the cell
    assert sized_two(True) == ["a a", "x 1", "a b", "x 2"]


def test_enumeration_defers_parts_but_not_those_a_program_holds_at_their_size() -> None:
    """Parts of one size are built after that size's programs are given out, except parts
    that a program holds at the same size (in brackets): none of those is lost."""
    from parseinstr.grammar import Grammar

    grammar = Grammar(
        "calc",
        'start: "show" sum -> show\n'
        '     | "(" sum ")" -> bracketed\n'
        'sum: NUM | sum "+" NUM\n'
        "NUM: /[0-9]+/\n"
        '%ignore " "\n',
    )
    # Every program is its own denotation (nothing is merged); parts are no programs.
    enum = Enumerator(grammar, lambda form: form, key=lambda d: d, allowed={"NUM": ["1", "2"]})
    by_size: dict[int, list[str]] = {}
    for form, size, _ in enum.forms(3):
        by_size.setdefault(size, []).append(form)
    assert sorted(by_size[1]) == ["(1)", "(2)"]
    assert "(1 + 2)" in by_size[2] and "show 1" in by_size[2]
    assert "show 1 + 2" in by_size[3] and "(2 + 1 + 2)" in by_size[3]


# ---------------------------------------------------------------- the denotation-only path


class _NoForm:
    """An example that fails the test if anything reads its logical form."""

    def __init__(self, example: Any) -> None:
        self._example = example

    def __getattr__(self, name: str) -> Any:
        if name == "logical_form":
            raise AssertionError("the denotation-only path read a logical form")
        return getattr(self._example, name)


class _GuardedScan(ScanTask):
    def examples(self) -> list[Any]:
        return [_NoForm(e) for e in super().examples()]


def test_denotation_only_path_never_reads_logical_forms(scan_file: Path, tmp_path: Path) -> None:
    task = _GuardedScan(scan_file)
    items = examples_for_learning(task, task.examples())
    assert len(items) == 12 and all(it.gold is None for it in items)
    learner = Learner(items, items[:2], TINY, tmp_path / "out")
    stats = learner.enumerate_round(0, max_words=3, seconds=20)
    assert stats["inputs_found"] == stats["inputs"] > 0
    forms = {it.instruction: learner.memory.get(it.id)[0].form for it in items}
    assert forms["walk twice"] == "twice(walk)"
    assert forms["run left"] == "run(left)"
    assert forms["jump and walk"] in ("seq(jump, walk)", "after(walk, jump)")
    assert learner.coverage() == 1.0


def test_enumeration_resumes_only_searches_that_ran_out_of_time(
    scan_file: Path, tmp_path: Path
) -> None:
    """A search cut by its time is searched again while its enumerator (which resumes) is
    kept; one that ran to its end, or whose enumerator is gone, is not."""
    task = ScanTask.from_options(data=scan_file)
    items = examples_for_learning(task, task.examples())
    cut = replace(TINY, enum_seconds_per_input=0.0)  # every search runs out of time
    learner = Learner(items, [], cut, tmp_path / "a")
    first = learner.enumerate_round(0, max_words=3, seconds=20)
    assert first["inputs"] > 0 and first["inputs_found"] == 0
    assert learner.enumerate_round(1, max_words=3, seconds=20)["inputs"] == first["inputs"]
    learner.enumerators.clear()  # what a bounded cache, or a forked worker, leaves
    assert learner.enumerate_round(2, max_words=3, seconds=20)["inputs"] == 0
    bounded = Learner(items, [], replace(TINY, enum_kept=1), tmp_path / "b")
    found = bounded.enumerate_round(0, max_words=3, seconds=20)
    assert found["inputs_found"] == found["inputs"] > 1 and len(bounded.enumerators) == 1
    bounded.memory = Memory()  # forget the forms: searches that ended are not repeated
    assert bounded.enumerate_round(1, max_words=3, seconds=20)["inputs"] == 0
    fair = Learner(items, [], replace(TINY, enum_interleave=True, enum_cell_cap=7), tmp_path)
    enum, _ = fair._enumerator(next(iter(fair.groups.values())))
    assert enum.interleave and enum.max_per_cell == 7


def test_search_record_carries_over_to_a_new_learner(scan_file: Path, tmp_path: Path) -> None:
    """A learner that takes in an earlier one's search record does not search those
    instructions again at the same size limit; a learner without it does."""
    task = ScanTask.from_options(data=scan_file)
    items = examples_for_learning(task, task.examples())
    cut = replace(TINY, enum_seconds_per_input=0.0)  # nothing found, every search recorded
    first = Learner(items, [], cut, tmp_path / "a")
    searched = first.enumerate_round(0, max_words=3, seconds=20)["inputs"]
    assert searched > 0
    first.save_search_record(tmp_path / "search.json")
    rows = json.loads((tmp_path / "search.json").read_text())["searched"]
    assert len(rows) == searched and {"instruction", "instance", "limit", "ended"} <= set(rows[0])
    later = Learner(items, [], cut, tmp_path / "b")
    assert later.load_search_record(tmp_path / "search.json") == searched
    assert later.enumerate_round(0, max_words=3, seconds=20)["inputs"] == 0
    # A larger size limit is a new search.
    wider = Learner(items, [], replace(cut, enum_slack=cut.enum_slack + 1), tmp_path / "c")
    wider.load_search_record(tmp_path / "search.json")
    assert wider.enumerate_round(0, max_words=3, seconds=20)["inputs"] == searched
    fresh = Learner(items, [], cut, tmp_path / "d")
    assert fresh.enumerate_round(0, max_words=3, seconds=20)["inputs"] == searched


def test_tiny_end_to_end_round(scan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    card = learn_from_denotations(_GuardedScan(scan_file), out, TINY, log=lambda m: None)
    assert card["supervision"] == "denotation" and card["history"]
    row = card["history"][0]
    assert {"coverage", "memory_size", "dev_execution_accuracy"} <= set(row)
    assert row["coverage"] == 1.0
    for name in (
        "memory.json",
        "search.json",
        "learning_log.json",
        "model_card.json",
        "learning_curve.png",
    ):
        assert (out / name).exists(), name
    log = json.loads((out / "learning_log.json").read_text())
    assert log["rounds"][0]["round"] == 0
    parser = load_parser(out)
    # Parser.load (the demo's and the API's loader) gives the slot-filling parser too.
    assert type(Parser.load(out)) is type(parser) is SlottedParser
    env = GridEnvironment()
    cands = parser.parse("walk twice", env, n_best=4)
    # Whole sentences of the grammar, no slot name left (an unfinished beam is no candidate).
    assert cands and all(env.grammar().accepts(c.form) for c in cands)
    # The CLI loads a slotted model too.
    report = tmp_path / "report.json"
    args = [
        "evaluate",
        "scan",
        "--data",
        str(scan_file),
        "--model",
        str(out),
        "--json",
        str(report),
    ]
    assert main(args) == 0
    assert json.loads(report.read_text())["n"] == 12


# ---------------------------------------------------------------- CLI


def test_supervision_choice(scan_file: Path) -> None:
    task = ScanTask(scan_file)
    assert pick_supervision(task, None) == "denotation"  # SCAN has no gold forms
    assert pick_supervision(task, "denotation") == "denotation"
    with pytest.raises(UsageError):
        pick_supervision(task, "gold")
    with pytest.raises(UsageError):
        pick_supervision(task, "logical-form", gold_fraction=0.5)


def test_cli_flags(scan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["train", "scan", "--data", str(scan_file), "--out", str(tmp_path / "m")]
    assert main([*base, "--supervision", "nonsense"]) != 0
    assert "--supervision" in capsys.readouterr().err
    assert main([*base, "--supervision", "logical-form", "--gold-fraction", "0.5"]) != 0
    assert "--gold-fraction" in capsys.readouterr().err
    assert main([*base, "--gold-fraction", "2"]) != 0
    assert main([*base, "--edits", "-1"]) != 0


class _TableParser:
    """A stand-in parser that knows the forms of a few short instructions."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def parse_batch(self, instructions: list[str], envs: list[Any], n_best: int, c: Any) -> Any:
        from parseinstr.parser import Candidate

        return [[Candidate(self.table[i], 0.0)] if i in self.table else [] for i in instructions]


def test_composition_joins_parsed_parts(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text(
        "IN: jump twice and walk left OUT: I_JUMP I_JUMP I_TURN_LEFT I_WALK\n"
        "IN: walk left after run thrice OUT: I_RUN I_RUN I_RUN I_TURN_LEFT I_WALK\n"
    )
    task = ScanTask(path)
    items = examples_for_learning(task, task.examples())
    learner = Learner(items, [], TINY, tmp_path / "out")
    parts = {  # model inputs (with slots) -> forms
        "ACTION0 twice": "twice(ACTION0)",
        "ACTION0 DIR0": "ACTION0(DIR0)",
        "ACTION0 thrice": "thrice(ACTION0)",
    }
    stats = learner.split_round(1, _TableParser(parts), seconds=30)  # type: ignore[arg-type]
    assert stats["inputs_found"] == 2
    forms = {it.instruction: learner.memory.get(it.id)[0] for it in items}
    assert forms["jump twice and walk left"].form == "seq(twice(jump), walk(left))"
    assert forms["walk left after run thrice"].form == "seq(thrice(run), walk(left))"
    assert forms["jump twice and walk left"].source == "composition"


class _ShortestFirst(_TableParser):
    """A stand-in parser that scores shorter forms higher."""

    def score_forms(self, instructions: list[str], envs: list[Any], forms: list[str]) -> Any:
        return [-len(f) for f in forms]


def test_edit_search_fixes_a_candidate_one_token_off(tmp_path: Path) -> None:
    from parseinstr.parser import Candidate

    path = tmp_path / "one.txt"
    path.write_text("IN: jump twice and walk left OUT: I_JUMP I_JUMP I_TURN_LEFT I_WALK\n")
    task = ScanTask(path)
    items = examples_for_learning(task, task.examples())
    learner = Learner(items, [], TINY, tmp_path / "out")
    rep = items[0]
    assert rep.abstract == "ACTION0 twice and ACTION1 DIR0"
    # The parser's candidate repeats the first action: one token from the right form.
    near = Candidate("seq(twice(ACTION0), ACTION0(DIR0))", -0.1)
    found = learner._edit_search(_ShortestFirst({}), rep, [near])  # type: ignore[arg-type]
    assert found == "seq(twice(ACTION0), ACTION1(DIR0))"
    far = Candidate("walk", -0.1)
    assert learner._edit_search(_ShortestFirst({}), rep, [far]) is None  # type: ignore[arg-type]


def test_cli_passes_edits_and_workers_to_the_search_learner(
    scan_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import parseinstr.learning as learning

    seen: list[LearnConfig] = []

    def fake_learn(task: Any, out: Path, config: LearnConfig, *args: Any) -> dict[str, Any]:
        seen.append(config)
        return {"history": [{"coverage": 1.0}], "metrics": {}}

    monkeypatch.setattr(learning, "learn_from_denotations", fake_learn)
    base = ["train", "scan", "--data", str(scan_file), "--out", str(tmp_path / "m")]
    assert main([*base, "--supervision", "denotation", "--edits", "2"]) == 0
    assert main([*base, "--supervision", "denotation", "--workers", "2"]) == 0
    assert [(c.edit_candidates, c.enum_workers) for c in seen] == [(2, 1), (0, 2)]
