"""Tools to check a compiled grammar, shared by the tests and the benchmark.

* small tokenizers of each kind, trained here with the ``tokenizers`` library
  (byte-level BPE with or without pre-splitting, Metaspace Unigram, WordPiece);
* a one-byte-per-token vocabulary (the most exact probe of the lexer);
* two grammars that exercise what the environments' grammars do not: keywords that a
  name regex also matches (Lark's "unless" retyping), numbers that end inside a token,
  comments as a second ignored terminal, JSON strings and nesting;
* soundness and completeness checks that report their violations.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from ..grammar import Grammar
from .vocab import Vocabulary

#: Statements with keywords a NAME also matches (Lark retypes them, per context), numbers
#: with exponents next to a keyword starting with "e" (Lark backtracks: "1eq" is 1, eq),
#: comments as a second ignored terminal.
CALC = r"""
start: stmt+
stmt: "let" NAME "=" expr ";" -> let
    | "print" expr ";" -> print
    | "if" expr "then" stmt* "end" -> if_
    | NAME "=" expr ";" -> assign
?expr: cmp
?cmp: sum | sum COMP sum | sum "eq" sum -> eq
?sum: term | sum ADD term
?term: factor | term MUL factor
?factor: NUMBER | NAME | STRING | "(" expr ")" | "-" factor | NAME "(" args? ")"
args: expr ("," expr)*
COMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADD: "+" | "-"
MUL: "*" | "/"
NAME: /[a-z_][a-z0-9_]*/i
NUMBER: /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/
STRING: /"([^"\\]|\\.)*"/
COMMENT: /#[^\n]*/
%import common.WS
%ignore WS
%ignore COMMENT
"""

#: JSON (RFC 8259 strings and numbers; Lark's common.ESCAPED_STRING uses a lookbehind).
JSON = r"""
?start: value
?value: object | array | string | NUMBER -> number
      | "true" -> true | "false" -> false | "null" -> null
array: "[" [value ("," value)*] "]"
object: "{" [pair ("," pair)*] "}"
pair: string ":" value
string: STRING
STRING: /"([^"\\\x00-\x1f]|\\["\\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/
NUMBER: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/
%import common.WS
%ignore WS
"""

SPECIALS = ["<pad>", "</s>", "<unk>"]


def extra_grammars() -> dict[str, Grammar]:
    """The two extra grammars, validated."""
    out = {"calc": Grammar("calc", CALC), "json": Grammar("json", JSON)}
    for g in out.values():
        g.parser()
    return out


def byte_vocabulary() -> Vocabulary:
    """One token per byte (ids 0-255) and EOS (256)."""
    toks = tuple([bytes([i]) for i in range(256)] + [None])
    return Vocabulary(toks, toks, (256,), "bytes")


def train_tokenizer(kind: str, corpus: Sequence[str], vocab_size: int) -> Tokenizer:
    """A tokenizer of ``kind`` trained on ``corpus``; ``</s>`` (id 1) ends a sequence.

    Kinds: ``bpe`` (byte-level BPE, GPT-2 pre-splitting), ``bpe-nosplit`` (byte-level BPE
    without pre-splitting: tokens may span words), ``metaspace`` (Unigram with ``▁``
    spaces), ``wordpiece`` (``##`` continuations, whitespace-split words, so punctuation
    inside a word stays spellable).
    """
    if kind in ("bpe", "bpe-nosplit"):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(
            add_prefix_space=False, use_regex=kind == "bpe"
        )
        tok.decoder = decoders.ByteLevel()
        trainer: Any = trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=SPECIALS,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            min_frequency=2,
        )
    elif kind == "metaspace":
        tok = Tokenizer(models.Unigram())
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        tok.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size, special_tokens=SPECIALS, unk_token="<unk>"
        )
    elif kind == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        tok.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIALS)
    else:
        raise ValueError(f"unknown tokenizer kind {kind!r}")
    tok.train_from_iterator(list(corpus), trainer)
    return tok


def spelled(vocab: Vocabulary, ids: Sequence[int]) -> str | None:
    """The text of ``ids``, or None when it holds a never-allowed (special) token."""
    if any(vocab.tokens[i] is None for i in ids):
        return None
    return vocab.decode(ids).decode("utf-8", errors="replace")


@dataclass
class Report:
    """Violations found by :func:`check_completeness` or :func:`check_soundness`."""

    checked: int = 0
    violations: list[str] = field(default_factory=list)
    ended: int = 0


def check_completeness(
    compiled: Any, grammar: Grammar, sequences: Iterable[Sequence[int]]
) -> Report:
    """Every token of every valid sequence must be allowed, and EOS at its end.

    Sequences whose text is not a sentence (a tokenizer may not round-trip) are skipped.
    """
    report = Report()
    vocab = compiled.vocab
    for ids in sequences:
        text = spelled(vocab, ids)
        if text is None or not grammar.accepts(text):
            continue
        report.checked += 1
        m = compiled.matcher()
        for k, tok in enumerate(ids):
            if not m.is_allowed(tok):
                report.violations.append(f"token {k} of {text!r} masked")
                break
            m.accept_token(tok)
        else:
            if not m.can_end():
                report.violations.append(f"EOS masked after {text!r}")
    return report


def check_soundness(
    compiled: Any, grammar: Grammar, walks: int, seed: int, max_steps: int = 80
) -> Report:
    """Random walks under the mask (random logits): whatever ends must parse, and a live
    state must never have an empty mask."""
    report = Report()
    rng = random.Random(seed)
    vocab = compiled.vocab
    eos = vocab.eos[0]
    for _ in range(walks):
        m = compiled.matcher()
        ids: list[int] = []
        report.checked += 1
        for step in range(max_steps):
            allowed = m.allowed_tokens()
            if not allowed:
                report.violations.append(f"dead end after {vocab.decode(ids)!r}")
                break
            only_end = allowed == [eos]
            if eos in allowed and (only_end or rng.random() < 0.25 or step > max_steps // 2):
                report.ended += 1
                text = vocab.decode(ids).decode("utf-8", errors="replace")
                if not grammar.accepts(text):
                    report.violations.append(f"ended on a non-sentence {text!r}")
                break
            tok = rng.choice([a for a in allowed if a != eos])
            ids.append(tok)
            if not m.accept_token(tok):
                report.violations.append(f"allowed token {tok} refused after {ids[:-1]}")
                break
    return report
