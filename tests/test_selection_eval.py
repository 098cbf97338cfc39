"""The selection benchmark: one n-best per model and beam, every selection scored on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks import selection_eval
from benchmarks.report import load_result
from parseinstr import get_task
from parseinstr.evaluate import evaluate_task
from parseinstr.model import ModelSpec
from parseinstr.parser import Parser
from parseinstr.training import TrainConfig, train_parser

from conftest import write_sheet_tasks


def _trained(tmp_path: Path, n: int, config: TrainConfig) -> tuple[Path, Any]:
    """``n`` generated sheet tasks in ``tmp_path`` and a tiny parser trained on them in
    ``tmp_path / "m"``: (data file, task)."""
    sheet = get_task("sheet")
    data = write_sheet_tasks(tmp_path / "tasks.jsonl", n, 0)
    task = sheet.from_options(data=data)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    train_parser(task, tmp_path / "m", spec, config, log=lambda m: None)
    return data, task


def test_selections_are_scored_on_one_nbest_as_evaluate_scores_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = TrainConfig(epochs=3, eval_every=3, copy_slots=True, output_vocab=300)
    data, task = _trained(tmp_path, 24, config)
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

    data, task = _trained(tmp_path, 20, TrainConfig(epochs=1, output_vocab=300))
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
        "similarity_weight": card["similarity_weight"],
    }
    # What reranking costs is timed, and without the similarity term where it has one.
    assert reranked["rerank_seconds"] >= 0
    assert ("rerank_seconds_without_similarity" in reranked) == bool(card["similarity_weight"])
    assert "rerank_seconds" not in out["scores"][0]
    # Reranking reorders the same n-best: the oracle cannot change.
    assert reranked["n_best_oracle"] == out["scores"][0]["n_best_oracle"]
