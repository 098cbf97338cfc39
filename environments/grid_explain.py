"""Plain-English renderings of grid programs, deterministic, so a person can check them.

Each rule renders bottom-up to a phrase with a binding level: 0 for a single phrase
("jump around to the left"), 1 for two joined by "and" ("turn left and walk"), 2 for a
sequence joined by ", then". A repetition brackets a phrase of level 1 or more and a
sequence brackets a part of level 2, so the reading is never ambiguous:
``seq(twice(around(left, jump)), walk)`` reads "jump around to the left twice, then walk";
``twice(walk(left))`` reads "(turn left and walk) twice". ``after(a, b)`` is read in the
order it runs: "b, then a".
"""

from __future__ import annotations

import lark
from lark.visitors import Transformer

from .grid_world import Description

Phrase = tuple[str, int]

NUMBERS = {0: "zero times", 1: "once", 2: "twice", 3: "three times", 4: "four times"}


def _group(phrase: Phrase, above: int) -> str:
    text, level = phrase
    return f"({text})" if level > above else text


def _times(n: int) -> str:
    return NUMBERS.get(n, f"{n} times")


class Explainer(Transformer):
    """Renders a program tree to English; method name = rule name."""

    def start(self, children: list[Phrase]) -> str:
        return children[0][0]

    def move(self, children: list[lark.Token]) -> Phrase:
        action, *direction = children
        if direction:
            return f"turn {direction[0]} and {action}", 1
        return str(action), 0

    def turn(self, children: list[lark.Token]) -> Phrase:
        return f"turn {children[0]}", 0

    def around(self, children: list) -> Phrase:
        direction, *body = children
        if not body:
            return f"turn {direction} four times", 0
        text, level = body[0]
        if level == 0 and text in ("walk", "run", "jump", "look"):
            return f"{text} around to the {direction}", 0
        return f"(turn {direction} and {_group(body[0], 0)}) four times", 0

    def opposite(self, children: list) -> Phrase:
        direction, *body = children
        if not body:
            return f"turn {direction} twice", 0
        return f"turn {direction} twice and {_group(body[0], 0)}", 1

    def seq(self, children: list[Phrase]) -> Phrase:
        return ", then ".join(_group(c, 1) for c in children), 2

    def after(self, children: list[Phrase]) -> Phrase:
        later, first = children
        return f"{_group(first, 1)}, then {_group(later, 1)}", 2

    def repeat(self, children: list) -> Phrase:
        return f"{_group(children[1], 0)} {_times(int(children[0]))}", 0

    def twice(self, children: list[Phrase]) -> Phrase:
        return f"{_group(children[0], 0)} twice", 0

    def thrice(self, children: list[Phrase]) -> Phrase:
        return f"{_group(children[0], 0)} three times", 0

    def portable(self, children: list) -> Description:
        return self._description(children)

    def door(self, children: list) -> Description:
        return self._description(children)

    def attrs(self, children: list[lark.Token]) -> dict[str, str]:
        return {("colour" if t.type == "COLOUR" else "location"): str(t) for t in children}

    @staticmethod
    def _description(children: list) -> Description:
        kind, *rest = children
        return Description(str(kind), **(rest[0] if rest else {}))

    def goto(self, children: list[Description]) -> Phrase:
        return f"go to the {children[0]}", 0

    def pickup(self, children: list[Description]) -> Phrase:
        return f"pick up the {children[0]}", 0

    def drop(self, children: list[Description]) -> Phrase:
        return (f"drop the {children[0]}" if children else "drop what you carry"), 0

    def open(self, children: list[Description]) -> Phrase:
        return f"open the {children[0]}", 0

    def putnext(self, children: list[Description]) -> Phrase:
        return f"put the {children[0]} next to the {children[1]}", 0


def explain_tree(tree: lark.Tree) -> str:
    """The English reading of a parsed program.

    Example:
        >>> from parseinstr.grammar import Grammar
        >>> explain_tree(Grammar.load("grid").parse("seq(twice(around(left, jump)), walk)"))
        'jump around to the left twice, then walk'
    """
    return Explainer().transform(tree)
