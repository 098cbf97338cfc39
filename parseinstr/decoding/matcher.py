"""The matcher protocol every constrained-decoding backend implements, and ours.

Six operations (STYLE 3): accept a token, fill a mask, can the output end, roll back,
fork, is it in error. A matcher is a cursor on a persistent tree of states: each state
keeps its children by token, so two beams that share a prefix share its states, forking
is O(1) and rolling back is moving the cursor up.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from .engine import Engine, Mask

_UINT32 = np.dtype(np.uint32)


@runtime_checkable
class Matcher(Protocol):
    """What a grammar matcher offers to a decoding loop."""

    def accept_token(self, token: int) -> bool:
        """Advance by ``token``; False (and the error state) if it is not allowed."""

    def fill_mask(self, bitmask: np.ndarray, row: int = 0) -> None:
        """Write the allowed tokens into ``bitmask[row]`` (uint32/int32 words)."""

    def can_end(self) -> bool:
        """Whether end-of-sequence is allowed now (the output is a complete sentence)."""

    def rollback(self, n: int = 1) -> None:
        """Undo the last ``n`` accepted tokens."""

    def fork(self) -> Matcher:
        """An independent matcher at the same state."""

    def is_error(self) -> bool:
        """Whether a token that was not allowed has been accepted."""


class State:
    """One node of the state tree: hypotheses after a token sequence."""

    __slots__ = ("hyps", "parent", "children", "_mask", "first", "finished", "error")

    def __init__(
        self,
        hyps: tuple,
        parent: State | None,
        first: bool = False,
        finished: bool = False,
    ) -> None:
        self.hyps = hyps
        self.parent = parent
        self.children: dict[int, State] = {}
        self._mask: Mask | None = None
        self.first = first
        self.finished = finished
        self.error = not hyps and not finished

    def mask(self, engine: Engine) -> Mask:
        """The allowed tokens here (memoised on the node)."""
        m = self._mask
        if m is None:
            if self.finished or self.error:
                m = Mask(np.zeros(engine.words, dtype=np.uint32), False)
            elif self.first:
                m = engine.initial_mask()
            else:
                m = engine.mask_of(self.hyps)
            self._mask = m
        return m

    def child(self, engine: Engine, token: int) -> State:
        """The state after ``token`` (cached: keyed by parent and token)."""
        nxt = self.children.get(token)
        if nxt is None:
            if self.finished or self.error:
                nxt = State((), self)
            elif token in engine.eos_ids:
                ok = self.mask(engine).eos
                nxt = State((), self, finished=ok)
            else:
                nxt = State(engine.advance(self.hyps, token, self.first), self)
            self.children[token] = nxt
        return nxt


class GrammarMatcher:
    """A cursor in the state tree of one compiled grammar.

    Example:
        >>> from parseinstr.tokenization import train_output_tokenizer
        >>> from parseinstr.decoding import compile_grammar
        >>> tok = train_output_tokenizer(["walk twice", "run"], 300)
        >>> m = compile_grammar('start: "walk" | "run"', tok).matcher()
        >>> [m.accept_token(t) for t in tok("run")["input_ids"]]
        [True, True]
        >>> m.is_finished()
        True
    """

    def __init__(self, engine: Engine, state: State | None = None) -> None:
        self.engine = engine
        self.state = state or engine.root()

    # protocol --------------------------------------------------------------

    def accept_token(self, token: int) -> bool:
        nxt = self.state.child(self.engine, token)
        self.state = nxt
        return not nxt.error

    def fill_mask(self, bitmask: np.ndarray, row: int = 0) -> None:
        bits = self.state.mask(self.engine).bits
        if bitmask.dtype == _UINT32:  # one assignment, no view made (a step's hot path)
            if bitmask.ndim == 2:
                bitmask[row] = bits
            else:
                bitmask[...] = bits
            return
        target = bitmask[row] if bitmask.ndim == 2 else bitmask
        target[...] = bits.view(target.dtype)

    def can_end(self) -> bool:
        return self.state.mask(self.engine).eos

    def rollback(self, n: int = 1) -> None:
        for _ in range(n):
            if self.state.parent is None:
                raise ValueError("cannot roll back past the first token")
            self.state = self.state.parent

    def fork(self) -> GrammarMatcher:
        return GrammarMatcher(self.engine, self.state)

    def is_error(self) -> bool:
        return self.state.error

    # conveniences ------------------------------------------------------------

    def is_finished(self) -> bool:
        """Whether end-of-sequence has been accepted."""
        return self.state.finished

    def is_allowed(self, token: int) -> bool:
        """Whether ``token`` is allowed now (EOS included)."""
        return self.state.mask(self.engine).allows(token)

    def allowed_tokens(self) -> list[int]:
        """The allowed token ids, for tests and debugging."""
        bits = np.unpackbits(self.state.mask(self.engine).bits.view(np.uint8), bitorder="little")
        return np.nonzero(bits[: self.engine.n_tokens])[0].tolist()

    def mask(self) -> Mask:
        return self.state.mask(self.engine)

    def __repr__(self) -> str:
        flags = "finished" if self.is_finished() else "error" if self.is_error() else "live"
        return f"<GrammarMatcher {flags} hyps={len(self.state.hyps)}>"


def new_bitmask(batch: int, n_tokens: int) -> np.ndarray:
    """A zeroed ``(batch, words)`` uint32 bitmask for ``n_tokens`` tokens."""
    return np.zeros((batch, (n_tokens + 31) // 32), dtype=np.uint32)


def unpack(bits: np.ndarray, n_tokens: int) -> Any:
    """A bool array over tokens from a uint32 bitmask row (or rows)."""
    flat = np.unpackbits(np.ascontiguousarray(bits).view(np.uint8), axis=-1, bitorder="little")
    return flat[..., :n_tokens].astype(bool)
