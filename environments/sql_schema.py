"""Database schemas and the specialisation of the SQL grammar to one schema.

The schema is read from the database itself (SQLite, DuckDB, or a folder of CSV files
loaded into SQLite), so nothing here knows any particular database. Columns are typed
``num`` or ``text`` by their declared type, following SQLite's affinity rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parseinstr.errors import DataError
from parseinstr.grammar import Grammar, quote_literal

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def affinity_kind(declared: str) -> str:
    """``num`` or ``text`` for a declared column type, by SQLite's affinity rules.

    INT, REAL/FLOA/DOUB, DEC/NUM and BOOL types are numbers; CHAR/CLOB/TEXT, BLOB, dates
    and an empty declaration are text (values are compared as written).
    """
    t = declared.upper()
    if "INT" in t:
        return "num"
    if any(k in t for k in ("CHAR", "CLOB", "TEXT", "BLOB", "DATE", "TIME")) or not t:
        return "text"
    if any(k in t for k in ("REAL", "FLOA", "DOUB", "DEC", "NUM", "BOOL", "HUGEINT")):
        return "num"
    return "text"


@dataclass(frozen=True)
class Column:
    """A column: its name, declared type and kind (``num`` or ``text``)."""

    name: str
    declared: str
    kind: str


@dataclass(frozen=True)
class Table:
    """A table and its columns, in declaration order."""

    name: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        """The column called ``name`` (case-insensitive), or None."""
        low = name.lower()
        return next((c for c in self.columns if c.name.lower() == low), None)


@dataclass(frozen=True)
class Schema:
    """The tables of one database."""

    tables: tuple[Table, ...]

    def table(self, name: str) -> Table | None:
        """The table called ``name`` (case-insensitive), or None."""
        low = name.lower()
        return next((t for t in self.tables if t.name.lower() == low), None)

    def column_kinds(self) -> dict[str, str]:
        """Kind of each column name across tables; a name used with both kinds is text."""
        kinds: dict[str, str] = {}
        for table in self.tables:
            for col in table.columns:
                low = col.name.lower()
                kinds[low] = col.kind if kinds.get(low, col.kind) == col.kind else "text"
        return kinds

    def validate_names(self) -> None:
        """Raise ``DataError`` for a table or column name SQL cannot spell bare."""
        for table in self.tables:
            if not _IDENT.match(table.name):
                raise DataError(f"table {table.name!r}: only letters, digits and _ are supported")
            for col in table.columns:
                if not _IDENT.match(col.name):
                    raise DataError(f"column {table.name}.{col.name!r}: letters, digits and _ only")


def _alt(names: list[str]) -> str:
    return " | ".join(names)


def specialise(base: Grammar, schema: Schema) -> Grammar:
    """The SQL grammar admitting only ``schema``'s tables and columns, typed.

    Each table gets a terminal for its name, one for its aliases (``<table>alias<N>``) and
    one for a qualifier (``<table>.`` or ``<table>alias<N>.``); a qualified column must be
    a column of that table and of the type the position needs. A pure function: ``base``
    is not changed.
    """
    schema.validate_names()
    rules: dict[str, str] = {}
    # One named terminal per distinct column name, shared by every table that has it.
    col_term: dict[str, str] = {}
    for table in schema.tables:
        for col in table.columns:
            low = col.name.lower()
            if low not in col_term:
                col_term[low] = f"COL{len(col_term)}"
                rules[col_term[low]] = quote_literal(low) + "i"
    table_refs, num_cols, str_cols = [], [], []
    for i, table in enumerate(schema.tables):
        low = table.name.lower()
        esc = re.escape(low)
        rules[f"TABLE{i}"] = quote_literal(low) + "i"
        rules[f"ALIAS{i}"] = f"/{esc}alias[0-9]+/i"
        rules[f"QUALIFIER{i}"] = f"/{esc}(alias[0-9]+)?\\./i"
        table_refs.append(f'TABLE{i} ("AS"i? ALIAS{i})?')
        for kind, target in (("num", num_cols), ("text", str_cols)):
            names = [col_term[c.name.lower()] for c in table.columns if c.kind == kind]
            if names:
                rule = f"table{i}_{kind}_column"
                rules[rule] = _alt(names)
                target.append(f"QUALIFIER{i} {rule}")
    kinds = schema.column_kinds()
    bare = {k: [col_term[n] for n, kk in kinds.items() if kk == k] for k in ("num", "text")}
    for kind, target, rule in (
        ("num", num_cols, "bare_num_column"),
        ("text", str_cols, "bare_str_column"),
    ):
        if bare[kind]:
            rules[rule] = _alt(bare[kind])
            target.append(rule)
            target.append(f"DERIVED_QUALIFIER {rule}")
    num_cols.append("DERIVED_QUALIFIER DERIVED_FIELD")
    if not str_cols:  # a database without text columns: text comes only from literals
        str_cols.append("STR_COLUMN_PLACEHOLDER")
    if not table_refs:
        raise DataError("the database has no tables")
    rules["table_ref"] = _alt(table_refs)
    rules["num_col"] = _alt(num_cols)
    rules["str_col"] = _alt(str_cols)
    return base.with_rules(rules, name=base.name)
