"""A prior over sheet forms for learning from denotations: the typed sheet sampler, synthesis
on every instance of a task, doubted forms dropped, and self-training from no gold form."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_synth import SheetFormSampler
from parseinstr.environments.sheet_task import SheetTask
from parseinstr.errors import ParseInstrError, UsageError
from parseinstr.model import ModelSpec
from parseinstr.self_training import consistent_form, self_train
from parseinstr.synthesis import (
    DerivationSampler,
    Sample,
    synthesize,
    synthetic_per_instance,
)
from parseinstr.training import TrainConfig

from conftest import write_sheet_tasks

CELLS = {
    "A1": "Item", "B1": "Region", "C1": "Units", "D1": "Price", "E1": "Paid", "F1": "Due",
    "A2": "pen", "B2": "West", "C2": 3, "D2": 1.5, "E2": True, "F2": "2024-03-01",
    "A3": "ink", "B3": "East", "C3": 40, "D3": 12.0, "E3": False, "F3": "2024-05-17",
    "A4": "pad", "B4": "West", "C4": 7, "D4": 4.25, "E4": True, "F4": "2024-03-30",
    "A5": "cap", "B5": "North", "C5": 12, "D5": 2.0, "E5": False, "F5": "2024-07-02",
}  # fmt: skip


def _env() -> SheetEnvironment:
    return SheetEnvironment.from_cells(CELLS)


def test_sampled_forms_are_in_the_sheet_grammar_and_name_its_headers() -> None:
    env = _env()
    sampler = env.form_sampler(3)
    assert isinstance(sampler, SheetFormSampler)
    forms = [s.form for s in (sampler.sample() for _ in range(300)) if s is not None]
    assert len(forms) == 300
    runs = 0
    for form in forms:
        env.parse(form)  # raises for a form outside the specialised grammar
        assert set(re.findall(r"\[([^\]]+)\]", form)) <= {"Item", "Region", "Units", "Price",
                                                          "Paid", "Due"}  # fmt: skip
        try:
            with env.isolated():
                env.execute(form)
            runs += 1
        except ParseInstrError:
            pass
    assert runs >= 0.9 * len(forms)
    # Questions and commands, and the functions that want a range and a criterion.
    heads = Counter(f.split()[0] for f in forms)
    assert {"ask", "add", "sort", "delete", "set"} <= set(heads)
    assert any("COUNTIF(" in f for f in forms) and any("SUMIF" in f for f in forms)
    assert env.sheet.value((2, 3)) == 3  # sampling and running changed nothing


def test_the_same_seed_gives_the_same_forms() -> None:
    a = SheetFormSampler(_env(), 5)
    b = SheetFormSampler(_env(), 5)
    assert [a.sample() for _ in range(20)] == [b.sample() for _ in range(20)]
    assert SheetFormSampler(_env(), 5).sample() != SheetFormSampler(_env(), 6).sample()


def test_criteria_follow_the_column_type() -> None:
    sampler = SheetFormSampler(_env(), 0)
    kinds = {c.header: c.kind for c in sampler.columns}
    assert kinds == {"Item": "text", "Region": "text", "Units": "num", "Price": "num",
                     "Paid": "bool", "Due": "date"}  # fmt: skip
    paid = next(c for c in sampler.columns if c.header == "Paid")
    assert {sampler._criterion(paid) for _ in range(20)} <= {"TRUE", "FALSE"}


class _Doubting(SheetEnvironment):
    """A sheet that doubts every question, to show synthesis leaves doubted forms out."""

    def doubt(self, form: str, denotation: Any) -> str | None:  # type: ignore[override]
        return "every question" if form.startswith("ask") else None


def test_synthesis_can_drop_the_forms_the_environment_doubts() -> None:
    env = _Doubting.from_cells(CELLS)
    kept, report = synthesize(env, 40, seed=1, drop_doubted=True)
    assert kept and not any(e.logical_form.startswith("ask") for e in kept)
    assert report.rejected.get("doubted", 0) > 0
    kept, _ = synthesize(env, 40, seed=1)  # by default they stay
    assert any(e.logical_form.startswith("ask") for e in kept)


def test_synthesis_uses_the_environment_form_sampler() -> None:
    """The engine draws forms through ``Environment.form_sampler``; the default derives the
    grammar, and an environment may replace it."""

    class Fixed(SheetEnvironment):
        def form_sampler(self, seed: int, max_depth: int = 30, max_size: int = 200) -> Any:
            class One:
                def sample(self, tries: int = 20) -> Sample:
                    return Sample("ask SUM([Units])")

            return One()

    kept, report = synthesize(Fixed.from_cells(CELLS), 3, seed=0)
    assert [e.logical_form for e in kept] == ["ask SUM([Units])"]  # one form per denotation
    assert report.rejected["same denotation as an earlier form"] > 0
    from parseinstr.environments.grid import GridEnvironment

    assert isinstance(GridEnvironment().form_sampler(0), DerivationSampler)


def test_synthesis_on_every_instance_reads_no_form(tmp_path: Path) -> None:
    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 6, 4)
    task = SheetTask(data)
    examples = task.examples()

    class NoForm:
        def __init__(self, e: Any) -> None:
            self._e = e

        def __getattr__(self, name: str) -> Any:
            if name in ("logical_form", "expected"):
                raise AssertionError(f"read {name}")
            return getattr(self._e, name)

    made, report = synthetic_per_instance(
        task, 3, seed=2, examples=[NoForm(e) for e in examples], drop_doubted=True
    )
    keys = {e.instance_key for e in examples}
    assert {e.instance_key for e in made} == keys
    assert Counter(e.instance_key for e in made).most_common(1)[0][1] <= 3
    assert report.examples == len(made) and report.forms == len(made)
    assert all("synthetic" in e.tags for e in made)
    # Each example's form runs on its own instance.
    for e in made:
        env = task.environment_for(e)
        with env.isolated():
            env.execute(e.logical_form)
    again, _ = synthetic_per_instance(task, 3, seed=2, drop_doubted=True)
    assert [(e.instruction, e.logical_form) for e in again] == [
        (e.instruction, e.logical_form) for e in made
    ]


def test_consistent_form_may_refuse_a_doubted_match() -> None:
    from parseinstr.parser import Candidate

    env = SheetEnvironment.from_cells({"A1": "Item", "B1": "Units", "A2": "pen", "B2": 3})
    with env.isolated():
        expected = env.execute('ask COUNTIF([Units], ">9")')
    spurious = Candidate('ask COUNTIF([Item], "Units")', -0.1)
    assert consistent_form(env, [spurious], expected) == spurious.form
    assert consistent_form(env, [spurious], expected, keep_doubted=False) is None


def test_self_training_from_no_gold_form_starts_from_the_prior(tmp_path: Path, monkeypatch) -> None:
    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 16, 5)
    task = SheetTask(data)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    with pytest.raises(UsageError, match="no synthetic examples"):
        self_train(task, tmp_path / "none", 0.0, rounds=1, minutes_per_round=0.05,
                   spec=spec, config=config, log=lambda m: None)  # fmt: skip
    synthetic, _ = synthetic_per_instance(task, 4, seed=0, drop_doubted=True)
    seen: list[int] = []
    import parseinstr.self_training as st

    real = st.train_parser

    def train(round_task: Any, folder: Path, *a: Any, **kw: Any) -> Any:
        seen.append(len(round_task.examples()))
        assert not kw["synthetic"]  # the prior is the round's whole training set
        return real(round_task, folder, *a, **kw)

    monkeypatch.setattr(st, "train_parser", train)
    log = self_train(task, tmp_path / "out", 0.0, rounds=1, minutes_per_round=0.05,
                     beam=2, spec=spec, config=config, synthetic=synthetic,
                     keep_doubted=False, log=lambda m: None)  # fmt: skip
    assert seen == [len(synthetic)]
    assert log["synthetic"] == len(synthetic) and log["keep_doubted"] is False
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    assert all(m["source"] != "gold" for m in memory.values())


def test_cli_self_training_from_a_prior_only(tmp_path: Path) -> None:
    """``parseinstr train sheet --supervision denotation --learner self-training
    --synthetic-per-instance K``: no gold form, the first round trains on K synthetic forms
    per sheet, and doubted matches are never remembered."""
    from parseinstr.cli import main

    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 12, 6)
    args = ["train", "sheet", "--data", str(data), "--out", str(tmp_path / "m")]
    args += ["--supervision", "denotation", "--learner", "self-training"]
    args += ["--synthetic-per-instance", "3", "--rounds", "1", "--epochs", "1"]
    args += ["--max-minutes", "0.05", "--prior-search", "20", "--samples", "4"]
    assert main(args) == 0
    log = json.loads((tmp_path / "m" / "learning_log.json").read_text())
    assert log["gold_fraction"] == 0.0 and log["keep_doubted"] is False
    assert log["prior_samples"] == 20 and log["parser_samples"] == 4
    assert 0 < log["synthetic"] <= 3 * 12
    assert (tmp_path / "m" / "model.safetensors").exists()


def test_self_training_continues_from_an_earlier_memory(tmp_path: Path, monkeypatch) -> None:
    """``start_memory``: forms that still give their example's expected result are kept
    (source "earlier run"), others dropped; without ``refresh`` a round searches only the
    examples that have no form yet."""
    import parseinstr.self_training as st
    from parseinstr.parser import Candidate

    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 12, 7)
    task = SheetTask(data)
    gold = {e.id: e.logical_form for e in task.examples()}
    by_text = {e.instruction: e.logical_form for e in task.examples()}
    ids = sorted(gold)
    earlier = {ids[0]: gold[ids[0]], ids[1]: gold[ids[1]], ids[2]: "ask 12345"}
    searched: list[str] = []
    real_load = st.Parser.load

    def load(folder: Path) -> Any:
        parser = real_load(folder)

        def parse_batch(instructions: list[str], envs: Any, *a: Any, **k: Any) -> Any:
            searched.extend(instructions)
            return [[Candidate(by_text[i], -0.1)] for i in instructions]

        parser.parse_batch = parse_batch  # type: ignore[method-assign]
        return parser

    monkeypatch.setattr(st.Parser, "load", load)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    log = self_train(task, tmp_path / "out", 0.0, rounds=2, minutes_per_round=0.02, beam=2,
                     spec=spec, config=config, start_memory=earlier, refresh=False,
                     log=lambda m: None)  # fmt: skip
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    kept = {k for k, m in memory.items() if m["source"] == "earlier run"}
    train_ids = set(memory)  # the validation share is never in memory
    assert kept == {ids[0], ids[1]} & train_ids
    assert ids[2] not in kept
    texts = {e.id: e.instruction for e in task.examples()}
    assert not any(texts[k] in searched for k in kept)  # no refresh of what was known
    assert log["start_memory"] == 3 and log["refresh"] is False
