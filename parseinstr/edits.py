"""One-token edits of a logical form, read off the grammar (local search near the beam).

When no candidate of a parser's n-best list gives the expected denotation, the right form
is often one token away from a candidate: a column of the same table instead of another,
``MIN`` for ``MAX``, ``asc`` for ``desc``, a word of the instruction as the value. This
module lists such neighbours of a form, using only the grammar:

* at each token, the parser state says which terminals may stand there; every lexeme of a
  terminal with finitely many lexemes is tried in place of the token (spelt in the
  token's case when the lexeme is a word of letters), and every n-gram of the
  instruction's words that a terminal with infinitely many lexemes matches (bare or in
  quotes);
* every token is also tried deleted;
* a neighbour is kept only when the whole edited form is a sentence of the grammar.

Nothing here names an environment; :func:`nearest_consistent` executes the neighbours and
keeps those with the expected denotation that the environment has no doubt about, ranked by
the parser's own score.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from lark.exceptions import LarkError

from .grammar import Grammar
from .learn_slots import finite_lexemes

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'.\-]*")


@functools.lru_cache(maxsize=16)
def _terminals(grammar: Grammar) -> tuple[dict[str, list[str] | None], dict[str, re.Pattern[str]]]:
    parser = grammar.parser()
    lexemes = {t.name: finite_lexemes(t.pattern) for t in parser.terminals}
    # to_regexp() carries the terminal's flags inline ("(?i:...)").
    patterns = {t.name: re.compile(t.pattern.to_regexp()) for t in parser.terminals}
    return lexemes, patterns


def _in_case_of(lexeme: str, token: str) -> str:
    """``lexeme`` in the case of ``token`` when both are words (``area`` -> ``AREA``)."""
    if not lexeme.isalpha() and not lexeme.replace("_", "").isalnum():
        return lexeme
    if token.isupper():
        return lexeme.upper()
    if token.islower():
        return lexeme.lower()
    return lexeme


def instruction_ngrams(instruction: str, longest: int = 3) -> list[str]:
    """The instruction's word n-grams up to ``longest`` words, in order of first use."""
    words = _WORD.findall(instruction)
    out: dict[str, None] = {}
    for n in range(1, longest + 1):
        for i in range(len(words) - n + 1):
            out.setdefault(" ".join(words[i : i + n]), None)
    return list(out)


def one_token_edits(
    grammar: Grammar, form: str, instruction: str = "", limit: int = 4000
) -> list[str]:
    """Sentences of ``grammar`` one token away from ``form`` (replaced or deleted).

    Args:
        grammar: the (specialised) grammar ``form`` is a sentence of.
        form: the logical form to edit; a form the grammar rejects has no neighbours.
        instruction: its words fill terminals with infinitely many lexemes (strings,
            numbers), as n-grams of up to three words, bare or quoted.
        limit: at most this many neighbours (in token order), to bound the work.
    """
    lexemes, patterns = _terminals(grammar)
    interactive = grammar.parser().parse_interactive(form)
    slots: list[tuple[Any, set[str]]] = []
    try:
        for token in interactive.iter_parse():
            slots.append((token, interactive.accepts()))
    except LarkError:
        return []
    ngrams = instruction_ngrams(instruction) if instruction else []
    spelt = [s for g in ngrams for s in (g, f'"{g}"', f"'{g}'")]
    seen = {form}
    out: list[str] = []
    for token, accepted in slots:
        start, end = token.start_pos, token.end_pos
        if start is None or end is None:
            continue
        options: list[str] = [""]
        for name in sorted(accepted):
            if name == "$END":
                continue
            finite = lexemes.get(name)
            if finite is not None:
                options.extend(_in_case_of(x, token.value) for x in finite)
            elif name in patterns:
                options.extend(s for s in spelt if patterns[name].fullmatch(s))
        glued = end < len(form) and not form[end].isspace() and not token.value[-1:].isalnum()
        for option in options:
            if option == token.value:
                continue
            if glued and option[-1:].isalnum():  # "STATEalias0." -> "DISTINCT ", not glued
                option += " "
            left, right = form[:start], form[end:]
            if not option and left.endswith(" ") and right.startswith(" "):
                right = right[1:]  # a deleted word leaves one space, not two
            edited = (left + option + right).strip()
            if edited in seen:
                continue
            seen.add(edited)
            if grammar.accepts(edited):
                out.append(edited)
                if len(out) >= limit:
                    return out
    return out


def nearest_consistent(
    grammar: Grammar,
    forms: Sequence[str],
    instruction: str,
    run: Callable[[str], Any],
    consistent: Callable[[str, Any], bool],
    score: Callable[[list[str]], list[float]],
    limit: int = 4000,
) -> str | None:
    """The best-scoring one-token neighbour of ``forms`` that ``consistent`` accepts.

    Args:
        grammar: the grammar of the forms (its neighbours must be sentences of it).
        forms: forms to search around (a parser's top candidates), in order.
        instruction: the instruction (its words may fill values).
        run: form -> denotation, or None when it does not execute.
        consistent: (form, denotation) -> whether it is a form worth remembering (the
            expected denotation, and no doubt from the environment).
        score: forms -> the parser's score of each (higher is better).
        limit: at most this many neighbours executed in all.
    """
    found: list[str] = []
    budget = limit
    for form in forms:
        if budget <= 0:
            break
        for edited in one_token_edits(grammar, form, instruction, budget):
            budget -= 1
            denotation = run(edited)
            if denotation is not None and consistent(edited, denotation):
                found.append(edited)
    if not found:
        return None
    scores = score(found)
    return max(zip(scores, found, strict=True), key=lambda p: p[0])[1]
