"""Lark's LALR(1) table as integers, and a parser state on a persistent linked stack.

The decoder drives exactly the table Lark parses with, so "the parser accepts this
terminal here" means what it means to Lark. A stack is a linked list of ``(state,
parent)`` tuples: pushing shares the parent, so forking a beam is O(1) and a state is never
mutated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import lark
import numpy as np
from lark.parsers.lalr_analysis import Shift

NO_ACTION = np.iinfo(np.int32).min
END = "$END"

#: A parser stack: ``(state, parent)``, ``None`` below the bottom.
Stack = tuple | None


@dataclass
class LALRTables:
    """Integer action/goto tables.

    Action codes: ``>= 0`` shift to that state, ``< 0`` reduce by rule ``~code``. The extra
    state ``bottom`` (one past the last) has no actions: it stands below the stack.
    """

    action: list[dict[int, int]]
    goto: list[dict[int, int]]
    rules: list[tuple[int, int]]  # (left-hand nonterminal id, right-hand length)
    start_state: int
    end_state: int
    end_term: int
    n_terms: int  # terminal ids 0..n_terms-1 plus end_term == n_terms
    #: Right-hand sides as symbols (``(True, terminal id)`` or ``(False, nonterminal id)``);
    #: only known when built from Lark, used by :meth:`safe_states`.
    rhs: list[tuple[tuple[bool, int], ...]] | None = None

    @property
    def bottom(self) -> int:
        return len(self.action) - 1

    @classmethod
    def from_lark(cls, parser: lark.Lark, term_ids: Mapping[str, int], start: str) -> LALRTables:
        """Read the table of ``parser``; ``term_ids`` numbers its terminals."""
        table = parser.parser.parser.parser.parse_table
        n_terms = len(term_ids)
        end_term = n_terms
        states = sorted(table.states)
        if states != list(range(len(states))):  # pragma: no cover - lark numbers densely
            raise ValueError("unexpected LALR state numbering")
        nonterms: dict[str, int] = {}
        rule_ids: dict[object, int] = {}
        rules: list[tuple[int, int]] = []
        action: list[dict[int, int]] = []
        goto: list[dict[int, int]] = []
        rhs_names: list[list[str]] = []
        for s in states:
            acts: dict[int, int] = {}
            gos: dict[int, int] = {}
            for sym, (kind, arg) in table.states[s].items():
                if sym == END or sym in term_ids:
                    tid = end_term if sym == END else term_ids[sym]
                    if kind is Shift:
                        acts[tid] = int(arg)
                    else:
                        r = rule_ids.get(arg)
                        if r is None:
                            lhs = nonterms.setdefault(arg.origin.name, len(nonterms))
                            r = rule_ids[arg] = len(rules)
                            rules.append((lhs, len(arg.expansion)))
                            rhs_names.append([x.name for x in arg.expansion])
                        acts[tid] = ~r
                else:
                    gos[nonterms.setdefault(sym, len(nonterms))] = int(arg)
            action.append(acts)
            goto.append(gos)
        action.append({})
        goto.append({})

        def symbol(x: str) -> tuple[bool, int]:
            if x in term_ids:
                return (True, term_ids[x])
            return (False, nonterms.setdefault(x, len(nonterms)))

        rhs = [tuple(symbol(x) for x in names) for names in rhs_names]
        return cls(
            action,
            goto,
            rules,
            int(table.start_states[start]),
            int(table.end_states[start]),
            end_term,
            n_terms,
            rhs,
        )

    # ------------------------------------------------------------ arrays for the disk cache

    def to_arrays(self) -> dict[str, np.ndarray]:
        n = len(self.action)
        n_nt = 1 + max((lhs for lhs, _ in self.rules), default=0)
        n_nt = max(n_nt, 1 + max((k for g in self.goto for k in g), default=0))
        act = np.full((n, self.n_terms + 1), NO_ACTION, dtype=np.int32)
        got = np.full((n, n_nt), -1, dtype=np.int32)
        for s, acts in enumerate(self.action):
            for t, code in acts.items():
                act[s, t] = code
        for s, gos in enumerate(self.goto):
            for a, g in gos.items():
                got[s, a] = g
        return {
            "lr_action": act,
            "lr_goto": got,
            "lr_rules": np.array(self.rules, dtype=np.int32).reshape(-1, 2),
            "lr_meta": np.array([self.start_state, self.end_state, self.end_term, self.n_terms]),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> LALRTables:
        act, got = arrays["lr_action"], arrays["lr_goto"]
        action = []
        for row in act:
            idx = np.nonzero(row != NO_ACTION)[0]
            action.append(dict(zip(idx.tolist(), row[idx].tolist(), strict=True)))
        goto = []
        for row in got:
            idx = np.nonzero(row >= 0)[0]
            goto.append(dict(zip(idx.tolist(), row[idx].tolist(), strict=True)))
        start, end, end_term, n_terms = (int(x) for x in arrays["lr_meta"])
        rules = [(int(a), int(b)) for a, b in arrays["lr_rules"]]
        return cls(action, goto, rules, start, end, end_term, n_terms)

    # ------------------------------------------------------------ running the table

    def initial(self) -> Stack:
        """The stack before any input."""
        return (self.start_state, None)

    def feed(self, stack: Stack, term: int) -> Stack:
        """The stack after shifting ``term`` (reducing first), or None if it is an error."""
        action, goto, rules = self.action, self.goto, self.rules
        bottom = len(action) - 1
        node = stack
        while True:
            code = action[node[0] if node is not None else bottom].get(term)
            if code is None:
                return None
            if code >= 0:
                return (code, node)
            lhs, n = rules[~code]
            for _ in range(n):
                node = node[1]  # type: ignore[index]
            node = (goto[node[0] if node is not None else bottom][lhs], node)

    def accepts_end(self, stack: Stack) -> bool:
        """Whether the input may end here (Lark's test: reduce on $END to the end state)."""
        action, goto, rules = self.action, self.goto, self.rules
        bottom = len(action) - 1
        node = stack
        while True:
            code = action[node[0] if node is not None else bottom].get(self.end_term)
            if code is None or code >= 0:
                return False
            lhs, n = rules[~code]
            for _ in range(n):
                node = node[1]  # type: ignore[index]
            g = goto[node[0] if node is not None else bottom][lhs]
            if g == self.end_state:
                return True
            node = (g, node)

    # ------------------------------------------------------------ static analysis

    def safe_states(self) -> np.ndarray:
        """Per state: whether every terminal with an action there is surely shiftable."""
        safe = self.safe_terms()
        n = len(self.action) - 1
        out = np.ones(n + 1, dtype=bool)
        for s in range(n):
            out[s] = all((s, t) in safe for t in self.action[s] if t != self.end_term)
        return out

    def safe_terms(self) -> set[tuple[int, int]]:
        """The (state, terminal) pairs where the terminal is surely shiftable.

        LALR merges lookaheads, so a terminal with a reduce action may still fail after
        the reductions, depending on the stack below. A state is *safe* when that cannot
        happen whatever lies below (a greatest fixed point over all stacks the table
        allows, an over-approximation). Masks precomputed per lexer state assume every
        terminal of the lexer's context is shiftable; in unsafe states the decoder checks.
        """
        if self.rhs is None:
            raise ValueError("safe_states needs the tables built from Lark")
        n = len(self.action) - 1
        # Reverse transitions by symbol: rev[(state, symbol)] = predecessor states.
        rev: dict[tuple[int, tuple[bool, int]], set[int]] = {}
        for s in range(n):
            for t, code in self.action[s].items():
                if code >= 0:
                    rev.setdefault((code, (True, t)), set()).add(s)
            for a, g in self.goto[s].items():
                rev.setdefault((g, (False, a)), set()).add(s)
        pred_cache: dict[tuple[int, int], frozenset[int]] = {}

        def preds(s: int, rule: int) -> frozenset[int]:
            key = (s, rule)
            if key not in pred_cache:
                cur = {s}
                for sym in reversed(self.rhs[rule]):  # type: ignore[index]
                    cur = {p for c in cur for p in rev.get((c, sym), ())}
                pred_cache[key] = frozenset(cur)
            return pred_cache[key]

        safe = {(s, t) for s in range(n) for t in self.action[s] if t != self.end_term}
        changed = True
        while changed:
            changed = False
            for s, t in list(safe):
                code = self.action[s][t]
                if code >= 0:
                    continue
                lhs = self.rules[~code][0]
                for p in preds(s, ~code):
                    g = self.goto[p].get(lhs)
                    if g is not None and (g, t) not in safe:
                        safe.discard((s, t))
                        changed = True
                        break
        return safe
