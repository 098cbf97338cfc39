"""Compile a grammar for a tokenizer once; cache the result in memory and on disk.

``compile_grammar(grammar, tokenizer)`` returns an immutable :class:`CompiledGrammar`:
the lexer automaton, Lark's LALR table and, per lexer state, the token groups, boundary
tokens and Fok sets (:mod:`.precompute`). It is keyed by the grammar's hash, the
vocabulary's hash (every token's contribution) and the package version, so a changed
grammar, tokenizer or decoder never reads a stale entry.
"""

from __future__ import annotations

import collections
import functools
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..grammar import Grammar
from . import cache
from .lalr import LALRTables
from .lexer import GrammarAnalysis, LexerTables, analyse
from .precompute import StateTables, TokenMatrix, pack, precompute, words
from .vocab import Vocabulary, vocabulary

#: Bumped whenever the cached arrays change meaning.
FORMAT = 13
#: Sentences sampled from the grammar at build time whose parser contexts get their masks,
#: and along which the walks of the tokens spelled like their text are memoised.
WARM_SENTENCES = 1000
#: Then more sentences from the same sampler, while fewer than ``EXTRA_BUDGET`` masks and
#: walks have been computed for them (all of them for small grammars and vocabularies).
EXTRA_SENTENCES = 2000
EXTRA_BUDGET = 20000
#: The seed of that sampler (the decoding benchmark's sequences use another).
WARM_SEED = 20261125
_MEMORY: collections.OrderedDict[str, CompiledGrammar] = collections.OrderedDict()
_MEMORY_LIMIT = 32
_LOCK = threading.Lock()


class CompiledGrammar:
    """A grammar compiled for one vocabulary. Immutable; share it between matchers.

    Use :meth:`matcher` for a token-by-token matcher, :meth:`restrict` to narrow string
    literals for one input, and :func:`parseinstr.decoding.hf.GrammarLogitsProcessor`
    for ``generate``.
    """

    def __init__(
        self,
        grammar: Grammar,
        vocab: Vocabulary,
        analysis: GrammarAnalysis,
        states: StateTables,
        key: str,
    ) -> None:
        self.grammar = grammar
        self.vocab = vocab
        self.analysis = analysis
        self.states = states
        self.key = key
        #: The mask before the first token (bits, may end), computed once at build time.
        self.initial: tuple[np.ndarray, bool] | None = None
        #: Lexeme-start masks (read depths, read states, bits, eos), built at build time.
        self.starts: tuple[np.ndarray, ...] | None = None
        #: Every remainder table of boundary-crossing tokens (``rt_*`` arrays).
        self.tables: dict[str, np.ndarray] | None = None
        #: The valid tokens of record sets on the stacks seen at build time (``sm_*``).
        self.split_memo: dict[str, np.ndarray] | None = None
        #: Token walks (and first steps) on the contexts of sampled sentences (``ws_*``).
        self.walk_memo: dict[str, np.ndarray] | None = None

    @property
    def vocab_size(self) -> int:
        """Number of token ids the masks cover."""
        return self.vocab.size

    @property
    def mask_words(self) -> int:
        """32-bit words per mask row."""
        return words(self.vocab.size)

    @functools.cached_property
    def engine(self) -> Any:
        """The run-time engine (masks memoised per lexer state and stack top)."""
        from .engine import Engine

        return Engine(self)

    def matcher(self) -> Any:
        """A fresh :class:`~parseinstr.decoding.matcher.GrammarMatcher` at the start."""
        from .matcher import GrammarMatcher

        return GrammarMatcher(self.engine)

    def restrict(self, literals: Mapping[str, Sequence[str]]) -> Any:
        """This grammar with some terminals limited to given lexemes, for one input.

        Args:
            literals: terminal name -> the exact lexemes it may take (for SQL's ``STRING``:
                quoted literals such as ``"'texas'"``; see :func:`.restrict.sql_strings`).

        Returns:
            A :class:`~parseinstr.decoding.restrict.RestrictedGrammar` sharing this
            grammar's precomputation; building it does not recompile anything.
        """
        from .restrict import RestrictedGrammar

        return RestrictedGrammar(self, literals)

    def to_arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        out.update(self.analysis.lexer.to_arrays())
        out.update(self.analysis.lalr.to_arrays())
        out["an_safe"] = self.analysis.safe
        out.update(self.states.to_arrays())
        if self.initial is not None:
            out["init_bits"] = self.initial[0]
            out["init_eos"] = np.array(self.initial[1])
        if self.starts is not None:
            (out["pre_q"], out["pre_index"], out["pre_state"], out["pre_mask"],
             out["pre_table"]) = self.starts  # fmt: skip
        if self.tables is not None:
            out.update(self.tables)
        if self.split_memo is not None:
            out.update(self.split_memo)
        if self.walk_memo is not None:
            out.update(self.walk_memo)
        return out

    @classmethod
    def from_arrays(
        cls, grammar: Grammar, vocab: Vocabulary, arrays: dict[str, np.ndarray], key: str
    ) -> CompiledGrammar:
        lexer = LexerTables.from_arrays(arrays, [])
        lalr = LALRTables.from_arrays(arrays)
        analysis = GrammarAnalysis(lexer, lalr, arrays["an_safe"])
        out = cls(grammar, vocab, analysis, StateTables.from_arrays(arrays), key)
        if "init_bits" in arrays:
            out.initial = (arrays["init_bits"], bool(arrays["init_eos"]))
        if "pre_state" in arrays:
            out.starts = tuple(
                arrays[k] for k in ("pre_q", "pre_index", "pre_state", "pre_mask", "pre_table")
            )
        if "rt_key" in arrays:
            out.tables = {k: v for k, v in arrays.items() if k.startswith("rt_")}
        if "sm_key" in arrays:
            out.split_memo = {k: v for k, v in arrays.items() if k.startswith("sm_")}
        if "ws_key" in arrays:
            out.walk_memo = {k: v for k, v in arrays.items() if k.startswith("ws_")}
        return out


def cache_key(grammar: Grammar, vocab: Vocabulary) -> str:
    """The cache key: grammar hash, vocabulary hash, package version, cache format."""
    return f"{grammar.hash}-{vocab.hash}-{__version__}-f{FORMAT}"


def _build(grammar: Grammar, vocab: Vocabulary, key: str) -> CompiledGrammar:
    analysis = analyse(grammar.parser(), grammar.start)
    tokens = TokenMatrix.build(list(vocab.tokens), analysis.lexer.byte_class)
    states = precompute(analysis.lexer, tokens, vocab.size, list(vocab.tokens))
    # End-of-sequence is never blocked by a longer-match constraint.
    states.fok |= pack(np.array(vocab.eos, dtype=np.int64), vocab.size)[None, :]
    compiled = CompiledGrammar(grammar, vocab, analysis, states, key)
    # The first mask is the same for every run: compute it now, on a throw-away engine
    # (its run-time memo is not kept, so a loaded grammar starts with an empty memo).
    from .engine import Engine

    engine = Engine(compiled)
    engine.precompute_tables()
    first = engine.initial_mask()
    compiled.initial = (first.bits, first.eos)
    from .sampling import GrammarSampler

    try:
        sampler = GrammarSampler(grammar, seed=WARM_SEED)
        sentences = sampler.sentences(WARM_SENTENCES)
        more = sampler.sentences(EXTRA_SENTENCES) if sentences else []
    except Exception:  # noqa: BLE001 - a grammar the sampler cannot expand: no warm-up
        sentences, more = [], []
    compiled.starts = engine.precompute_starts(
        sentences=sentences, walks=True, more=more, more_budget=EXTRA_BUDGET
    )
    compiled.tables = engine.tables_to_arrays()
    compiled.split_memo = engine.splits_to_arrays()
    compiled.walk_memo = engine.walks_to_arrays()
    return compiled


def compile_grammar(
    grammar: Grammar | str,
    tokenizer: Any,
    *,
    eos: int | Sequence[int] | None = None,
    use_cache: bool = True,
    cache_folder: Path | None = None,
    cache_limit: int = cache.DEFAULT_LIMIT,
) -> CompiledGrammar:
    """Compile ``grammar`` for ``tokenizer`` (cached by hash in memory and on disk).

    Args:
        grammar: a :class:`~parseinstr.grammar.Grammar` or Lark grammar text (LALR,
            start rule ``start``).
        tokenizer: a fast transformers tokenizer or a ``tokenizers.Tokenizer``, or a
            :class:`~parseinstr.decoding.vocab.Vocabulary` already built.
        eos: end-of-sequence id(s), default the tokenizer's.
        use_cache: read and write the disk cache.
        cache_folder: where (default :func:`.cache.cache_dir`).
        cache_limit: size limit of the cache folder in bytes.

    Raises:
        GrammarError: the grammar is not valid LALR Lark or uses a terminal pattern with
            no automaton (lookarounds, lazy repeats...).

    Example:
        >>> from parseinstr.tokenization import train_output_tokenizer
        >>> tok = train_output_tokenizer(["walk twice", "run"], 300)
        >>> cg = compile_grammar('start: "walk" " twice"? | "run"', tok)
        >>> m = cg.matcher()
        >>> m.accept_token(tok.convert_tokens_to_ids("r")) and m.is_allowed(tok.eos_token_id)
        False
    """
    if isinstance(grammar, str):
        grammar = Grammar("anonymous", grammar)
    grammar.parser()  # validate up front (GrammarError)
    vocab = tokenizer if isinstance(tokenizer, Vocabulary) else vocabulary(tokenizer, eos)
    key = cache_key(grammar, vocab)
    with _LOCK:
        hit = _MEMORY.get(key)
        if hit is not None:
            _MEMORY.move_to_end(key)
            return hit
    compiled: CompiledGrammar | None = None
    if use_cache:
        arrays = cache.load(key, cache_folder)
        if arrays is not None:
            try:
                compiled = CompiledGrammar.from_arrays(grammar, vocab, arrays, key)
            except (KeyError, ValueError, TypeError, IndexError):
                compiled = None  # a broken entry: rebuild (and overwrite) it
    if compiled is None:
        compiled = _build(grammar, vocab, key)
        if use_cache:
            cache.store(key, compiled.to_arrays(), cache_folder, cache_limit)
    with _LOCK:
        _MEMORY[key] = compiled
        while len(_MEMORY) > _MEMORY_LIMIT:
            _MEMORY.popitem(last=False)
    return compiled


def clear_cache(folder: Path | None = None) -> int:
    """Forget every compiled grammar, in memory and on disk; returns files removed."""
    with _LOCK:
        _MEMORY.clear()
    return cache.clear(folder)
