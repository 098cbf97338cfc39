"""Doubts about SQL queries that run, and may even give the expected rows, yet are probably
not what was meant (``SqlEnvironment.doubt``). The grammar already keeps comparisons within
one kind (text with text, numbers with numbers); what it admits and a learner from
denotations still finds by coincidence is a column compared with itself: "how many
customers are there" as ``SELECT COUNT(name) FROM customer WHERE city = city``
counts every customer with a city, the right number for the wrong reason."""

from __future__ import annotations

from sqlglot import exp

from parseinstr.errors import ParseInstrError

from .sql_backends import parse_read_only

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _same_column(left: exp.Expression, right: exp.Expression) -> bool:
    """Whether both sides name one column of one table (an unqualified name matches any
    qualifier: in a one-table query it is that table's column)."""
    if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
        return False
    if left.name.lower() != right.name.lower():
        return False
    return not left.table or not right.table or left.table.lower() == right.table.lower()


def sql_doubt(form: str) -> str | None:
    """Why ``form`` is probably a coincidence, or None (also None for a query the executor
    refuses: it has its own errors for that)."""
    try:
        tree = parse_read_only(form)
    except ParseInstrError:
        return None
    for node in tree.find_all(*_COMPARISONS):
        if _same_column(node.left, node.right):
            return f"it compares {node.left.name.lower()} with itself"
    return None
