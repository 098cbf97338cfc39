"""Per lexer state, what every token does there, computed once for all tokens with numpy.

For each state ``q`` of the lexer automaton the tokens are walked together, byte by byte
(one gather per byte position), along the *main branch*: the lexeme goes on while it can,
and an ignored lexeme (whitespace) that cannot go on ends and a new lexeme starts in the
same context (no parser involved). What comes out, per state:

* **groups** - tokens after which the main branch is still inside a lexeme, grouped by the
  set of terminals that lexeme can still become. At run time a group is allowed when one
  of its terminals is shiftable, which the parser answers once per group, not per token.
  (XGrammar's context-independent tokens; SynCode's mask store.)
* **boundary tokens** - tokens that end a non-ignored lexeme inside them (or could end one
  where the lexeme could also go on): only these need the parser, token by token.
* **Fok** - tokens along which no lexeme ending at ``q`` could be extended to a longer
  match: Lark takes the longest match, so a lexeme ended at ``q`` stays valid only then.

The first byte must continue the lexeme of ``q``; ending it first is the parser's business
(the engine feeds the terminal once and looks up the next context's masks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lexer import LexerTables


@dataclass
class TokenMatrix:
    """Token contributions as byte classes, padded, with the ids they stand for."""

    ids: np.ndarray  # (n,) token ids
    classes: np.ndarray  # (n, L) int32 byte classes, -1 past the end
    lengths: np.ndarray  # (n,) bytes per token
    by_first: list[np.ndarray]  # per first class, row indices (tokens of length >= 1)
    row_of: np.ndarray  # (n_tokens,) row of each token id, -1 for empty or never-allowed

    @classmethod
    def build(cls, spelled: list[bytes | None], byte_class: np.ndarray) -> TokenMatrix:
        rows = [(i, t) for i, t in enumerate(spelled) if t]
        ids = np.array([i for i, _ in rows], dtype=np.int64)
        width = max((len(t) for _, t in rows), default=1)
        raw = np.full((len(rows), width), -1, dtype=np.int32)
        for k, (_, t) in enumerate(rows):
            raw[k, : len(t)] = np.frombuffer(t, dtype=np.uint8)
        classes = np.where(raw >= 0, byte_class[np.maximum(raw, 0)], -1).astype(np.int32)
        lengths = np.array([len(t) for _, t in rows], dtype=np.int32)
        n_cls = int(byte_class.max()) + 1
        first = classes[:, 0] if len(rows) else np.zeros(0, dtype=np.int32)
        by_first = [np.nonzero(first == c)[0] for c in range(n_cls)]
        row_of = np.full(len(spelled), -1, dtype=np.int64)
        row_of[ids] = np.arange(len(ids))
        return cls(ids, classes, lengths, by_first, row_of)


def words(n_tokens: int) -> int:
    """32-bit words in a bitmask over ``n_tokens`` tokens."""
    return (n_tokens + 31) // 32


def pack(token_ids: np.ndarray, n_tokens: int) -> np.ndarray:
    """A uint32 bitmask with the bits of ``token_ids`` set (bit ``i % 32`` of word ``i // 32``)."""
    flags = np.zeros(words(n_tokens) * 32, dtype=bool)
    flags[token_ids] = True
    return np.packbits(flags, bitorder="little").view("<u4").astype(np.uint32)


@dataclass
class StateTables:
    """Per-state precomputation, as flat arrays (CSR by state)."""

    grp_ptr: np.ndarray  # (n_states + 1,)
    grp_reach: np.ndarray  # (n_groups, reach words) uint64: terminals the lexeme can become
    grp_bits: np.ndarray  # (n_groups, W) uint32
    sp_ptr: np.ndarray  # (n_states + 1,): the split groups of each state
    sg_state: np.ndarray  # per split group: the lexer state whose lexeme ends there
    sg_ptr: np.ndarray  # (n_groups + 1,): the splits of each group
    rec_tok: np.ndarray  # per split: token id
    rec_off: np.ndarray  # per split: offset in the token where the next lexeme starts
    fok: np.ndarray  # (n_states, W) uint32

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {f"st_{k}": v for k, v in self.__dict__.items()}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> StateTables:
        return cls(**{k[3:]: a[k] for k in a if k.startswith("st_")})


class _Walker:
    """Vectorised walks of a token matrix through the lexer automaton."""

    def __init__(self, lexer: LexerTables, tokens: TokenMatrix, n_tokens: int) -> None:
        self.lx = lexer
        self.tm = tokens
        self.n_tokens = n_tokens
        n = lexer.n_states
        # One extra row for the dead state (-1 indexes the last row).
        self.trans = np.vstack([lexer.trans, np.full((1, lexer.trans.shape[1]), -1, np.int32)])
        self.label = np.append(lexer.label, -1).astype(np.int32)
        self.lab_ign = np.append(lexer.label_ignored, False)
        ctx = np.append(lexer.state_ctx, -1)
        self.restart = np.where(ctx >= 0, lexer.ctx_start[np.maximum(ctx, 0)], -1).astype(np.int32)
        reach_keys = [lexer.reach[q].tobytes() for q in range(n)]
        uniq: dict[bytes, int] = {}
        self.reach_id = np.array([uniq.setdefault(k, len(uniq)) for k in reach_keys], np.int32)
        self.reach_rows = np.array([np.frombuffer(k, np.uint64) for k in uniq], dtype=np.uint64)

    def candidates(self, q: int) -> np.ndarray:
        alive = np.nonzero(self.lx.trans[q] >= 0)[0]
        if not len(alive):
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([self.tm.by_first[c] for c in alive])

    def cont(
        self, q: int, rows: np.ndarray | None = None
    ) -> tuple[dict[int, np.ndarray], np.ndarray, list[tuple[int, int, int]]]:
        """Main-branch walk from ``q`` whose first byte continues the lexeme.

        Returns the groups (reach-set id -> token ids whose main branch survives and ends
        in a state with that reach set), the boundary token ids (main branch dies, but a
        lexeme could end on the way) and, for those, every *split*: ``(token id, offset,
        state)``, a place on the main branch where the lexeme in ``state`` may end before
        the byte at ``offset``.
        """
        tm, trans, label, ign = self.tm, self.trans, self.label, self.lab_ign
        if rows is None:
            rows = self.candidates(q)
        cls = tm.classes[rows]
        lens = tm.lengths[rows]
        cur = trans[q, cls[:, 0]]
        alive = cur >= 0
        flagged = np.zeros(len(rows), dtype=bool)
        splits: list[tuple[np.ndarray, int, np.ndarray]] = []
        for k in range(1, cls.shape[1]):
            act = np.nonzero(alive & (lens > k))[0]
            if not len(act):
                break
            c = cur[act]
            b = cls[act, k]
            nx = trans[c, b]
            lab = label[c]
            acc = lab >= 0
            nx_acc = label[nx] >= 0
            dead = nx < 0
            # An end-here alternative exists where a lexeme could end and its extension is
            # not itself a match: ended non-ignored lexemes need the parser; ambiguous ends of
            # ignored ones are walked exactly too.
            side = acc & ~nx_acc & (~dead | ~ign[c])
            if side.any():
                flagged[act[side]] = True
                splits.append((act[side], k, c[side]))
            restart = dead & acc & ign[c]
            if restart.any():
                r = np.nonzero(restart)[0]
                nx[r] = trans[self.restart[c[r]], b[r]]
            alive[act[nx < 0]] = False
            cur[act] = nx
        groups: dict[int, np.ndarray] = {}
        ok = np.nonzero(alive)[0]
        if len(ok):
            rid = self.reach_id[cur[ok]]
            order = np.argsort(rid, kind="stable")
            rid_sorted = rid[order]
            cuts = np.nonzero(np.diff(rid_sorted))[0] + 1
            for part in np.split(order, cuts):
                groups[int(rid[part[0]])] = tm.ids[rows[ok[part]]]
        boundary = flagged & ~alive
        records = [
            (int(tm.ids[rows[i]]), k, int(st))
            for idx, k, states in splits
            for i, st in zip(idx.tolist(), states.tolist(), strict=True)
            if boundary[i]
        ]
        return groups, tm.ids[rows[boundary]], records

    def remainders(
        self, toks: np.ndarray, offs: np.ndarray, start: int, cons: int
    ) -> tuple[
        dict[int, np.ndarray],
        dict[int, tuple[np.ndarray, np.ndarray]],
        tuple[np.ndarray, np.ndarray],
    ]:
        """Main-branch walk of token remainders ``toks[i][offs[i]:]`` from the start state
        ``start``, under the constraint that the lexer state ``cons`` (a lexeme just ended)
        never reaches a match.

        Returns the groups (reach-set id -> token ids), the splits (state -> token ids and
        offsets where a lexeme in that state may end) and the *complex* token ids, whose
        split happens while the constraint is still alive (left to the exact walk), with
        their offsets.
        """
        tm, trans, label, ign = self.tm, self.trans, self.label, self.lab_ign
        rows = tm.row_of[toks]
        lens = tm.lengths[rows]
        n = len(rows)
        idx = np.arange(n)
        b = tm.classes[rows, offs]
        cur = trans[start, b]
        f = trans[cons, b]
        alive = (cur >= 0) & (label[f] < 0)
        f_alive = f >= 0
        flagged = np.zeros(n, dtype=bool)
        complex_ = np.zeros(n, dtype=bool)
        splits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        k = 1
        while True:
            pos = offs + k
            act = np.nonzero(alive & (pos < lens))[0]
            if not len(act):
                break
            c = cur[act]
            bb = tm.classes[rows[act], pos[act]]
            nx = trans[c, bb]
            lab = label[c]
            acc = lab >= 0
            nx_acc = label[nx] >= 0
            dead = nx < 0
            side = acc & ~nx_acc & (~dead | ~ign[c])
            if side.any():
                flagged[act[side]] = True
                simple = side & ~f_alive[act]
                if simple.any():
                    splits.append((act[simple], pos[act[simple]], c[simple]))
                complex_[act[side & f_alive[act]]] = True
            # the constraint moves on with the bytes; a match kills the main branch
            fa = np.nonzero(f_alive[act])[0]
            if len(fa):
                f2 = trans[f[act[fa]], bb[fa]]
                bad = label[f2] >= 0
                alive[act[fa[bad]]] = False
                f[act[fa]] = f2
                f_alive[act[fa]] = f2 >= 0
            restart = dead & acc & ign[c]
            if restart.any():
                r = np.nonzero(restart)[0]
                nx[r] = trans[self.restart[c[r]], bb[r]]
            alive[act[nx < 0]] = False
            cur[act] = nx
            k += 1
        del idx
        groups: dict[int, np.ndarray] = {}
        ok = np.nonzero(alive)[0]
        if len(ok):
            rid = self.reach_id[cur[ok]]
            order = np.argsort(rid, kind="stable")
            cuts = np.nonzero(np.diff(rid[order]))[0] + 1
            for part in np.split(order, cuts):
                groups[int(rid[part[0]])] = toks[ok[part]]
        died = ~alive
        by_state: dict[int, tuple[list, list]] = {}
        for sel, pos, states in splits:
            keep = died[sel] & ~complex_[sel]
            for i, p, st in zip(sel[keep].tolist(), pos[keep].tolist(), states[keep].tolist(),
                                strict=True):  # fmt: skip
                entry = by_state.setdefault(st, ([], []))
                entry[0].append(int(toks[i]))
                entry[1].append(p)
        split_out = {
            st: (np.array(t, dtype=np.int64), np.array(o, dtype=np.int64))
            for st, (t, o) in sorted(by_state.items())
        }
        hard = complex_ & died
        return groups, split_out, (toks[hard], offs[hard])

    def fok(self, q: int) -> np.ndarray:
        """Token ids along which the lexer, started at ``q``, never reaches a match."""
        tm, trans, label = self.tm, self.trans, self.label
        n = len(tm.ids)
        cur = trans[q, tm.classes[:, 0]]
        ok = label[cur] < 0
        live = ok & (cur >= 0)
        for k in range(1, tm.classes.shape[1]):
            act = np.nonzero(live & (tm.lengths > k))[0]
            if not len(act):
                break
            nx = trans[cur[act], tm.classes[act, k]]
            bad = label[nx] >= 0
            ok[act[bad]] = False
            live[act[bad | (nx < 0)]] = False
            cur[act] = nx
        del n
        return tm.ids[ok]


def precompute(
    lexer: LexerTables, tokens: TokenMatrix, n_tokens: int, spelled: list[bytes | None]
) -> StateTables:
    """Groups, boundary tokens and Fok for every lexer state."""
    walker = _Walker(lexer, tokens, n_tokens)
    n = lexer.n_states
    w = words(n_tokens)
    grp_ptr = [0]
    grp_reach: list[np.ndarray] = []
    grp_bits: list[np.ndarray] = []
    sp_ptr = [0]
    sg_state: list[int] = []
    sg_ptr = [0]
    rec_tok: list[int] = []
    rec_off: list[int] = []
    fok = np.zeros((n, w), dtype=np.uint32)
    for q in range(n):
        groups, _boundary, records = walker.cont(q)
        for rid, ids in sorted(groups.items()):
            grp_reach.append(walker.reach_rows[rid])
            grp_bits.append(pack(ids, n_tokens))
        grp_ptr.append(len(grp_bits))
        by_state: dict[int, list[tuple[int, int]]] = {}
        for tok, off, st in records:
            by_state.setdefault(st, []).append((tok, off))
        for st, recs in sorted(by_state.items()):
            for tok, off in recs:
                rec_tok.append(tok)
                rec_off.append(off)
            sg_state.append(st)
            sg_ptr.append(len(rec_tok))
        sp_ptr.append(len(sg_state))
        fok[q] = pack(walker.fok(q), n_tokens)
    n_rw = lexer.reach.shape[1]
    return StateTables(
        np.array(grp_ptr, dtype=np.int64),
        np.array(grp_reach, dtype=np.uint64).reshape(-1, n_rw),
        np.array(grp_bits, dtype=np.uint32).reshape(-1, w),
        np.array(sp_ptr, dtype=np.int64),
        np.array(sg_state, dtype=np.int32),
        np.array(sg_ptr, dtype=np.int64),
        np.array(rec_tok, dtype=np.int32),
        np.array(rec_off, dtype=np.int32),
        fok,
    )
