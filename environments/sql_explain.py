"""A deterministic English rendering of SQL parse trees, so a person can check a query.

Example: ``SELECT COUNT( * ) FROM state WHERE area > 100000`` reads "the number of rows of
state where area is greater than 100000". One method per grammar rule (evaluated by rule
name); aliases are dropped and a column reads as its name (the FROM clause names its table).
"""

from __future__ import annotations

from collections.abc import Callable

from lark import Token, Tree

_COMPARE = {
    "=": "is",
    "!=": "is not",
    "<>": "is not",
    "<": "is less than",
    ">": "is greater than",
    "<=": "is at most",
    ">=": "is at least",
}
_AGGREGATE = {"MAX": "the largest", "MIN": "the smallest", "SUM": "the total", "AVG": "the average"}
_ARITH = {"+": "plus", "-": "minus", "*": "times", "/": "divided by", "%": "modulo"}
_SET_OP = {
    "union": "together with",
    "union_all": "together with (keeping repeats)",
    "intersect": "that are also in",
    "except_": "except",
}


def _words(name: str) -> str:
    return name.lower().replace("_", " ")


def _kids(tree: Tree) -> list[Tree | Token]:
    return list(tree.children)


def _is(tok: object, kind: str) -> bool:
    return isinstance(tok, Token) and tok.type == kind


class SqlExplainer:
    """Renders a tree of ``grammars/sql.lark`` (specialised) as an English phrase."""

    def __init__(self) -> None:
        self.rules: dict[str, Callable[[Tree], str]] = {
            name[2:]: getattr(self, name) for name in dir(self) if name.startswith("r_")
        }

    def __call__(self, node: Tree | Token) -> str:
        if isinstance(node, Token):
            return self.token(node)
        handler = self.rules.get(node.data)
        if handler is None:  # a pass-through rule: render its children in order
            return " ".join(self(c) for c in node.children)
        return handler(node)

    def token(self, tok: Token) -> str:
        if tok.type == "STRING":
            return '"' + tok[1:-1] + '"'
        if tok.type.startswith("QUALIFIER") or tok.type == "DERIVED_QUALIFIER":
            # The FROM clause names the table; repeating it per column only adds noise.
            return "the subquery's" if tok.type == "DERIVED_QUALIFIER" else ""
        if tok.type.startswith("TABLE"):
            return _words(tok)
        return _words(tok) if tok.type.startswith("COL") else str(tok)

    # ------------------------------------------------------------------ queries
    def r_start(self, t: Tree) -> str:
        return self(t.children[0])

    def r_query(self, t: Tree) -> str:
        parts = [self(c) for c in t.children]
        return ", ".join(parts)

    r_num_query = r_query
    r_str_query = r_query

    def _core(self, t: Tree) -> str:
        kids = _kids(t)
        distinct = "the different " if kids and _is(kids[0], "DISTINCT") else ""
        kids = [k for k in kids if not _is(k, "DISTINCT")]
        return f"{distinct}{self(kids[0])} {self(kids[1])}"

    r_select_core = _core
    r_num_core = _core
    r_str_core = _core

    def r_select_list(self, t: Tree) -> str:
        if len(t.children) == 1 and _is(t.children[0], "STAR"):
            return "every column"
        return " and ".join(self(c) for c in t.children)

    def r_num_item(self, t: Tree) -> str:
        return self(t.children[0])

    def r_select_tail(self, t: Tree) -> str:
        return " ".join(self(c) for c in t.children)

    def r_from_clause(self, t: Tree) -> str:
        return "of " + ", ".join(self(c) for c in t.children)

    def r_join_source(self, t: Tree) -> str:
        return " ".join(self(c) for c in t.children)

    def r_inner_join(self, t: Tree) -> str:
        return "joined with"

    def r_left_join(self, t: Tree) -> str:
        return "joined (keeping unmatched rows) with"

    def r_cross_join(self, t: Tree) -> str:
        return "paired with"

    def r_join_condition(self, t: Tree) -> str:
        return "on " + self(t.children[0])

    def r_table_ref(self, t: Tree) -> str:
        return self(t.children[0])

    def r_derived_table(self, t: Tree) -> str:
        return f"({self(t.children[0])})"

    def r_where_clause(self, t: Tree) -> str:
        return "where " + self(t.children[0])

    def r_group_clause(self, t: Tree) -> str:
        return "for each " + " and ".join(self(c) for c in t.children)

    def r_having_clause(self, t: Tree) -> str:
        return "keeping groups where " + self(t.children[0])

    def r_order_clause(self, t: Tree) -> str:
        return "sorted by " + " then ".join(self(c) for c in t.children)

    def r_order_item(self, t: Tree) -> str:
        text = self(t.children[0])
        if len(t.children) > 1 and str(t.children[1]).upper() == "DESC":
            return text + " from largest to smallest"
        return text + " from smallest to largest"

    def r_limit_clause(self, t: Tree) -> str:
        n = int(t.children[0])
        return "keeping only the first row" if n == 1 else f"keeping only the first {n} rows"

    def _set(self, t: Tree) -> str:
        left, op, right = t.children
        return f"{self(left)} {_SET_OP[op.data]} {self(right)}"

    r_compound = _set
    r_num_compound = _set
    r_str_compound = _set

    # ------------------------------------------------------------------ conditions
    def r_and_(self, t: Tree) -> str:
        return f"{self(t.children[0])} and {self(t.children[1])}"

    def r_or_(self, t: Tree) -> str:
        return f"either {self(t.children[0])} or {self(t.children[1])}"

    def r_not_(self, t: Tree) -> str:
        return f"it is not true that {self(t.children[0])}"

    def _compare(self, t: Tree) -> str:
        left, op, right = t.children
        return f"{self(left)} {_COMPARE[str(op)]} {self(right)}"

    r_num_compare = _compare
    r_str_compare = _compare

    def _negated(self, t: Tree) -> tuple[bool, list[Tree | Token]]:
        kids = _kids(t)
        neg = any(_is(k, "NOT") for k in kids)
        return neg, [k for k in kids if not _is(k, "NOT")]

    def r_between(self, t: Tree) -> str:
        neg, (x, lo, hi) = self._negated(t)
        return f"{self(x)} is {'not ' if neg else ''}between {self(lo)} and {self(hi)}"

    def r_like(self, t: Tree) -> str:
        neg, (x, pattern) = self._negated(t)
        return f"{self(x)} {'does not match' if neg else 'matches'} the pattern {self(pattern)}"

    def r_is_null(self, t: Tree) -> str:
        neg, (x,) = self._negated(t)
        return f"{self(x)} is {'present' if neg else 'missing'}"

    def _in(self, t: Tree) -> str:
        neg, kids = self._negated(t)
        items = ", ".join(self(k) for k in kids[1:])
        return f"{self(kids[0])} is {'not ' if neg else ''}one of ({items})"

    r_num_in_query = _in
    r_str_in_query = _in
    r_num_in_list = _in
    r_str_in_list = _in

    def r_exists(self, t: Tree) -> str:
        return f"there is {self(t.children[0])}"

    # ------------------------------------------------------------------ expressions
    def r_num_col(self, t: Tree) -> str:
        return " ".join(w for w in (self(c) for c in t.children) if w)

    r_str_col = r_num_col

    def r_num_literal(self, t: Tree) -> str:
        return str(t.children[0])

    def r_str_literal(self, t: Tree) -> str:
        return self(t.children[0])

    def r_derived_field(self, t: Tree) -> str:
        return "the computed value"

    def r_aggregate(self, t: Tree) -> str:
        kids = _kids(t)
        fn = _AGGREGATE[str(kids[0]).upper()]
        distinct = "different " if _is(kids[1], "DISTINCT") else ""
        return f"{fn} {distinct}{self(kids[-1])}"

    def r_count(self, t: Tree) -> str:
        kids = _kids(t)
        distinct = "different " if _is(kids[1], "DISTINCT") else ""
        return f"the number of {distinct}{self(kids[-1])}"

    def r_count_star(self, t: Tree) -> str:
        return "the number of rows"

    def r_arith(self, t: Tree) -> str:
        left, op, right = t.children
        return f"{self(left)} {_ARITH[str(op)]} {self(right)}"

    def r_negative(self, t: Tree) -> str:
        return f"minus {self(t.children[0])}"

    def r_scalar_subquery(self, t: Tree) -> str:
        return f"({self(t.children[0])})"


explain_tree = SqlExplainer()
