"""A reference translator from SCAN commands to grid programs, for tests only.

It follows SCAN's phrase-structure grammar (Lake and Baroni, 2018)::

    C -> S and S | S after S | S
    S -> V twice | V thrice | V
    V -> D opposite D' | D around D' | D | U     (D' the direction)
    D -> U left | U right | turn left | turn right
    U -> walk | look | run | jump

and writes one program node per SCAN word at most ("turn" in "turn around left" needs
none). It is an oracle for the expressiveness test and is never imported by the package:
the package's parser is learned.
"""

from __future__ import annotations

ACTIONS = ("walk", "look", "run", "jump")
DIRECTIONS = ("left", "right")


def _verb(words: list[str]) -> str:
    """V: one action with an optional direction phrase."""
    action, *rest = words
    if action not in (*ACTIONS, "turn"):
        raise ValueError(f"unknown action {action!r}")
    if not rest:
        if action == "turn":
            raise ValueError("'turn' needs a direction")
        return action
    *modifier, direction = rest
    if direction not in DIRECTIONS or len(modifier) > 1:
        raise ValueError(f"bad direction phrase {' '.join(rest)!r}")
    if not modifier:
        return f"turn({direction})" if action == "turn" else f"{action}({direction})"
    kind = modifier[0]
    if kind not in ("opposite", "around"):
        raise ValueError(f"unknown modifier {kind!r}")
    return f"{kind}({direction})" if action == "turn" else f"{kind}({direction}, {action})"


def _sentence(words: list[str]) -> str:
    """S: a verb phrase, optionally repeated."""
    if words and words[-1] in ("twice", "thrice"):
        return f"{words[-1]}({_verb(words[:-1])})"
    return _verb(words)


def translate(command: str) -> str:
    """The grid program for a SCAN command.

    >>> translate("jump around left twice and walk")
    'seq(twice(around(left, jump)), walk)'
    """
    words = command.split()
    for conjunction, operator in (("and", "seq"), ("after", "after")):
        if conjunction in words:
            i = words.index(conjunction)
            return f"{operator}({_sentence(words[:i])}, {_sentence(words[i + 1 :])})"
    return _sentence(words)
