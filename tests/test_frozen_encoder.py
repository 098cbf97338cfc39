"""A frozen pretrained encoder: cached states equal fresh ones, each training input is
encoded once however many epochs run, and the encoder's weights never change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertModel

import parseinstr.training as training
from parseinstr.environments.sheet_task import SheetTask
from parseinstr.errors import UsageError
from parseinstr.frozen_encoder import EncoderCache, freeze
from parseinstr.model import ModelSpec
from parseinstr.parser import Parser
from parseinstr.tokenization import train_input_tokenizer
from parseinstr.training import TrainConfig, train_parser

from conftest import write_sheet_tasks


def _tiny_bert(vocab: int = 300) -> BertModel:
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=vocab,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    return BertModel(cfg, add_pooling_layer=False)


def test_cached_states_equal_fresh_ones_whatever_the_padding() -> None:
    encoder = _tiny_bert()
    freeze(encoder)
    cache = EncoderCache(encoder, dtype=torch.float32)
    encoder.train()  # the cache encodes without dropout whatever the mode
    ids = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]])
    mask = (ids != 0).long()
    first = cache([10, 11], ids, mask).last_hidden_state
    # Row 11 again, now batched with more padding: served from the cache.
    wider = torch.tensor([[2, 5, 3, 0, 0, 0, 0]])
    again = cache([11], wider, (wider != 0).long()).last_hidden_state
    encoder.eval()
    with torch.no_grad():
        alone = encoder(input_ids=ids[1:, :3]).last_hidden_state
    assert torch.allclose(first[1, :3], alone[0], atol=1e-5)
    assert torch.allclose(again[0, :3], alone[0], atol=1e-5)
    assert again.shape == (1, 7, 32) and float(again[0, 3:].abs().sum()) == 0.0
    assert sorted(cache.states) == [10, 11]


def test_tuned_top_layers_run_on_cached_states_and_alone_learn() -> None:
    encoder = _tiny_bert()
    tuned = freeze(encoder, tune_top=1)
    assert {id(p) for p in tuned} == {id(p) for p in encoder.encoder.layer[1].parameters()}
    encoder.eval()
    cache = EncoderCache(encoder, tune_top=1, dtype=torch.float32)
    ids = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]])
    mask = (ids != 0).long()
    out = cache([0, 1], ids, mask).last_hidden_state
    with torch.no_grad():
        full = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.allclose(out[0], full[0], atol=1e-5)
    assert torch.allclose(out[1, :3], full[1, :3], atol=1e-5)
    out.sum().backward()  # second epoch: cached below, gradients into the top layer only
    assert all(p.grad is not None for p in tuned)
    assert all(p.grad is None for p in encoder.encoder.layer[0].parameters())
    with pytest.raises(ValueError, match="layers"):
        freeze(encoder, tune_top=3)


@pytest.fixture()
def local_bert(tmp_path: Path) -> Path:
    """A tiny 'pretrained' BERT checkpoint folder (safetensors and tokenizer)."""
    rows = SheetTask.generate(40, 4)
    texts = [r["instruction"] for r in rows] + ["sheet table rows column"]
    tok = train_input_tokenizer(texts, 300)
    folder = tmp_path / "bert"
    _tiny_bert(len(tok)).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def test_training_with_a_frozen_encoder_encodes_each_input_once(
    tmp_path: Path, local_bert: Path, monkeypatch: Any
) -> None:
    caches: list[Any] = []

    class Counting(EncoderCache):
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(*a, **k)
            self.encoded = self.calls = 0
            caches.append(self)

        def __call__(self, rows: Any, input_ids: Any, attention_mask: Any) -> Any:
            self.calls += 1
            self.encoded += sum(r not in self.states for r in rows)
            return super().__call__(rows, input_ids, attention_mask)

    monkeypatch.setattr(training, "EncoderCache", Counting)
    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 40, 0)
    spec = ModelSpec(encoder=str(local_bert), d_model=32, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(
        epochs=3,
        eval_every=3,
        batch_size=8,
        output_vocab=200,
        copy_slots=True,
        freeze_encoder=True,
    )
    card = train_parser(SheetTask(data), tmp_path / "m", spec, config, log=lambda m: None)
    (cache,) = caches
    assert card["n_train"] == 36
    assert cache.encoded == len(cache.states) == 36  # once each, over three epochs
    assert cache.calls == 3 * 5  # five batches of at most 8 per epoch
    pretrained = load_file(local_bert / "model.safetensors")
    trained = load_file(tmp_path / "m" / "model.safetensors")
    name = "embeddings.word_embeddings.weight"
    size = pretrained[name].size(0)
    assert torch.equal(trained["encoder." + name][:size], pretrained[name])
    layer = "encoder.layer.1.output.dense.weight"
    assert torch.equal(trained["encoder." + layer], pretrained[layer])
    assert card["train"]["freeze_encoder"] is True
    example = SheetTask(data).examples()[0]
    parser = Parser.load(tmp_path / "m")
    assert parser.parse(
        example.instruction, SheetTask(data).environment_for(example), n_best=2, constrained=False
    )


@pytest.mark.parametrize(
    ("spec", "config", "message"),
    [
        (ModelSpec(), TrainConfig(freeze_encoder=True), "pretrained encoder"),
        (None, TrainConfig(tune_top_layers=1), "only with --freeze-encoder"),
        (None, TrainConfig(freeze_encoder=True, tune_top_layers=3), "has 2 layers"),
    ],
)
def test_freezing_options_are_checked(
    tmp_path: Path, local_bert: Path, spec: Any, config: TrainConfig, message: str
) -> None:
    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 12, 0)
    spec = spec or ModelSpec(encoder=str(local_bert), d_model=32, decoder_layers=1, heads=2)
    with pytest.raises(UsageError, match=message):
        train_parser(SheetTask(data), tmp_path / "m", spec, config, log=lambda m: None)
    assert not (tmp_path / "m").exists()  # nothing written
