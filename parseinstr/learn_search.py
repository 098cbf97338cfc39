"""Bounded enumeration of small logical forms of a grammar, shortest first (cold start).

Forms are built bottom-up by *size*, the number of word and number tokens (brackets and
commas do not count; for the grid grammar this is the number of tree nodes). Which
lexemes a terminal may take is given per search: a terminal with a finite set of lexemes
is a keyword set (all allowed) unless the caller narrows it (to the slots of the
instruction); an infinite terminal (numbers, strings) takes only the instruction's words
that it matches. De-duplication by denotation (observational equivalence): among forms of
one nonterminal that are whole programs, only the first (shortest) with each denotation
is kept, and forms that fail to execute are dropped. That is a heuristic: it assumes a
part's meaning is its denotation from the start state, which holds for compositional
languages like the grid's action programs and is why it is optional.

Nothing here knows any environment: it reads the grammar and calls ``execute``.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ParseError, ParseInstrError
from .grammar import Grammar
from .learn_slots import finite_lexemes

_CONTENT = re.compile(r"[A-Za-z0-9]")


def form_size(form: str) -> int:
    """The size of a form: its word and number tokens (the length prior's measure).

    >>> form_size("seq(twice(around(left, jump)), walk)")
    6
    """
    return len(re.findall(r"[A-Za-z0-9_.]+|\"[^\"]*\"|'[^']*'", form))


def join_tokens(tokens: Sequence[str]) -> str:
    """Spell tokens as a form: ``(``, ``,`` and ``)`` attach, a space follows a comma."""
    out = ""
    for t in tokens:
        if not out:
            out = t
        elif t in ("(", ")", ",") or out.endswith("("):
            out += t
        elif out.endswith(","):
            out += " " + t
        else:
            out += " " + t
    return out


@dataclass
class _Rules:
    rules: dict[str, list[list[tuple[bool, str]]]]  # name -> expansions of (is_term, name)
    lexemes: dict[str, list[str] | None]  # terminal -> finite lexemes (None: infinite)
    patterns: dict[str, re.Pattern[str]]
    start: str
    spaced: bool


@functools.lru_cache(maxsize=16)
def _rules(grammar: Grammar) -> _Rules:
    parser = grammar.parser()
    rules: dict[str, list[list[tuple[bool, str]]]] = {}
    for rule in parser.rules:
        rules.setdefault(rule.origin.name, []).append([(s.is_term, s.name) for s in rule.expansion])
    lexemes = {t.name: finite_lexemes(t.pattern) for t in parser.terminals}
    patterns = {t.name: re.compile(t.pattern.to_regexp()) for t in parser.terminals}
    return _Rules(rules, lexemes, patterns, grammar.start, bool(parser.ignore_tokens))


class Enumerator:
    """Forms of ``grammar`` up to a size, smallest first, de-duplicated by denotation.

    Args:
        grammar: the (possibly slotted) grammar to enumerate.
        execute: form -> denotation (raises ``ParseInstrError`` when it cannot run); it
            receives the form as enumerated (callers fill slots inside it).
        key: denotation -> a hashable key for de-duplication (default: its JSON).
        allowed: terminal -> the lexemes it may take in this search (narrowing).
        words: the instruction's words (for terminals with infinitely many lexemes).
        dedupe: keep one form per denotation for whole-program nonterminals.
        max_per_cell: at most this many forms per (nonterminal, size).
        leaves: extra whole programs of size 1 (for templates: placeholders; for composition:
            forms of parts of the instruction), entered where the start symbol's programs are.
            With ``execute=None`` nothing runs and nothing is de-duplicated.
        keep: (form, denotation) -> whether a whole program is worth keeping; those it
            refuses (a form that says nothing about the instance) are dropped before
            de-duplication, so they cannot hide a meaningful form with their denotation.
        part_program: (nonterminal, form of it) -> a whole program that shows the part's
            meaning (a sheet's ``ask <formula>``), or None. Parts with one are de-duplicated
            by that program's denotation too (observational equivalence for expressions),
            parts that ``keep`` refuses (constants) apart from the others.
        interleave: fill a cell taking one form from each expansion in turn, so that when
            ``max_per_cell`` cuts it every expansion has its share (else one expansion
            after another: a rule with many operator combinations can fill the cell before
            its plain calls come).
    """

    def __init__(
        self,
        grammar: Grammar,
        execute: Callable[[str], Any] | None,
        *,
        key: Callable[[Any], Any] | None = None,
        allowed: Mapping[str, Sequence[str]] | None = None,
        words: Sequence[str] = (),
        dedupe: bool = True,
        max_per_cell: int = 4000,
        leaves: Sequence[str] = (),
        keep: Callable[[str, Any], bool] | None = None,
        part_program: Callable[[str, str], str | None] | None = None,
        interleave: bool = False,
    ) -> None:
        self.grammar = grammar
        self.r = _rules(grammar)
        self.execute = execute
        self.key = key or (lambda d: json.dumps(d.to_json(), sort_keys=True, default=str))
        self.dedupe = dedupe and execute is not None
        self.leaves = list(leaves)
        self.keep = keep
        self.part_program = part_program
        self.interleave = interleave
        self.max_per_cell = max_per_cell
        allowed = dict(allowed or {})
        self.term_options: dict[str, list[tuple[str, int]]] = {}
        for term, lex in self.r.lexemes.items():
            if term in allowed:
                choices = list(allowed[term])
            elif lex is not None:
                choices = lex
            else:
                choices = [w for w in words if self.r.patterns[term].fullmatch(w)]
            self.term_options[term] = [(c, 1 if _CONTENT.search(c) else 0) for c in choices]
        self.table: dict[str, dict[int, list[tuple[tuple[str, ...], Any]]]] = {
            n: {} for n in self.r.rules
        }
        self.seen: dict[str, set[Any]] = {n: set() for n in self.r.rules}
        self.program_level: dict[str, bool] = {}
        self.executions = 0
        self._cache: dict[str, Any] = {}
        self.grown = -1
        self._deferred: int | None = None  # a size whose parts are not built yet
        self._same_size = self._same_size_deps()
        self._order = self._build_order()
        units = [e[0][1] for e in self.r.rules[self.r.start] if len(e) == 1 and not e[0][0]]
        self.leaf_targets = set(units or [self.r.start])

    def _build_order(self) -> list[str]:
        # Nonterminals in an order where what a rule holds at its own size (a unit rule's
        # target, a part in brackets) comes before the rule's origin.
        deps = self._same_size
        order: list[str] = []
        done: set[str] = set()

        def visit(n: str, path: frozenset[str]) -> None:
            if n in done or n in path:
                return
            for d in deps.get(n, ()):
                visit(d, path | {n})
            done.add(n)
            order.append(n)

        for n in self.r.rules:
            visit(n, frozenset())
        return order

    def _same_size_deps(self) -> dict[str, set[str]]:
        """Nonterminal -> those whose forms of a size it may hold at that same size (unit
        rules, and rules whose other symbols may all take no size: ``"(" expr ")"``)."""

        def zero_term(name: str) -> bool:
            options = self.term_options.get(name, [])
            return bool(options) and all(s == 0 for _, s in options)

        nullable: set[str] = set()
        changed = True
        while changed:
            changed = False
            for n, exps in self.r.rules.items():
                if n not in nullable and any(
                    all(zero_term(x) if t else x in nullable for t, x in e) for e in exps
                ):
                    nullable.add(n)
                    changed = True
        deps: dict[str, set[str]] = {n: set() for n in self.r.rules}
        for n, exps in self.r.rules.items():
            for e in exps:
                for i, (is_term, name) in enumerate(e):
                    if is_term:
                        continue
                    rest = e[:i] + e[i + 1 :]
                    if all(zero_term(x) if t else x in nullable for t, x in rest):
                        deps[n].add(name)
        return deps

    def _seqs(self, exp: list[tuple[bool, str]], i: int, size: int) -> Iterator[tuple[str, ...]]:
        if i == len(exp):
            if size == 0:
                yield ()
            return
        is_term, name = exp[i]
        if is_term:
            for lexeme, s in self.term_options.get(name, []):
                if s <= size:
                    for rest in self._seqs(exp, i + 1, size - s):
                        yield (lexeme, *rest)
            return
        cells = self.table[name]
        for s, forms in list(cells.items()):
            if s > size or not forms:
                continue
            for toks, _ in forms:
                for rest in self._seqs(exp, i + 1, size - s):
                    yield (*toks, *rest)

    def _is_program(self, name: str, form: str) -> bool:
        known = self.program_level.get(name)
        if known is None:
            try:
                self.grammar.parse(form)
                known = True
            except ParseError:
                known = False
            self.program_level[name] = known
        return known

    def _part_key(self, program: str) -> Any:
        """The de-duplication key of a part run as ``program``: its denotation, and whether
        that program is worth keeping (constants apart); None when it cannot run."""
        den = self._run(program)
        if den is None:
            return None
        kept = self.keep is None or self.keep(program, den)
        return (kept, self.key(den))

    def _run(self, form: str) -> Any:
        assert self.execute is not None
        if form in self._cache:
            return self._cache[form]
        self.executions += 1
        try:
            den = self.execute(form)
        except ParseInstrError:
            den = None
        self._cache[form] = den
        return den

    def _parts_only(self) -> set[str]:
        """Nonterminals known not to be whole programs and not needed at the same size by
        one that is: their forms of a size serve only larger programs."""
        needed: set[str] = set()
        todo = [n for n, known in self.program_level.items() if known]
        while todo:
            n = todo.pop()
            if n not in needed:
                needed.add(n)
                todo.extend(self._same_size.get(n, ()))
        return {n for n, known in self.program_level.items() if known is False} - needed

    def _grow(self, size: int, deadline: float, defer_parts: bool = False) -> None:
        """Build the cells of ``size`` not built yet; with ``defer_parts``, not those of
        parts that no program of this size holds (a later call builds them)."""
        skip = self._parts_only() if defer_parts else set()
        for name in self._order:
            if size in self.table[name] or name in skip:
                continue  # built already (a pass before), or left to the next pass
            cell: list[tuple[tuple[str, ...], Any]] = []
            strings: set[tuple[str, ...]] = set()
            for toks in self._candidates(name, size):
                if toks in strings:
                    continue
                if time.monotonic() > deadline:
                    break
                strings.add(toks)
                admitted, den = self._admit(name, toks)
                if not admitted:
                    continue
                cell.append((toks, den))
                if len(cell) >= self.max_per_cell or time.monotonic() > deadline:
                    break
            if size == 1 and name in self.leaf_targets:
                cell.extend(((leaf,), None) for leaf in self.leaves)
            self.table[name][size] = cell

    def _candidates(self, name: str, size: int) -> Iterator[tuple[str, ...]]:
        """Token sequences of ``name`` at ``size``: expansion after expansion, or with
        ``interleave`` one from each in turn."""
        gens = [self._seqs(exp, 0, size) for exp in self.r.rules[name]]
        if not self.interleave:
            for gen in gens:
                yield from gen
            return
        while gens:
            alive = []
            for gen in gens:
                toks = next(gen, None)
                if toks is not None:
                    alive.append(gen)
                    yield toks
            gens = alive

    def _admit(self, name: str, toks: tuple[str, ...]) -> tuple[bool, Any]:
        """Whether a form of ``name`` enters its cell (it runs, is not refused by ``keep``,
        and, de-duplicating, shows a new denotation), and its denotation when it ran."""
        if self.execute is None or not (self.dedupe or name == self.r.start):
            return True, None
        form = join_tokens(toks) if self.r.spaced else "".join(toks)
        if self._is_program(name, form):
            den = self._run(form)
            if den is None:
                return False, None  # a part that cannot run spoils what holds it
            if self.keep is not None and not self.keep(form, den):
                return False, None
            if self.dedupe:
                k = self.key(den)
                if k in self.seen[name]:
                    return False, None
                self.seen[name].add(k)
            return True, den
        if self.part_program is not None and self.dedupe:
            program = self.part_program(name, form)
            if program is not None:
                k = self._part_key(program)
                if k is None or k in self.seen[name]:
                    return False, None
                self.seen[name].add(k)
        return True, None

    def forms(self, max_size: int, seconds: float = 10.0) -> Iterator[tuple[str, int, Any]]:
        """(form, size, denotation) of the start symbol, size 1, 2, ... up to ``max_size``.

        Stops early when ``seconds`` have passed.
        """
        deadline = time.monotonic() + seconds
        for size in range(0, max_size + 1):
            if size > self.grown:
                if time.monotonic() > deadline:
                    return
                # Parts of the last size serve only this one: built now, not before the
                # last size's programs were given out (a search may stop there).
                if self._deferred is not None:
                    self._grow(self._deferred, deadline)
                    self._deferred = None
                self._grow(size, deadline, defer_parts=True)
                self._deferred = size
                self.grown = size
            for toks, den in self.table[self.r.start].get(size, []):
                form = join_tokens(toks) if self.r.spaced else "".join(toks)
                yield form, size, den


@functools.lru_cache(maxsize=8)
def templates(grammar: Grammar, max_size: int = 3) -> tuple[str, ...]:
    """Forms of at most ``max_size`` built from the grammar's keywords and two placeholder
    programs ``<L>`` and ``<R>`` (each of size 1), smallest first; each holds a placeholder.

    They join the parses of two parts of an instruction (``seq(<L>, <R>)``, ``twice(<L>)``).
    Terminals with several lexemes (names, numbers) take none.
    """
    r = _rules(grammar)
    allowed = {t: [] for t, lex in r.lexemes.items() if lex is None or len(lex) > 1}
    enum = Enumerator(grammar, None, allowed=allowed, leaves=["<L>", "<R>"])
    out = [f for f, _, _ in enum.forms(max_size, seconds=30) if "<L>" in f or "<R>" in f]
    return tuple(out)
