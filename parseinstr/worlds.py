"""Forms compared by meaning: run on the instance and on fictitious instances of its schema.

A form that gives an example's expected denotation may give it for the wrong reason (a
*spurious* form): ``COUNTIF([Due], "2024-06-24")`` for "how many are due before
2024-06-24" matches while exactly one date is before it and none on it. Run on instances
with the same schema and other data (the environment's :meth:`Environment.fictitious`,
Pasupat and Liang's fictitious worlds, 2016), an equivalent form keeps agreeing with the
intended one and a spurious one parts from it. The learner's report uses this to count
spurious forms instead of every form written differently from a reference.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .environment import Environment
from .errors import ParseInstrError

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def form_literals(forms: Sequence[str]) -> list[str]:
    """The quoted texts and numbers ``forms`` write, each once, in order.

    Example:
        >>> form_literals(['ask COUNTIF([Due], "<2024-06-24")', "ask SUM(C2:C9) > 40"])
        ['<2024-06-24', '40']
    """
    found: list[str] = []
    for form in forms:
        found += _QUOTED.findall(form)
        found += _NUMBER.findall(_QUOTED.sub(" ", form))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Outcome:
    """What running a form gave: its denotation, or None when it failed."""

    denotation: Any

    def same(self, other: Outcome, env: Environment) -> bool:
        if self.denotation is None or other.denotation is None:
            return self.denotation is None and other.denotation is None
        return bool(env.same_denotation(self.denotation, other.denotation))


def outcome(env: Environment, form: str) -> Outcome:
    """Run ``form`` on ``env`` and leave it as it was."""
    try:
        with env.isolated():
            return Outcome(env.execute(form))
    except ParseInstrError:
        return Outcome(None)


def fictitious_worlds(
    env: Environment, forms: Sequence[str], n: int = 8, seed: int = 0
) -> list[Environment]:
    """``n`` fictitious instances of ``env``'s schema for comparing ``forms`` (empty when
    the environment makes none); the forms' literals may appear in their data."""
    rng = random.Random(seed)
    literals = form_literals(forms)
    worlds: list[Environment] = []
    for _ in range(n):
        world = env.fictitious(rng, literals)
        if world is None:
            return []
        worlds.append(world)
    return worlds


def meaning_classes(
    env: Environment, forms: Sequence[str], n: int = 8, seed: int = 0
) -> list[list[str]] | None:
    """``forms`` grouped by what they give on ``env`` and on ``n`` fictitious instances:
    forms of one group agree everywhere (failing counts as a result); None when the
    environment makes no fictitious instance."""
    worlds = fictitious_worlds(env, forms, n, seed)
    if not worlds:
        return None
    places = [env, *worlds]
    signatures = {form: [outcome(place, form) for place in places] for form in forms}
    classes: list[list[str]] = []
    for form in dict.fromkeys(forms):
        for group in classes:
            head = signatures[group[0]]
            if all(
                a.same(b, place) for a, b, place in zip(signatures[form], head, places, strict=True)
            ):
                group.append(form)
                break
        else:
            classes.append([form])
    return classes


def same_meaning(env: Environment, a: str, b: str, n: int = 8, seed: int = 0) -> bool | None:
    """Whether forms ``a`` and ``b`` agree on ``env`` and on ``n`` fictitious instances of
    its schema (None when the environment makes none)."""
    classes = meaning_classes(env, [a, b], n, seed)
    return None if classes is None else len(classes) == 1
