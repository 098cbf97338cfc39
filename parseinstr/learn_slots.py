"""Words of the instruction as names in the logical form ("copy" slots), from the grammar.

A terminal of the grammar with a small finite set of word lexemes (the grid's ``ACTION``:
walk, run, jump, look; ``DIR``: left, right; a colour) names things. When the instruction
says one of those words, the parser need not learn which output word goes with which input
word: the word becomes a slot in the input (``ACTION0 twice and ACTION1``) and the parser
emits the slot (``seq(twice(ACTION0), ACTION1)``), which is then replaced by the word. So a
word seen in one context is copied in every other (DESIGN-NOTES: "names the parser emits
are words of the instruction"), and a word seen once (SCAN's "jump") needs no training of
its own.

Everything here is read off the grammar: which terminals are finite word sets, their
lexemes, and a *slotted* grammar in which each such terminal also accepts its slot names.
No environment is named and nothing maps an instruction to a form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .environment import Environment
from .grammar import Grammar, quote_literal

_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MAX_LEXEMES = 64


def finite_lexemes(pattern: Any, limit: int = _MAX_LEXEMES) -> list[str] | None:
    """All strings a Lark terminal pattern matches, or None when there are more than ``limit``.

    Uses the byte automaton of ``parseinstr.decoding`` (a loop means infinitely many).
    """
    from .decoding.regex_dfa import compile_regex

    if type(pattern).__name__ == "PatternStr":
        return [pattern.value]
    dfa = compile_regex(pattern.to_regexp())
    out: list[str] = []
    rows = dfa.trans.tolist()
    accept = dfa.accept.tolist()

    def walk(state: int, prefix: bytes, seen: frozenset[int]) -> bool:
        if accept[state]:
            out.append(prefix.decode("utf-8", "replace"))
            if len(out) > limit:
                return False
        for b, nxt in enumerate(rows[state]):
            if nxt < 0:
                continue
            if nxt in seen:  # a cycle: infinitely many strings
                return False
            if not walk(nxt, prefix + bytes([b]), seen | {nxt}):
                return False
        return True

    return sorted(out) if walk(0, b"", frozenset({0})) else None


@dataclass(frozen=True)
class SlotSpec:
    """The slot terminals of a grammar: terminal name -> its word lexemes."""

    terminals: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def from_grammar(cls, grammar: Grammar) -> SlotSpec:
        """Terminals whose lexemes are a finite set of at least two plain words."""
        return _spec_of(grammar)

    @classmethod
    def from_json(cls, data: Mapping[str, Sequence[str]]) -> SlotSpec:
        """Rebuild from :meth:`to_json`."""
        return cls(tuple((k, tuple(v)) for k, v in data.items()))

    def to_json(self) -> dict[str, list[str]]:
        """Terminal -> lexemes, for a model card."""
        return {k: list(v) for k, v in self.terminals}

    @functools.cached_property
    def word_terminal(self) -> dict[str, str]:
        """Lexeme -> the (first) slot terminal it belongs to."""
        out: dict[str, str] = {}
        for term, words in self.terminals:
            for w in words:
                out.setdefault(w, term)
        return out

    def slot_names(self, terminal: str) -> list[str]:
        """The slot names of ``terminal`` (as many as it has lexemes)."""
        words = dict(self.terminals)[terminal]
        return [f"{terminal}{i}" for i in range(len(words))]

    def abstract(self, instruction: str) -> tuple[str, dict[str, str]]:
        """The instruction with slot words replaced, and slot name -> word.

        Slots are numbered per terminal in order of first occurrence; a repeated word
        keeps its slot. Words are compared case-insensitively.

        Example:
            >>> spec = SlotSpec((("ACTION", ("jump", "walk")), ("DIR", ("left", "right"))))
            >>> text, mapping = spec.abstract("jump left and walk left")
            >>> text, mapping["ACTION1"]
            ('ACTION0 DIR0 and ACTION1 DIR0', 'walk')
        """
        table = self.word_terminal
        names: dict[str, str] = {}  # word -> slot
        counts: dict[str, int] = {}
        out = []
        for word in instruction.split():
            term = table.get(word.lower())
            if term is None:
                out.append(word)
                continue
            slot = names.get(word.lower())
            if slot is None:
                slot = f"{term}{counts.get(term, 0)}"
                counts[term] = counts.get(term, 0) + 1
                names[word.lower()] = slot
            out.append(slot)
        return " ".join(out), {slot: word for word, slot in names.items()}

    def slots_by_terminal(self, mapping: Mapping[str, str]) -> dict[str, list[str]]:
        """Terminal -> the slot names present in ``mapping`` (from :meth:`abstract`)."""
        out: dict[str, list[str]] = {}
        for slot in mapping:
            term = slot.rstrip("0123456789")
            out.setdefault(term, []).append(slot)
        return out

    def fill(self, form: str, mapping: Mapping[str, str]) -> str:
        """Replace slot names in an abstract form by their words."""
        if not mapping:
            return form
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
        return pattern.sub(lambda m: mapping[m.group(1)], form)

    def to_slots(self, form: str, mapping: Mapping[str, str], grammar: Grammar) -> str:
        """Replace the lexemes of slot terminals in a concrete ``form`` that are words of the
        instruction (``mapping`` from :meth:`abstract`) by their slot names.

        Tokens are found with the grammar's own lexer (only tokens of slot terminals change).
        """
        if not mapping:
            return form
        back = {word: slot for slot, word in mapping.items()}
        terms = dict(self.terminals)
        pieces, last = [], 0
        for tok in _tokens(grammar, form):
            if tok.type in terms and str(tok) in back:
                slot = back[str(tok)]
                if slot.rstrip("0123456789") == tok.type:
                    pieces.append(form[last : tok.start_pos])
                    pieces.append(slot)
                    last = tok.end_pos
        pieces.append(form[last:])
        return "".join(pieces)

    def slotted_grammar(self, grammar: Grammar) -> Grammar:
        """``grammar`` in which every slot terminal also accepts its slot names."""
        return _slotted(grammar, self)


def _tokens(grammar: Grammar, form: str) -> Iterator[Any]:
    tree = grammar.parse(form)
    yield from tree.scan_values(lambda v: hasattr(v, "type"))


@functools.lru_cache(maxsize=16)
def _spec_of(grammar: Grammar) -> SlotSpec:
    parser = grammar.parser()
    ignored = set(parser.ignore_tokens)
    found = []
    for term in parser.terminals:
        if term.name in ignored or term.name.startswith("__"):
            continue
        lexemes = finite_lexemes(term.pattern)
        if lexemes and len(lexemes) >= 2 and all(_WORD.match(w) for w in lexemes):
            found.append((term.name, tuple(lexemes)))
    return SlotSpec(tuple(sorted(found)))


@functools.lru_cache(maxsize=16)
def _slotted(grammar: Grammar, spec: SlotSpec) -> Grammar:
    rules = {}
    for term, words in spec.terminals:
        names = [*words, *spec.slot_names(term)]
        rules[term] = " | ".join(quote_literal(n) for n in names)
    return grammar.with_rules(rules, name=f"{grammar.name}-slotted")


class SlottedEnvironment(Environment):
    """A view of an environment for the parser: its grammar with slots, restricted per input.

    Only parsing goes through it (``grammar``, ``describe``, ``link`` and the per-input
    ``literal_lexemes`` hook that constrained decoding reads); forms are executed in the
    real environment after :meth:`SlotSpec.fill`.
    """

    name = "slotted"

    def __init__(self, env: Environment, spec: SlotSpec) -> None:
        self.env = env
        self.spec = spec

    def grammar(self) -> Grammar:
        return self.spec.slotted_grammar(self.env.grammar())

    def base_grammar(self) -> Grammar:  # type: ignore[override]
        return self.env.base_grammar()

    def literal_lexemes(self, abstract_instruction: str) -> dict[str, list[str]]:
        """Slot terminals limited to the slots the (abstract) instruction holds; a terminal
        without any keeps its plain words."""
        present = set(abstract_instruction.split())
        out = {}
        for term, words in self.spec.terminals:
            slots = [s for s in self.spec.slot_names(term) if s in present]
            out[term] = slots or list(words)
        return out

    def execute(self, form: str) -> Any:
        raise NotImplementedError("fill the slots and execute in the real environment")

    def same_denotation(self, a: Any, b: Any) -> bool:
        return self.env.same_denotation(a, b)

    def describe(self) -> str:
        return self.env.describe()

    def link(self, instruction: str) -> str:
        return self.env.link(instruction)
