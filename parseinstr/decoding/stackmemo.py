"""Memoising on parser stacks: read-tracking readers, decision trees, memoised shifts.

A result computed from a parser stack usually depends on a few states near the top. The
computation reads the stack through a :class:`Reader`, which records which depths it
looked at, in order; the result is stored in a decision tree that branches on exactly
those states (:class:`DecisionMemo`). Any other stack that agrees on them reaches the same
leaf, however deep or different it is elsewhere. Reads happen in an order fixed by what was
read before, so the tree is consistent: where two stacks first differ, both computations
read that depth.

Work on a stack during a computation is done on *views*: ``(d, pushed)``, the original
stack with its top ``d`` states popped and the linked states ``pushed`` on top, so nothing
is allocated for states that are not kept. :class:`Shifter` feeds a terminal to a view
(reductions, then shift), memoised per terminal in such a tree.
"""

from __future__ import annotations

from typing import Any

Stack = Any  # (state, parent) | None
View = tuple  # (depth into the original stack, pushed states as a linked tuple | None)


class Reader:
    """Reads a persistent stack by depth and records the depths read, in order."""

    __slots__ = ("node", "orig", "order", "seen", "bottom")

    def __init__(self, stack: Stack, bottom: int) -> None:
        self.node = stack
        self.orig: list[int] = []
        self.order: list[int] = []
        self.seen: set[int] = set()
        self.bottom = bottom

    def get(self, d: int) -> int:
        if d not in self.seen:
            self.seen.add(d)
            self.order.append(d)
        orig = self.orig
        while len(orig) <= d:
            n = self.node
            if n is None:
                orig.append(self.bottom)
            else:
                orig.append(n[0])
                self.node = n[1]
        return orig[d]

    def top(self, view: View) -> int:
        """The top state of a view."""
        pushed = view[1]
        return pushed[0] if pushed is not None else self.get(view[0])


class _Tree:
    """Decision trees coded in integers, so that the garbage collector never scans them.

    A node code ``c >= 0`` is an inner node: ``index[c]`` is the depth it reads, and its
    child for state ``s`` is ``kids[c * width + s]``. A code ``c < 0`` is a leaf holding
    ``values[~c]``. The dictionaries hold only integers, which CPython leaves untracked:
    a memo of a hundred thousand nodes adds nothing to a full collection's work (a tree
    of objects would, and its growth would trigger such collections mid-decoding).
    """

    __slots__ = ("roots", "index", "kids", "values", "width")

    def __init__(self, width: int) -> None:
        self.roots: dict[int, int] = {}
        self.index: list[int] = []
        self.kids: dict[int, int] = {}
        self.values: list[Any] = []
        self.width = width

    def leaf(self, value: Any) -> int:
        self.values.append(value)
        return ~(len(self.values) - 1)

    def branch(self, index: int) -> int:
        self.index.append(index)
        return len(self.index) - 1

    def insert(self, key: int, order: list[int], states: list[int], value: Any) -> None:
        """Store ``value`` under the states ``states[k]`` read at depths ``order[k]``."""
        if not order:
            self.roots[key] = self.leaf(value)
            return
        node = self.roots.get(key)
        if node is None or node < 0:
            node = self.roots[key] = self.branch(order[0])
        index, kids, width = self.index, self.kids, self.width
        last = len(order) - 1
        for k, i in enumerate(order):
            if index[node] != i:  # pragma: no cover - reads are deterministic
                raise RuntimeError("inconsistent stack reads in a memoised computation")
            slot = node * width + states[k]
            if k == last:
                kids[slot] = self.leaf(value)
                return
            nxt = kids.get(slot)
            if nxt is None or nxt < 0:
                nxt = kids[slot] = self.branch(order[k + 1])
            node = nxt

    def __len__(self) -> int:
        return len(self.values)


def _nth(stack: Stack, states: list[int], node_box: list, i: int, bottom: int) -> int:
    while len(states) <= i:
        n = node_box[0]
        if n is None:
            states.append(bottom)
        else:
            states.append(n[0])
            node_box[0] = n[1]
    return states[i]


class DecisionMemo:
    """Values keyed by an integer and by the stack states their computation read."""

    __slots__ = ("tree", "bottom", "hits", "misses")

    def __init__(self, bottom: int) -> None:
        self.tree = _Tree(bottom + 1)
        self.bottom = bottom
        self.hits = 0
        self.misses = 0

    def get(self, key: int, stack: Stack) -> tuple[Any, list[int]]:
        """The stored value for ``stack`` (None if absent) and the depths looked at."""
        tree = self.tree
        node = tree.roots.get(key)
        reads: list[int] = []
        if node is not None and node >= 0:
            index, kids, width = tree.index, tree.kids, tree.width
            states: list[int] = []
            box = [stack]
            bottom = self.bottom
            while node is not None and node >= 0:
                i = index[node]
                reads.append(i)
                s = states[i] if i < len(states) else _nth(stack, states, box, i, bottom)
                node = kids.get(node * width + s)
        if node is None:
            self.misses += 1
            return None, reads
        self.hits += 1
        return tree.values[~node], reads

    def find(self, key: int, stack: Stack) -> Any:
        """:meth:`get` without the depths read (the hot path of a step): the value, or
        None (then counted by :meth:`get`)."""
        tree = self.tree
        node = tree.roots.get(key)
        if node is None:
            return None
        if node >= 0:
            index, kids, width = tree.index, tree.kids, tree.width
            states: list[int] = []
            rest = stack
            while node >= 0:
                i = index[node]
                while len(states) <= i:
                    if rest is None:
                        states.append(self.bottom)
                    else:
                        states.append(rest[0])
                        rest = rest[1]
                node = kids.get(node * width + states[i])
                if node is None:
                    return None
        self.hits += 1
        return tree.values[~node]

    def get_view(self, key: int, reader: Reader, view: View) -> Any:
        """The stored value for the stack ``view`` describes over ``reader``'s stack (None
        if absent), read without building that stack; the reads below the pushed states
        are recorded in ``reader``. Hits are counted; misses are left to :meth:`get`."""
        tree = self.tree
        node = tree.roots.get(key)
        if node is None:
            return None
        if node >= 0:
            d, pushed = view
            plist: list[int] = []
            while pushed is not None:
                plist.append(pushed[0])
                pushed = pushed[1]
            n = len(plist)
            index, kids, width = tree.index, tree.kids, tree.width
            while node >= 0:
                i = index[node]
                node = kids.get(node * width + (plist[i] if i < n else reader.get(d + i - n)))
                if node is None:
                    return None
        self.hits += 1
        return tree.values[~node]

    def put(self, key: int, reader: Reader, value: Any) -> None:
        """Store ``value`` under the states ``reader`` read (in its order)."""
        orig = reader.orig
        self.tree.insert(key, reader.order, [orig[i] for i in reader.order], value)

    def entries(self) -> list[tuple[int, list[int], list[int], Any]]:
        """Every stored value as ``(key, depths read, states read, value)``."""
        tree = self.tree
        width = tree.width
        children: dict[int, list[tuple[int, int]]] = {}
        for slot, child in tree.kids.items():
            children.setdefault(slot // width, []).append((slot % width, child))
        out: list[tuple[int, list[int], list[int], Any]] = []
        for key, root in tree.roots.items():
            todo: list[tuple[int, list[int], list[int]]] = [(root, [], [])]
            while todo:
                node, order, states = todo.pop()
                if node < 0:
                    out.append((key, order, states, tree.values[~node]))
                    continue
                depth = tree.index[node]
                for s, child in children.get(node, ()):
                    todo.append((child, [*order, depth], [*states, s]))
        return out

    def put_path(self, key: int, order: list[int], states: list[int], value: Any) -> None:
        """Store ``value`` under explicit reads (depths ``order``, states ``states``)."""
        self.tree.insert(key, order, states, value)


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


def pushed_len(pushed: tuple | None) -> int:
    n = 0
    while pushed is not None:
        n += 1
        pushed = pushed[1]
    return n


_FAIL = ("fail",)


class _VirtualReader:
    """Reads the stack a view describes, by depth, recording the depths read."""

    __slots__ = ("plist", "reader", "d", "order", "seen", "states")

    def __init__(self, plist: list[int], reader: Reader, d: int) -> None:
        self.plist, self.reader, self.d = plist, reader, d
        self.order: list[int] = []
        self.seen: set[int] = set()
        self.states: dict[int, int] = {}

    def get(self, i: int) -> int:
        n = len(self.plist)
        s = self.plist[i] if i < n else self.reader.get(self.d + i - n)
        if i not in self.seen:
            self.seen.add(i)
            self.order.append(i)
            self.states[i] = s
        return s


class Shifter:
    """Feeds terminals to views of stacks with Lark's table, memoised per terminal."""

    def __init__(self, action: list[dict[int, int]], goto: list[dict[int, int]], rules: list,
                 end_term: int, end_state: int, bottom: int) -> None:  # fmt: skip
        self.action, self.goto, self.rules = action, goto, rules
        self.end_term, self.end_state, self.bottom = end_term, end_state, bottom
        self.trees = _Tree(bottom + 1)
        # Per state, as bitsets over terminals: those it shifts, and those of each reduction
        # (for :meth:`viable_terms`, which reduces once for all the terminals that share it).
        self.shift_int: list[int] = []
        self.reduce_int: list[list[tuple[int, int]]] = []
        for acts in action:
            shift = 0
            red: dict[int, int] = {}
            for t, code in acts.items():
                if code >= 0:
                    shift |= 1 << t
                else:
                    red[code] = red.get(code, 0) | (1 << t)
            self.shift_int.append(shift)
            self.reduce_int.append(sorted(red.items()))

    def viable_terms(self, reader: Reader, view: View, terms: int) -> int:
        """Which of ``terms`` (a bitset) can be shifted at ``view``, reductions first.

        The terminals are taken together: each reduction is done once for all those that
        call for it, so a set costs about what its longest chain of reductions costs.
        """
        d, pushed = view
        s = pushed[0] if pushed is not None else reader.get(d)
        out = terms & self.shift_int[s]
        for code, tb in self.reduce_int[s]:
            sub = terms & tb
            if not sub:
                continue
            lhs, n = self.rules[~code]
            p, dd = pushed, d
            while n and p is not None:
                p = p[1]
                n -= 1
            dd += n
            below = p[0] if p is not None else reader.get(dd)
            g = self.goto[below].get(lhs)
            if g is not None:
                out |= self.viable_terms(reader, (dd, (g, p)), sub)
        return out

    def feed(self, reader: Reader, view: View, term: int) -> View | None:
        """The view after shifting ``term`` (reductions first), None if it is an error.

        The reductions are done on the view itself: a few dictionary lookups each, cheaper
        than a memo walk (:meth:`feed_memo`) on the stacks a first visit brings."""
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
            g = goto[s].get(lhs)
            if g is None:
                return None
            pushed = (g, pushed)
            s = g

    def feed_memo(self, reader: Reader, view: View, term: int) -> View | None:
        """:meth:`feed`, memoised per terminal on the states the reductions read."""
        d, pushed = view
        # A shift or an error is read off the top state; only reductions use the memo.
        code = self.action[pushed[0] if pushed is not None else reader.get(d)].get(term)
        if code is None:
            return None
        if code >= 0:
            return (d, (code, pushed))
        tree = self.trees
        node = tree.roots.get(term)
        plist: list[int] | None = None
        if pushed is not None:
            plist = []
            p = pushed
            while p is not None:
                plist.append(p[0])
                p = p[1]
        n = len(plist) if plist is not None else 0
        if node is not None and node >= 0:
            index, kids, width = tree.index, tree.kids, tree.width
            while node is not None and node >= 0:
                i = index[node]
                s = plist[i] if i < n else reader.get(d + i - n)  # type: ignore[index]
                node = kids.get(node * width + s)
        result = self._compute(reader, plist or [], d, term) if node is None else tree.values[~node]
        if result is _FAIL:
            return None
        k, new = result
        if k <= n:
            base = pushed
            for _ in range(k):
                base = base[1]  # type: ignore[index]
            d2 = d
        else:
            base = None
            d2 = d + k - n
        for s in new:
            base = (s, base)
        return (d2, base)

    def _compute(self, reader: Reader, plist: list[int], d: int, term: int) -> Any:
        vr = _VirtualReader(plist, reader, d)
        action, goto, rules = self.action, self.goto, self.rules
        popped = 0
        local: list[int] = []
        s = vr.get(0)
        while True:
            code = action[s].get(term)
            if code is None:
                result: Any = _FAIL
                break
            if code >= 0:
                local.append(code)
                result = (popped, tuple(local))
                break
            lhs, n = rules[~code]
            take = min(n, len(local))
            if take:
                del local[len(local) - take :]
            popped += n - take
            s = local[-1] if local else vr.get(popped)
            g = goto[s].get(lhs)
            if g is None:  # only below a stack's bottom (a stack made up for analysis)
                result = _FAIL
                break
            local.append(g)
            s = g
        # Store under the virtual depths read, in order.
        order = vr.order
        self.trees.insert(term, order, [vr.states[i] for i in order], result)
        return result

    def accepts_end(self, reader: Reader, view: View) -> bool:
        """Whether the input may end at this view (Lark: reduce on $END to the end state)."""
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
            g = goto[s].get(lhs)
            if g is None:
                return False
            if g == self.end_state:
                return True
            pushed = (g, pushed)
            s = g
