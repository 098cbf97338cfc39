"""Self-training from a gold share (sheet tasks): only the gold share's forms are read, every remembered
form executes to its example's expected denotation, and each round is logged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from parseinstr.environments.sheet_task import SheetTask
from parseinstr.model import ModelSpec
from parseinstr.self_training import self_train
from parseinstr.training import TrainConfig

from conftest import write_sheet_tasks


class _Watched:
    """An example that records whether its logical form was read."""

    reads: set[str] = set()

    def __init__(self, example: Any) -> None:
        self._example = example

    def __getattr__(self, name: str) -> Any:
        if name == "logical_form":
            _Watched.reads.add(self._example.id)
        return getattr(self._example, name)


class _WatchedSheet(SheetTask):
    def examples(self) -> list[Any]:
        return [_Watched(e) for e in super().examples()]


def test_self_training_reads_only_the_gold_share(tmp_path: Path) -> None:
    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 24, 0)
    task = _WatchedSheet(data)
    _Watched.reads.clear()
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=2, eval_every=1, output_vocab=200, input_vocab=200)
    log = self_train(
        task,
        tmp_path / "out",
        gold_fraction=0.5,
        rounds=2,
        minutes_per_round=0.2,
        beam=3,
        spec=spec,
        config=config,
        edit_candidates=1,
        log=lambda m: None,
    )
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    gold = {i for i, m in memory.items() if m["source"] == "gold"}
    assert gold and _Watched.reads == gold  # nothing else had its form read
    assert {m["source"].split(",")[0] for m in memory.values()} <= {"gold", "beam", "edit"}
    assert [h["round"] for h in log["history"]] == [0, 1]
    assert {"coverage", "found", "found_by_edits", "validation_execution_accuracy"} <= set(
        log["history"][0]
    )
    assert log["edit_candidates"] == 1
    assert (tmp_path / "out" / "learning_log.json").exists()
    assert (tmp_path / "out" / "round-1" / "model_card.json").exists()
    # The final round's model is also the output folder itself.
    from parseinstr.parser import Parser

    assert Parser.load(tmp_path / "out").card == Parser.load(tmp_path / "out" / "round-1").card
    # Every remembered form executes to its example's expected denotation.
    plain = SheetTask(data)
    for example in plain.examples():
        if example.id in memory:
            env = plain.environment_for(example)
            with env.isolated():
                got = env.execute(memory[example.id]["form"])
            assert env.same_denotation(got, plain.expected_denotation(example, env))


def test_consistent_form_is_the_best_candidate_with_the_expected_denotation() -> None:
    from parseinstr.environments.sheet import SheetEnvironment
    from parseinstr.parser import Candidate
    from parseinstr.self_training import consistent_form

    env = SheetEnvironment.from_cells({"A1": "Units", "A2": 3, "A3": 4})
    with env.isolated():
        expected = env.execute("ask SUM([Units])")
    cands = [
        Candidate("ask MAX([Units])", -0.1),
        Candidate("ask SUM(", -0.2),  # does not parse: skipped
        Candidate("ask A2+A3", -0.3),
        Candidate("ask SUM([Units])", -0.4),
    ]
    assert consistent_form(env, cands, expected) == "ask A2+A3"
    assert consistent_form(env, cands[:2], expected) is None


def test_consistent_form_passes_over_a_doubted_match() -> None:
    """A count of 0 from a value no cell holds matches an expected 0 for the wrong reason:
    a later candidate that gives 0 without a doubt is kept instead (the doubted one only
    when nothing else matches)."""
    from parseinstr.environments.sheet import SheetEnvironment
    from parseinstr.parser import Candidate
    from parseinstr.self_training import consistent_form

    env = SheetEnvironment.from_cells(
        {"A1": "Item", "B1": "Units", "A2": "pen", "B2": 3, "A3": "ink", "B3": 4}
    )
    with env.isolated():
        expected = env.execute('ask COUNTIF([Units], ">9")')  # 0: no row has more than 9
    spurious = Candidate('ask COUNTIF([Item], "Units")', -0.1)  # also 0, by accident
    right = Candidate('ask COUNTIF([Units], ">9")', -0.5)
    assert consistent_form(env, [spurious, right], expected) == right.form
    assert consistent_form(env, [spurious], expected) == spurious.form


def test_cli_self_training(tmp_path: Path) -> None:
    from parseinstr.cli import main

    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 16, 1)
    args = ["train", "sheet", "--data", str(data), "--out", str(tmp_path / "m")]
    args += ["--edits", "2", "--supervision", "denotation", "--gold-fraction", "0.5"]
    args += ["--learner"]
    args += ["self-training", "--rounds", "1", "--epochs", "1", "--max-minutes", "0.1"]
    assert main(args) == 0
    log = json.loads((tmp_path / "m" / "learning_log.json").read_text())
    assert log["gold_fraction"] == 0.5 and len(log["history"]) == 1
    assert log["edit_candidates"] == 2
    assert (tmp_path / "m" / "model.safetensors").exists()
    assert main([*args[:-8], "--learner", "nonsense"]) != 0


def test_rounds_refresh_remembered_forms_and_the_last_round_gets_its_own_budget(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Hard EM: a later round's preferred consistent form replaces the remembered one; the
    final round trains for ``final_minutes``, the others for ``minutes_per_round``."""
    from dataclasses import replace

    import parseinstr.self_training as st
    from parseinstr.parser import Candidate

    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 12, 2)
    gold = {e.instruction: e.logical_form for e in SheetTask(data).examples()}
    assert len(gold) == 12  # instructions are distinct
    budgets: list[float] = []
    real_train, real_load = st.train_parser, st.Parser.load

    def train(task: Any, folder: Path, spec: Any, config: Any, **kw: Any) -> Any:
        budgets.append(config.max_minutes)
        return real_train(task, folder, spec, replace(config, max_minutes=0.02), **kw)

    def load(folder: Path) -> Any:
        parser = real_load(folder)
        spaces = " " * int(Path(folder).name.split("-")[1])  # round r writes r spaces

        def parse_batch(instructions: list[str], envs: Any, *a: Any, **k: Any) -> Any:
            return [[Candidate(gold[i] + spaces, -0.1)] for i in instructions]

        parser.parse_batch = parse_batch  # type: ignore[method-assign]
        return parser

    monkeypatch.setattr(st, "train_parser", train)
    monkeypatch.setattr(st.Parser, "load", load)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    log = self_train(
        SheetTask(data),
        tmp_path / "out",
        gold_fraction=0.3,
        rounds=3,
        minutes_per_round=0.2,
        final_minutes=0.7,
        beam=2,
        spec=spec,
        config=config,
        log=lambda m: None,
    )
    assert budgets == [0.2, 0.2, 0.7]
    first, second, last = log["history"]
    assert first["found"] > 0 and first["changed"] == 0
    assert second["found"] == 0 and second["changed"] == first["found"]
    assert last["searched"] == 0
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    learned = [m for m in memory.values() if m["source"] != "gold"]
    assert len(learned) == first["found"]
    assert all(m["source"] == "beam, round 1" and m["form"].endswith(" ") for m in learned)
