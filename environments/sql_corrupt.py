"""Corrupted variants of valid SQL, to measure how much the specialised grammar rejects.

Each corruption changes one thing a parser could get wrong (CONVENTIONS, "Grammar
acceptance is half of the story"): a column taken from another table, a string compared
with a number column, an alias used out of its scope, a table that does not exist. The
edits are made on the text of queries spelled in text2sql-data's alias style.
"""

from __future__ import annotations

import re

from .sql_schema import Schema

_QUALIFIED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*?)alias(\d+)\.([A-Za-z_][A-Za-z0-9_]*)")
_FROM_TABLE = re.compile(r"\b(FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_STRING_COMPARE = re.compile(
    r"\b([A-Za-z_][A-Za-z0-9_]*?)alias(\d+)\.([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(\"[^\"]*\"|'[^']*')"
)


def sql_corruptions(schema: Schema, form: str) -> list[tuple[str, str]]:
    """Up to one corrupted variant of ``form`` per kind (fewer when a kind does not apply)."""
    out: list[tuple[str, str]] = []
    all_columns = {c.name.lower() for t in schema.tables for c in t.columns}

    for m in _QUALIFIED.finditer(form):
        table = schema.table(m.group(1))
        if table is None:
            continue
        own = {c.name.lower() for c in table.columns}
        foreign = sorted(all_columns - own)
        if foreign:
            bad = form[: m.start(3)] + foreign[0].upper() + form[m.end(3) :]
            out.append(("column of another table", bad))
            break

    for m in _STRING_COMPARE.finditer(form):
        table = schema.table(m.group(1))
        if table is None:
            continue
        numeric = [c.name for c in table.columns if c.kind == "num"]
        if numeric:
            bad = form[: m.start(3)] + numeric[0].upper() + form[m.end(3) :]
            out.append(("string compared with a number column", bad))
            break

    m = _QUALIFIED.search(form)
    if m is not None:
        bad = form[: m.start(2)] + "99" + form[m.end(2) :]
        out.append(("alias out of scope", bad))

    m = _FROM_TABLE.search(form)
    if m is not None and schema.table(m.group(2)) is not None:
        bad = form[: m.start(2)] + m.group(2) + "_archive" + form[m.end(2) :]
        out.append(("table that does not exist", bad))
    return out
