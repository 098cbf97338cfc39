"""Python regular expressions, as Lark emits them, compiled to minimal byte-level DFAs.

Lark lexes with Python's ``re``; the decoder must agree with it byte for byte, so the
pattern is parsed with Python's own regex parser and every single-character item (a
literal, a class, ``.``, ``\\w``...) gets its exact set of code points from ``re`` itself,
matched against a string holding every code point (case folding, ``\\w`` and friends are
then exactly Python's). Code points become UTF-8 byte ranges, so the automaton reads bytes,
which is what byte-level tokens contribute (a token may end inside a character).

Greedy repetition is treated as longest match, which is what Python's backtracking gives
for the patterns of portable grammars (STYLE 6). Lazy or possessive repeats, anchors,
lookarounds and back-references are not regular-with-longest-match and are refused.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

try:  # Python >= 3.11
    from re import _constants as _sc
    from re import _parser as _sp
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sc  # type: ignore[no-redef]
    import sre_parse as _sp  # type: ignore[no-redef]

_MAX_REPEAT_EXPANSION = 256
_FLAG_MASK = re.IGNORECASE | re.DOTALL | re.ASCII | re.UNICODE
_SURROGATES = (0xD800, 0xDFFF)

_CATEGORY_SRC = {
    _sc.CATEGORY_DIGIT: r"\d",
    _sc.CATEGORY_NOT_DIGIT: r"\D",
    _sc.CATEGORY_SPACE: r"\s",
    _sc.CATEGORY_NOT_SPACE: r"\S",
    _sc.CATEGORY_WORD: r"\w",
    _sc.CATEGORY_NOT_WORD: r"\W",
}


class UnsupportedRegexError(ValueError):
    """A construct with no finite-automaton, longest-match meaning (lookaround, lazy...)."""


@dataclass(frozen=True)
class ByteDFA:
    """A trimmed, minimal DFA over bytes; state 0 is the start state.

    Attributes:
        trans: ``(n, 256)`` int32 transitions, ``-1`` for the dead state. Every live
            state can still reach an accepting state (trimmed), so "alive" means "a
            prefix of some match".
        accept: ``(n,)`` bool, whether the bytes read so far are a complete match.
    """

    trans: np.ndarray
    accept: np.ndarray

    @property
    def size(self) -> int:
        return int(self.trans.shape[0])

    def matches(self, data: bytes) -> bool:
        """Whether ``data`` is a complete match (for tests and checks)."""
        s = 0
        for b in data:
            s = int(self.trans[s, b])
            if s < 0:
                return False
        return bool(self.accept[s])


# ---------------------------------------------------------------- code point sets


@functools.cache
def _all_chars() -> str:
    """Every Unicode scalar value in order (surrogates cannot be UTF-8 encoded)."""
    lo, hi = _SURROGATES
    return "".join(map(chr, range(lo))) + "".join(map(chr, range(hi + 1, 0x110000)))


def _index_to_cp(i: int) -> int:
    return i if i < _SURROGATES[0] else i + (_SURROGATES[1] - _SURROGATES[0] + 1)


@functools.lru_cache(maxsize=8192)
def _charset(src: str, flags: int) -> tuple[tuple[int, int], ...]:
    """Code point ranges matched by the one-character regex ``src`` under ``flags``."""
    pattern = re.compile(f"(?:{src})+", flags)
    out: list[tuple[int, int]] = []
    gap = _SURROGATES[0]
    for m in pattern.finditer(_all_chars()):
        a, b = m.start(), m.end() - 1
        if a < gap <= b:
            out.append((a, gap - 1))
            out.append((_SURROGATES[1] + 1, _index_to_cp(b)))
        else:
            out.append((_index_to_cp(a), _index_to_cp(b)))
    return tuple(out)


def _esc(cp: int) -> str:
    return f"\\U{cp:08x}"


def _item_ranges(op: object, av: object, flags: int) -> tuple[tuple[int, int], ...]:
    """Code points matched by one single-character item of a parsed pattern."""
    if op is _sc.LITERAL and not flags & re.IGNORECASE:
        return ((av, av),)  # type: ignore[return-value]
    if op is _sc.LITERAL:
        src = _esc(av)  # type: ignore[arg-type]
    elif op is _sc.NOT_LITERAL:
        src = "[^" + _esc(av) + "]"  # type: ignore[arg-type]
    elif op is _sc.ANY:
        src = "."
    elif op is _sc.IN:
        parts = []
        for iop, iav in av:  # type: ignore[attr-defined]
            if iop is _sc.NEGATE:
                parts.insert(0, "^")
            elif iop is _sc.LITERAL:
                parts.append(_esc(iav))
            elif iop is _sc.RANGE:
                parts.append(_esc(iav[0]) + "-" + _esc(iav[1]))
            elif iop is _sc.CATEGORY and iav in _CATEGORY_SRC:
                parts.append(_CATEGORY_SRC[iav])
            else:
                raise UnsupportedRegexError(f"character class item {iop} {iav}")
        src = "[" + "".join(parts) + "]"
    else:  # pragma: no cover - guarded by the caller
        raise UnsupportedRegexError(str(op))
    return _charset(src, flags & _FLAG_MASK)


# ---------------------------------------------------------------- UTF-8 byte sequences


def utf8_sequences(lo: int, hi: int) -> list[list[tuple[int, int]]]:
    """Split code points ``lo..hi`` into byte-range sequences whose products are exactly
    their UTF-8 encodings (the classic range-splitting of regex engines)."""
    if lo > hi:
        return []
    for limit in (0x7F, 0x7FF, 0xFFFF):
        if lo <= limit < hi:
            return utf8_sequences(lo, limit) + utf8_sequences(limit + 1, hi)
    if hi <= 0x7F:
        return [[(lo, hi)]]
    n = len(chr(lo).encode("utf-8"))
    for i in range(1, n):
        mask = (1 << (6 * i)) - 1
        if lo & ~mask != hi & ~mask:
            if lo & mask:
                return utf8_sequences(lo, lo | mask) + utf8_sequences((lo | mask) + 1, hi)
            if hi & mask != mask:
                return utf8_sequences(lo, (hi & ~mask) - 1) + utf8_sequences(hi & ~mask, hi)
    a, b = chr(lo).encode("utf-8"), chr(hi).encode("utf-8")
    return [list(zip(a, b, strict=True))]


def _without_surrogates(ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    out = []
    slo, shi = _SURROGATES
    for a, b in ranges:
        if b < slo or a > shi:
            out.append((a, b))
            continue
        if a < slo:
            out.append((a, slo - 1))
        if b > shi:
            out.append((shi + 1, b))
    return out


# ---------------------------------------------------------------- Thompson NFA


class _NFA:
    """An NFA over bytes: per state, epsilon targets and (lo, hi, target) byte edges."""

    def __init__(self) -> None:
        self.eps: list[list[int]] = []
        self.edges: list[list[tuple[int, int, int]]] = []

    def new(self) -> int:
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def chars(self, ranges: tuple[tuple[int, int], ...]) -> tuple[int, int]:
        start, end = self.new(), self.new()
        for a, b in _without_surrogates(ranges):
            for seq in utf8_sequences(a, b):
                cur = start
                for k, (blo, bhi) in enumerate(seq):
                    nxt = end if k == len(seq) - 1 else self.new()
                    self.edges[cur].append((blo, bhi, nxt))
                    cur = nxt
        return start, end

    def sequence(self, items: list, flags: int) -> tuple[int, int]:
        start = cur = self.new()
        for op, av in items:
            a, b = self.item(op, av, flags)
            self.eps[cur].append(a)
            cur = b
        return start, cur

    def item(self, op: object, av: object, flags: int) -> tuple[int, int]:
        if op in (_sc.LITERAL, _sc.NOT_LITERAL, _sc.ANY, _sc.IN):
            return self.chars(_item_ranges(op, av, flags))
        if op is _sc.SUBPATTERN:
            _group, add, delete, sub = av  # type: ignore[misc]
            return self.sequence(list(sub), (flags | add) & ~delete)
        if op is _sc.BRANCH:
            start, end = self.new(), self.new()
            for alt in av[1]:  # type: ignore[index]
                a, b = self.sequence(list(alt), flags)
                self.eps[start].append(a)
                self.eps[b].append(end)
            return start, end
        if op is _sc.MAX_REPEAT:
            lo, hi, sub = av  # type: ignore[misc]
            return self.repeat(lo, hi, list(sub), flags)
        raise UnsupportedRegexError(
            f"{str(op).lower()} has no longest-match automaton (portable Lark only)"
        )

    def repeat(self, lo: int, hi: int, sub: list, flags: int) -> tuple[int, int]:
        unbounded = hi is _sc.MAXREPEAT or hi == _sc.MAXREPEAT
        if lo > _MAX_REPEAT_EXPANSION or (not unbounded and hi > _MAX_REPEAT_EXPANSION):
            raise UnsupportedRegexError(f"repeat count {{{lo},{hi}}} is too large")
        start = cur = self.new()
        for _ in range(lo):
            a, b = self.sequence(sub, flags)
            self.eps[cur].append(a)
            cur = b
        if unbounded:
            a, b = self.sequence(sub, flags)
            self.eps[cur].append(a)
            self.eps[b].append(a)
            end = self.new()
            self.eps[cur].append(end)
            self.eps[b].append(end)
            return start, end
        end = self.new()
        self.eps[cur].append(end)
        for _ in range(hi - lo):
            a, b = self.sequence(sub, flags)
            self.eps[cur].append(a)
            self.eps[b].append(end)
            cur = b
        return start, end


def _closure(nfa: _NFA, states: set[int]) -> frozenset[int]:
    stack = list(states)
    seen = set(states)
    while stack:
        s = stack.pop()
        for t in nfa.eps[s]:
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return frozenset(seen)


def _determinise(nfa: _NFA, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    first = _closure(nfa, {start})
    index = {first: 0}
    order = [first]
    rows: list[list[int]] = []
    i = 0
    while i < len(order):
        cur = order[i]
        targets: list[set[int] | None] = [None] * 256
        for s in cur:
            for lo, hi, t in nfa.edges[s]:
                for b in range(lo, hi + 1):
                    slot = targets[b]
                    if slot is None:
                        targets[b] = {t}
                    else:
                        slot.add(t)
        row = [-1] * 256
        memo: dict[frozenset[int], int] = {}
        for b in range(256):
            tg = targets[b]
            if tg is None:
                continue
            key = frozenset(tg)
            j = memo.get(key)
            if j is None:
                clo = _closure(nfa, tg)
                j = index.get(clo)
                if j is None:
                    j = index[clo] = len(order)
                    order.append(clo)
                memo[key] = j
            row[b] = j
        rows.append(row)
        i += 1
    trans = np.array(rows, dtype=np.int32).reshape(-1, 256)
    accept = np.array([end in s for s in order], dtype=bool)
    return trans, accept


def _trim_and_minimise(trans: np.ndarray, accept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = trans.shape[0]
    # Co-accessible states: those from which an accepting state can be reached.
    useful = accept.copy()
    changed = True
    while changed:
        nxt = useful | np.array(
            [bool(np.any(useful[trans[s][trans[s] >= 0]])) for s in range(n)], dtype=bool
        )
        changed = bool((nxt != useful).any())
        useful = nxt
    if not useful[0]:
        raise UnsupportedRegexError("the pattern matches nothing")
    trans = np.where((trans >= 0) & useful[np.maximum(trans, 0)], trans, -1)
    # Moore partition refinement over the useful states reachable from 0.
    reach = np.zeros(n, dtype=bool)
    reach[0] = True
    stack = [0]
    while stack:
        s = stack.pop()
        for t in np.unique(trans[s]):
            if t >= 0 and not reach[t]:
                reach[t] = True
                stack.append(int(t))
    states = np.nonzero(reach)[0]
    cls = {int(s): int(accept[s]) for s in states}
    count = len(set(cls.values()))
    while True:
        sig: dict[tuple, int] = {}
        new = {}
        for s in states:
            row = trans[s]
            key = (cls[int(s)], tuple(cls[int(t)] if t >= 0 else -1 for t in row))
            new[int(s)] = sig.setdefault(key, len(sig))
        cls = new
        if len(sig) == count:
            break
        count = len(sig)
    # Renumber so that the start state is 0.
    remap = {cls[0]: 0}
    for s in states:
        remap.setdefault(cls[int(s)], len(remap))
    m = len(remap)
    out = np.full((m, 256), -1, dtype=np.int32)
    acc = np.zeros(m, dtype=bool)
    for s in states:
        c = remap[cls[int(s)]]
        row = trans[s]
        out[c] = [remap[cls[int(t)]] if t >= 0 else -1 for t in row]
        acc[c] = accept[s]
    return out, acc


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str, flags: int = 0) -> ByteDFA:
    """The minimal byte DFA of the Python regex ``pattern`` (full-match semantics).

    Raises:
        UnsupportedRegexError: for lookarounds, anchors, back-references, lazy or
            possessive repeats, or a pattern matching nothing.

    Example:
        >>> dfa = compile_regex("(?i:select)")
        >>> dfa.matches(b"SeLeCt"), dfa.matches(b"selec")
        (True, False)
    """
    parsed = _sp.parse(pattern, flags)
    nfa = _NFA()
    start, end = nfa.sequence(list(parsed), parsed.state.flags)
    trans, accept = _determinise(nfa, start, end)
    trans, accept = _trim_and_minimise(trans, accept)
    return ByteDFA(trans, accept)


def literal_trie_dfa(strings: list[bytes]) -> ByteDFA:
    """The DFA (a trie, already minimal enough for lookups) accepting exactly ``strings``."""
    rows: list[list[int]] = [[-1] * 256]
    accept = [False]
    for s in strings:
        cur = 0
        for b in s:
            nxt = rows[cur][b]
            if nxt < 0:
                nxt = rows[cur][b] = len(rows)
                rows.append([-1] * 256)
                accept.append(False)
            cur = nxt
        accept[cur] = True
    return ByteDFA(np.array(rows, dtype=np.int32).reshape(-1, 256), np.array(accept, dtype=bool))
