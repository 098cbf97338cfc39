"""The run-time engine: hypotheses, exact token walks and memoised masks.

A *hypothesis* is ``(stack, q, F)``: Lark's parser stack (a persistent linked stack, see
:mod:`.lalr`), the lexer state ``q`` reached by the bytes of the current lexeme, and ``F``,
states of lexemes already ended whose longer match must never appear (Lark takes the
longest match, so ending ``count`` before ``x`` is only right if ``countx`` is not a
terminal). The lexeme at ``q`` is left open: whether it ends where the token ended is
decided by the next token. Usually there is one hypothesis; a token such as ``1E`` can
leave two (a number ``1E5`` still coming, or ``1`` then ``EXCEPT``).

The mask of a hypothesis is: the groups of ``q`` whose terminals the parser can shift
(one parser question per group), the boundary tokens of ``q`` walked exactly, and, when
the lexeme may end at ``q``, the mask at the start of the next lexeme (after feeding the
terminal), restricted to tokens that do not extend the ended lexeme (``Fok``). Masks are
memoised by ``q`` and by the parser states they actually read, top down: a decision tree
on the stack, so a mask is reused by every stack that agrees where it was looked at, and
the work per step does not grow with the length of the output.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .precompute import TokenMatrix, _Walker, pack

Stack = Any  # (state, parent) | None
View = tuple  # (depth into the original stack, pushed states as a linked tuple | None)
Hyp = tuple  # (stack, lexer state, constraint states)


class Mask:
    """An allowed-token bitmask (uint32 words; EOS bits set when the input may end)."""

    __slots__ = ("bits", "eos", "live")

    def __init__(self, bits: np.ndarray, eos: bool) -> None:
        self.bits = bits
        self.eos = eos
        self.live = bool(bits.any())

    def allows(self, token: int) -> bool:
        return bool((int(self.bits[token >> 5]) >> (token & 31)) & 1)


class _Reader:
    """Reads a persistent stack top down and remembers the deepest state it looked at."""

    __slots__ = ("node", "orig", "maxread", "bottom")

    def __init__(self, stack: Stack, bottom: int) -> None:
        self.node = stack
        self.orig: list[int] = []
        self.maxread = -1
        self.bottom = bottom

    def get(self, d: int) -> int:
        if d > self.maxread:
            self.maxread = d
        orig = self.orig
        while len(orig) <= d:
            n = self.node
            if n is None:
                orig.append(self.bottom)
            else:
                orig.append(n[0])
                self.node = n[1]
        return orig[d]

    def note(self, d: int) -> None:
        if d > self.maxread:
            self.get(d)


def materialise(stack: Stack, view: View) -> Stack:
    """The persistent stack a view describes (pops ``d`` states, pushes its own)."""
    d, pushed = view
    node = stack
    for _ in range(d):
        node = node[1]
    if pushed is None:
        return node
    states = []
    while pushed is not None:
        states.append(pushed[0])
        pushed = pushed[1]
    for s in reversed(states):
        node = (s, node)
    return node


def _pushed_len(pushed: tuple | None) -> int:
    n = 0
    while pushed is not None:
        n += 1
        pushed = pushed[1]
    return n


class Engine:
    """Masks and transitions of one compiled grammar (shared by all its matchers)."""

    def __init__(self, compiled: Any, lexer_override: dict[str, Any] | None = None) -> None:
        self.compiled = compiled
        lx = compiled.analysis.lexer
        lr = compiled.analysis.lalr
        st = compiled.states
        vocab = compiled.vocab
        self.n_tokens = vocab.size
        self.rows: list[list[int]] = lx.trans[:, lx.byte_class].tolist()
        self.lab: list[int] = lx.label.tolist()
        self.ign: list[bool] = lx.label_ignored.tolist()
        self.state_ctx: list[int] = lx.state_ctx.tolist()
        self.reach: list[int] = [int.from_bytes(r.tobytes(), "little") for r in lx.reach]
        self.ctx_start: list[int] = lx.ctx_start.tolist()
        self.is_start = set(self.ctx_start)
        lr_ctx = lx.lr_ctx.tolist()
        self.start_of_lr: list[int] = [self.ctx_start[c] for c in lr_ctx]
        self.action = lr.action
        self.goto = lr.goto
        self.rules = lr.rules
        self.end_term = lr.end_term
        self.end_state = lr.end_state
        self.bottom = lr.bottom
        ign_int = sum(1 << i for i in np.nonzero(lx.ignored)[0].tolist())
        self.safe_int: list[int] = [
            ign_int | sum(1 << t for t in np.nonzero(row)[0].tolist())
            for row in compiled.analysis.safe
        ]
        self.grp_ptr: list[int] = st.grp_ptr.tolist()
        self.grp_reach: list[int] = [int.from_bytes(r.tobytes(), "little") for r in st.grp_reach]
        self.grp_bits = st.grp_bits
        self.bnd_ptr: list[int] = st.bnd_ptr.tolist()
        self.bnd_tok: list[int] = st.bnd_tok.tolist()
        self.fok = st.fok
        self.tokens = vocab.tokens
        self.first = vocab.first
        self.eos_ids = frozenset(vocab.eos)
        self.eos_bits = pack(np.array(vocab.eos, dtype=np.int64), self.n_tokens)
        empty = [i for i, t in enumerate(vocab.tokens) if t == b""]
        self.empty_bits = pack(np.array(empty, dtype=np.int64), self.n_tokens) if empty else None
        self.words = self.eos_bits.shape[0]
        self.memo: dict[int, Any] = {}
        self.pure: dict[int, int] = {}
        self._initial_mask: Mask | None = None
        self.stats = {"mask_misses": 0, "mask_hits": 0}

    # ------------------------------------------------------------------ parser on views

    def _top(self, reader: _Reader, view: View) -> int:
        pushed = view[1]
        return pushed[0] if pushed is not None else reader.get(view[0])

    def _feed(self, reader: _Reader, view: View, term: int) -> View | None:
        """Shift ``term`` (after its reductions) on a view of the reader's stack."""
        action, goto, rules = self.action, self.goto, self.rules
        d, pushed = view
        s = pushed[0] if pushed is not None else reader.get(d)
        while True:
            code = action[s].get(term)
            if code is None:
                return None
            if code >= 0:
                return (d, (code, pushed))
            lhs, n = rules[~code]
            while n and pushed is not None:
                pushed = pushed[1]
                n -= 1
            d += n
            s = pushed[0] if pushed is not None else reader.get(d)
            g = goto[s][lhs]
            pushed = (g, pushed)
            s = g

    def _accepts_end(self, reader: _Reader, view: View) -> bool:
        action, goto, rules = self.action, self.goto, self.rules
        end = self.end_term
        d, pushed = view
        s = pushed[0] if pushed is not None else reader.get(d)
        while True:
            code = action[s].get(end)
            if code is None or code >= 0:
                return False
            lhs, n = rules[~code]
            while n and pushed is not None:
                pushed = pushed[1]
                n -= 1
            d += n
            s = pushed[0] if pushed is not None else reader.get(d)
            g = goto[s][lhs]
            if g == self.end_state:
                return True
            pushed = (g, pushed)
            s = g

    def _viable(self, reader: _Reader, view: View, q: int) -> bool:
        """Whether the open lexeme at ``q`` can still become a terminal the parser shifts."""
        r = self.reach[q]
        s = self._top(reader, view)
        if r & self.safe_int[s]:
            return True
        r &= ~self.safe_int[s]
        while r:
            low = r & -r
            if self._feed(reader, view, low.bit_length() - 1) is not None:
                return True
            r ^= low
        return False

    # ------------------------------------------------------------------ exact walk

    def _walk(
        self, reader: _Reader, hyps: list[Hyp], data: bytes, cont_first: bool = False
    ) -> tuple[list[Hyp], bool]:
        """All hypotheses after reading ``data``; also whether the parser was consulted.

        With ``cont_first`` the first byte must continue the open lexeme (ending it before
        the first byte is accounted for separately by the caller).
        """
        rows, lab, ign = self.rows, self.lab, self.ign
        touched = False
        for k, b in enumerate(data):
            new: list[Hyp] = []
            for view, q, cons in hyps:
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
                    new.append((view, nx, cons2))
                term = lab[q]
                if term >= 0 and (nx < 0 or lab[nx] < 0) and not (cont_first and k == 0):
                    if ign[q]:
                        view2 = view
                        start = self.ctx_start[self.state_ctx[q]]
                    else:
                        touched = True
                        view2 = self._feed(reader, view, term)
                        if view2 is None:
                            continue
                        start = self.start_of_lr[self._top(reader, view2)]
                    n0 = rows[start][b]
                    if n0 >= 0:
                        new.append((view2, n0, cons2 + (nx,) if nx >= 0 else cons2))
            if len(new) > 1:
                new = list(dict.fromkeys(new))
            hyps = new
            if not hyps:
                break
        return hyps, touched

    # ------------------------------------------------------------------ masks

    def lookup(self, stack: Stack, q: int) -> tuple[Mask, int]:
        """The mask of hypothesis ``(stack, q, ())`` and the deepest stack index it reads."""
        node = self.memo.get(q)
        depth = -1
        p = stack
        while node.__class__ is dict:
            depth += 1
            if p is None:
                s = self.bottom
            else:
                s = p[0]
                p = p[1]
            node = node.get(s)
        if node is not None:
            self.stats["mask_hits"] += 1
            return node, depth
        self.stats["mask_misses"] += 1
        reader = _Reader(stack, self.bottom)
        mask = self._compute(stack, q, reader)
        m = reader.maxread
        if m < 0:
            self.memo[q] = mask
            return mask, m
        cur = self.memo.get(q)
        if cur.__class__ is not dict:
            cur = self.memo[q] = {}
        for i in range(m):
            s = reader.get(i)
            nxt = cur.get(s)
            if nxt.__class__ is not dict:
                nxt = cur[s] = {}
            cur = nxt
        cur[reader.get(m)] = mask
        return mask, m

    def _cont_bits(self, reader: _Reader, q: int) -> np.ndarray:
        """Tokens whose first byte continues the lexeme at ``q`` and that stay valid."""
        view0: View = (0, None)
        g0, g1 = self.grp_ptr[q], self.grp_ptr[q + 1]
        bits = np.zeros(self.words, dtype=np.uint32)
        if g1 > g0:
            s = reader.get(0)
            sint = self.safe_int[s]
            shiftable: dict[int, bool] = {}
            chosen = []
            for gi in range(g0, g1):
                r = self.grp_reach[gi]
                if r & sint:
                    chosen.append(gi)
                    continue
                while r:
                    low = r & -r
                    t = low.bit_length() - 1
                    ok = shiftable.get(t)
                    if ok is None:
                        ok = shiftable[t] = self._feed(reader, view0, t) is not None
                    if ok:
                        chosen.append(gi)
                        break
                    r ^= low
            if len(chosen) == g1 - g0:
                np.bitwise_or.reduce(self.grp_bits[g0:g1], axis=0, out=bits)
            elif len(chosen) == 1:
                bits |= self.grp_bits[chosen[0]]
            elif chosen:
                np.bitwise_or.reduce(self.grp_bits[chosen], axis=0, out=bits)
        b0, b1 = self.bnd_ptr[q], self.bnd_ptr[q + 1]
        if b1 > b0:
            tokens = self.tokens
            start = [(view0, q, ())]
            for tok in self.bnd_tok[b0:b1]:
                res, _ = self._walk(reader, start, tokens[tok], cont_first=True)  # type: ignore[arg-type]
                for view, q2, _cons in res:
                    if self._viable(reader, view, q2):
                        bits[tok >> 5] |= np.uint32(1 << (tok & 31))
                        break
        return bits

    def _compute(self, stack: Stack, q: int, reader: _Reader) -> Mask:
        bits = self._cont_bits(reader, q)
        eos = False
        term = self.lab[q]
        view0: View = (0, None)
        if term >= 0:
            view2 = view0 if self.ign[q] else self._feed(reader, view0, term)
            if view2 is not None:
                d, pushed = view2
                stack2 = materialise(stack, view2)
                start = self.start_of_lr[stack2[0]]
                sub, sub_read = self.lookup(stack2, start)
                n_pushed = _pushed_len(pushed)
                if sub_read >= n_pushed:
                    reader.note(d + sub_read - n_pushed)
                bits |= sub.bits & self.fok[q]
                eos = sub.eos
        elif q in self.is_start:
            eos = self._accepts_end(reader, view0)
            if eos:
                bits |= self.eos_bits
        return Mask(bits, eos)

    def mask_of(self, hyps: Iterable[Hyp]) -> Mask:
        """The mask of a set of hypotheses (the union of theirs)."""
        out: Mask | None = None
        for stack, q, cons in hyps:
            m, _ = self.lookup(stack, q)
            if cons:
                bits = m.bits.copy()
                for f in cons:
                    bits &= self.fok[f]
                m = Mask(bits, m.eos)
            out = m if out is None else Mask(out.bits | m.bits, out.eos or m.eos)
        if out is None:
            return Mask(np.zeros(self.words, dtype=np.uint32), False)
        if self.empty_bits is not None and out.live:
            out = Mask(out.bits | self.empty_bits, out.eos)
        return out

    def initial_mask(self) -> Mask:
        """The mask before the first token (first-position spellings: WordPiece, ▁)."""
        if self._initial_mask is None:
            self._initial_mask = self._compute_initial()
        return self._initial_mask

    def _compute_initial(self) -> Mask:
        compiled = self.compiled
        if compiled.vocab.first == compiled.vocab.tokens:
            return self.mask_of(self.initial_hyps())
        lx = compiled.analysis.lexer
        stack, q, _ = self.initial_hyps()[0]
        tm = TokenMatrix.build(list(compiled.vocab.first), lx.byte_class)
        walker = _Walker(lx, tm, self.n_tokens)
        groups, boundary = walker.cont(q)
        reader = _Reader(stack, self.bottom)
        view0: View = (0, None)
        allowed: list[int] = []
        for rid, ids in groups.items():
            r = int.from_bytes(walker.reach_rows[rid].tobytes(), "little")
            ok = any(
                (r >> t) & 1 and (self.ign[t] if False else True) and self._shiftable(reader, t)
                for t in range(r.bit_length())
            )
            if ok:
                allowed.extend(ids.tolist())
        for tok in boundary.tolist():
            res, _ = self._walk(reader, [(view0, q, ())], self.first[tok], cont_first=True)  # type: ignore[arg-type]
            if any(self._viable(reader, v, q2) for v, q2, _c in res):
                allowed.append(tok)
        bits = pack(np.array(allowed, dtype=np.int64), self.n_tokens)
        eos = self._accepts_end(reader, view0)
        if eos:
            bits |= self.eos_bits
        empty = [i for i, t in enumerate(self.first) if t == b""]
        if empty and (bits.any()):
            bits |= pack(np.array(empty, dtype=np.int64), self.n_tokens)
        return Mask(bits, eos)

    def _shiftable(self, reader: _Reader, term: int) -> bool:
        s = reader.get(0)
        if (self.safe_int[s] >> term) & 1:
            return True
        return self._feed(reader, (0, None), term) is not None

    # ------------------------------------------------------------------ transitions

    def initial_hyps(self) -> tuple[Hyp, ...]:
        stack = (self.compiled.analysis.lalr.start_state, None)
        return ((stack, self.start_of_lr[stack[0]], ()),)

    def advance(self, hyps: Iterable[Hyp], token: int, first: bool = False) -> tuple[Hyp, ...]:
        """Hypotheses after ``token`` (empty when it is not allowed)."""
        data = (self.first if first else self.tokens)[token]
        if data is None:
            return ()
        out: list[Hyp] = []
        key_base = token
        n_tok = self.n_tokens
        for stack, q, cons in hyps:
            key = q * n_tok + key_base
            if not cons and not first:
                q2 = self.pure.get(key)
                if q2 is not None:
                    if q2 >= 0:
                        if self.reach[q2] & self.safe_int[stack[0]] or self._viable(
                            _Reader(stack, self.bottom), (0, None), q2
                        ):
                            out.append((stack, q2, ()))
                    elif q2 == -2:
                        pass
                    else:
                        out.extend(self._advance_exact(stack, q, cons, data))
                    continue
                res, touched = self._walk(_Reader(stack, self.bottom), [((0, None), q, ())], data)
                if not touched and not res:
                    self.pure[key] = -2
                elif not touched and len(res) == 1 and res[0][0] == (0, None) and not res[0][2]:
                    self.pure[key] = res[0][1]
                else:
                    self.pure[key] = -1
            out.extend(self._advance_exact(stack, q, cons, data))
        if len(out) > 1:
            out = list(dict.fromkeys(out))
        return tuple(out)

    def _advance_exact(self, stack: Stack, q: int, cons: tuple, data: bytes) -> list[Hyp]:
        reader = _Reader(stack, self.bottom)
        res, _ = self._walk(reader, [((0, None), q, cons)], data)
        return [
            (materialise(stack, view), q2, cons2)
            for view, q2, cons2 in res
            if self._viable(reader, view, q2)
        ]

    def can_end(self, hyps: Iterable[Hyp]) -> bool:
        """Whether the text so far is a complete sentence."""
        for stack, q, _cons in hyps:
            reader = _Reader(stack, self.bottom)
            term = self.lab[q]
            if term >= 0:
                view = (0, None) if self.ign[q] else self._feed(reader, (0, None), term)
                if view is not None and self._accepts_end(reader, view):
                    return True
            elif q in self.is_start and self._accepts_end(reader, (0, None)):
                return True
        return False
