"""The constrained decoders the decoding benchmark times, behind one small interface.

Every peer gets the same grammar text, the same token contributions (the bytes each id adds
to the text, as :mod:`parseinstr.decoding.vocab` computes them) and the same token
sequences. One step is timed identically for all (CONVENTIONS, "Measuring speed
honestly"): advance the state by the chosen token, then compute the next mask into a
bitmask row. Peers whose packages are not installed are skipped and reported as such.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parseinstr.decoding import compile_grammar, new_bitmask
from parseinstr.decoding.vocab import Vocabulary
from parseinstr.grammar import Grammar


@dataclass
class SequenceRun:
    """Per-step seconds of one token sequence (step 0 is the first mask alone)."""

    steps: list[float] = field(default_factory=list)
    rejected_at: int | None = None  # index of the first token the peer refused


class Peer:
    """A constrained decoder prepared for one grammar and vocabulary."""

    name = "peer"

    def prepare(self, grammar: Grammar, vocab: Vocabulary) -> None:
        """Compile what the peer compiles once per grammar and tokenizer (not timed)."""
        raise NotImplementedError

    def run(self, tokens: Sequence[int]) -> SequenceRun:
        """Teacher-force ``tokens``, timing each step."""
        raise NotImplementedError


class ParseinstrPeer(Peer):
    """This package: ``compile_grammar`` once; a fresh engine memo per :meth:`prepare`."""

    name = "parseinstr"

    def __init__(self) -> None:
        self.compiled: Any = None
        self.compile_s = 0.0

    def prepare(self, grammar: Grammar, vocab: Vocabulary) -> None:
        from parseinstr.decoding import compiled as compiled_mod

        compiled_mod._MEMORY.clear()  # a fresh object: its run-time memo starts empty
        t = time.perf_counter()
        self.compiled = compile_grammar(grammar, vocab)
        self.engine = self.compiled.engine  # loading: arrays into the engine's tables
        self.compile_s = time.perf_counter() - t
        self.bitmask = new_bitmask(1, vocab.size)

    def run(self, tokens: Sequence[int]) -> SequenceRun:
        out = SequenceRun()
        bitmask = self.bitmask
        clock = time.perf_counter
        t0 = clock()
        m = self.compiled.matcher()
        m.fill_mask(bitmask)
        out.steps.append(clock() - t0)
        for k, tok in enumerate(tokens):
            t0 = clock()
            ok = m.accept_token(tok)
            m.fill_mask(bitmask)
            out.steps.append(clock() - t0)
            if not ok:
                out.rejected_at = k
                break
        return out

    def stats(self) -> dict[str, int]:
        return dict(self.compiled.engine.stats)


class _RawTokenizer:
    """What ``llguidance.TokenizerWrapper`` needs: token bytes, EOS, a string encoder."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.eos_token_id = vocab.eos[0]
        self.bos_token_id = None
        self.special_token_ids = [i for i, t in enumerate(vocab.tokens) if t is None]
        self.tokens = [
            t if t is not None else b"\xff[special_%d]" % i for i, t in enumerate(vocab.tokens)
        ]
        self._greedy = {t: i for i, t in enumerate(self.tokens) if t}

    def __call__(self, text: str | bytes) -> list[int]:
        data = text.encode("utf-8") if isinstance(text, str) else text
        out, i = [], 0
        while i < len(data):  # greedy longest-token encoding (used only for prompts)
            for j in range(len(data), i, -1):
                tid = self._greedy.get(data[i:j])
                if tid is not None:
                    out.append(tid)
                    i = j
                    break
            else:
                i += 1
        return out


class LLGuidancePeer(Peer):
    """Microsoft's llguidance (Rust): ``LLMatcher`` over ``grammar_from("lark", ...)``."""

    name = "llguidance"

    def prepare(self, grammar: Grammar, vocab: Vocabulary) -> None:
        import llguidance
        import llguidance.numpy as lln

        self._lln = lln
        wrapper = llguidance.TokenizerWrapper(_RawTokenizer(vocab))
        t = time.perf_counter()
        self.tok = llguidance.LLTokenizer(wrapper, n_vocab=vocab.size)
        self.grammar = llguidance.grammar_from("lark", grammar.text)
        llguidance.LLMatcher(self.tok, self.grammar, log_level=0)  # compile once, untimed
        self.compile_s = time.perf_counter() - t
        self.bitmask = lln.allocate_token_bitmask(1, vocab.size)
        self._matcher_cls = llguidance.LLMatcher

    def run(self, tokens: Sequence[int]) -> SequenceRun:
        out = SequenceRun()
        fill = self._lln.fill_next_token_bitmask
        bitmask = self.bitmask
        m = self._matcher_cls(self.tok, self.grammar, log_level=0)
        clock = time.perf_counter
        t0 = clock()
        fill(m, bitmask, 0)
        out.steps.append(clock() - t0)
        for k, tok in enumerate(tokens):
            t0 = clock()
            ok = m.consume_token(tok)
            fill(m, bitmask, 0)
            out.steps.append(clock() - t0)
            if not ok:
                out.rejected_at = k
                break
        return out


class XGrammarPeer(Peer):
    """MLC's XGrammar (C++): ``GrammarCompiler.compile_grammar(Grammar.from_lark(...))``."""

    name = "xgrammar"

    def prepare(self, grammar: Grammar, vocab: Vocabulary) -> None:
        import xgrammar as xgr

        self._xgr = xgr
        encoded = [t if t is not None else b"" for t in vocab.tokens]
        info = xgr.TokenizerInfo(
            encoded, xgr.VocabType.RAW, vocab_size=vocab.size, stop_token_ids=list(vocab.eos)
        )
        t = time.perf_counter()
        compiler = xgr.GrammarCompiler(info, cache_enabled=False)
        self.compiled = compiler.compile_grammar(xgr.Grammar.from_lark(grammar.text))
        self.compile_s = time.perf_counter() - t
        self.bitmask = xgr.allocate_token_bitmask(1, vocab.size)

    def run(self, tokens: Sequence[int]) -> SequenceRun:
        out = SequenceRun()
        m = self._xgr.GrammarMatcher(self.compiled)
        bitmask = self.bitmask
        clock = time.perf_counter
        t0 = clock()
        m.fill_next_token_bitmask(bitmask)
        out.steps.append(clock() - t0)
        for k, tok in enumerate(tokens):
            t0 = clock()
            ok = m.accept_token(tok)
            m.fill_next_token_bitmask(bitmask)
            out.steps.append(clock() - t0)
            if not ok:
                out.rejected_at = k
                break
        return out


PEERS: dict[str, type[Peer]] = {
    "parseinstr": ParseinstrPeer,
    "llguidance": LLGuidancePeer,
    "xgrammar": XGrammarPeer,
}


def available_peers() -> tuple[dict[str, Peer], dict[str, str]]:
    """Instantiated peers whose packages import, and why the others are missing."""
    found: dict[str, Peer] = {"parseinstr": ParseinstrPeer()}
    missing: dict[str, str] = {}
    for name, module in (("llguidance", "llguidance"), ("xgrammar", "xgrammar")):
        try:
            __import__(module)
        except ImportError as exc:  # pragma: no cover - depends on the environment
            missing[name] = f"not installed ({exc})"
            continue
        found[name] = PEERS[name]()
    return found, missing


def peer_versions(peers: Iterable[str]) -> dict[str, str]:
    """The installed version of each peer's package (parseinstr: the package's own), so a
    results file says what it was measured against."""
    versions = {}
    for name in peers:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def summarise(step_seconds: Sequence[float]) -> dict[str, float]:
    """Mean, median and p99 of per-step times, in microseconds."""
    a = np.asarray(step_seconds, dtype=float) * 1e6
    if not len(a):
        return {"mean_us": float("nan"), "median_us": float("nan"), "p99_us": float("nan")}
    return {
        "mean_us": float(a.mean()),
        "median_us": float(np.median(a)),
        "p99_us": float(np.percentile(a, 99)),
        "max_us": float(a.max()),
        "steps": len(a),
    }
