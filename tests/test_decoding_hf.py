"""The grammar LogitsProcessor inside ``model.generate``: tiny randomly initialised T5 and
BART models built from configs (no downloads), greedy, beam and sampling, batched."""

from __future__ import annotations

import pytest
import torch
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    T5Config,
    T5ForConditionalGeneration,
)

from parseinstr.decoding import compile_grammar
from parseinstr.decoding.hf import GrammarLogitsProcessor, grammar_logits_processor
from parseinstr.decoding.restrict import quoted
from parseinstr.decoding.sampling import GrammarSampler
from parseinstr.grammar import Grammar
from parseinstr.tokenization import train_output_tokenizer

CALL = 'start: call\ncall: NAME "(" [arg ("," arg)*] ")"\n?arg: call | NUMBER | STRING\n' + (
    "NAME: /[a-z]+/\nNUMBER: /[0-9]+/\nSTRING: /'[a-z ]*'/\n%import common.WS\n%ignore WS\n"
)

#: Short sentences only: with EOS preferred, every beam must end on one.
ACTS = 'start: act ("and" act)*\nact: "walk" | "run" | "jump" | "look"\n%import common.WS\n%ignore WS\n'


@pytest.fixture(scope="module")
def setup() -> dict:
    grid = Grammar.load("grid")
    call = Grammar("call", CALL)
    acts = Grammar("acts", ACTS)
    corpus = GrammarSampler(grid, seed=1).sentences(150) + GrammarSampler(call, seed=2).sentences(
        150
    )
    tok = train_output_tokenizer(corpus, 400)
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
    bart = BartForConditionalGeneration(
        BartConfig(
            vocab_size=len(tok),
            d_model=32,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=64,
            decoder_ffn_dim=64,
            max_position_embeddings=128,
            pad_token_id=tok.pad_token_id,
            eos_token_id=tok.eos_token_id,
            bos_token_id=tok.bos_token_id,
            decoder_start_token_id=tok.eos_token_id,
            forced_bos_token_id=None,
        )
    ).eval()
    return {
        "tok": tok,
        "t5": t5,
        "bart": bart,
        "grid": compile_grammar(grid, tok),
        "call": compile_grammar(call, tok),
        "acts": compile_grammar(acts, tok),
        "grammars": {"grid": grid, "call": call, "acts": acts},
    }


class _PreferEnd:
    """Raise the EOS logit and lower whitespace-only tokens, so that hypotheses of a random
    model end as soon as the grammar lets them."""

    def __init__(self, tok) -> None:
        from parseinstr.decoding.vocab import vocabulary

        self.eos = tok.eos_token_id
        spelled = vocabulary(tok).tokens
        self.blank = [i for i, t in enumerate(spelled) if t is not None and not t.strip()]

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        scores = scores.clone()
        scores[:, self.eos] += 30.0
        scores[:, self.blank] -= 30.0
        return scores


def _inputs(setup: dict, n: int) -> dict:
    ids = torch.randint(4, len(setup["tok"]), (n, 7), generator=torch.Generator().manual_seed(n))
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def _check(setup: dict, outputs: torch.Tensor, grammars: list, prompt: int) -> int:
    """Every output is a valid prefix; the ended ones are sentences. Returns how many ended."""
    tok = setup["tok"]
    ended = 0
    for row, name in zip(outputs.tolist(), grammars, strict=True):
        compiled = setup[name]
        m = compiled.matcher()
        gen = row[prompt:]
        for t in gen:
            if t == tok.eos_token_id:
                assert m.can_end()
                ended += 1
                text = tok.decode(gen, skip_special_tokens=True)
                assert setup["grammars"][name].accepts(text), text
                break
            if t == tok.pad_token_id:
                break
            assert m.accept_token(t), (name, tok.decode(gen))
    return ended


@pytest.mark.parametrize("model", ["t5", "bart"])
def test_greedy_batched_each_row_its_grammar(setup, model) -> None:
    proc = GrammarLogitsProcessor(
        [setup["grid"], setup["call"], setup["grid"]], pad_token_id=setup["tok"].pad_token_id
    )
    out = setup[model].generate(
        **_inputs(setup, 3), max_new_tokens=30, do_sample=False, logits_processor=[proc]
    )
    _check(setup, out, ["grid", "call", "grid"], 1)


def test_beam_search_with_reordering(setup) -> None:
    proc = GrammarLogitsProcessor([setup["acts"], setup["grid"], setup["acts"]], rows_per_item=4)
    out = setup["t5"].generate(
        **_inputs(setup, 3),
        num_beams=4,
        num_return_sequences=4,
        max_new_tokens=30,
        logits_processor=[_PreferEnd(setup["tok"]), proc],
    )
    ended = _check(setup, out, ["acts"] * 4 + ["grid"] * 4 + ["acts"] * 4, 1)
    assert ended >= 8  # the short grammar's beams all end, on sentences


def test_sampling_with_several_sequences(setup) -> None:
    proc = GrammarLogitsProcessor(setup["call"], rows_per_item=3)
    torch.manual_seed(1)
    out = setup["t5"].generate(
        **_inputs(setup, 2),
        do_sample=True,
        top_k=0,
        num_return_sequences=3,
        max_new_tokens=30,
        logits_processor=[proc],
    )
    _check(setup, out, ["call"] * 6, 1)


def test_scores_are_masked_not_rescaled(setup) -> None:
    proc = GrammarLogitsProcessor(setup["grid"])
    ids = torch.tensor([[setup["tok"].pad_token_id]])
    scores = torch.zeros(1, len(setup["tok"]) + 5)  # a model head wider than the tokenizer
    out = proc(ids, scores)
    allowed = set(setup["grid"].matcher().allowed_tokens())
    finite = set(torch.nonzero(torch.isfinite(out[0])).flatten().tolist())
    assert finite == allowed and out[0, list(allowed)].eq(0).all()


def test_unconstrained_item_and_finished_rows(setup) -> None:
    tok = setup["tok"]
    proc = GrammarLogitsProcessor([None, setup["grid"]], pad_token_id=tok.pad_token_id)
    walk = tok("walk")["input_ids"][:-1]
    start = tok.pad_token_id
    proc(torch.tensor([[start], [start]]), torch.zeros(2, len(tok)))
    seq = [start, *walk, tok.eos_token_id, tok.pad_token_id]
    for k in range(2, len(seq) + 1):
        out = proc(torch.tensor([seq[:k], seq[:k]]), torch.zeros(2, len(tok)))
    assert torch.isfinite(out[0]).all()  # no grammar: untouched
    finite = torch.nonzero(torch.isfinite(out[1])).flatten().tolist()
    assert sorted(finite) == sorted({tok.eos_token_id, tok.pad_token_id})


def test_dead_end_raises_naming_the_row(setup) -> None:
    tok = setup["tok"]
    wordlike = compile_grammar('start: "walk" "€€€"', _no_euro_vocab(tok))
    walk = tok("walk")["input_ids"][:-1]
    proc = GrammarLogitsProcessor(wordlike)
    lenient = GrammarLogitsProcessor(wordlike, on_dead_end="end")
    for k in range(len(walk)):  # one call per generated token, as generate does
        proc(torch.tensor([[0, *walk[:k]]]), torch.zeros(1, len(tok)))
        lenient(torch.tensor([[0, *walk[:k]]]), torch.zeros(1, len(tok)))
    with pytest.raises(ValueError, match="row 0: no token is allowed after 'walk'"):
        proc(torch.tensor([[0, *walk]]), torch.zeros(1, len(tok)))
    out = lenient(torch.tensor([[0, *walk]]), torch.zeros(1, len(tok)))
    assert torch.isfinite(out[0]).sum() == 1 and torch.isfinite(out[0, tok.eos_token_id])


def _no_euro_vocab(tok):
    """The tokenizer's vocabulary without any token holding a byte of "€"."""
    from parseinstr.decoding.vocab import Vocabulary, vocabulary

    v = vocabulary(tok)
    euro = set("€".encode())
    toks = tuple(None if t is not None and euro & set(t) else t for t in v.tokens)
    return Vocabulary(toks, toks, v.eos, v.kind)


def test_parser_entry_point_restricts_literals(setup) -> None:
    tok = setup["tok"]
    call = setup["grammars"]["call"]

    class Env:
        def grammar(self) -> Grammar:
            return call

        def literal_lexemes(self, instruction: str) -> dict[str, list[str]]:
            return {"STRING": quoted(instruction.split(), ("'",))}

    proc = grammar_logits_processor(tok, ["red ball", "blue box"], [Env(), None], 2)
    out = setup["t5"].generate(
        **_inputs(setup, 2), num_beams=2, max_new_tokens=25, logits_processor=[proc]
    )
    for row in out[:1].tolist():
        m = compile_grammar(call, tok).restrict({"STRING": ["'red'", "'ball'"]}).matcher()
        for t in row[1:]:
            if t in (tok.eos_token_id, tok.pad_token_id):
                break
            assert m.accept_token(t)
