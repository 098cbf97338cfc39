"""The copy-parts benchmark: which tasks copy parts reach, and models scored side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import copy_parts_eval
from parseinstr import get_task
from parseinstr.model import ModelSpec
from parseinstr.training import TrainConfig, train_parser


def test_parts_reach_only_letter_digit_compounds_a_mention_names() -> None:
    assert copy_parts_eval.parts_reach("Column F (rows 2 to 11): D minus C", "fill F2:F11 = D2")
    assert copy_parts_eval.parts_reach("Clear rows 3 through 4 of product", "clear C3:C4")
    assert not copy_parts_eval.parts_reach("Sum the Price column", "ask SUM([Price])")
    # A whole-word mention is copied without parts: nothing changes.
    assert not copy_parts_eval.parts_reach("Clear G2:G9", "clear G2:G9")


def test_models_are_scored_on_all_tasks_and_on_those_parts_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = get_task("sheet")
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sheet.generate(40, 0)), "utf-8")
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    for parts in (False, True):
        config = TrainConfig(
            epochs=1, eval_every=1, copy_slots=True, copy_parts=parts, output_vocab=300
        )
        train_parser(sheet.from_options(data=data), tmp_path / f"m{parts}", spec, config)
    monkeypatch.setattr(copy_parts_eval, "results_path", lambda name: tmp_path / f"{name}.json")
    models = [str(tmp_path / "mFalse"), str(tmp_path / "mTrue")]
    out = copy_parts_eval.main(
        ["--data", str(data), "--models", *models, "--beams", "1", "2", "--results", "parts"]
    )
    written = json.loads((tmp_path / "parts.json").read_text("utf-8"))
    assert written["n"] == 40 and 0 < written["n_reached_by_parts"] < 40
    scores = list(out["scores"].values())
    assert len(scores) == 4 and [s["copy_parts"] for s in scores] == [False, False, True, True]
    for s in scores:
        assert 0 <= s["right_reached_by_parts"] <= written["n_reached_by_parts"]
        assert s["execution_accuracy"] == s["right"] / 40
