"""Lark's contextual lexer as one deterministic automaton over bytes.

Lark lexes with the parser's help: in each parser state only the terminals the table
expects there (its *context*) are tried, in a fixed order, and the first that matches wins
with its longest match; a string terminal that a regex terminal also matches is lexed by
the regex and retyped ("unless"). This module builds, per context, the product of the
terminals' byte DFAs with that rule built in: a state is the tuple of live terminal states,
and once a terminal has matched, terminals after it in Lark's order can never win and are
dropped. A state's *label* is the terminal Lark would emit if the lexeme ended there.

States of all contexts share one numbering; a state with no ignored terminal alive does
not depend on its context, so identifiers and keywords are shared across contexts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import lark
import numpy as np

from ..errors import GrammarError
from .lalr import END, LALRTables
from .regex_dfa import ByteDFA, UnsupportedRegexError, compile_regex


def lark_order_key(term: lark.lexer.TerminalDef) -> tuple:
    """Lark's order of trial within a context (``BasicLexer.__init__``)."""
    return (-term.priority, -term.pattern.max_width, -len(term.pattern.value), term.name)


@dataclass
class LexerTables:
    """The combined automaton of all contexts, as arrays.

    Attributes:
        names: terminal names by id (ids follow Lark's trial order).
        ignored: per terminal, whether it is ``%ignore``-d.
        byte_class: ``(256,)`` class of each byte; bytes in a class act alike everywhere.
        trans: ``(n_states, n_classes)`` next state, ``-1`` dead.
        label: per state, the terminal Lark emits if the lexeme ends here, ``-1`` if none.
        label_ignored: per state, whether that emission is ignored (skipped by the parser).
        state_ctx: per state, its context when an ignored terminal is alive in it (it may
            restart a lexeme in that context), else ``-1``.
        reach: ``(n_states, n_words)`` uint64 bitsets of the labels reachable from a state.
        ctx_start: per context, its start state.
        lr_ctx: per parser state, its context.
    """

    names: list[str]
    ignored: np.ndarray
    byte_class: np.ndarray
    trans: np.ndarray
    label: np.ndarray
    label_ignored: np.ndarray
    state_ctx: np.ndarray
    reach: np.ndarray
    ctx_start: np.ndarray
    lr_ctx: np.ndarray
    term_dfas: list[ByteDFA]

    @property
    def n_states(self) -> int:
        return int(self.trans.shape[0])

    def reach_int(self, q: int) -> int:
        """Labels reachable from ``q`` as a Python int bitset."""
        return int.from_bytes(self.reach[q].tobytes(), "little")

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "lx_names": np.array(self.names),
            "lx_ignored": self.ignored,
            "lx_byte_class": self.byte_class,
            "lx_trans": self.trans,
            "lx_label": self.label,
            "lx_label_ignored": self.label_ignored,
            "lx_state_ctx": self.state_ctx,
            "lx_reach": self.reach,
            "lx_ctx_start": self.ctx_start,
            "lx_lr_ctx": self.lr_ctx,
        }

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray], term_dfas: list[ByteDFA]) -> LexerTables:
        return cls(
            [str(x) for x in a["lx_names"]],
            a["lx_ignored"],
            a["lx_byte_class"],
            a["lx_trans"],
            a["lx_label"],
            a["lx_label_ignored"],
            a["lx_state_ctx"],
            a["lx_reach"],
            a["lx_ctx_start"],
            a["lx_lr_ctx"],
            term_dfas,
        )


@dataclass(frozen=True)
class GrammarAnalysis:
    """Lexer automaton, LALR tables and terminal metadata of one grammar."""

    lexer: LexerTables
    lalr: LALRTables
    safe: np.ndarray  # (n_lr_states + 1, n_terms) bool: terminal surely shiftable there


def terminal_dfas(parser: lark.Lark) -> tuple[list[lark.lexer.TerminalDef], list[ByteDFA]]:
    """The grammar's terminals in Lark's order, each with its byte DFA."""
    terms = sorted(parser.terminals, key=lark_order_key)
    dfas = []
    for t in terms:
        try:
            dfas.append(compile_regex(t.pattern.to_regexp(), 0))
        except (UnsupportedRegexError, re.error) as exc:
            raise GrammarError(f"terminal {t.name}: {exc}") from None
    return terms, dfas


def _unless(
    terms: list[lark.lexer.TerminalDef],
) -> tuple[dict[int, list[int]], set[tuple[int, int]]]:
    """Lark's ``_create_unless``: strings a regex terminal also matches are retyped from it.

    Returns the retype list of each regex terminal (string ids in order) and the (regex,
    string) pairs where the string is embedded: in a context holding both, the string is
    removed from the scanner and lexed only through the regex.
    """
    unless: dict[int, list[int]] = {}
    embedded: set[tuple[int, int]] = set()
    for ri, r in enumerate(terms):
        if not isinstance(r.pattern, lark.lexer.PatternRE):
            continue
        for si, s in enumerate(terms):
            if not isinstance(s.pattern, lark.lexer.PatternStr) or s.priority != r.priority:
                continue
            m = re.match(r.pattern.to_regexp(), s.pattern.value)
            if m and m.group(0) == s.pattern.value:
                unless.setdefault(ri, []).append(si)
                if s.pattern.flags <= r.pattern.flags:
                    embedded.add((ri, si))
    return unless, embedded


def build_lexer(parser: lark.Lark, lalr: LALRTables, term_ids: Mapping[str, int]) -> LexerTables:
    """Build the combined automaton for every context of ``parser``'s LALR table."""
    terms, dfas = terminal_dfas(parser)
    n_terms = len(terms)
    ignore = {term_ids[name] for name in parser.ignore_tokens}
    unless_all, embedded_all = _unless(terms)

    # Byte classes: bytes every terminal DFA treats alike.
    stacked = np.concatenate([d.trans for d in dfas], axis=0)
    _, byte_class = np.unique(stacked, axis=1, return_inverse=True)
    byte_class = byte_class.reshape(-1).astype(np.int32)
    n_cls = int(byte_class.max()) + 1
    reps = [int(np.nonzero(byte_class == c)[0][0]) for c in range(n_cls)]
    cls_trans = [d.trans[:, reps].tolist() for d in dfas]
    accepts = [d.accept.tolist() for d in dfas]

    # Contexts: the terminal set of each parser state, as Lark's ContextualLexer forms it.
    ctx_index: dict[frozenset[int], int] = {}
    lr_ctx = []
    for s in range(len(lalr.action) - 1):
        acc = frozenset(t for t in lalr.action[s] if t != lalr.end_term) | frozenset(ignore)
        lr_ctx.append(ctx_index.setdefault(acc, len(ctx_index)))
    lr_ctx.append(lr_ctx[lalr.start_state])  # the bottom sentinel is never lexed in
    contexts = sorted(ctx_index, key=ctx_index.get)

    # State interning. A state is a tuple (code, dfa_state, ...) sorted by code, where
    # code = 2 * terminal + (1 for a retype tag, 0 for a scanner component).
    index: dict[tuple, int] = {}
    rows: list[list[int]] = []
    labels: list[int] = []
    label_ign: list[bool] = []
    state_ctx: list[int] = []
    owners: dict[int, set[int]] = {}
    for r, ss in unless_all.items():
        for s in ss:
            owners.setdefault(s, set()).add(r)
    queue: list[tuple[tuple, int, int]] = []

    def resolve(pairs: tuple) -> tuple[tuple, int, bool]:
        """Prune by Lark's order and find the label of a raw tuple."""
        win = -1
        for k in range(0, len(pairs), 2):
            code = pairs[k]
            if not code & 1 and accepts[code >> 1][pairs[k + 1]]:
                win = code >> 1
                break
        if win < 0:
            return pairs, -1, False
        alive_scan = {pairs[k] >> 1 for k in range(0, len(pairs), 2) if not pairs[k] & 1}
        alive_scan = {t for t in alive_scan if t <= win}
        kept: list[int] = []
        for k in range(0, len(pairs), 2):
            code, st = pairs[k], pairs[k + 1]
            t = code >> 1
            if code & 1:
                if owners.get(t, set()) & alive_scan:
                    kept += [code, st]
            elif t <= win:
                kept += [code, st]
        label = win
        tags = {pairs[k] >> 1: pairs[k + 1] for k in range(0, len(pairs), 2) if pairs[k] & 1}
        for s in unless_all.get(win, ()):
            st = tags.get(s)
            if st is not None and accepts[s][st]:
                label = s
                break
        return tuple(kept), label, win in ignore

    def intern(pairs: tuple, ctx: int) -> int:
        pruned, label, ign = resolve(pairs)
        has_ign = any(
            not pruned[k] & 1 and (pruned[k] >> 1) in ignore for k in range(0, len(pruned), 2)
        )
        key = (ctx if has_ign else -1, pruned)
        q = index.get(key)
        if q is None:
            q = index[key] = len(rows)
            rows.append([-1] * n_cls)
            labels.append(label)
            label_ign.append(ign)
            state_ctx.append(key[0])
            queue.append((pruned, q, key[0]))
        return q

    ctx_start = []
    for ci, ctx in enumerate(contexts):
        gone = {s for r, s in embedded_all if r in ctx and s in ctx}
        scan = sorted(t for t in ctx if t not in gone)
        tags = sorted(s for s in ctx if any(r in ctx and r in scan for r in owners.get(s, ())))
        codes = sorted([2 * t for t in scan] + [2 * s + 1 for s in tags])
        pairs: list[int] = []
        for code in codes:
            pairs += [code, 0]
        ctx_start.append(intern(tuple(pairs), ci))

    while queue:
        pairs, q, ctx = queue.pop()
        row = rows[q]
        for c in range(n_cls):
            nxt: list[int] = []
            for k in range(0, len(pairs), 2):
                code = pairs[k]
                st = cls_trans[code >> 1][pairs[k + 1]][c]
                if st >= 0:
                    nxt += [code, st]
            if any(not nxt[k] & 1 for k in range(0, len(nxt), 2)):
                row[c] = intern(tuple(nxt), ctx)

    n = len(rows)
    trans = np.array(rows, dtype=np.int32).reshape(n, n_cls)
    label = np.array(labels, dtype=np.int32)
    # Reachable labels, by fixed point over the transition graph.
    reach = [0] * n
    for q in range(n):
        if labels[q] >= 0:
            reach[q] = 1 << labels[q]
    succ = [sorted({t for t in r if t >= 0}) for r in rows]
    changed = True
    while changed:
        changed = False
        for q in range(n - 1, -1, -1):
            acc = reach[q]
            for t in succ[q]:
                acc |= reach[t]
            if acc != reach[q]:
                reach[q] = acc
                changed = True
    n_words = (n_terms + 63) // 64
    reach_arr = np.zeros((n, n_words), dtype=np.uint64)
    for q in range(n):
        reach_arr[q] = np.frombuffer(reach[q].to_bytes(8 * n_words, "little"), dtype=np.uint64)
    ign_arr = np.zeros(n_terms, dtype=bool)
    ign_arr[list(ignore)] = True
    return LexerTables(
        [t.name for t in terms],
        ign_arr,
        byte_class,
        trans,
        label,
        np.array(label_ign, dtype=bool),
        np.array(state_ctx, dtype=np.int32),
        reach_arr,
        np.array(ctx_start, dtype=np.int32),
        np.array(lr_ctx, dtype=np.int32),
        dfas,
    )


def analyse(parser: lark.Lark, start: str = "start") -> GrammarAnalysis:
    """Lexer automaton, LALR tables and shiftability of ``parser`` (a Lark LALR parser)."""
    terms = sorted(parser.terminals, key=lark_order_key)
    term_ids = {t.name: i for i, t in enumerate(terms)}
    if END in term_ids:  # pragma: no cover - lark reserves the name
        raise GrammarError("a terminal may not be called $END")
    lalr = LALRTables.from_lark(parser, term_ids, start)
    lexer = build_lexer(parser, lalr, term_ids)
    safe = _safe_matrix(lalr)
    return GrammarAnalysis(lexer, lalr, safe)


def _safe_matrix(lalr: LALRTables) -> np.ndarray:
    """``(n_lr_states + 1, n_terms)``: the terminal is shiftable whatever lies below."""
    states = lalr.safe_terms()
    out = np.zeros((len(lalr.action), lalr.n_terms), dtype=bool)
    for s, t in states:
        out[s, t] = True
    return out
