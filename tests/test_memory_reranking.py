"""A reconstructor for a parser learned from denotations: trained on the learner's memory,
its weight fitted on the learner's validation share, no gold form read."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from parseinstr.cli import main
from parseinstr.environments.sheet_task import SheetTask
from parseinstr.errors import UsageError
from parseinstr.model import ModelSpec
from parseinstr.parser import Parser
from parseinstr.reconstruction import FOLDER, ReconstructorConfig
from parseinstr.reranking import WEIGHTS, attach_reconstructor, memory_split, read_memory
from parseinstr.training import TrainConfig, train_parser

from conftest import write_sheet_tasks

FAST_REC = ReconstructorConfig(d_model=32, layers=1, heads=2, epochs=3, batch_size=4, lr=3e-3)


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


@pytest.fixture(scope="module")
def sheet_parser(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """A tiny sheet parser, its data file, and a memory of forms for every example (the
    generator's own forms, read here by the test, standing for what a search found)."""
    folder = tmp_path_factory.mktemp("memrec")
    data = write_sheet_tasks(folder / "tasks.jsonl", 30, 0)
    task = SheetTask(data)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=2, eval_every=2, input_vocab=200, output_vocab=200, seed=0)
    train_parser(task, folder / "model", spec, config, log=lambda m: None)
    memory = {e.id: e.logical_form for e in task.examples() if e.logical_form}
    return folder / "model", data, memory


def test_memory_split_holds_out_the_learners_validation_share(sheet_parser) -> None:
    model, data, memory = sheet_parser
    pairs, validation = memory_split(Parser.load(model), SheetTask(data), memory)
    assert len(validation) == 3  # 10% of 30, as the learner holds out
    held = {e.id for e in validation}
    assert len(pairs) == 27 and not held & {e.id for e, _ in pairs}
    assert all(form == memory[e.id] for e, form in pairs)
    assert all(e.logical_form is None for e in validation)  # gold hidden from the fitting
    # Without the held-out examples' forms the pairs are the same: the memory is all it reads.
    partial = {i: f for i, f in memory.items() if i not in held}
    again, _ = memory_split(Parser.load(model), SheetTask(data), partial)
    assert [(e.id, f) for e, f in again] == [(e.id, f) for e, f in pairs]


def test_reconstructor_from_a_memory_reads_no_gold_form(sheet_parser, tmp_path: Path) -> None:
    model, data, memory = sheet_parser
    copy = tmp_path / "model"
    copy.mkdir()
    for item in model.iterdir():
        if item.is_file():
            (copy / item.name).write_bytes(item.read_bytes())
        else:
            (copy / item.name).mkdir()
            for sub in item.iterdir():
                (copy / item.name / sub.name).write_bytes(sub.read_bytes())
    _Watched.reads.clear()
    card = attach_reconstructor(
        copy,
        _WatchedSheet(data),
        FAST_REC,
        beams=3,
        log=lambda m: None,
        memory=memory,
        mentions=True,
    )
    assert _Watched.reads == set()  # trained on the memory, fitted on denotations
    assert card["trained_on"] == "memory" and card["prefer_mentions"] is True
    assert card["n_validation"] == 3 and card["n_train"] == 27
    assert card["weight"] in WEIGHTS and set(card["validation"]) == {str(w) for w in WEIGHTS}
    assert Parser.load(copy).reconstructor is not None


def test_read_memory_takes_forms_or_entries_and_gzip(tmp_path: Path) -> None:
    plain = tmp_path / "memory.json"
    plain.write_text(json.dumps({"a": {"form": "ask SUM(B2:B4)", "source": "beam"}, "b": "x"}))
    assert read_memory(plain) == {"a": "ask SUM(B2:B4)", "b": "x"}
    packed = tmp_path / "memory.json.gz"
    with gzip.open(packed, "wt") as f:
        json.dump({"a": {"form": "ask 1"}, "c": {"form": None}}, f)
    assert read_memory(packed) == {"a": "ask 1"}
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(UsageError, match="example id -> form"):
        read_memory(tmp_path / "list.json")
    with pytest.raises(UsageError, match="cannot read"):
        read_memory(tmp_path / "missing.json")


def test_cli_reconstructor_with_a_memory_that_covers_nothing_fails_in_one_line(
    sheet_parser, tmp_path: Path, capsys
) -> None:
    model, data, _ = sheet_parser
    other = tmp_path / "memory.json"
    other.write_text(json.dumps({"not-an-example": {"form": "ask 1"}}))
    code = main(
        ["reconstructor", "sheet", "--data", str(data), "--model", str(model)]
        + ["--memory", str(other), "--epochs", "1", "--beams", "2"]
    )
    assert code != 0
    assert "covers none" in capsys.readouterr().err
    assert not (model / FOLDER).exists()
