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


def redraw_numbers(
    values: Sequence[float], extra: Sequence[float], rng: random.Random, places: int | None = None
) -> list[float]:
    """As many numbers as ``values``, for a fictitious instance's column: drawn from the
    values, the literals ``extra`` and uniform draws over the values' span (whole where the
    values are whole, else rounded to ``places`` when given); a column of different values
    stays one (a maximum keeps one row). Each literal, and a neighbour of it, is then set
    into the column half the time, so that ``> 750`` and ``>= 750`` part and a bound below
    every value is crossed."""
    whole = all(float(v).is_integer() for v in values)
    low, high = min(values), max(values)
    pool = list(values) + [x for x in extra if low <= x <= high or rng.random() < 0.5]
    pool = [x for x in pool if not whole or float(x).is_integer()]
    for _ in range(len(values)):
        x = rng.uniform(low, high)
        pool.append(float(round(x)) if whole else (x if places is None else round(x, places)))
    distinct = len(set(values)) == len(values)
    if distinct:
        unique = list(dict.fromkeys(pool))
        rng.shuffle(unique)
        drawn = unique[: len(values)]
        drawn += [rng.uniform(low, high) for _ in range(len(values) - len(drawn))]
    else:
        drawn = [rng.choice(pool) for _ in values]
    step = 1.0 if whole else 0.01
    for x in extra:
        for y in (x, rng.choice((x - step, x + step))):
            fits = not whole or float(y).is_integer()
            if rng.random() < 0.5 and fits and not (distinct and y in drawn):
                drawn[rng.randrange(len(drawn))] = y
    return drawn


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
