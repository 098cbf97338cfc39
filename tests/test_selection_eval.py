"""The selection benchmark: one n-best per model and beam, every selection scored on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import selection_eval
from benchmarks.report import load_result
from parseinstr import get_task
from parseinstr.evaluate import evaluate_task
from parseinstr.model import ModelSpec
from parseinstr.parser import Parser
from parseinstr.training import TrainConfig, train_parser


def test_selections_are_scored_on_one_nbest_as_evaluate_scores_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = get_task("sheet")
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sheet.generate(24, 0)), "utf-8")
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=3, eval_every=3, copy_slots=True, output_vocab=300)
    task = sheet.from_options(data=data)
    train_parser(task, tmp_path / "m", spec, config, log=lambda m: None)
    monkeypatch.setattr(selection_eval, "results_path", lambda name: tmp_path / f"{name}.json")
    out = selection_eval.main(
        ["--data", str(data), "--models", str(tmp_path / "m"), "--beams", "3", "--results", "s"]
    )
    scores = out["scores"]
    # No reconstructor in the folder: the parser's order, with and without mentions.
    assert [(s["order"], s["prefer_mentions"]) for s in scores] == [
        ("parser", False),
        ("parser", True),
    ]
    parser = Parser.load(tmp_path / "m")
    for s in scores:
        report = evaluate_task(parser, task, 3, mentions=s["prefer_mentions"])
        assert s["execution_accuracy"] == pytest.approx(report["execution_accuracy"])
        assert s["n_best_oracle"] == pytest.approx(report["n_best_oracle"])
        assert s["n_best_oracle"] >= s["execution_accuracy"]
    # The results file is one the report reads.
    result = load_result(tmp_path / "s.json")
    assert len(result.rows) == 4


def test_a_folder_with_a_reconstructor_is_scored_in_both_orders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parseinstr.reconstruction import ReconstructorConfig
    from parseinstr.reranking import attach_reconstructor

    sheet = get_task("sheet")
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sheet.generate(20, 0)), "utf-8")
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    task = sheet.from_options(data=data)
    train_parser(
        task, tmp_path / "m", spec, TrainConfig(epochs=1, output_vocab=300), log=lambda m: None
    )
    rec = ReconstructorConfig(d_model=32, layers=1, heads=2, epochs=2, batch_size=4)
    memory = {e.id: e.logical_form for e in task.examples() if e.logical_form}
    card = attach_reconstructor(
        tmp_path / "m", task, rec, beams=2, log=lambda m: None, memory=memory
    )
    monkeypatch.setattr(selection_eval, "results_path", lambda name: tmp_path / f"{name}.json")
    out = selection_eval.main(
        ["--data", str(data), "--models", str(tmp_path / "m"), "--beams", "2", "--results", "r"]
    )
    orders = [(s["order"], s["prefer_mentions"]) for s in out["scores"]]
    assert orders == [("parser", False), ("parser", True), ("reranked", False), ("reranked", True)]
    reranked = out["scores"][2]
    assert reranked["weights"] == {
        "weight": card["weight"],
        "mention_weight": card["mention_weight"],
    }
    # Reranking reorders the same n-best: the oracle cannot change.
    assert reranked["n_best_oracle"] == out["scores"][0]["n_best_oracle"]
