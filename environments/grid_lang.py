"""The grid language's trees: canonical printing and size.

The grammar (``grammars/grid.lark``) spells every operator as a keyword followed by its
arguments in brackets. Lark drops the keyword from the tree and keeps the rule name, so an
operator node is a rule in :data:`OPERATORS`; words that are data (actions, directions,
counts, object types, colours, locations) are tokens. ``move``, ``portable``, ``door`` and
``attrs`` are spelled by their tokens alone.

Size (:func:`program_size`) is the number of nodes of the abstract syntax tree: one per
operator and one per token. It equals the number of words and numbers in the program's
text, since brackets and commas are the only other characters; a test checks this.
"""

from __future__ import annotations

import lark

#: Rules spelled by a keyword that lark drops from the tree (the keyword is the rule name).
OPERATORS: frozenset[str] = frozenset(
    {
        "turn",
        "around",
        "opposite",
        "seq",
        "after",
        "repeat",
        "twice",
        "thrice",
        "goto",
        "pickup",
        "drop",
        "open",
        "putnext",
    }
)
#: Rules spelled by their first token, with the rest of their children in brackets.
HEADED = frozenset({"move", "portable", "door"})


def program_size(tree: lark.Tree | lark.Token) -> int:
    """Nodes of the abstract syntax tree: operators and tokens (see the module docstring).

    Example:
        >>> from parseinstr.grammar import Grammar
        >>> program_size(Grammar.load("grid").parse("twice(around(left, jump))"))
        4
    """
    if isinstance(tree, lark.Token):
        return 1
    own = 1 if tree.data in OPERATORS else 0
    return own + sum(program_size(child) for child in tree.children)


def unparse(tree: lark.Tree | lark.Token) -> str:
    """The canonical text of a program tree: ``name(arg, arg)``, one space after commas.

    Parsing the result gives back an equal tree.
    """
    if isinstance(tree, lark.Token):
        return str(tree)
    args = [unparse(child) for child in tree.children]
    if tree.data == "start":
        return args[0]
    if tree.data == "attrs":
        return ", ".join(args)
    if tree.data in HEADED:
        return args[0] + (f"({', '.join(args[1:])})" if len(args) > 1 else "")
    return f"{tree.data}({', '.join(args)})" if args else str(tree.data)
