"""Grammar-constrained ``model.generate``: a transformers ``LogitsProcessor``.

``generate`` hands a processor the whole sequence of every row so far (``input_ids``) and
reorders rows freely in beam search, so states are never tied to a row: each row's state
is found from its own prefix. A 64-bit fingerprint of the generated ids is computed for
all rows at once (one vectorised product); the state of a row is the child, by its last
token, of the state of its prefix (one dictionary lookup), and children are cached on
their parent, so beams sharing a prefix share states and a fork costs nothing. Masks are
built as one ``(rows, words)`` bitmask on the CPU and applied on the scores' device with
one unpack and one ``masked_fill``.

Rows whose output has ended (EOS, then padding) may only repeat EOS/padding. A row that
beam search extended with a disallowed token (possible when fewer allowed continuations
than beams exist; its score is already ``-inf``) is marked *failed* and may only end. A row
with a valid prefix but no allowed token raises ``ValueError`` naming the row (or, with
``on_dead_end="end"``, is ended like a failed row): with a sound grammar this only happens
when the vocabulary cannot spell any continuation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from transformers import LogitsProcessor

from .compiled import compile_grammar
from .matcher import State
from .vocab import vocabulary

_FP_SEED = 0x5EED


class GrammarLogitsProcessor(LogitsProcessor):
    """Constrain every row of ``generate`` to a grammar.

    Args:
        grammars: one compiled (or restricted) grammar for all rows, or one per batch item
            (``None`` for an unconstrained item).
        rows_per_item: rows ``generate`` makes per batch item (``num_beams``, or
            ``num_return_sequences`` when sampling).
        prompt_length: ids before the output in ``input_ids`` (for an encoder-decoder,
            the decoder start token); default: the length seen at the first call.
        pad_token_id: the id ``generate`` appends after EOS (allowed once a row ended).
        on_dead_end: ``"raise"`` (``ValueError`` naming the row) or ``"end"``.
        expansions: per batch item, copy-slot token id -> the token ids spelling its value
            (``parseinstr.copying``): a slot is allowed where its whole spelling is, and
            advances the state by it. Slot ids of ``slot_ids`` without an expansion for
            the item are never allowed.
        slot_ids: every copy-slot token id of the vocabulary.

    Example:
        >>> compiled = compile_grammar(grammar, tok)  # doctest: +SKIP
        >>> proc = GrammarLogitsProcessor(compiled, rows_per_item=4)  # doctest: +SKIP
        >>> model.generate(**batch, num_beams=4, logits_processor=[proc])  # doctest: +SKIP

    One processor serves one ``generate`` call; make a new one for the next call.
    """

    def __init__(
        self,
        grammars: Any,
        *,
        rows_per_item: int = 1,
        prompt_length: int | None = None,
        pad_token_id: int | None = None,
        on_dead_end: str = "raise",
        expansions: Sequence[Any] | None = None,
        slot_ids: Sequence[int] = (),
    ) -> None:
        if on_dead_end not in ("raise", "end"):
            raise ValueError(f"on_dead_end must be 'raise' or 'end', not {on_dead_end!r}")
        if rows_per_item < 1:
            raise ValueError(f"rows_per_item must be >= 1, not {rows_per_item}")
        self.per_item = isinstance(grammars, (list, tuple))
        items = list(grammars) if self.per_item else [grammars]
        live = [g for g in items if g is not None]
        if not live:
            raise ValueError("no grammar given (every item is None)")
        sizes = {g.vocab_size for g in live}
        if len(sizes) != 1:
            raise ValueError(f"grammars compiled for different vocabularies: sizes {sizes}")
        self.engines = [None if g is None else g.engine for g in items]
        self.roots = [None if e is None else e.root() for e in self.engines]
        self.rows_per_item = rows_per_item
        self.prompt_length = prompt_length
        self.pad_token_id = pad_token_id
        self.on_dead_end = on_dead_end
        self.vocab_size = live[0].vocab_size
        self.words = (self.vocab_size + 31) // 32
        self._states: dict[tuple[int, int], State] = {}
        self._weights = np.random.default_rng(_FP_SEED).integers(
            1, 2**63, size=64, dtype=np.uint64
        ) | np.uint64(1)
        self._shifts: dict[torch.device, torch.Tensor] = {}
        self._all = np.full(self.words, 0xFFFFFFFF, dtype=np.uint32)
        eos = set(live[0].vocab.eos)
        end_ids = sorted(eos | ({pad_token_id} if pad_token_id is not None else set()))
        self._end_only = np.zeros(self.words, dtype=np.uint32)
        for i in end_ids:
            self._end_only[i >> 5] |= np.uint32(1 << (i & 31))
        self.eos = eos
        self.expansions = [dict(e) for e in expansions] if expansions is not None else None
        self.slot_ids = sorted(slot_ids)

    # ------------------------------------------------------------------ keying rows

    def _fingerprints(self, gen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fingerprints of every row's generated ids and of the same minus the last."""
        n = gen.shape[1]
        if n > len(self._weights):
            extra = np.random.default_rng(_FP_SEED + n).integers(
                1, 2**63, size=2 * n, dtype=np.uint64
            )
            self._weights = np.concatenate([self._weights, extra | np.uint64(1)])
        w = self._weights[:n]
        terms = (gen.astype(np.uint64) + np.uint64(1)) * w
        with np.errstate(over="ignore"):
            full = terms.sum(axis=1, dtype=np.uint64)
            parent = full - terms[:, -1] if n else full
        return full, parent

    def _item(self, row: int) -> int:
        return row // self.rows_per_item if self.per_item else 0

    def states(self, input_ids: torch.Tensor) -> list[State | None]:
        """The state of every row (None for an unconstrained item)."""
        if self.prompt_length is None or input_ids.shape[1] < self.prompt_length:
            self.prompt_length = input_ids.shape[1]
            self._states = {}
        gen = input_ids[:, self.prompt_length :].detach().to("cpu").numpy()
        rows, n = gen.shape
        if self.per_item and rows != len(self.engines) * self.rows_per_item:
            raise ValueError(
                f"{rows} rows for {len(self.engines)} grammars x {self.rows_per_item} rows each"
            )
        full, parent = self._fingerprints(gen)
        previous = self._states
        current: dict[tuple[int, int], State] = {}
        out: list[State | None] = []
        for r in range(rows):
            item = self._item(r)
            engine = self.engines[item]
            if engine is None:
                out.append(None)
                continue
            key = (item, int(full[r]))
            state = current.get(key)
            if state is None:
                if n == 0:
                    state = self.roots[item]
                else:
                    before = previous.get((item, int(parent[r])))
                    if before is None:  # a prefix never seen: rebuild it from the root
                        state = self.roots[item]
                        for tok in gen[r].tolist():
                            state = self._child(engine, state, tok, item)
                    else:
                        state = self._child(engine, before, int(gen[r, -1]), item)
                current[key] = state
            out.append(state)
        self._states = current
        return out

    def _child(self, engine: Any, state: State, token: int, item: int = 0) -> State:
        if state.finished:  # padding after the end stays ended
            return state
        spelled = self._spelling(item, token)
        if spelled is not None:
            return self._walk(engine, state, spelled)[0]
        return state.child(engine, token)

    def _spelling(self, item: int, token: int) -> list[int] | None:
        """The token ids a copy slot stands for (None: ``token`` is no slot of the item)."""
        if self.expansions is None:
            return None
        return self.expansions[item].get(token)

    @staticmethod
    def _walk(engine: Any, state: State, ids: Sequence[int]) -> tuple[State, bool]:
        """The state after ``ids``, and whether each was allowed on the way."""
        ok = True
        for t in ids:
            if state.error or state.finished:
                return state, False
            ok = ok and state.mask(engine).allows(t)
            state = state.child(engine, t)
        return state, ok and not state.error

    def _with_slots(self, engine: Any, state: State, bits: np.ndarray, item: int) -> np.ndarray:
        """``bits`` with slot tokens allowed exactly where their spelling is."""
        if not self.slot_ids:
            return bits
        bits = bits.copy()
        for t in self.slot_ids:
            bits[t >> 5] &= np.uint32(~(1 << (t & 31)) & 0xFFFFFFFF)
        for t, ids in (self.expansions[item] if self.expansions is not None else {}).items():
            if self._walk(engine, state, ids)[1]:
                bits[t >> 5] |= np.uint32(1 << (t & 31))
        return bits

    # ------------------------------------------------------------------ masks

    def bitmask(self, input_ids: torch.Tensor) -> np.ndarray:
        """The ``(rows, words)`` uint32 bitmask of allowed tokens for every row."""
        states = self.states(input_ids)
        rows = []
        for r, state in enumerate(states):
            if state is None:
                rows.append(self._all)
                continue
            engine = self.engines[self._item(r)]
            if state.finished or state.error:
                rows.append(self._end_only)
                continue
            mask = state.mask(engine)
            if not mask.live:
                if self.on_dead_end == "raise":
                    raise ValueError(
                        f"row {r}: no token is allowed after "
                        f"{engine.spell(input_ids[r, self.prompt_length :].tolist())!r}"
                    )
                rows.append(self._end_only)
                continue
            rows.append(self._with_slots(engine, state, mask.bits, self._item(r)))
        return np.stack(rows)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        bits = self.bitmask(input_ids)
        device = scores.device
        shifts = self._shifts.get(device)
        if shifts is None:
            shifts = self._shifts[device] = torch.arange(32, device=device, dtype=torch.int32)
        packed = torch.from_numpy(bits.view(np.int32)).to(device, non_blocking=True)
        allowed = ((packed.unsqueeze(-1) >> shifts) & 1).bool().reshape(packed.shape[0], -1)
        width = scores.shape[-1]
        if allowed.shape[1] >= width:
            allowed = allowed[:, :width]
        else:  # a model head larger than the tokenizer: the extra ids are never allowed
            pad = torch.zeros(
                (allowed.shape[0], width - allowed.shape[1]), dtype=torch.bool, device=device
            )
            allowed = torch.cat([allowed, pad], dim=1)
        return scores.masked_fill(~allowed, float("-inf"))


def vocabulary_of(tokenizer: Any) -> Any:
    """The decoding vocabulary of ``tokenizer``, built once per tokenizer and size (reading
    every token's spelling costs milliseconds, which one parse should not pay each time)."""
    size = len(tokenizer) if hasattr(tokenizer, "__len__") else None
    cached = getattr(tokenizer, "_parseinstr_vocabulary", None)
    if cached is not None and cached[0] == size:
        return cached[1]
    vocab = vocabulary(tokenizer)
    with contextlib.suppress(AttributeError, TypeError):
        tokenizer._parseinstr_vocabulary = (size, vocab)
    return vocab


def grammar_logits_processor(
    tokenizer: Any,
    instructions: Sequence[str],
    envs: Sequence[Any],
    num_beams: int,
    expansions: Sequence[Any] | None = None,
    slot_ids: Sequence[int] = (),
) -> GrammarLogitsProcessor:
    """The processor the parser uses: each environment's (specialised) grammar, compiled
    for the output tokenizer (cached), restricted per instruction when the environment
    says which lexemes a terminal may take (an optional ``literal_lexemes(instruction)``
    returning ``{terminal: [lexeme, ...]}``). ``expansions`` and ``slot_ids``: copy slots,
    see :class:`GrammarLogitsProcessor`."""
    grammars: list[Any] = []
    for instruction, env in zip(instructions, envs, strict=True):
        if env is None:
            grammars.append(None)
            continue
        shared = getattr(env, "decoding_grammar", None)
        grammar = shared() if callable(shared) else env.grammar()
        compiled = compile_grammar(grammar, vocabulary_of(tokenizer))
        hook = getattr(env, "literal_lexemes", None)
        literals = hook(instruction) if callable(hook) else None
        grammars.append(compiled.restrict(literals) if literals else compiled)
    pad = getattr(tokenizer, "pad_token_id", None)
    return GrammarLogitsProcessor(
        grammars,
        rows_per_item=num_beams,
        pad_token_id=pad,
        expansions=expansions,
        slot_ids=slot_ids,
    )
