"""``parseinstr.fast_beam`` against ``model.generate`` on tiny randomly initialised models.

The fast decoder must give the same sequences (token for token) and the same scores
(to float rounding) as the ``generate`` call ``Parser`` makes, greedy and beam, with and
without the grammar processor, for a padded batch; other models fall back to ``generate``.
"""

from __future__ import annotations

import pytest
import torch
from transformers import T5Config, T5ForConditionalGeneration

from parseinstr import fast_beam
from parseinstr.decoding import compile_grammar
from parseinstr.decoding.hf import GrammarLogitsProcessor
from parseinstr.decoding.sampling import GrammarSampler
from parseinstr.grammar import Grammar
from parseinstr.model import ModelSpec, build_model
from parseinstr.parser import Renormalise
from parseinstr.tokenization import train_input_tokenizer, train_output_tokenizer

SPEC = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=2, heads=2, ff=64, dropout=0.0)
MAX_NEW = 24


@pytest.fixture(scope="module")
def setup() -> dict:
    grid = Grammar.load("grid")
    forms = GrammarSampler(grid, seed=1).sentences(120)
    out_tok = train_output_tokenizer(forms, 300)
    in_tok = train_input_tokenizer(["walk twice and jump left", "look around right"] * 20, 200)
    torch.manual_seed(0)
    model = build_model(SPEC, in_tok, out_tok).eval()
    return {
        "tok": out_tok,
        "in_tok": in_tok,
        "model": model,
        "grid": compile_grammar(grid, out_tok),
    }


def _batch(setup: dict) -> dict[str, torch.Tensor]:
    """Two inputs of different lengths: the shorter is padded and masked."""
    enc = setup["in_tok"](["walk twice and jump left", "look"], padding=True, return_tensors="pt")
    enc.pop("token_type_ids", None)
    assert not bool(enc["attention_mask"].all())
    return dict(enc)


class _EndLater:
    """Raise EOS for some prefixes (by their last token, length and row), so that random
    hypotheses end at different lengths: beams finish while others run on, and a greedy
    row ends before the other (then receives padding)."""

    def __init__(self, eos: int, every: int) -> None:
        self.eos, self.every = eos, every

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        scores = scores.clone()
        rows = torch.arange(input_ids.shape[0])
        hit = (input_ids[:, -1] * 7 + input_ids.shape[1] + rows) % self.every == 0
        scores[:, self.eos] += 4.0 * hit.to(scores.dtype)
        return scores


def _processors(setup: dict, kind: str, beams: int, items: int = 2) -> list:
    tok = setup["tok"]
    if kind == "none":
        return []
    if kind == "end":
        return [_EndLater(tok.eos_token_id, 5)]
    grammar = GrammarLogitsProcessor(
        [setup["grid"]] * items, rows_per_item=beams, pad_token_id=tok.pad_token_id
    )
    if kind == "grammar":
        return [grammar, Renormalise()]
    return [_EndLater(tok.eos_token_id, 3), grammar, Renormalise()]


def _same(setup: dict, beams: int, kind: str, batch: dict | None = None) -> None:
    model = setup["model"]
    batch = batch or _batch(setup)
    items = batch["input_ids"].shape[0]
    with torch.no_grad():
        want_seq, want_scores = fast_beam.hf_generate(
            model, batch, beams, _processors(setup, kind, beams, items), MAX_NEW
        )
    got_seq, got_scores = fast_beam.generate(
        model, batch, beams, _processors(setup, kind, beams, items), MAX_NEW
    )
    assert got_seq.tolist() == want_seq.tolist()
    assert not got_seq.is_inference()  # usable like generate's output (autograd, in place)
    assert got_scores == pytest.approx(want_scores, abs=1e-4)


@pytest.mark.parametrize("kind", ["none", "end", "grammar", "grammar-end"])
@pytest.mark.parametrize("beams", [1, 3])
def test_same_as_generate(setup: dict, beams: int, kind: str) -> None:
    assert fast_beam.supports(setup["model"])
    _same(setup, beams, kind)


@pytest.mark.parametrize("kind", ["end", "grammar-end"])
@pytest.mark.parametrize("beams", [1, 5])
@pytest.mark.parametrize("source", ["short", "masked", "long"])
def test_same_as_generate_single_input(setup: dict, beams: int, kind: str, source: str) -> None:
    """One input: a short source folds cross-attention into its projections (also with a
    masked position); a long one keeps keys and values."""
    one = {k: v[:1] for k, v in _batch(setup).items()}
    if source == "masked":
        one["attention_mask"] = one["attention_mask"].clone()
        one["attention_mask"][0, -2] = 0
    if source == "long":
        one["input_ids"] = one["input_ids"].repeat(1, 8)
        one["attention_mask"] = torch.ones_like(one["input_ids"])
        assert one["input_ids"].shape[1] * SPEC.heads > 2 * SPEC.d_model
    _same(setup, beams, kind, one)


def _as_parser_reads(model, out, beams: int, processors: list) -> tuple[list, list[float]]:
    """Sequences and scores as ``Parser.parse_batch`` reads them from ``generate``."""
    if beams > 1:
        return out.sequences.tolist(), out.sequences_scores.tolist()
    logp = model.compute_transition_scores(
        out.sequences, out.scores, normalize_logits=not processors
    )
    return out.sequences.tolist(), [float(row[torch.isfinite(row)].sum()) for row in logp]


@pytest.mark.parametrize("kind", ["none", "end", "grammar-end"])
@pytest.mark.parametrize("beams", [1, 3])
def test_generate_output_is_a_drop_in(setup: dict, beams: int, kind: str) -> None:
    """``generate_output`` answers what ``Parser._generate`` answers, read the same way."""
    model, batch = setup["model"], _batch(setup)
    with torch.no_grad():
        procs = _processors(setup, kind, beams)
        want = fast_beam.hf_generate(model, batch, beams, procs, MAX_NEW)
        procs = _processors(setup, kind, beams)
        out = fast_beam.generate_output(model, batch, beams, procs, MAX_NEW)
        got = _as_parser_reads(model, out, beams, procs)
    assert got[0] == want[0].tolist()
    assert got[1] == pytest.approx(want[1], abs=1e-4)


@pytest.mark.parametrize("early", [True, "never"])
def test_same_as_generate_other_early_stopping(setup: dict, early: bool | str) -> None:
    config = setup["model"].generation_config
    saved = config.early_stopping
    config.early_stopping = early
    try:
        _same(setup, 3, "end")
        _same(setup, 3, "grammar-end")
    finally:
        config.early_stopping = saved


def test_grammar_outputs_are_valid(setup: dict) -> None:
    tok = setup["tok"]
    seqs, scores = fast_beam.generate(
        setup["model"], _batch(setup), 3, _processors(setup, "grammar-end", 3), MAX_NEW
    )
    assert seqs.shape[0] == 6 and len(scores) == 6
    for row in seqs.tolist():
        m = setup["grid"].matcher()
        for t in row[1:]:
            if t in (tok.eos_token_id, tok.pad_token_id):
                break
            assert m.accept_token(t)


def test_weights_changed_in_place_are_seen(setup: dict) -> None:
    model = setup["model"]
    first = fast_beam.FastDecoder.for_model(model)
    assert fast_beam.FastDecoder.for_model(model) is first
    layer = model.decoder.bert.encoder.layer[0].attention.self
    saved = layer.query.weight.detach().clone()
    try:
        with torch.no_grad():
            layer.query.weight.mul_(3.0)
        assert fast_beam.FastDecoder.for_model(model) is not first
        _same(setup, 3, "none")
    finally:
        with torch.no_grad():
            layer.query.weight.copy_(saved)


def test_training_mode_falls_back(setup: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    model = setup["model"]
    calls: list[int] = []
    real = fast_beam.hf_generate

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fast_beam, "hf_generate", spy)
    model.train()
    try:
        assert not fast_beam.supports(model)
        torch.manual_seed(0)
        fast_beam.generate(model, _batch(setup), 2, [], 5)
    finally:
        model.eval()
    assert calls == [1]


def test_other_architectures_fall_back(setup: dict) -> None:
    tok = setup["tok"]
    torch.manual_seed(0)
    t5 = T5ForConditionalGeneration(
        T5Config(
            vocab_size=len(tok),
            d_model=32,
            d_ff=64,
            d_kv=16,
            num_layers=1,
            num_decoder_layers=1,
            num_heads=2,
            pad_token_id=tok.pad_token_id,
            eos_token_id=tok.eos_token_id,
            decoder_start_token_id=tok.pad_token_id,
        )
    ).eval()
    assert not fast_beam.supports(t5)
    ids = torch.randint(4, len(tok), (2, 6), generator=torch.Generator().manual_seed(1))
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    for beams in (1, 3):
        with torch.no_grad():
            want = fast_beam.hf_generate(t5, batch, beams, [], 8)
        got = fast_beam.generate(t5, batch, beams, [], 8)
        assert got[0].tolist() == want[0].tolist()
        assert got[1] == pytest.approx(want[1], abs=1e-5)


def test_narrow_decoder_reads_a_wider_pretrained_encoder(setup: dict, tmp_path) -> None:
    """A decoder narrower than its pretrained encoder reads projected states, and the fast
    decoder applies the same projection as ``generate``."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(1)
    wide = BertConfig(
        vocab_size=len(setup["in_tok"]),
        hidden_size=48,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertModel(wide, add_pooling_layer=False).save_pretrained(tmp_path, safe_serialization=True)
    spec = ModelSpec(
        d_model=32, decoder_layers=2, heads=2, ff=64, dropout=0.0, encoder=str(tmp_path)
    )
    torch.manual_seed(0)
    model = build_model(spec, setup["in_tok"], setup["tok"]).eval()
    assert model.decoder.config.hidden_size == 32
    assert tuple(model.enc_to_dec_proj.weight.shape) == (32, 48)
    assert fast_beam.supports(model)
    _same({**setup, "model": model}, 3, "grammar-end")
    one = {k: v[:1] for k, v in _batch(setup).items()}  # one input: folded cross-attention
    _same({**setup, "model": model}, 5, "grammar-end", one)


def test_sampling_fast_and_generate_agree_in_the_cold(setup: dict) -> None:
    """Near zero temperature both sampling paths give greedy decoding's sequences and
    scores; warm, the fast path's draws depend only on the seed."""
    model, batch = setup["model"], _batch(setup)
    want, want_scores = fast_beam.generate(
        model, batch, 1, _processors(setup, "grammar", 1), MAX_NEW
    )
    fast, fast_scores = fast_beam.sample(
        model, batch, _processors(setup, "grammar", 1), MAX_NEW, 1e-5, seed=0
    )
    big = T5ForConditionalGeneration(T5Config(vocab_size=64, d_model=16, d_ff=32, num_layers=1,
                                              num_heads=2, d_kv=8, decoder_start_token_id=0))  # fmt: skip
    assert fast.tolist() == want.tolist()
    assert fast_scores == pytest.approx(want_scores, abs=1e-3)
    warm = [
        fast_beam.sample(model, batch, _processors(setup, "grammar", 1), MAX_NEW, 2.0, seed=s)[0]
        for s in (1, 1)
    ]
    assert warm[0].tolist() == warm[1].tolist()
    ids = torch.tensor([[5, 6, 7, 1]])
    slow = fast_beam.sample(big.eval(), {"input_ids": ids}, [], 6, 1e-5, seed=0)
    greedy = fast_beam.generate(big.eval(), {"input_ids": ids}, 1, [], 6)
    assert not fast_beam.supports(big) and slow[0].tolist() == greedy[0].tolist()


class _DeadEnd:
    """No token is allowed for row 0 from the third step on (a dead end of a grammar)."""

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if input_ids.shape[1] >= 3:
            scores = scores.clone()
            scores[0] = -float("inf")
        return scores


def test_a_sampled_row_at_a_dead_end_gets_padding_and_never_ends(setup: dict) -> None:
    tok = setup["tok"]
    seqs, _ = fast_beam.sample(setup["model"], _batch(setup), [_DeadEnd()], MAX_NEW, 2.0, seed=0)
    stuck = seqs[0, 3:].tolist()
    assert stuck and set(stuck) == {tok.pad_token_id}
    assert tok.eos_token_id not in seqs[0].tolist()
