"""The run-time engine: hypotheses, exact token walks and memoised masks.

A *hypothesis* is ``(stack, q, F)``: Lark's parser stack (persistent, see :mod:`.lalr`),
the lexer state ``q`` reached by the bytes of the current lexeme, and ``F``, states of
lexemes already ended whose longer match must never appear (Lark takes the longest match,
so ending ``count`` before ``x`` is only right if ``countx`` is not a terminal). The lexeme
at ``q`` is left open: whether it ends where the token ended is decided by the next token.
Usually there is one hypothesis; a token such as ``1E`` can leave two (a number ``1E5``
still coming, or ``1`` then ``EXCEPT``).

The mask of a hypothesis is the union of

* the *groups* of ``q`` (tokens that stay inside the lexeme) whose terminals the parser
  can shift - one parser question per group, not per token;
* the *splits* of ``q``: tokens in which the lexeme ends, grouped by the state where it
  ends; the terminal is fed once per group and the rest of the tokens are looked up in a
  memo keyed by the resulting stack;
* when the lexeme may end at ``q``, the mask at the start of the next lexeme (after
  feeding the terminal), less the tokens that would extend the ended lexeme (``Fok``).

Every memo is a decision tree on the stack states actually read (:mod:`.stackmemo`), so a
mask is reused by all stacks that agree where it looked, and the work of a step does not
grow with the length of the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .precompute import TokenMatrix, _Walker, pack
from .stackmemo import DecisionMemo, Reader, Shifter, Stack, View, materialise, pushed_len

Hyp = tuple  # (stack or view, lexer state, constraint states)
#: Record sets up to this size are walked in plain Python (numpy's per-call cost dominates).
_SCALAR_LIMIT = 48
_VIEW0: View = (0, None)


class Mask:
    """An allowed-token bitmask (uint32 words; EOS bits set when the input may end)."""

    __slots__ = ("bits", "eos", "live")

    def __init__(self, bits: np.ndarray, eos: bool) -> None:
        self.bits = bits
        self.eos = eos
        self.live = bool(bits.any())

    def allows(self, token: int) -> bool:
        return bool((int(self.bits[token >> 5]) >> (token & 31)) & 1)


class Engine:
    """Masks and transitions of one compiled grammar (shared by all its matchers)."""

    def __init__(self, compiled: Any) -> None:
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
        self.is_start = frozenset(self.ctx_start)
        self.start_of_lr: list[int] = [self.ctx_start[c] for c in lx.lr_ctx.tolist()]
        self.start_state = lr.start_state
        self.bottom = lr.bottom
        self.shifter = Shifter(lr.action, lr.goto, lr.rules, lr.end_term, lr.end_state, lr.bottom)
        ign_int = sum(1 << i for i in np.nonzero(lx.ignored)[0].tolist())
        self.safe_int: list[int] = [
            ign_int | sum(1 << t for t in np.nonzero(row)[0].tolist())
            for row in compiled.analysis.safe
        ]
        self.grp_ptr: list[int] = st.grp_ptr.tolist()
        self.grp_reach: list[int] = [int.from_bytes(r.tobytes(), "little") for r in st.grp_reach]
        self.grp_bits = st.grp_bits
        self.sp_ptr: list[int] = st.sp_ptr.tolist()
        self.sg_state: list[int] = st.sg_state.tolist()
        self.sg_ptr: list[int] = st.sg_ptr.tolist()
        self.rec_tok = st.rec_tok.astype(np.int64)
        self.rec_off = st.rec_off.astype(np.int64)
        self.n_top_sets = len(self.sg_state)
        # Record sets below the top level: (token ids, offsets, constraint state), and the
        # parser-independent table of each (set, start state), built on first use.
        self._sets: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._tables: dict[tuple[int, int], tuple] = {}
        self._set_ids: dict[tuple[int, bytes, bytes], int] = {}
        lx = compiled.analysis.lexer
        self._walker = _Walker(lx, TokenMatrix.build(list(vocab.tokens), lx.byte_class), vocab.size)
        self.fok = st.fok
        self.tokens = vocab.tokens
        self.first = vocab.first
        self.eos_ids = frozenset(vocab.eos)
        self.eos_bits = pack(np.array(vocab.eos, dtype=np.int64), self.n_tokens)
        empty = [i for i, t in enumerate(vocab.tokens) if t == b""]
        self.empty_bits = pack(np.array(empty, dtype=np.int64), self.n_tokens) if empty else None
        self.words = int(self.eos_bits.shape[0])
        self.masks = DecisionMemo(self.bottom)
        self.splits = DecisionMemo(self.bottom)
        self.steps = DecisionMemo(self.bottom)
        self._gathered: dict[tuple, tuple] = {}
        self._first_steps: dict[tuple, tuple] = {}
        # Per (lexer state, token): :meth:`_lex_only` (integers only: never scanned by gc).
        self._lexed: dict[int, int] = {}
        self._initial_mask: Mask | None = None
        if getattr(compiled, "initial", None) is not None:
            self._initial_mask = Mask(*compiled.initial)
        starts = getattr(compiled, "starts", None)
        if starts is not None:
            self._load_starts(*starts)
        tables = getattr(compiled, "tables", None)
        if tables is not None:
            self.load_tables(tables)
        split_memo = getattr(compiled, "split_memo", None)
        if split_memo is not None:
            self.load_splits(split_memo)
        walk_memo = getattr(compiled, "walk_memo", None)
        if walk_memo is not None:
            self.load_walks(walk_memo)

    @property
    def stats(self) -> dict[str, int]:
        """Memo hits and misses (masks, and split groups inside masks)."""
        return {
            "mask_hits": self.masks.hits,
            "mask_misses": self.masks.misses,
            "split_hits": self.splits.hits,
            "split_misses": self.splits.misses,
            "walk_hits": self.steps.hits,
            "walk_misses": self.steps.misses,
        }

    # ------------------------------------------------------------------ parser questions

    def _viable(self, reader: Reader, view: View, q: int) -> bool:
        """Whether the open lexeme at ``q`` can still become a terminal the parser shifts."""
        r = self.reach[q]
        s = reader.top(view)
        if r & self.safe_int[s]:
            return True
        return bool(self.shifter.viable_terms(reader, view, r))

    # ------------------------------------------------------------------ exact walks

    def _step(self, reader: Reader, hyps: list[Hyp], b: int, cont: bool) -> tuple[list, bool]:
        """Hypotheses after one more byte ``b`` (``cont``: the open lexeme may not end
        first); also whether the parser was consulted."""
        rows, lab, ign = self.rows, self.lab, self.ign
        new: list[Hyp] = []
        touched = False
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
            if term >= 0 and (nx < 0 or lab[nx] < 0) and not cont:
                if ign[q]:
                    view2 = view
                    start = self.ctx_start[self.state_ctx[q]]
                else:
                    touched = True
                    view2 = self.shifter.feed(reader, view, term)
                    if view2 is None:
                        continue
                    start = self.start_of_lr[reader.top(view2)]
                n0 = rows[start][b]
                if n0 >= 0:
                    new.append((view2, n0, cons2 + (nx,) if nx >= 0 else cons2))
        if len(new) > 1:
            new = list(dict.fromkeys(new))
        return new, touched

    def _walk(
        self, reader: Reader, hyps: list[Hyp], data: bytes, cont_first: bool = False
    ) -> tuple[list[Hyp], bool]:
        """All hypotheses after ``data``; also whether the parser was consulted."""
        touched = False
        for k, b in enumerate(data):
            hyps, t = self._step(reader, hyps, b, cont_first and k == 0)
            touched |= t
            if not hyps:
                break
        return hyps, touched

    # ------------------------------------------------------------------ masks

    def lookup(self, stack: Stack, q: int) -> tuple[Mask, list[int]]:
        """The mask of hypothesis ``(stack, q, ())`` and the stack depths it depends on."""
        mask, reads = self.masks.get(q, stack)
        if mask is not None:
            return mask, reads
        reader = Reader(stack, self.bottom)
        mask = self._compute(stack, q, reader)
        self.masks.put(q, reader, mask)
        return mask, reader.order

    def _records(self, rs: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Tokens, offsets and constraint state of record set ``rs``."""
        if rs < self.n_top_sets:
            a, b = self.sg_ptr[rs], self.sg_ptr[rs + 1]
            return self.rec_tok[a:b], self.rec_off[a:b], self.sg_state[rs]
        return self._sets[rs - self.n_top_sets]

    def _table(self, rs: int, start: int) -> tuple:
        """What the remainders of record set ``rs`` do from lexer state ``start``: groups
        (reach set, token ids), splits (state, child record set), and complex tokens.
        Parser-independent, so built once (vectorised) and kept."""
        key = (rs, start)
        table = self._tables.get(key)
        if table is None:
            walker = self._walker
            toks, offs, cons = self._records(rs)
            if len(toks) <= _SCALAR_LIMIT:
                groups, splits, (ctoks, coffs) = self._remainders_scalar(toks, offs, start, cons)
            else:
                groups, splits, (ctoks, coffs) = walker.remainders(toks, offs, start, cons)
            group_list = [
                (int.from_bytes(walker.reach_rows[rid].tobytes(), "little"), ids)
                for rid, ids in groups.items()
            ]
            split_list = []
            for st, (t2, o2) in splits.items():
                # Equal record sets share one index (and so one memo of valid tokens).
                sig = (st, t2.astype(np.int32).tobytes(), o2.astype(np.int32).tobytes())
                child = self._set_ids.get(sig)
                if child is None:
                    child = self._set_ids[sig] = self.n_top_sets + len(self._sets)
                    self._sets.append((t2, o2, st))
                split_list.append((st, child))
            table = (group_list, split_list, ctoks.tolist(), coffs.tolist(), cons)
            self._tables[key] = table
        return table

    def precompute_tables(self) -> dict[str, np.ndarray]:
        """Every remainder table a run can ask for, built now (parser-independent).

        A split group's lexeme ends with a terminal; after its shift the parser stands in
        one of the states that terminal shifts to, so the next lexeme starts in one of
        their contexts. Following that from every top-level split group (and the record
        sets their tables create, equal sets shared) enumerates all ``(set, start)``
        pairs. Returned as arrays for the disk cache (:meth:`load_tables`).
        """
        lr = self.compiled.analysis.lalr
        targets: dict[int, set[int]] = {}
        for acts in lr.action:
            for t, code in acts.items():
                if code >= 0:
                    targets.setdefault(t, set()).add(self.start_of_lr[code])

        def starts_after(st: int) -> set[int]:
            if self.ign[st]:
                return {self.ctx_start[self.state_ctx[st]]}
            return targets.get(self.lab[st], set())

        todo = [(rs, q) for rs in range(self.n_top_sets) for q in starts_after(self.sg_state[rs])]
        seen = set(todo)
        while todo:
            rs, start = todo.pop()
            for st, child in self._table(rs, start)[1]:
                for q in starts_after(st):
                    if (child, q) not in seen:
                        seen.add((child, q))
                        todo.append((child, q))
        return self.tables_to_arrays()

    def tables_to_arrays(self) -> dict[str, np.ndarray]:
        """The record sets and remainder tables built so far, as flat arrays."""
        out: dict[str, np.ndarray] = {}
        sets = self._sets
        out["rt_set_ptr"] = np.cumsum([0] + [len(t) for t, _o, _s in sets]).astype(np.int64)
        out["rt_set_tok"] = np.concatenate([t for t, _o, _s in sets] or [np.zeros(0)]).astype(
            np.int32
        )
        out["rt_set_off"] = np.concatenate([o for _t, o, _s in sets] or [np.zeros(0)]).astype(
            np.int32
        )
        out["rt_set_state"] = np.array([st for _t, _o, st in sets], dtype=np.int32)
        keys, cons, g_ptr, s_ptr, c_ptr = [], [], [0], [0], [0]
        g_reach: list[int] = []
        g_ids: list[np.ndarray] = []
        sp_state: list[int] = []
        sp_child: list[int] = []
        c_tok: list[int] = []
        c_off: list[int] = []
        for key, (groups, splits, ctoks, coffs, c) in self._tables.items():
            keys.append(key)
            cons.append(c)
            for reach, ids in groups:
                g_reach.append(reach)
                g_ids.append(ids)
            g_ptr.append(len(g_reach))
            for st, child in splits:
                sp_state.append(st)
                sp_child.append(child)
            s_ptr.append(len(sp_state))
            c_tok.extend(ctoks)
            c_off.extend(coffs)
            c_ptr.append(len(c_tok))
        width = self.compiled.analysis.lexer.reach.shape[1]
        reach_rows = np.zeros((len(g_reach), width), dtype=np.uint64)
        for k, r in enumerate(g_reach):
            reach_rows[k] = np.frombuffer(r.to_bytes(8 * width, "little"), dtype=np.uint64)
        out["rt_key"] = np.array(keys, dtype=np.int32).reshape(-1, 2)
        out["rt_cons"] = np.array(cons, dtype=np.int32)
        out["rt_g_ptr"] = np.array(g_ptr, dtype=np.int64)
        out["rt_g_reach"] = reach_rows
        out["rt_g_len"] = np.array([len(x) for x in g_ids], dtype=np.int64)
        out["rt_g_ids"] = np.concatenate(g_ids or [np.zeros(0)]).astype(np.int32)
        out["rt_s_ptr"] = np.array(s_ptr, dtype=np.int64)
        out["rt_s_state"] = np.array(sp_state, dtype=np.int32)
        out["rt_s_child"] = np.array(sp_child, dtype=np.int32)
        out["rt_c_ptr"] = np.array(c_ptr, dtype=np.int64)
        out["rt_c_tok"] = np.array(c_tok, dtype=np.int32)
        out["rt_c_off"] = np.array(c_off, dtype=np.int32)
        return out

    def load_tables(self, a: dict[str, np.ndarray]) -> None:
        """Install tables from :meth:`tables_to_arrays` (a run then builds none)."""
        ptr = a["rt_set_ptr"].tolist()
        tok = a["rt_set_tok"].astype(np.int64)
        off = a["rt_set_off"].astype(np.int64)
        self._sets = [
            (tok[ptr[k] : ptr[k + 1]], off[ptr[k] : ptr[k + 1]], st)
            for k, st in enumerate(a["rt_set_state"].tolist())
        ]
        for k, (t, o, st) in enumerate(self._sets):
            sig = (st, t.astype(np.int32).tobytes(), o.astype(np.int32).tobytes())
            self._set_ids[sig] = self.n_top_sets + k
        reach = [int.from_bytes(r.tobytes(), "little") for r in a["rt_g_reach"]]
        lens = a["rt_g_len"]
        ids = np.split(a["rt_g_ids"].astype(np.int64), np.cumsum(lens)[:-1]) if len(lens) else []
        g_ptr, s_ptr, c_ptr = a["rt_g_ptr"].tolist(), a["rt_s_ptr"].tolist(), a["rt_c_ptr"].tolist()
        s_state, s_child = a["rt_s_state"].tolist(), a["rt_s_child"].tolist()
        c_tok, c_off = a["rt_c_tok"].tolist(), a["rt_c_off"].tolist()
        for k, ((rs, start), c) in enumerate(zip(a["rt_key"].tolist(), a["rt_cons"].tolist(),
                                                  strict=True)):  # fmt: skip
            g0, g1 = g_ptr[k], g_ptr[k + 1]
            s0, s1 = s_ptr[k], s_ptr[k + 1]
            c0, c1 = c_ptr[k], c_ptr[k + 1]
            self._tables[(rs, start)] = (
                [(reach[i], ids[i]) for i in range(g0, g1)],
                list(zip(s_state[s0:s1], s_child[s0:s1], strict=True)),
                c_tok[c0:c1],
                c_off[c0:c1],
                c,
            )

    def _remainders_scalar(
        self, toks: np.ndarray, offs: np.ndarray, start: int, cons: int
    ) -> tuple[dict, dict, tuple[np.ndarray, np.ndarray]]:
        """:meth:`_Walker.remainders` for a few records, one byte at a time."""
        rows, lab, ign = self.rows, self.lab, self.ign
        walker = self._walker
        groups: dict[int, list[int]] = {}
        splits: dict[int, tuple[list[int], list[int]]] = {}
        hard_t: list[int] = []
        hard_o: list[int] = []
        for tok, off in zip(toks.tolist(), offs.tolist(), strict=True):
            data = self.tokens[tok]
            b = data[off]  # type: ignore[index]
            cur = rows[start][b]
            f = rows[cons][b]
            if cur < 0 or (f >= 0 and lab[f] >= 0):
                continue
            found: list[tuple[int, int]] = []
            hard = False
            for k in range(off + 1, len(data)):  # type: ignore[arg-type]
                b = data[k]  # type: ignore[index]
                nx = rows[cur][b]
                term = lab[cur]
                if term >= 0 and (nx < 0 or lab[nx] < 0) and (nx >= 0 or not ign[cur]):
                    if f >= 0:
                        hard = True
                    else:
                        found.append((cur, k))
                if f >= 0:
                    f = rows[f][b]
                    if f >= 0 and lab[f] >= 0:
                        cur = -1
                        break
                if nx < 0 and term >= 0 and ign[cur]:
                    nx = rows[self.ctx_start[self.state_ctx[cur]]][b]
                cur = nx
                if cur < 0:
                    break
            if cur >= 0:
                groups.setdefault(int(walker.reach_id[cur]), []).append(tok)
                continue
            if hard:
                hard_t.append(tok)
                hard_o.append(off)
                continue
            for st, k in found:
                entry = splits.setdefault(st, ([], []))
                entry[0].append(tok)
                entry[1].append(k)
        return (
            {rid: np.array(ids, dtype=np.int64) for rid, ids in groups.items()},
            {
                st: (np.array(t, dtype=np.int64), np.array(o, dtype=np.int64))
                for st, (t, o) in sorted(splits.items())
            },
            (np.array(hard_t, dtype=np.int64), np.array(hard_o, dtype=np.int64)),
        )

    def _set_lookup(self, rs: int, stack: Stack) -> tuple[np.ndarray, list[int]]:
        """Tokens of record set ``rs`` valid once the lexeme before their remainders has
        been shifted, giving ``stack``."""
        ids, reads = self.splits.get(rs, stack)
        if ids is not None:
            return ids, reads
        reader = Reader(stack, self.bottom)
        top = reader.get(0)
        start = self.start_of_lr[top]
        groups, splits, ctoks, coffs, cons = self._table(rs, start)
        parts: list[np.ndarray] = []
        sint = self.safe_int[top]
        feed = self.shifter.feed
        ok_terms = sint
        need = 0
        for reach, _gids in groups:
            if not reach & sint:
                need |= reach
        if need:  # one batched parser question for all the groups
            ok_terms |= self.shifter.viable_terms(reader, _VIEW0, need)
        for reach, gids in groups:
            if reach & ok_terms:
                parts.append(gids)
        after: dict[int, Any] = {}
        get_view = self.splits.get_view
        for st, child in splits:
            term = -1 if self.ign[st] else self.lab[st]
            view2 = after.get(term, 0)
            if view2 == 0:
                view2 = after[term] = _VIEW0 if term < 0 else feed(reader, _VIEW0, term)
            if view2 is None:
                continue
            sub = get_view(child, reader, view2)
            if sub is None:
                sub, sub_reads = self._set_lookup(child, materialise(stack, view2))
                self._note(reader, sub_reads, view2)
            if len(sub):
                parts.append(sub)
        if ctoks:
            found = []
            for tok, off in zip(ctoks, coffs, strict=True):
                data = self.tokens[tok][off:]  # type: ignore[index]
                res, _ = self._walk(reader, [(_VIEW0, start, (cons,))], data)
                if any(self._viable(reader, v, q2) for v, q2, _c in res):
                    found.append(tok)
            if found:
                parts.append(np.array(found, dtype=np.int64))
        if not parts:
            ids = np.zeros(0, dtype=np.int64)
        elif len(parts) == 1:
            ids = parts[0]
        else:
            ids = np.concatenate(parts)
        self.splits.put(rs, reader, ids)
        return ids, reader.order

    @staticmethod
    def _note(reader: Reader, reads: list[int], view: View) -> None:
        """Record in ``reader`` the reads a lookup made on the stack ``view`` describes."""
        d, pushed = view
        n = pushed_len(pushed)
        for i in reads:
            if i >= n:
                reader.get(d + i - n)

    def _groups_chosen(self, reader: Reader, q: int) -> int:
        """Which groups of ``q`` (bit ``i``: group ``grp_ptr[q] + i``) have a terminal the
        parser can shift."""
        g0, g1 = self.grp_ptr[q], self.grp_ptr[q + 1]
        if g1 == g0:
            return 0
        sint = self.safe_int[reader.get(0)]
        reaches = self.grp_reach[g0:g1]
        need = 0
        for r in reaches:
            if not r & sint:
                need |= r
        ok_terms = sint
        if need:  # one batched parser question for all the groups
            ok_terms |= self.shifter.viable_terms(reader, _VIEW0, need)
        chosen = 0
        for k, r in enumerate(reaches):
            if r & ok_terms:
                chosen |= 1 << k
        return chosen

    def _split_parts(self, reader: Reader, stack: Stack, q: int) -> list[np.ndarray]:
        """Per split group of ``q``: the tokens that stay valid (arrays from the memo)."""
        s0, s1 = self.sp_ptr[q], self.sp_ptr[q + 1]
        parts: list[np.ndarray] = []
        if s1 == s0:
            return parts
        after: dict[int, Any] = {}
        feed = self.shifter.feed
        get_view = self.splits.get_view
        for g in range(s0, s1):
            st = self.sg_state[g]
            term = -1 if self.ign[st] else self.lab[st]  # ignored: the parser stays
            view2 = after.get(term, 0)
            if view2 == 0:
                view2 = after[term] = _VIEW0 if term < 0 else feed(reader, _VIEW0, term)
            if view2 is None:
                continue
            ids = get_view(g, reader, view2)
            if ids is None:
                ids, reads = self._set_lookup(g, materialise(stack, view2))
                self._note(reader, reads, view2)
            if len(ids):
                parts.append(ids)
        return parts

    def _compute(self, stack: Stack, q: int, reader: Reader) -> Mask:
        """The mask of ``(stack, q)``. What it depends on is gathered first (cheap, from
        memos): the groups whose terminal can be shifted, the valid tokens of each split
        group, the mask after the lexeme; equal gatherings share one mask object."""
        chosen = self._groups_chosen(reader, q)
        parts = self._split_parts(reader, stack, q)
        sub = None
        eos = False
        term = self.lab[q]
        if term >= 0:
            view2 = _VIEW0 if self.ign[q] else self.shifter.feed(reader, _VIEW0, term)
            if view2 is not None:
                q2 = self.start_of_lr[reader.top(view2)]
                sub = self.masks.get_view(q2, reader, view2)
                if sub is None:
                    sub, reads = self.lookup(materialise(stack, view2), q2)
                    self._note(reader, reads, view2)
                eos = sub.eos
        elif q in self.is_start:
            eos = self.shifter.accepts_end(reader, _VIEW0)
        key = (q, chosen, tuple(map(id, parts)), id(sub), eos)
        hit = self._gathered.get(key)
        if hit is not None:
            return hit[0]
        bits = np.zeros(self.words, dtype=np.uint32)
        g0, g1 = self.grp_ptr[q], self.grp_ptr[q + 1]
        if chosen == (1 << (g1 - g0)) - 1 and g1 > g0:
            np.bitwise_or.reduce(self.grp_bits[g0:g1], axis=0, out=bits)
        elif chosen:
            rows = [g0 + k for k in range(g1 - g0) if (chosen >> k) & 1]
            np.bitwise_or.reduce(self.grp_bits[rows], axis=0, out=bits)
        if parts:
            flags = np.zeros(self.words * 32, dtype=bool)
            for ids in parts:
                flags[ids] = True
            bits |= np.packbits(flags, bitorder="little").view("<u4")
        if sub is not None:
            bits |= sub.bits & self.fok[q]
        elif eos:
            bits |= self.eos_bits
        mask = Mask(bits, eos)
        # The parts are kept with the key, so the ids in it stay theirs.
        self._gathered[key] = (mask, parts, sub)
        return mask

    def warm(self, sentences: Iterable[str], walks: bool = False, budget: int | None = None) -> int:
        """Compute the mask at every byte of each sentence (so under every tokenization
        of it): the parser contexts sentences of the grammar pass through, which an
        enumeration of stacks reaches only by chance. Returns the masks computed.

        ``walks``: also advance, at every byte, by every token spelled like the text
        that follows (the first token from the sentence's start), so that the memo of
        token walks (:meth:`advance`) holds the first visits a tokenization of such a
        sentence makes; see :meth:`walks_to_arrays`. ``budget``: start no sentence once
        that many masks and walks have been computed here (large vocabularies cost more
        per sentence).
        """
        before = self.masks.misses
        start = self.masks.misses + self.steps.misses
        index = self._spelling_index(False) if walks else None
        first_index = self._spelling_index(True) if walks else None
        for text in sentences:
            if budget is not None and self.masks.misses + self.steps.misses - start >= budget:
                break
            raw = text.encode("utf-8")
            hyps: list[Hyp] = list(self.initial_hyps())
            if first_index is not None:
                init = self.initial_hyps()
                for tok in self._spelled_at(first_index, raw, 0):
                    self.advance(init, tok, first=True)
            for i, b in enumerate(raw):
                data = bytes((b,))
                nxt: list[Hyp] = []
                for stack, q, cons in hyps:
                    nxt.extend(self._advance_exact(stack, q, cons, data))
                hyps = list(dict.fromkeys(nxt))
                if not hyps:
                    break
                self.mask_of(hyps)
                if index is not None:
                    # Hypotheses with constraints are walked exactly at run time (no memo).
                    free = [h for h in hyps if not h[2]]
                    if free:
                        for tok in self._spelled_at(index, raw, i + 1):
                            self._advance(free, tok, False)
        return self.masks.misses - before

    def _spelling_index(self, first: bool) -> tuple[dict[bytes, list[int]], set[bytes]]:
        """Token ids by spelling (at the first position when ``first``), and every
        non-empty prefix of a spelling (EOS and empty spellings left out)."""
        spell = self.first if first else self.tokens
        by: dict[bytes, list[int]] = {}
        for tok, data in enumerate(spell):
            if data and tok not in self.eos_ids:
                by.setdefault(bytes(data), []).append(tok)
        prefixes = {data[:k] for data in by for k in range(1, len(data) + 1)}
        return by, prefixes

    @staticmethod
    def _spelled_at(
        index: tuple[dict[bytes, list[int]], set[bytes]], raw: bytes, i: int
    ) -> list[int]:
        """The tokens spelled like a prefix of ``raw[i:]``."""
        by, prefixes = index
        out: list[int] = []
        for end in range(i + 1, len(raw) + 1):
            piece = raw[i:end]
            if piece not in prefixes:
                break
            out.extend(by.get(piece, ()))
        return out

    def precompute_starts(
        self,
        max_depth: int = 12,
        budget: int = 20000,
        sentences: Iterable[str] = (),
        walks: bool = False,
        more: Iterable[str] = (),
        more_budget: int = 20000,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Masks at the start of a lexeme, for every parser state and the states below it
        that the mask depends on, then masks inside lexemes (every lexer state a context
        reaches, under every parser state of that context) while the budget lasts:
        computed at build time (like a per-state token cache) so that a run starts with
        them in its memo. See :meth:`precompute_masks`; ``sentences`` and ``walks``:
        :meth:`warm`; ``more``: sentences warmed after those within ``more_budget`` (the
        budget of :meth:`warm`)."""
        n_lr = len(self.start_of_lr) - 1
        starts = [(s, self.start_of_lr[s]) for s in range(n_lr)]
        rows = self.precompute_masks(starts, max_depth, budget)
        lx = self.compiled.analysis.lexer
        inside: list[list[int]] = []
        for c in lx.ctx_start.tolist():
            seen, todo = {c}, [c]
            while todo:
                q = todo.pop()
                for nq in self.rows[q]:
                    if nq >= 0 and nq not in seen:
                        seen.add(nq)
                        todo.append(nq)
            inside.append(sorted(seen - self.is_start))
        ctx = lx.lr_ctx.tolist()
        mids = [(s, q) for s in range(n_lr) for q in inside[ctx[s]]]
        rows += self.precompute_masks(mids, max_depth, budget)
        if sentences:
            self.warm(sentences, walks)
            self.warm(more, walks, more_budget)
            # Every mask in the memo now, with the stack states it read (the rows above
            # among them, and the masks of the contexts the sentences went through).
            rows = [(q, order, states, m) for q, order, states, m in self.masks.entries()]
        return self._rows_to_arrays(rows)

    def precompute_masks(
        self, pairs: list[tuple[int, int]], max_depth: int, budget: int, shallow: bool = False
    ) -> list[tuple[int, list[int], list[int], Mask]]:
        """Masks of ``(parser state, lexer state)`` pairs on every stack below that they
        can tell apart, breadth first, within ``budget`` mask computations.

        Stacks are explored top down: a mask computed on a partial stack is kept when it
        read only states the partial stack has; when it looked deeper, the partial stack is
        extended down to that depth, once per state that can lie there (the states that
        many transitions back in the LR automaton; the states in between are not read,
        so one chain stands for all). ``shallow``: extend no further than one level.
        Returns rows (lexer state, depths read, states read, mask).
        """
        import collections

        preds = self._predecessors()
        chains: dict[tuple[int, int], dict[int, tuple[int, ...]]] = {}

        def back(s: int, k: int) -> dict[int, tuple[int, ...]]:
            """States ``k`` transitions before ``s``, each with one chain reaching it."""
            got = chains.get((s, k))
            if got is None:
                if k == 1:
                    got = {p: (p,) for p in preds[s]}
                else:
                    got = {}
                    for p, ch in back(s, k - 1).items():
                        for pp in preds[p]:
                            got.setdefault(pp, (*ch, pp))
                chains[(s, k)] = got
            return got

        rows: list[tuple[int, list[int], list[int], Mask]] = []
        todo = collections.deque(((s,), q) for s, q in pairs)
        done = 0
        while todo and done < budget:
            path, q = todo.popleft()
            stack = None
            for st in reversed(path):
                stack = (st, stack)
            reader = Reader(stack, self.bottom)
            mask = self._compute(stack, q, reader)
            done += 1
            beyond = [i for i in reader.order if i >= len(path)]
            if not beyond:
                rows.append((q, reader.order, [path[i] for i in reader.order], mask))
                self.masks.put(q, reader, mask)
                continue
            d = min(beyond)
            if d >= max_depth or (shallow and len(path) > 1):
                continue
            for ch in back(path[-1], d - len(path) + 1).values():
                todo.append(((*path, *ch), q))
        return rows

    def _rows_to_arrays(
        self, rows: list[tuple[int, list[int], list[int], Mask]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(lexer states, read depths, read states, mask index, unique masks with the EOS
        flag in an extra last word); depths padded with -1."""
        width = max((len(r[1]) for r in rows), default=1)
        idx = np.full((len(rows), width), -1, dtype=np.int32)
        st = np.full((len(rows), width), -1, dtype=np.int32)
        uniq: dict[bytes, int] = {}
        which = np.zeros(len(rows), dtype=np.int32)
        table: list[np.ndarray] = []
        for k, (_q, ri, rs, mask) in enumerate(rows):
            idx[k, : len(ri)] = ri
            st[k, : len(rs)] = rs
            row = np.append(mask.bits, np.uint32(mask.eos))
            key = row.tobytes()
            u = uniq.get(key)
            if u is None:
                u = uniq[key] = len(table)
                table.append(row)
            which[k] = u
        return (
            np.array([r[0] for r in rows], dtype=np.int32),
            idx,
            st,
            which,
            np.array(table, dtype=np.uint32).reshape(-1, self.words + 1),
        )

    def splits_to_arrays(self) -> dict[str, np.ndarray]:
        """The memo of valid tokens per record set (every entry, with the stack states
        it read), as flat arrays for the disk cache (:meth:`load_splits`)."""
        entries = self.splits.entries()
        width = max((len(o) for _k, o, _s, _v in entries), default=1)
        index = np.full((len(entries), width), -1, dtype=np.int16)
        states = np.full((len(entries), width), -1, dtype=np.int32)
        which = np.zeros(len(entries), dtype=np.int32)
        uniq: dict[bytes, int] = {}
        arrays: list[np.ndarray] = []
        for k, (_key, order, st, ids) in enumerate(entries):
            index[k, : len(order)] = order
            states[k, : len(st)] = st
            raw = ids.astype(np.int32).tobytes()
            u = uniq.get(raw)
            if u is None:
                u = uniq[raw] = len(arrays)
                arrays.append(ids.astype(np.int32))
            which[k] = u
        return {
            "sm_key": np.array([e[0] for e in entries], dtype=np.int32),
            "sm_index": index,
            "sm_state": states,
            "sm_which": which,
            "sm_ptr": np.cumsum([0] + [len(a) for a in arrays]).astype(np.int64),
            "sm_ids": np.concatenate(arrays or [np.zeros(0, dtype=np.int32)]).astype(np.int32),
        }

    def load_splits(self, a: dict[str, np.ndarray]) -> None:
        """Install the entries of :meth:`splits_to_arrays` in the memo."""
        ptr = a["sm_ptr"].tolist()
        ids_all = a["sm_ids"].astype(np.int64)
        values = [ids_all[ptr[k] : ptr[k + 1]] for k in range(len(ptr) - 1)]
        _put_paths(self.splits, a["sm_key"], a["sm_index"], a["sm_state"], a["sm_which"], values)

    def walks_to_arrays(self) -> dict[str, np.ndarray]:
        """The memo of token walks (every entry, with the stack states it read) and the
        first steps from the start, as flat arrays for the disk cache (:meth:`load_walks`).

        A value is a tuple of hypotheses ``((depth, pushed states), lexer state,
        constraint states)``, relative to the stack walked (first steps: depth 0 over no
        stack, the whole stack pushed); equal values are stored once.
        """
        entries = self.steps.entries()
        values: dict[tuple, int] = {}

        def value_id(value: tuple) -> int:
            got = values.get(value)
            if got is None:
                got = values[value] = len(values)
            return got

        width = max((len(o) for _k, o, _s, _v in entries), default=1)
        index = np.full((len(entries), width), -1, dtype=np.int16)
        states = np.full((len(entries), width), -1, dtype=np.int32)
        which = np.zeros(len(entries), dtype=np.int32)
        for k, (_key, order, st, value) in enumerate(entries):
            index[k, : len(order)] = order
            states[k, : len(st)] = st
            which[k] = value_id(value)
        init = self.initial_hyps()
        first = [(tok, res) for (hyps, tok), res in self._first_steps.items() if hyps == init]
        first_which = [value_id(tuple(((0, s), q, c) for s, q, c in res)) for _t, res in first]
        v_ptr, h_d, h_q, p_ptr, pushed_all, c_ptr, cons_all = [0], [], [], [0], [], [0], []
        for value in values:  # insertion order: the ids given above
            for (d, pushed), q, cons in value:
                h_d.append(d)
                h_q.append(q)
                while pushed is not None:
                    pushed_all.append(pushed[0])
                    pushed = pushed[1]
                p_ptr.append(len(pushed_all))
                cons_all.extend(cons)
                c_ptr.append(len(cons_all))
            v_ptr.append(len(h_d))
        return {
            "ws_key": np.array([e[0] for e in entries], dtype=np.int64),
            "ws_index": index,
            "ws_state": states,
            "ws_which": which,
            "ws_first_tok": np.array([t for t, _r in first], dtype=np.int32),
            "ws_first_which": np.array(first_which, dtype=np.int32),
            "ws_v_ptr": np.array(v_ptr, dtype=np.int64),
            "ws_h_d": np.array(h_d, dtype=np.int32),
            "ws_h_q": np.array(h_q, dtype=np.int32),
            "ws_p_ptr": np.array(p_ptr, dtype=np.int64),
            "ws_pushed": np.array(pushed_all, dtype=np.int32),
            "ws_c_ptr": np.array(c_ptr, dtype=np.int64),
            "ws_cons": np.array(cons_all, dtype=np.int32),
        }

    def load_walks(self, a: dict[str, np.ndarray]) -> None:
        """Install the entries of :meth:`walks_to_arrays` in the memos of :meth:`advance`."""
        p_ptr, pushed_all = a["ws_p_ptr"].tolist(), a["ws_pushed"].tolist()
        c_ptr, cons_all = a["ws_c_ptr"].tolist(), a["ws_cons"].tolist()
        hyps: list[tuple] = []
        for k, (d, q) in enumerate(zip(a["ws_h_d"].tolist(), a["ws_h_q"].tolist(),
                                       strict=True)):  # fmt: skip
            pushed = None
            for s in reversed(pushed_all[p_ptr[k] : p_ptr[k + 1]]):
                pushed = (s, pushed)
            view = _VIEW0 if d == 0 and pushed is None else (d, pushed)
            hyps.append((view, q, tuple(cons_all[c_ptr[k] : c_ptr[k + 1]])))
        v_ptr = a["ws_v_ptr"].tolist()
        values = [tuple(hyps[v_ptr[v] : v_ptr[v + 1]]) for v in range(len(v_ptr) - 1)]
        _put_paths(self.steps, a["ws_key"], a["ws_index"], a["ws_state"], a["ws_which"], values)
        init = self.initial_hyps()
        for tok, u in zip(a["ws_first_tok"].tolist(), a["ws_first_which"].tolist(),
                          strict=True):  # fmt: skip
            self._first_steps[(init, tok)] = tuple((view[1], q, c) for view, q, c in values[u])

    def _predecessors(self) -> list[list[int]]:
        """Per parser state, the states from which a transition leads to it."""
        lr = self.compiled.analysis.lalr
        preds: list[set[int]] = [set() for _ in range(len(lr.action))]
        for s, acts in enumerate(lr.action):
            for code in acts.values():
                if code >= 0:
                    preds[code].add(s)
        for s, gos in enumerate(lr.goto):
            for g in gos.values():
                preds[g].add(s)
        return [sorted(p) for p in preds]

    def _load_starts(
        self, qs: np.ndarray, idx: np.ndarray, states: np.ndarray, which: np.ndarray,
        table: np.ndarray,
    ) -> None:  # fmt: skip
        masks = [Mask(row[:-1], bool(row[-1])) for row in table]
        _put_paths(self.masks, qs, idx, states, which, masks)

    def mask_of(self, hyps: Iterable[Hyp]) -> Mask:
        """The mask of a set of hypotheses (the union of theirs)."""
        out: Mask | None = None
        find = self.masks.find
        for stack, q, cons in hyps:
            m = find(q, stack)
            if m is None:
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
        vocab = self.compiled.vocab
        if vocab.first == vocab.tokens:
            return self.mask_of(self.initial_hyps())
        lx = self.compiled.analysis.lexer
        stack, q, _ = self.initial_hyps()[0]
        walker = _Walker(lx, TokenMatrix.build(list(vocab.first), lx.byte_class), self.n_tokens)
        groups, boundary, _splits = walker.cont(q)
        reader = Reader(stack, self.bottom)
        allowed: list[int] = []
        for rid, ids in groups.items():
            r = int.from_bytes(walker.reach_rows[rid].tobytes(), "little")
            if any((r >> t) & 1 and self._viable_term(reader, t) for t in range(r.bit_length())):
                allowed.extend(ids.tolist())
        for tok in boundary.tolist():
            res, _ = self._walk(reader, [(_VIEW0, q, ())], self.first[tok], cont_first=True)  # type: ignore[arg-type]
            if any(self._viable(reader, v, q2) for v, q2, _c in res):
                allowed.append(tok)
        bits = pack(np.array(allowed, dtype=np.int64), self.n_tokens)
        eos = self.shifter.accepts_end(reader, _VIEW0)
        if eos:
            bits |= self.eos_bits
        empty = [i for i, t in enumerate(self.first) if t == b""]
        if empty and bits.any():
            bits |= pack(np.array(empty, dtype=np.int64), self.n_tokens)
        return Mask(bits, eos)

    def _viable_term(self, reader: Reader, term: int) -> bool:
        if (self.safe_int[reader.get(0)] >> term) & 1:
            return True
        return self.shifter.feed(reader, _VIEW0, term) is not None

    # ------------------------------------------------------------------ transitions

    def root(self) -> Any:
        """A fresh state tree for one decoding run (its root: nothing generated yet)."""
        from .matcher import State

        return State(self.initial_hyps(), None, first=True)

    def spell(self, ids: Iterable[int]) -> str:
        """The text of ``ids`` (for messages)."""
        return self.compiled.vocab.decode(list(ids)).decode("utf-8", "replace")

    def initial_hyps(self) -> tuple[Hyp, ...]:
        stack = (self.start_state, None)
        return ((stack, self.start_of_lr[self.start_state], ()),)

    def advance(self, hyps: Iterable[Hyp], token: int, first: bool = False) -> tuple[Hyp, ...]:
        """Hypotheses after ``token`` (empty when it is not allowed).

        The walk of a token from a lexer state is memoised like a mask: by (state, token)
        and the stack states it read; the result is kept relative to the stack (views).
        """
        if first:
            # The first token always starts from the same hypotheses: remember its result.
            key0 = (tuple(hyps), token)
            hit = self._first_steps.get(key0)
            if hit is None:
                hit = self._first_steps[key0] = self._advance(key0[0], token, True)
            return hit
        return self._advance(hyps, token, False)

    def _advance(self, hyps: Iterable[Hyp], token: int, first: bool) -> tuple[Hyp, ...]:
        data = (self.first if first else self.tokens)[token]
        if data is None:
            return ()
        out: list[Hyp] = []
        reach, safe, lexed = self.reach, self.safe_int, self._lexed
        for stack, q, cons in hyps:
            if cons or first:
                out.extend(self._advance_exact(stack, q, cons, data))
                continue
            # Fast path: no lexeme can end inside the token, so the walk is the lexer's
            # alone (:meth:`_lex_only`, kept per state and token); a terminal of the lexeme
            # reached that the stack's top state shifts whatever lies below keeps it alive.
            # No memo, no parser.
            key = q * self.n_tokens + token
            cur = lexed.get(key)
            if cur is None:
                cur = lexed[key] = self._lex_only(q, data)
            if cur >= 0 and stack is not None and reach[cur] & safe[stack[0]]:
                out.append((stack, cur, ()))
                continue
            res = self.steps.find(key, stack)
            if res is None:
                self.steps.misses += 1
                reader = Reader(stack, self.bottom)
                walked, _ = self._walk(reader, [(_VIEW0, q, ())], data)
                res = tuple(h for h in walked if self._viable(reader, h[0], h[1]))
                self.steps.put(key, reader, res)
            for view, q2, cons2 in res:
                out.append((stack if view is _VIEW0 else materialise(stack, view), q2, cons2))
        if len(out) > 1:
            out = list(dict.fromkeys(out))
        return tuple(out)

    def _lex_only(self, q: int, data: bytes) -> int:
        """The lexer state after ``data`` from ``q`` when no lexeme can end inside it (at
        each byte the state is not accepting, or the byte goes on to an accepting state:
        longest match), else -1."""
        rows, lab = self.rows, self.lab
        cur = q
        for b in data:
            nx = rows[cur][b]
            if nx < 0 or (lab[cur] >= 0 and lab[nx] < 0):
                return -1
            cur = nx
        return cur

    def _advance_exact(self, stack: Stack, q: int, cons: tuple, data: bytes) -> list[Hyp]:
        reader = Reader(stack, self.bottom)
        res, _ = self._walk(reader, [(_VIEW0, q, cons)], data)
        return [
            (materialise(stack, view), q2, cons2)
            for view, q2, cons2 in res
            if self._viable(reader, view, q2)
        ]

    def can_end(self, hyps: Iterable[Hyp]) -> bool:
        """Whether the text so far is a complete sentence."""
        for stack, q, _cons in hyps:
            reader = Reader(stack, self.bottom)
            term = self.lab[q]
            if term >= 0:
                view = _VIEW0 if self.ign[q] else self.shifter.feed(reader, _VIEW0, term)
                if view is not None and self.shifter.accepts_end(reader, view):
                    return True
            elif q in self.is_start and self.shifter.accepts_end(reader, _VIEW0):
                return True
        return False


def _put_paths(
    memo: Any, keys: np.ndarray, index: np.ndarray, states: np.ndarray, which: np.ndarray,
    values: Sequence[Any],
) -> None:  # fmt: skip
    """Install cached memo entries: for each row, the key, the stack depths read (padded
    with -1), the states found there, and which of ``values`` the entry holds."""
    put = memo.put_path
    for key, ri, rs, u in zip(keys.tolist(), index.tolist(), states.tolist(), which.tolist(),
                              strict=True):  # fmt: skip
        order = [i for i in ri if i >= 0]
        put(key, order, rs[: len(order)], values[u])
