"""Random sentences of a Lark grammar: derivations with a depth budget.

Used by the decoding tests and benchmark, and to build corpora for tokenizers. Rules are
expanded at random until the depth budget is spent, then by their shallowest expansion;
terminals are spelled by random walks on their byte automata (mostly printable ASCII, a
bounded length). Terminals are joined by a space or, now and then, by nothing, and only
sentences the grammar itself accepts are returned, so adjacent terminals that Lark would
lex differently never slip through.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator

import lark
import numpy as np

from ..grammar import Grammar
from .regex_dfa import ByteDFA, compile_regex

_PRINTABLE = np.array([0x20 <= b < 0x7F for b in range(256)])


class _Speller:
    """Random accepted strings of one terminal's DFA, biased to short printable ones."""

    def __init__(self, dfa: ByteDFA) -> None:
        n = dfa.size
        dist = np.full(n, 10**9)
        dist[dfa.accept] = 0
        changed = True
        while changed:
            changed = False
            for s in range(n):
                nxt = dfa.trans[s][dfa.trans[s] >= 0]
                if len(nxt):
                    best = dist[nxt].min() + 1
                    if best < dist[s]:
                        dist[s] = best
                        changed = True
        self.accept = dfa.accept.tolist()
        self.rows = dfa.trans.tolist()
        self.alive = [[b for b in range(256) if row[b] >= 0] for row in self.rows]
        self.printable = [[b for b in a if _PRINTABLE[b]] for a in self.alive]
        self.closer = [
            [b for b in self.alive[s] if dist[self.rows[s][b]] < dist[s]] for s in range(n)
        ]

    def spell(self, rng: random.Random, max_len: int = 12) -> bytes:
        s, out = 0, bytearray()
        while True:
            alive = self.alive[s]
            stop = not alive or rng.random() < 0.35 or len(out) >= max_len
            if self.accept[s] and stop:
                return bytes(out)
            if len(out) >= max_len:  # head for the nearest accepting state
                choices = self.closer[s]
            elif self.printable[s] and rng.random() < 0.97:
                choices = self.printable[s]
            else:
                choices = alive
            b = choices[int(rng.random() * len(choices))]
            out.append(b)
            s = self.rows[s][b]


class GrammarSampler:
    """Random sentences of ``grammar``.

    Example:
        >>> g = Grammar("demo", 'start: "a" start | "b"\\n%ignore " "')
        >>> s = GrammarSampler(g, seed=1)
        >>> all(g.accepts(x) for x in s.sentences(5))
        True
    """

    def __init__(self, grammar: Grammar, seed: int = 0, depth: int = 8, max_len: int = 12) -> None:
        self.grammar = grammar
        self.rng = random.Random(seed)
        self.depth = depth
        self.max_len = max_len
        parser = grammar.parser()
        self.rules: dict[str, list[list[lark.grammar.Symbol]]] = {}
        for rule in parser.rules:
            self.rules.setdefault(rule.origin.name, []).append(list(rule.expansion))
        self.terms = {t.name: t for t in parser.terminals}
        self.ignores = bool(parser.ignore_tokens)
        self.height = self._heights()

    def _heights(self) -> dict[str, int]:
        inf = 10**9
        h = {name: inf for name in self.rules}

        def sym_h(sym: lark.grammar.Symbol) -> int:
            return 0 if sym.is_term else h[sym.name]

        changed = True
        while changed:
            changed = False
            for name, exps in self.rules.items():
                best = min(1 + max((sym_h(s) for s in e), default=0) for e in exps)
                if best < h[name]:
                    h[name] = best
                    changed = True
        return h

    @functools.cache  # noqa: B019 - one sampler per grammar, kept for its lifetime
    def _speller(self, name: str) -> _Speller:
        return _Speller(compile_regex(self.terms[name].pattern.to_regexp()))

    def _expand(self, name: str, budget: int, out: list[str]) -> None:
        exps = self.rules[name]
        if budget <= 0:
            least = min(self._exp_height(e) for e in exps)
            exps = [e for e in exps if self._exp_height(e) == least]
        exp = self.rng.choice(exps)
        for sym in exp:
            if sym.is_term:
                raw = self._speller(sym.name).spell(self.rng, self.max_len)
                out.append(raw.decode("utf-8"))
            else:
                self._expand(sym.name, budget - 1, out)

    def _exp_height(self, exp: list[lark.grammar.Symbol]) -> int:
        return 1 + max((0 if s.is_term else self.height[s.name] for s in exp), default=0)

    def sentence(self, tries: int = 50, validate: bool = True) -> str | None:
        """One random sentence the grammar accepts, or None after ``tries`` rejections.

        With ``validate=False`` the spelled derivation is returned unchecked (cheaper; for
        tokenizer corpora, where an occasional non-sentence does no harm).
        """
        for _ in range(tries):
            pieces: list[str] = []
            self._expand(self.grammar.start, self.rng.randint(1, self.depth), pieces)
            if self.ignores:
                seps = [" " if self.rng.random() < 0.85 else "" for _ in pieces]
                text = "".join(p + s for p, s in zip(pieces, seps, strict=True)).strip()
            else:
                text = "".join(pieces)
            if not validate or self.grammar.accepts(text):
                return text
        return None

    def sentences(self, n: int, validate: bool = True) -> list[str]:
        """``n`` random sentences (fewer if the grammar keeps rejecting its own spellings)."""
        out: list[str] = []
        for _ in range(n * 3):
            s = self.sentence(validate=validate)
            if s is not None:
                out.append(s)
                if len(out) == n:
                    break
        return out

    def __iter__(self) -> Iterator[str]:
        while True:
            s = self.sentence()
            if s is not None:
                yield s
