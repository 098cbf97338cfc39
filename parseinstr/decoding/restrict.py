"""Per-input restriction of terminals to given lexemes, without recompiling anything.

``compiled.restrict({"STRING": ["'texas'", "'austin'"]})`` keeps the language of the
compiled grammar except that every ``STRING`` token must be one of those lexemes: string
literals limited to spans of the instruction, or to values of a column. Lexing is Lark's,
unchanged; only the values of the restricted terminals are filtered.

How it stays cheap: the restricted lexemes go into a byte trie, and the text of the open
lexeme is followed in that trie beside the base lexer state. A token that contains no byte
a restricted lexeme can start with, seen from a lexeme that cannot become a restricted
terminal, behaves exactly as in the base grammar, so the base masks (already memoised) are
reused and only tokens holding such bytes (for SQL strings: quotes) are checked again,
exactly. Inside a restricted lexeme, the allowed tokens come from a walk of the lexeme
trie, not of the vocabulary.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from .engine import _VIEW0, Engine, Mask
from .precompute import pack
from .stackmemo import DecisionMemo, Reader, materialise

RHyp = tuple  # (stack or view, lexer state, constraint states, trie node or -1)


class _Trie:
    """The allowed lexemes: byte trie with, per node, terminals accepted there and below."""

    def __init__(self, lexemes: Mapping[int, Iterable[bytes]]) -> None:
        self.kids: list[dict[int, int]] = [{}]
        self.acc: list[int] = [0]
        for term, words in lexemes.items():
            for w in words:
                node = 0
                for b in w:
                    nxt = self.kids[node].get(b)
                    if nxt is None:
                        nxt = len(self.kids)
                        self.kids[node][b] = nxt
                        self.kids.append({})
                        self.acc.append(0)
                    node = nxt
                self.acc[node] |= 1 << term
        # Terminals accepted in each subtree (children have larger ids than parents).
        self.below = self.acc[:]
        for node in range(len(self.kids) - 1, -1, -1):
            for child in self.kids[node].values():
                self.below[node] |= self.below[child]


class RestrictedGrammar:
    """A compiled grammar with some terminals limited to given lexemes (one input's worth).

    Example:
        >>> cg = compile_grammar(sql_grammar, tok)                                # doctest: +SKIP
        >>> rg = cg.restrict({"STRING": quoted(["texas", "austin"])})            # doctest: +SKIP
        >>> GrammarLogitsProcessor(rg, rows_per_item=4)                          # doctest: +SKIP
    """

    def __init__(self, base: Any, literals: Mapping[str, Sequence[str]]) -> None:
        names = base.analysis.lexer.names
        dfas = _terminal_dfas(base)
        lexemes: dict[int, list[bytes]] = {}
        for name, values in literals.items():
            if name not in names:
                raise UsageError(
                    f"cannot restrict terminal {name!r}: the grammar has no such terminal "
                    f"(terminals: {', '.join(sorted(names))})"
                )
            t = names.index(name)
            words = [v.encode("utf-8") for v in values]
            bad = [v for v, w in zip(values, words, strict=True) if not dfas[t].matches(w)]
            if bad:
                raise UsageError(
                    f"terminal {name} cannot take {bad[0]!r} (not a match of its pattern); "
                    "give lexemes as written in a logical form, e.g. quoted strings"
                )
            lexemes[t] = words
        self.base = base
        self.vocab = base.vocab
        self.grammar = base.grammar
        self.terminals = frozenset(lexemes)
        self.trie = _Trie(lexemes)
        first_bytes: set[int] = set()
        for t in lexemes:
            first_bytes |= set(np.nonzero(dfas[t].trans[0] >= 0)[0].tolist())
        self.first_bytes = frozenset(first_bytes)
        self.engine = RestrictedEngine(self)

    @property
    def vocab_size(self) -> int:
        return self.base.vocab_size

    @property
    def mask_words(self) -> int:
        return self.base.mask_words

    def matcher(self) -> Any:
        """A fresh matcher at the start of the restricted grammar."""
        from .matcher import GrammarMatcher

        return GrammarMatcher(self.engine)


def _terminal_dfas(base: Any) -> list[Any]:
    from .lexer import terminal_dfas

    cached = getattr(base, "_terminal_dfas", None)
    if cached is None:
        _, cached = terminal_dfas(base.grammar.parser())
        base._terminal_dfas = cached
    return cached


class RestrictedEngine:
    """The engine interface of :class:`~.engine.Engine` for a restricted grammar."""

    def __init__(self, restricted: RestrictedGrammar) -> None:
        base: Engine = restricted.base.engine
        self.base = base
        self.compiled = restricted
        self.trie = restricted.trie
        self.n_tokens = base.n_tokens
        self.words = base.words
        self.eos_ids = base.eos_ids
        self.rmask = sum(1 << t for t in restricted.terminals)
        (
            self.touch_ids,
            self.touch,
            self.first_touch,
            self._sorted_bytes,
            self._sorted_ids,
            self._token_ids,
        ) = _vocab_tables(base, restricted.first_bytes)
        self.keep_bits = ~pack(self.touch_ids, self.n_tokens)
        self.hopeless = _hopeless_tokens(base, restricted, self.touch_ids)
        self.memo = DecisionMemo(base.bottom)
        self._initial: Mask | None = None

    # ------------------------------------------------------------------ exact walk

    def _eff(self, q: int, node: int) -> int:
        """Terminals the open lexeme at ``q`` (text at trie ``node``) can still become."""
        r = self.base.reach[q]
        keep = r & ~self.rmask
        if node >= 0:
            keep |= r & self.trie.below[node]
        return keep

    def _viable(self, reader: Reader, view: Any, q: int, node: int) -> bool:
        r = self._eff(q, node)
        if not r:
            return False
        s = reader.top(view)
        if r & self.base.safe_int[s]:
            return True
        r &= ~self.base.safe_int[s]
        feed = self.base.shifter.feed
        while r:
            low = r & -r
            if feed(reader, view, low.bit_length() - 1) is not None:
                return True
            r ^= low
        return False

    def _walk(self, reader: Reader, hyps: list[RHyp], data: bytes) -> list[RHyp]:
        """Restricted hypotheses after ``data`` (lexemes followed in the trie)."""
        base = self.base
        rows, lab, ign = base.rows, base.lab, base.ign
        kids, acc = self.trie.kids, self.trie.acc
        rmask = self.rmask
        for b in data:
            new: list[RHyp] = []
            for view, q, cons, node in hyps:
                if cons:
                    kept = []
                    dead = False
                    for f in cons:
                        g = rows[f][b]
                        if g >= 0:
                            if lab[g] >= 0:
                                dead = True
                                break
                            kept.append(g)
                    if dead:
                        continue
                    cons2 = tuple(kept)
                else:
                    cons2 = ()
                nx = rows[q][b]
                if nx >= 0:
                    nnode = kids[node].get(b, -1) if node >= 0 else -1
                    if self._eff(nx, nnode):
                        new.append((view, nx, cons2, nnode))
                term = lab[q]
                if term < 0 or (nx >= 0 and lab[nx] >= 0):
                    continue
                if (rmask >> term) & 1 and (node < 0 or not (acc[node] >> term) & 1):
                    continue  # a restricted terminal with a lexeme not allowed
                if ign[q]:
                    view2 = view
                    start = base.ctx_start[base.state_ctx[q]]
                else:
                    view2 = base.shifter.feed(reader, view, term)
                    if view2 is None:
                        continue
                    start = base.start_of_lr[reader.top(view2)]
                n0 = rows[start][b]
                if n0 >= 0:
                    node0 = kids[0].get(b, -1)
                    if self._eff(n0, node0):
                        new.append((view2, n0, cons2 + (nx,) if nx >= 0 else cons2, node0))
            if len(new) > 1:
                new = list(dict.fromkeys(new))
            hyps = new
            if not hyps:
                break
        return hyps

    def _token_ok(self, reader: Reader, hyp: RHyp, data: bytes) -> bool:
        return any(self._viable(reader, v, q, n) for v, q, _c, n in self._walk(reader, [hyp], data))

    # ------------------------------------------------------------------ masks

    def _free(self, q: int) -> bool:
        """Whether the lexeme at ``q`` cannot (yet) be a restricted terminal."""
        return not (self.base.reach[q] & self.rmask) or q in self.base.is_start

    def _key(self, q: int, node: int) -> int:
        return q * (len(self.trie.kids) + 1) + node + 1

    def _mask(self, stack: Any, q: int, node: int) -> tuple[Mask, list[int]]:
        """The mask of ``(stack, q, (), node)`` and the stack depths it depends on."""
        key = self._key(q, -1 if self._free(q) else node)
        mask, reads = self.memo.get(key, stack)
        if mask is not None:
            return mask, reads
        reader = Reader(stack, self.base.bottom)
        if self._free(q):
            mask = self._free_mask(stack, q, reader)
        elif not self.base.reach[q] & ~self.rmask:
            mask = self._literal_mask(stack, reader, q, node)
        else:
            mask = self._recheck(stack, q, node, reader, None)
        self.memo.put(key, reader, mask)
        return mask, reader.order

    def _free_mask(self, stack: Any, q: int, reader: Reader) -> Mask:
        """Base mask, with the tokens that may start a restricted lexeme checked again."""
        base_mask, reads = self.base.lookup(stack, q)
        for i in reads:
            reader.get(i)
        bits = base_mask.bits & self.keep_bits
        hyp = (_VIEW0, q, (), -1 if not self.base.reach[q] & self.rmask else 0)
        cand = self.touch_ids[_bit_test(base_mask.bits, self.touch_ids) & ~self.hopeless]
        tokens = self.base.tokens
        for tok in cand.tolist():
            if self._token_ok(reader, hyp, tokens[tok]):  # type: ignore[arg-type]
                bits[tok >> 5] |= np.uint32(1 << (tok & 31))
        if base_mask.eos:
            bits |= self.base.eos_bits
        return Mask(bits, base_mask.eos)

    def _recheck(self, stack: Any, q: int, node: int, reader: Reader, ids: Any) -> Mask:
        """Every token the base allows, walked exactly (mixed lexemes; rare)."""
        base_mask, reads = self.base.lookup(stack, q)
        for i in reads:
            reader.get(i)
        allowed = np.nonzero(
            np.unpackbits(base_mask.bits.view(np.uint8), bitorder="little")[: self.n_tokens]
        )[0]
        bits = np.zeros(self.words, dtype=np.uint32)
        hyp = (_VIEW0, q, (), node)
        for tok in allowed.tolist():
            data = self.base.tokens[tok]
            if data and self._token_ok(reader, hyp, data):
                bits[tok >> 5] |= np.uint32(1 << (tok & 31))
        eos = self._can_end_one(reader, q, node)
        if eos:
            bits |= self.base.eos_bits
        return Mask(bits, eos)

    def _literal_mask(self, stack: Any, reader: Reader, q: int, node: int) -> Mask:
        """Inside a lexeme that can only be a restricted terminal: walk the lexeme trie
        from ``node``; tokens reaching past a complete lexeme are walked exactly."""
        base = self.base
        rows, lab = base.rows, base.lab
        kids, acc = self.trie.kids, self.trie.acc
        allowed: list[int] = []
        exact: set[int] = set()
        todo = [(node, q, b"")]
        while todo:
            n, s, text = todo.pop()
            if text:
                tok = self._token_ids.get(text)
                if tok is not None and self._viable(reader, _VIEW0, s, n):
                    allowed.append(tok)
                term = lab[s]
                if term >= 0 and (acc[n] >> term) & 1:
                    # the lexeme may end here: tokens going on need the parser
                    lo = bisect.bisect_right(self._sorted_bytes, text)
                    while lo < len(self._sorted_bytes) and self._sorted_bytes[lo].startswith(text):
                        exact.add(self._sorted_ids[lo])
                        lo += 1
            for b, child in kids[n].items():
                nx = rows[s][b]
                if nx >= 0 and self._eff(nx, child):
                    todo.append((child, nx, text + bytes([b])))
        hyp = (_VIEW0, q, (), node)
        for tok in exact:
            if self._token_ok(reader, hyp, base.tokens[tok]):  # type: ignore[arg-type]
                allowed.append(tok)
        bits = pack(np.array(allowed, dtype=np.int64), self.n_tokens)
        eos = False
        term = lab[q]
        if term >= 0 and (acc[node] >> term) & 1:
            # The lexeme may end before the next token: the next lexeme's mask, less the
            # tokens that would make this one longer.
            view2 = _VIEW0 if base.ign[q] else base.shifter.feed(reader, _VIEW0, term)
            if view2 is not None:
                stack2 = materialise(stack, view2)
                sub, reads = self._mask(stack2, base.start_of_lr[stack2[0]], 0)
                Engine._note(reader, reads, view2)
                bits |= sub.bits & base.fok[q]
                eos = sub.eos
        return Mask(bits, eos)

    def _can_end_one(self, reader: Reader, q: int, node: int) -> bool:
        base = self.base
        term = base.lab[q]
        if term >= 0:
            if (self.rmask >> term) & 1 and (node < 0 or not (self.trie.acc[node] >> term) & 1):
                return False
            view = _VIEW0 if base.ign[q] else base.shifter.feed(reader, _VIEW0, term)
            return view is not None and base.shifter.accepts_end(reader, view)
        return q in base.is_start and base.shifter.accepts_end(reader, _VIEW0)

    def mask_of(self, hyps: Iterable[RHyp]) -> Mask:
        out: Mask | None = None
        for stack, q, cons, node in hyps:
            m, _ = self._mask(stack, q, node)
            if cons:
                bits = m.bits.copy()
                for f in cons:
                    bits &= self.base.fok[f]
                m = Mask(bits, m.eos)
            out = m if out is None else Mask(out.bits | m.bits, out.eos or m.eos)
        if out is None:
            return Mask(np.zeros(self.words, dtype=np.uint32), False)
        if self.base.empty_bits is not None and out.live:
            out = Mask(out.bits | self.base.empty_bits, out.eos)
        return out

    def initial_mask(self) -> Mask:
        if self._initial is None:
            base = self.base
            bm = base.initial_mask()
            (stack, q, cons, node) = self.initial_hyps()[0]
            reader = Reader(stack, base.bottom)
            touch = np.array(sorted(self.first_touch), dtype=np.int64)
            bits = bm.bits & ~pack(touch, self.n_tokens)
            for tok in touch[_bit_test(bm.bits, touch)].tolist():
                if self._token_ok(reader, (_VIEW0, q, cons, node), base.first[tok]):  # type: ignore[arg-type]
                    bits[tok >> 5] |= np.uint32(1 << (tok & 31))
            if bm.eos:
                bits |= base.eos_bits
            self._initial = Mask(bits, bm.eos)
        return self._initial

    # ------------------------------------------------------------------ transitions

    def root(self) -> Any:
        from .matcher import State

        return State(self.initial_hyps(), None, first=True)

    def spell(self, ids: Iterable[int]) -> str:
        return self.base.spell(ids)

    def initial_hyps(self) -> tuple[RHyp, ...]:
        ((stack, q, cons),) = self.base.initial_hyps()
        return ((stack, q, cons, 0),)

    def advance(self, hyps: Iterable[RHyp], token: int, first: bool = False) -> tuple:
        base = self.base
        data = (base.first if first else base.tokens)[token]
        if data is None:
            return ()
        touch = self.first_touch if first else self.touch
        out: list[RHyp] = []
        for stack, q, cons, node in hyps:
            if token not in touch and self._free(q):
                out.extend((s2, q2, c2, -1) for s2, q2, c2 in base.advance(
                    [(stack, q, cons)], token, first))  # fmt: skip
                continue
            reader = Reader(stack, base.bottom)
            for view, q2, cons2, node2 in self._walk(reader, [(_VIEW0, q, cons, node)], data):
                if self._viable(reader, view, q2, node2):
                    out.append((materialise(stack, view), q2, cons2, node2))
        if len(out) > 1:
            out = list(dict.fromkeys(out))
        return tuple(out)


def _vocab_tables(base: Engine, first_bytes: frozenset[int]) -> tuple:
    """Per vocabulary (cached on the base engine): the tokens holding a byte of
    ``first_bytes`` (by id array and set, and in first position), and the tokens in
    byte order with a bytes -> id map."""
    cache = base.__dict__.setdefault("_restrict_tables", {})
    if "sorted" not in cache:
        order = sorted((t, i) for i, t in enumerate(base.tokens) if t)
        cache["sorted"] = ([t for t, _ in order], [i for _, i in order], dict(order))
    touch = cache.get(first_bytes)
    if touch is None:
        pattern = re.compile(b"[" + b"".join(re.escape(bytes([b])) for b in first_bytes) + b"]")
        ids = [i for i, t in enumerate(base.tokens) if t and pattern.search(t)]
        first = {i for i, t in enumerate(base.first) if t and pattern.search(t)}
        touch = cache[first_bytes] = (np.array(ids, dtype=np.int64), set(ids), first)
    return (*touch, *cache["sorted"])


def _exclusive_bytes(base: Engine, restricted: RestrictedGrammar) -> frozenset[int]:
    """Bytes a restricted lexeme can start with that no other terminal ever contains
    (SQL's quotes): wherever such a byte lies, it is inside a restricted lexeme. Cached on
    the base engine per set of restricted terminals (every input restricts the same ones)."""
    cache = base.__dict__.setdefault("_exclusive_bytes", {})
    key = (restricted.terminals, restricted.first_bytes)
    got = cache.get(key)
    if got is None:
        used = np.zeros(256, dtype=bool)
        for t, dfa in enumerate(_terminal_dfas(restricted.base)):
            if t not in restricted.terminals:
                used |= (dfa.trans >= 0).any(axis=0)
        got = cache[key] = frozenset(b for b in restricted.first_bytes if not used[b])
    return got


def _hopeless_tokens(base: Engine, restricted: RestrictedGrammar, touch_ids: np.ndarray) -> Any:
    """For each of ``touch_ids``: whether it can be allowed in no context where the open
    lexeme is no restricted one (the contexts of ``_free_mask``), told without the parser.

    Such a token's first byte that may start a restricted lexeme lies at some offset ``i``,
    and no restricted lexeme starts before ``i`` (none of the earlier bytes can start one).
    When that byte belongs to no other terminal, a restricted lexeme starts exactly at
    ``i``, so the bytes from ``i`` on must follow the trie of allowed lexemes, up to the
    token's end or at least to a complete lexeme; a token whose walk dies before either is
    never allowed there. With a hundred spelled values in the vocabulary (``' "texas"'``),
    this drops most of them from the exact walk at once. Other tokens: False (walk them).
    """
    out = np.zeros(len(touch_ids), dtype=bool)
    exclusive = _exclusive_bytes(base, restricted)
    if not exclusive:
        return out
    first = restricted.first_bytes
    kids, acc = restricted.trie.kids, restricted.trie.acc
    tokens = base.tokens
    for k, tok in enumerate(touch_ids.tolist()):
        data = tokens[tok]
        i = next(j for j, b in enumerate(data) if b in first)
        if data[i] not in exclusive:
            continue
        node, ok = 0, False
        for b in data[i:]:
            node = kids[node].get(b, -1)
            if node < 0:
                break
            if acc[node]:
                ok = True  # a lexeme may end here; what follows needs the exact walk
                break
        else:
            ok = True  # the lexeme runs on past the token
        out[k] = not ok
    return out


def _bit_test(bits: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` have their bit set in ``bits``."""
    if not len(ids):
        return np.zeros(0, dtype=bool)
    return ((bits[ids >> 5] >> (ids & 31).astype(np.uint32)) & 1).astype(bool)


def quoted(values: Iterable[str], quotes: Sequence[str] = ("'", '"')) -> list[str]:
    """SQL-style string lexemes for ``values``: each value in each quote, with the quote
    and backslash escaped by a backslash (the ``STRING`` of ``grammars/sql.lark``)."""
    out: list[str] = []
    for v in values:
        for q in quotes:
            out.append(q + v.replace("\\", "\\\\").replace(q, "\\" + q) + q)
    return out


def instruction_spans(instruction: str, max_words: int = 6, lower: bool = True) -> list[str]:
    """Every run of up to ``max_words`` consecutive words of ``instruction``.

    Example:
        >>> instruction_spans("cities in new york", 2)
        ['cities', 'cities in', 'in', 'in new', 'new', 'new york', 'york']
    """
    words = re.findall(r"[\w'.-]+", instruction.lower() if lower else instruction)
    spans = []
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + max_words) + 1):
            spans.append(" ".join(words[i:j]))
    return list(dict.fromkeys(spans))
